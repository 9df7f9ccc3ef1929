/* stem.h - token to Snowball stem to stem id, with a per-workspace cache
 * and a cache shared between threads. */
#ifndef SLANT_STEM_H
#define SLANT_STEM_H

#include "core.h"
#include "text.h"
#include "vocab.h"

/* Turns token spans into stem ids with a cache. In training mode new stems
 * are added to 'stems'; in classify mode unknown stems map to -1. */
typedef struct slantp_cache_entry slantp_cache_entry;

/* Records of short tokens (up to 16 bytes) shared by the workspaces of
 * one model, so that threads stem each new word once between them, not
 * once each, and one table sits in the caches instead of one per thread.
 * Insert-only and lock-free: a writer claims an empty slot by setting its
 * hash to SLANTP_SHARE_BUSY, fills it, then stores the real hash with
 * release order; a reader looks at the other fields only after an acquire
 * load of the hash finds the one it wants. Real hashes are odd, so the
 * busy mark never matches. Once 'limit' slots are claimed the table takes
 * no more words; later ones go to each workspace's own cache. */
#define SLANTP_SHARE_BUSY UINT64_C(2)
typedef struct slantp_share_entry slantp_share_entry;

typedef struct slantp_stem_share {
    slantp_share_entry *slot;
    size_t mask;
    _Atomic size_t n;         /* slots claimed */
    size_t limit;
} slantp_stem_share;

/* A table of 2^log2_slots slots, taking up to half that many words. */
slantp_stem_share *slantp_stem_share_new(unsigned log2_slots);
void slantp_stem_share_free(slantp_stem_share *sh);

/* A token's record: what the phrase index needs of it in 64 bits,
 * carried by the shared table so that one probe gives it all. With a
 * model that has no phrase index, only the stem id + 1 is set. */
#define SLANTP_REC_SID_MASK UINT64_C(0x1fffff)  /* stem id + 1, 0 = unknown */
/* Bits 21 to 25: the stem's SLANTP_IN_* bits; the last three (23 to 25,
 * its places after the first word) are 0 when a sentence starts at the
 * token. One AND of two records shifted to line those up tells whether a
 * pair and a triple are worth looking up. */
#define SLANTP_REC_FIRST 21
#define SLANTP_REC_LATER 23
#define SLANTP_REC_UNIGRAM 32       /* its unigram feature id + 1, 0 = none */

struct slantp_phrase_index;

typedef struct slantp_stemmer {
    struct sb_stemmer *sb;
    slantp_stem_share *share;     /* the model's shared stems, or NULL (always NULL to train) */
    slantp_cache_entry *cache;    /* raw token bytes -> stem id (or -1) */
    size_t cache_slots, cache_n;
    slantp_buf cache_arena;
    size_t cache_limit;       /* flush when the cache holds this many words */
    slantp_buf norm;          /* scratch */
    const slantp_strtab *stems;   /* the stem table: owned by model or trainer */
    slantp_strtab *grow;          /* training: the same table, writable; else NULL */
    const struct slantp_phrase_index *index;  /* for records: the model's, or NULL */
} slantp_stemmer;

/* 'grow' is NULL to classify, or 'stems' itself (writable) to train. */
int slantp_stemmer_init(slantp_stemmer *s, const char *language, const slantp_strtab *stems,
                        slantp_strtab *grow, slant_error *err);
void slantp_stemmer_release(slantp_stemmer *s);
/* Stem id of the token text [p, p+n): -1 if unknown (classify mode) or
 * not a word; -2 on memory. */
int32_t slantp_stem_id(slantp_stemmer *s, const char *p, size_t n);
/* The same without the cache: for words met once. */
int32_t slantp_stem_lookup(slantp_stemmer *s, const char *p, size_t n);
/* The same for every token of 'text' (len bytes): ids[i] for toks[i].
 * Returns 0, or -1 on memory. */
int slantp_stem_ids(slantp_stemmer *s, const char *text, size_t len, const slantp_token *toks,
                    size_t n, int32_t *ids);
/* The same as records (s->index must be set), recs[i] for toks[i]. */
int slantp_stem_records(slantp_stemmer *s, const char *text, size_t len,
                        const slantp_token *toks, size_t n, uint64_t *recs);
/* A fingerprint of the stemmer into *fp: a hash of the stems of a fixed
 * word list, so a model trained with another libstemmer is noticed.
 * Returns -1 when the stemmer ran out of memory. */
int slantp_stemmer_fingerprint(slantp_stemmer *s, uint64_t *fp);

#endif
