// OpenJPEG reads through a stream of callbacks; these read one code stream held in memory
// (a DICOM frame), and keep the codec's last error message for the caller.
#include <openjpeg-2.5/openjpeg.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    OPJ_SIZE_T size;
    OPJ_SIZE_T offset;
} sluice_opj_memory;

static OPJ_SIZE_T sluice_opj_read(void *buffer, OPJ_SIZE_T count, void *user) {
    sluice_opj_memory *m = (sluice_opj_memory *)user;
    if (m->offset >= m->size) return (OPJ_SIZE_T)-1;
    OPJ_SIZE_T n = m->size - m->offset < count ? m->size - m->offset : count;
    memcpy(buffer, m->data + m->offset, n);
    m->offset += n;
    return n;
}

static OPJ_OFF_T sluice_opj_skip(OPJ_OFF_T count, void *user) {
    sluice_opj_memory *m = (sluice_opj_memory *)user;
    if (count < 0) {
        if ((OPJ_SIZE_T)(-count) > m->offset) { OPJ_OFF_T back = (OPJ_OFF_T)m->offset; m->offset = 0; return -back; }
        m->offset -= (OPJ_SIZE_T)(-count);
        return count;
    }
    OPJ_SIZE_T left = m->size - m->offset;
    OPJ_SIZE_T n = (OPJ_SIZE_T)count > left ? left : (OPJ_SIZE_T)count;
    m->offset += n;
    return (OPJ_OFF_T)n;
}

static OPJ_BOOL sluice_opj_seek(OPJ_OFF_T to, void *user) {
    sluice_opj_memory *m = (sluice_opj_memory *)user;
    if (to < 0 || (OPJ_SIZE_T)to > m->size) return OPJ_FALSE;
    m->offset = (OPJ_SIZE_T)to;
    return OPJ_TRUE;
}

/// A read stream over `memory`, which must outlive it.
static inline opj_stream_t *sluice_opj_stream(sluice_opj_memory *memory) {
    opj_stream_t *s = opj_stream_create(64 * 1024, OPJ_TRUE);
    if (!s) return NULL;
    opj_stream_set_user_data(s, memory, NULL);
    opj_stream_set_user_data_length(s, memory->size);
    opj_stream_set_read_function(s, sluice_opj_read);
    opj_stream_set_skip_function(s, sluice_opj_skip);
    opj_stream_set_seek_function(s, sluice_opj_seek);
    return s;
}

/// The codec's last error, copied into `client` (a char[256]).
static void sluice_opj_error(const char *message, void *client) {
    if (client && message) {
        strncpy((char *)client, message, 255);
        ((char *)client)[255] = 0;
        size_t n = strlen((char *)client);
        while (n > 0 && (((char *)client)[n - 1] == '\n')) ((char *)client)[--n] = 0;
    }
}
static void sluice_opj_quiet(const char *message, void *client) { (void)message; (void)client; }

static inline void sluice_opj_handlers(opj_codec_t *codec, char *error256) {
    opj_set_error_handler(codec, sluice_opj_error, error256);
    opj_set_warning_handler(codec, sluice_opj_quiet, NULL);
    opj_set_info_handler(codec, sluice_opj_quiet, NULL);
}

/// A growing output buffer for encoding (samples); free `data` with free().
typedef struct {
    unsigned char *data;
    OPJ_SIZE_T size;
    OPJ_SIZE_T capacity;
    OPJ_SIZE_T offset;
} sluice_opj_output;

#include <stdlib.h>
static OPJ_SIZE_T sluice_opj_write(void *buffer, OPJ_SIZE_T count, void *user) {
    sluice_opj_output *m = (sluice_opj_output *)user;
    if (m->offset + count > m->capacity) {
        OPJ_SIZE_T cap = m->capacity ? m->capacity : 65536;
        while (cap < m->offset + count) cap *= 2;
        unsigned char *p = (unsigned char *)realloc(m->data, cap);
        if (!p) return (OPJ_SIZE_T)-1;
        m->data = p;
        m->capacity = cap;
    }
    memcpy(m->data + m->offset, buffer, count);
    m->offset += count;
    if (m->offset > m->size) m->size = m->offset;
    return count;
}
static OPJ_OFF_T sluice_opj_out_skip(OPJ_OFF_T count, void *user) {
    sluice_opj_output *m = (sluice_opj_output *)user;
    if ((OPJ_OFF_T)m->offset + count < 0) return -1;
    m->offset = (OPJ_SIZE_T)((OPJ_OFF_T)m->offset + count);
    return count;
}
static OPJ_BOOL sluice_opj_out_seek(OPJ_OFF_T to, void *user) {
    sluice_opj_output *m = (sluice_opj_output *)user;
    if (to < 0) return OPJ_FALSE;
    m->offset = (OPJ_SIZE_T)to;
    return OPJ_TRUE;
}
static inline opj_stream_t *sluice_opj_output_stream(sluice_opj_output *out) {
    opj_stream_t *s = opj_stream_create(64 * 1024, OPJ_FALSE);
    if (!s) return NULL;
    opj_stream_set_user_data(s, out, NULL);
    opj_stream_set_write_function(s, sluice_opj_write);
    opj_stream_set_skip_function(s, sluice_opj_out_skip);
    opj_stream_set_seek_function(s, sluice_opj_out_seek);
    return s;
}
