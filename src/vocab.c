/* vocab.c - the two hash tables the pipeline runs on.
 *
 * strtab maps strings to dense ids (stems, cached token forms, label
 * names); keys live in one arena and are addressed by offset so growth
 * never invalidates them. keytab maps packed n-gram keys to feature ids.
 * Both use open addressing with linear probing at load <= 1/2 and store
 * exact keys: there are no hash collisions between features.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "vocab.h"

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

int slantp_strtab_init(slantp_strtab *t, size_t expected)
{
    memset(t, 0, sizeof *t);
    t->nslots = pow2_at_least(expected * 2);
    t->slots = calloc(t->nslots, sizeof *t->slots);
    return t->slots ? 0 : -1;
}

void slantp_strtab_release(slantp_strtab *t)
{
    free(t->slots);
    free(t->offs);
    free(t->lens);
    free(t->hashes);
    slantp_buf_release(&t->arena);
    memset(t, 0, sizeof *t);
}

static long strtab_lookup(const slantp_strtab *t, const char *k, size_t n, uint64_t h,
                          size_t *slot)
{
    size_t mask = t->nslots - 1, i = (size_t)h & mask;
    for (;;) {
        uint32_t v = t->slots[i];
        if (v == 0) {
            *slot = i;
            return -1;
        }
        uint32_t id = v - 1;
        if (t->hashes[id] == h && t->lens[id] == n &&
            memcmp(t->arena.data + t->offs[id], k, n) == 0)
            return id;
        i = (i + 1) & mask;
    }
}

long slantp_strtab_find(const slantp_strtab *t, const char *k, size_t n)
{
    size_t slot;
    if (!t->slots)
        return -1;
    return strtab_lookup(t, k, n, slantp_hash_bytes(k, n), &slot);
}

static int strtab_rehash(slantp_strtab *t)
{
    size_t ns = t->nslots * 2;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s)
        return -1;
    for (size_t id = 0; id < t->n; id++) {
        size_t i = (size_t)t->hashes[id] & (ns - 1);
        while (s[i])
            i = (i + 1) & (ns - 1);
        s[i] = (uint32_t)id + 1;
    }
    free(t->slots);
    t->slots = s;
    t->nslots = ns;
    return 0;
}

long slantp_strtab_intern(slantp_strtab *t, const char *k, size_t n)
{
    uint64_t h = slantp_hash_bytes(k, n);
    size_t slot;
    long id = strtab_lookup(t, k, n, h, &slot);
    if (id >= 0)
        return id;
    if (t->n >= UINT32_MAX - 1)
        return -1;
    /* offs, lens and hashes share one capacity, t->cap: offs grows last,
     * so after a failed realloc it is still what all three have room for */
    size_t cap_lens = t->cap, cap_hashes = t->cap;
    if (slantp_grow(&t->lens, &cap_lens, t->n + 1, sizeof *t->lens) < 0 ||
        slantp_grow(&t->hashes, &cap_hashes, t->n + 1, sizeof *t->hashes) < 0 ||
        slantp_grow(&t->offs, &t->cap, t->n + 1, sizeof *t->offs) < 0)
        return -1;
    size_t off = t->arena.len;
    if (slantp_buf_append(&t->arena, k, n) < 0 || slantp_buf_append(&t->arena, "", 1) < 0)
        return -1;
    t->offs[t->n] = off;
    t->lens[t->n] = (uint32_t)n;
    t->hashes[t->n] = h;
    t->slots[slot] = (uint32_t)t->n + 1;
    id = (long)t->n++;
    if (t->n * 2 > t->nslots && strtab_rehash(t) < 0)
        return -1;
    return id;
}

const char *slantp_strtab_key(const slantp_strtab *t, size_t id)
{
    return t->arena.data + t->offs[id];
}

int slantp_keytab_init(slantp_keytab *t, size_t expected)
{
    memset(t, 0, sizeof *t);
    t->nslots = pow2_at_least(expected * 2);
    t->keys = calloc(t->nslots, sizeof *t->keys);
    t->vals = calloc(t->nslots, sizeof *t->vals);
    if (!t->keys || !t->vals) {
        slantp_keytab_release(t);
        return -1;
    }
    return 0;
}

void slantp_keytab_release(slantp_keytab *t)
{
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

static int keytab_rehash(slantp_keytab *t)
{
    size_t ns = t->nslots * 2;
    uint64_t *k = calloc(ns, sizeof *k);
    uint32_t *v = calloc(ns, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < t->nslots; i++) {
        if (!t->keys[i])
            continue;
        size_t j = (size_t)slantp_hash_u64(t->keys[i]) & (ns - 1);
        while (k[j])
            j = (j + 1) & (ns - 1);
        k[j] = t->keys[i];
        v[j] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = k;
    t->vals = v;
    t->nslots = ns;
    return 0;
}

int slantp_keytab_put(slantp_keytab *t, uint64_t key, uint32_t initial, uint32_t **val_out)
{
    if ((t->n + 1) * 2 > t->nslots && keytab_rehash(t) < 0)
        return -1;
    size_t mask = t->nslots - 1, i = (size_t)slantp_hash_u64(key) & mask;
    for (;;) {
        if (t->keys[i] == key) {
            *val_out = &t->vals[i];
            return 0;
        }
        if (t->keys[i] == 0)
            break;
        i = (i + 1) & mask;
    }
    t->keys[i] = key;
    t->vals[i] = initial;
    t->n++;
    *val_out = &t->vals[i];
    return 1;
}
