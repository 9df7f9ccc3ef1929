/* vocab.h - hash tables: strings to dense ids, n-gram keys to feature ids. */
#ifndef SLANT_VOCAB_H
#define SLANT_VOCAB_H

#include "core.h"

/* String -> dense id table; keys are copied into an arena. */
typedef struct slantp_strtab {
    uint32_t *slots;        /* id+1, 0 = empty */
    size_t nslots;
    size_t *offs;           /* id -> offset of its NUL-terminated key in arena */
    uint32_t *lens;
    uint64_t *hashes;
    size_t n, cap;
    slantp_buf arena;
} slantp_strtab;

int slantp_strtab_init(slantp_strtab *t, size_t expected);
void slantp_strtab_release(slantp_strtab *t);
/* Id of the key, or -1. */
long slantp_strtab_find(const slantp_strtab *t, const char *k, size_t n);
/* Id of the key, inserted if new; -1 on memory. */
long slantp_strtab_intern(slantp_strtab *t, const char *k, size_t n);
const char *slantp_strtab_key(const slantp_strtab *t, size_t id);

/* uint64 key -> uint32 value table (n-gram keys -> feature ids). Key 0 is
 * reserved for empty slots. */
typedef struct slantp_keytab {
    uint64_t *keys;
    uint32_t *vals;
    size_t nslots, n;
} slantp_keytab;

int slantp_keytab_init(slantp_keytab *t, size_t expected);
void slantp_keytab_release(slantp_keytab *t);
/* Pointer to the value of 'key', or NULL. */
static inline const uint32_t *slantp_keytab_find(const slantp_keytab *t, uint64_t key)
{
    size_t mask = t->nslots - 1, i = (size_t)slantp_hash_u64(key) & mask;
    for (;;) {
        uint64_t k = t->keys[i];
        if (k == key)
            return &t->vals[i];
        if (k == 0)
            return NULL;
        i = (i + 1) & mask;
    }
}
/* Insert or find; *val_out points at the value slot (new slots hold
 * 'initial'). Returns 1 if inserted, 0 if found, -1 on memory. */
int slantp_keytab_put(slantp_keytab *t, uint64_t key, uint32_t initial, uint32_t **val_out);

/* An n-gram of stem ids packed into one key: 21 bits per id, id+1 so 0 is
 * "no word". */
static inline uint64_t slantp_ngram_key(const int32_t *ids, int n)
{
    uint64_t k = 0;
    for (int i = 0; i < n; i++)
        k |= (uint64_t)(uint32_t)(ids[i] + 1) << (21 * i);
    return k;
}

/* Which lookups a stem takes part in (stem_in bits), laid out as a
 * token's record carries them (see SLANTP_REC_FIRST): the first word of a
 * pair lookup (a bigram's or a trigram's first two words), the first of a
 * trigram; the second of a pair lookup, the second of a trigram, the
 * third of a trigram. */
enum {
    SLANTP_IN_PAIR_1 = 1, SLANTP_IN_TRI_1 = 2,
    SLANTP_IN_PAIR_2 = 4, SLANTP_IN_TRI_2 = 8, SLANTP_IN_TRI_3 = 16
};

#endif
