/* trace_private.h - what the provenance modules share (tracep_*).
 *
 *   shingle.c   text -> normalized word hashes -> 4-word shingles -> MinHash
 *   wdiff.c     word-sequence alignment (Myers' O(ND) diff) into hunks
 *   relation.c  one version against its original: verbatim ... rewritten
 *   trace.c     the document set, band join, verification, families
 *   trace_input.c  documents read from files, and their texts read again
 *   spin.c      collocations broken by a synonym, in one text
 *
 * Words are the classifier's tokens (text.c) in the classifier's normalized
 * form (case-folded, NFC, digits as 0), so tracing and classifying see the
 * same words.
 */
#ifndef SLANT_TRACE_PRIVATE_H
#define SLANT_TRACE_PRIVATE_H

#include <stdint.h>

#include "core.h"
#include "text.h"
#include "vocab.h"
#include "slant_trace.h"

#define TRACEP_SHINGLE 4     /* words per shingle */
#define TRACEP_BINS 64       /* MinHash bins; each bin is one band */
#define TRACEP_MIN_AGREE 3   /* bins two signatures must share to be verified */

/* A 64-bit mixer (multiply-xorshift) for shingles and densification. */
static inline uint64_t tracep_mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9fb21c651e98df25ULL;
    x ^= x >> 29;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

enum { TRACEP_W_BREAK = 1, TRACEP_W_NAME = 2, TRACEP_W_NUMBER = 4 };

/* The words of one text. */
typedef struct tracep_words {
    uint64_t *h;            /* hash of each normalized word */
    uint8_t *flags;         /* TRACEP_W_* */
    slantp_tokens toks;     /* byte spans, parallel to h */
    size_t n, cap;
    slantp_buf norm;        /* scratch */
} tracep_words;

int tracep_words_of(tracep_words *w, const char *text, size_t len);
/* The hash of one token's normalized form, as tracep_words_of gives it
 * ('norm' is scratch); -1 on memory. */
int tracep_word_hash(const char *p, size_t n, slantp_buf *norm, uint64_t *h);
void tracep_words_release(tracep_words *w);

/* The shingle hashes of w in text order, duplicates kept (enough for a
 * MinHash), into *set; the count, or (size_t)-1 on memory. */
size_t tracep_shingles(const tracep_words *w, uint64_t **set, size_t *cap);
/* The shingle hashes of w, sorted, duplicates removed, into *set (grown
 * with *cap). A text of fewer words than a shingle gives one shingle of all
 * of them; no words, none. Returns the count, or (size_t)-1 on memory. */
size_t tracep_shingle_set(const tracep_words *w, uint64_t **set, size_t *cap);
/* Shared elements of two sorted sets. */
size_t tracep_intersect(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
/* One-permutation MinHash of shingles (in any order, duplicates allowed): bin = top 6 bits, value = the
 * smallest low 32 bits in the bin; empty bins borrow from the next filled
 * one (rotation), mixed with the distance so borrowed values differ. */
void tracep_minhash(const uint64_t *set, size_t n, uint32_t sig[TRACEP_BINS]);

/* Non-matching regions of an alignment: a[a_pos, a_pos+a_len) was replaced
 * by b[b_pos, b_pos+b_len) (either length may be 0). */
typedef struct tracep_hunk {
    uint32_t a_pos, a_len, b_pos, b_len;
} tracep_hunk;
typedef struct tracep_diff {
    tracep_hunk *v;
    size_t n, cap;
    int32_t *trace;         /* scratch: the V arrays of each step */
    size_t trace_cap;
} tracep_diff;
/* Align a (n) and b (m) with at most max_d insertions plus deletions.
 * Returns 0 with the hunks in order, 1 when they differ by more than
 * max_d, -1 on memory. */
int tracep_diff_run(tracep_diff *d, const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                    size_t max_d);
void tracep_diff_release(tracep_diff *d);

/* One version against its original (texts and words of both). */
typedef struct tracep_version {
    slant_trace_relation_info info;
    slant_trace_subst *subs;
    char *arena;            /* the substitutions' strings */
} tracep_version;
int tracep_relate(const char *otext, const tracep_words *ow, const char *vtext, size_t vlen,
                  const tracep_words *vw, double containment, tracep_diff *scratch,
                  tracep_version *out);
void tracep_version_release(tracep_version *v);

/* qsort order of 64-bit keys, and whether a sorted array holds 'key'
 * (shingle.c). */
int tracep_cmp_u64(const void *a, const void *b);
int tracep_has_u64(const uint64_t *v, size_t n, uint64_t key);

/* slant_trace_add, with keep[i] saying whether document i's text is kept
 * in memory (NULL: kept unless the options have a fetch callback). */
int tracep_add(slant_trace *t, const slant_trace_doc *docs, size_t n, const unsigned char *keep,
               slant_error *err);

/* Where the documents read from files are (trace_input.c): the trace owns
 * it, created by the first slant_trace_add_file. */
typedef struct tracep_input tracep_input;
tracep_input **tracep_trace_input(slant_trace *t);
void tracep_input_free(tracep_input *in);
/* The text of 'doc' read again from its file, checked to be 'expect'
 * bytes long; valid until the next call. 1 when read, 0 when the document
 * was not placed in a file (its text is elsewhere), -1 when it cannot be
 * read again (the reason: tracep_input_error). Single-threaded. */
int tracep_input_text(tracep_input *in, size_t doc, size_t expect, const char **text, size_t *len);
/* The failure of the last tracep_input_text into *err; 0 when it did not fail. */
int tracep_input_error(const tracep_input *in, slant_error *err);
const char *tracep_input_source(const tracep_input *in, size_t doc);
const char *tracep_input_date(const tracep_input *in, size_t doc);

#endif
