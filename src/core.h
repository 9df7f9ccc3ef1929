/* core.h - what every stage of the library shares: its limits, errors
 * in one shape, growable buffers and arrays. */
#ifndef SLANT_CORE_H
#define SLANT_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "slant.h"

#define SLANTP_MAX_TOKEN_BYTES 64          /* longer tokens (hashes, base64) are skipped */
#define SLANTP_MAX_NGRAM 3
#define SLANTP_MAX_STEMS ((1u << 21) - 2)  /* stem ids are packed 21 bits to a key */
#define SLANTP_MAX_LINE ((size_t)64 << 20) /* longest JSONL/TSV line, in bytes */
#define SLANTP_MAX_DOC ((size_t)64 << 20)  /* longest document, in bytes */
#define SLANTP_MAX_MODEL ((size_t)2 << 30) /* largest model file, in bytes */
#define SLANTP_MAX_LABELS 4096
#define SLANTP_MAX_HEADS 64
#define SLANTP_FORMAT_VERSION SLANT_MODEL_FORMAT


/* Fill 'err' (if non-NULL and still empty of a code) and return 'code'. */
int slantp_error(slant_error *err, int code, const char *source, long line, long column,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
void slantp_error_clear(slant_error *err);

/* Growable byte buffer. */
typedef struct slantp_buf {
    char *data;
    size_t len, cap;
} slantp_buf;
int slantp_buf_reserve(slantp_buf *b, size_t extra);
int slantp_buf_append(slantp_buf *b, const void *p, size_t n);
void slantp_buf_release(slantp_buf *b);

/* Grow an array *p of *cap elements of 'size' bytes to hold at least 'need'. */
int slantp_grow(void *p, size_t *cap, size_t need, size_t size);

char *slantp_strndup(const char *s, size_t n);

/* Ask for the cache line at p. Debian's GCC 12 at -O2 drops some
 * __builtin_prefetch calls outright: objdump showed none left of the
 * prefetches of a shared stem slot and of the weight rows in
 * slant_classify, and those loads then waited on memory. An asm
 * statement is never dropped. */
static inline void slantp_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p);
#endif
}

/* 64-bit mixing hash of a byte string and of a 64-bit key. */
uint64_t slantp_hash_bytes(const void *p, size_t n);
static inline uint64_t slantp_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
