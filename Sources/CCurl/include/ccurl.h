#ifndef SLUICE_CCURL_H
#define SLUICE_CCURL_H
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* libcurl, loaded on first use rather than at start-up: it and the two dozen libraries it needs
   (TLS, LDAP, Kerberos, IDN…) took 4-5 ms of every `sluice` start, and most commands never send
   mail. Only the calls the SMTP client makes are here; each goes through a pointer looked up once.
   curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper
   per argument kind. */

/* Loads libcurl and runs curl_global_init once (thread-safe). CURLE_OK, or CURLE_FAILED_INIT with
   the loader's reason in sluice_curl_load_error(). */
CURLcode sluice_curl_global_init(void);
/* Why loading failed ("libcurl.so.4: cannot open shared object file…"), or NULL. */
const char *sluice_curl_load_error(void);

CURL *sluice_curl_easy_init(void);
void sluice_curl_easy_cleanup(CURL *curl);
CURLcode sluice_curl_easy_perform(CURL *curl);
const char *sluice_curl_easy_strerror(CURLcode code);
struct curl_slist *sluice_curl_slist_append(struct curl_slist *list, const char *value);
void sluice_curl_slist_free_all(struct curl_slist *list);

CURLcode sluice_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode sluice_curl_setopt_str(CURL *curl, CURLoption option, const char *value);
CURLcode sluice_curl_setopt_ptr(CURL *curl, CURLoption option, void *value);
CURLcode sluice_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value);
CURLcode sluice_curl_setopt_read_callback(CURL *curl, curl_read_callback callback);
CURLcode sluice_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);

#endif
