/* util.c - error reporting, growable buffers and hashing used by every stage.
 *
 * The library never prints: errors are written into the caller's
 * slant_error, first error wins. Allocation helpers return -1 on failure so
 * callers can unwind through one 'fail:' label.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

const char *slant_strerror(int status)
{
    switch (status) {
    case SLANT_OK: return "success";
    case SLANT_ENOMEM: return "out of memory";
    case SLANT_EIO: return "input/output error";
    case SLANT_EFORMAT: return "malformed input";
    case SLANT_EVERSION: return "incompatible model version";
    case SLANT_EINVAL: return "invalid argument";
    case SLANT_ESTEMMER: return "stemmer not available";
    case SLANT_ETRAIN: return "training failed";
    case SLANT_ESTOPPED: return "stopped by the caller";
    default: return "unknown error";
    }
}

void slantp_error_clear(slant_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->line = err->column = err->offset = -1;
}

int slantp_error(slant_error *err, int code, const char *source, long line, long column,
                 const char *fmt, ...)
{
    if (!err || err->code != SLANT_OK)
        return code;
    err->code = code;
    err->line = line;
    err->column = column;
    err->offset = -1;
    snprintf(err->source, sizeof err->source, "%s", source ? source : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return code;
}

int slantp_grow(void *p, size_t *cap, size_t need, size_t size)
{
    void **pp = (void **)p;
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > ((size_t)-1) / 2 / size)
            return -1;
        ncap *= 2;
    }
    void *q = realloc(*pp, ncap * size);
    if (!q)
        return -1;
    *pp = q;
    *cap = ncap;
    return 0;
}

int slantp_buf_reserve(slantp_buf *b, size_t extra)
{
    if (extra > ((size_t)-1) - b->len - 1)
        return -1;
    return slantp_grow(&b->data, &b->cap, b->len + extra + 1, 1);
}

int slantp_buf_append(slantp_buf *b, const void *p, size_t n)
{
    if (slantp_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void slantp_buf_release(slantp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *slantp_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

uint64_t slantp_hash_bytes(const void *p, size_t n)
{
    /* 8 bytes at a time through the 64-bit finalizer: fast on short
     * tokens, and good enough spread for open addressing. */
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = slantp_hash_u64(h ^ w);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)s[i] << (8 * i);
    return slantp_hash_u64(h ^ w ^ 0x5bd1e995u);
}
