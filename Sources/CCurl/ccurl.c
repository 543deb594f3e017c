#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The runtime package's name for the library (libcurl4 / libcurl4-openssl-dev on Debian). */
#define LIBCURL "libcurl.so.4"

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode loaded = CURLE_FAILED_INIT;
static char load_error[512];

static void load(void) {
    void *lib = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    /* Each name is looked up; the first missing one is reported and nothing is used. */
    struct { const char *name; void **slot; } symbols[] = {
        {"curl_global_init", (void **)&api.global_init},
        {"curl_easy_init", (void **)&api.easy_init},
        {"curl_easy_cleanup", (void **)&api.easy_cleanup},
        {"curl_easy_perform", (void **)&api.easy_perform},
        {"curl_easy_strerror", (void **)&api.easy_strerror},
        {"curl_slist_append", (void **)&api.slist_append},
        {"curl_slist_free_all", (void **)&api.slist_free_all},
        {"curl_easy_setopt", (void **)&api.easy_setopt},
        {"curl_easy_getinfo", (void **)&api.easy_getinfo},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(lib, symbols[i].name);
        if (!*symbols[i].slot) {
            snprintf(load_error, sizeof load_error, "%s has no %s", LIBCURL, symbols[i].name);
            return;
        }
    }
    loaded = api.global_init(CURL_GLOBAL_DEFAULT);
    if (loaded != CURLE_OK) snprintf(load_error, sizeof load_error, "curl_global_init failed (%d)", (int)loaded);
}

CURLcode sluice_curl_global_init(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *sluice_curl_load_error(void) {
    pthread_once(&once, load);
    return loaded == CURLE_OK ? NULL : load_error;
}

/* The calls below are reached only after sluice_curl_global_init returned CURLE_OK. */
CURL *sluice_curl_easy_init(void) { return api.easy_init(); }
void sluice_curl_easy_cleanup(CURL *curl) { api.easy_cleanup(curl); }
CURLcode sluice_curl_easy_perform(CURL *curl) { return api.easy_perform(curl); }
const char *sluice_curl_easy_strerror(CURLcode code) { return api.easy_strerror(code); }
struct curl_slist *sluice_curl_slist_append(struct curl_slist *list, const char *value) { return api.slist_append(list, value); }
void sluice_curl_slist_free_all(struct curl_slist *list) { api.slist_free_all(list); }

CURLcode sluice_curl_setopt_long(CURL *curl, CURLoption option, long value) { return api.easy_setopt(curl, option, value); }
CURLcode sluice_curl_setopt_str(CURL *curl, CURLoption option, const char *value) { return api.easy_setopt(curl, option, value); }
CURLcode sluice_curl_setopt_ptr(CURL *curl, CURLoption option, void *value) { return api.easy_setopt(curl, option, value); }
CURLcode sluice_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) { return api.easy_setopt(curl, option, value); }
CURLcode sluice_curl_setopt_read_callback(CURL *curl, curl_read_callback callback) { return api.easy_setopt(curl, CURLOPT_READFUNCTION, callback); }
CURLcode sluice_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) { return api.easy_getinfo(curl, info, value); }
