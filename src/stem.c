/* stem.c - second stage: token text -> normalized form -> Snowball stem ->
 * stem id, through a per-workspace cache.
 *
 * Stemming every token costs about ten times the tokenizer, and news
 * vocabulary is Zipfian, so the cache is keyed on the token's raw bytes:
 * a hit skips normalization and the stemmer entirely. The sb_stemmer is
 * not thread-safe, which is why this object lives in a workspace and never
 * in the shared model. libstemmer returns NULL for a few ordinary inputs
 * (Greek "ισαισα" in 2.2.0); the normalized token is used as its own stem.
 */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "slant_private.h"

#define CACHE_LIMIT (1u << 20)

int slantp_stemmer_init(slantp_stemmer *s, const char *language, const slantp_strtab *stems,
                        slantp_strtab *grow, slant_error *err)
{
    memset(s, 0, sizeof *s);
    s->sb = sb_stemmer_new(language, NULL);
    if (!s->sb)
        return slantp_error(err, SLANT_ESTEMMER, NULL, -1, -1,
                            "no Snowball stemmer for language '%s'", language);
    s->cache_slots = 1 << 14;
    s->cache = calloc(s->cache_slots, sizeof *s->cache);
    if (!s->cache) {
        slantp_stemmer_release(s);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    s->cache_limit = CACHE_LIMIT;
    s->stems = stems;
    s->grow = grow;
    return SLANT_OK;
}

void slantp_stemmer_release(slantp_stemmer *s)
{
    if (s->sb)
        sb_stemmer_delete(s->sb);
    free(s->cache);
    slantp_buf_release(&s->cache_arena);
    slantp_buf_release(&s->norm);
    memset(s, 0, sizeof *s);
}

static int32_t stem_uncached(slantp_stemmer *s, const char *p, size_t n)
{
    if (slantp_normalize_token(p, n, &s->norm) < 0)
        return -2;
    const char *stem = s->norm.data;
    size_t slen = s->norm.len;
    if (slen < (size_t)1 << 20) {
        const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)s->norm.data, (int)slen);
        if (r) {
            stem = (const char *)r;
            slen = (size_t)sb_stemmer_length(s->sb);
        }
    }
    long id;
    if (s->grow) {
        if (s->grow->n >= SLANTP_MAX_STEMS && slantp_strtab_find(s->grow, stem, slen) < 0)
            return -1;
        id = slantp_strtab_intern(s->grow, stem, slen);
        if (id < 0)
            return -2;
    } else {
        id = slantp_strtab_find(s->stems, stem, slen);
    }
    return (int32_t)id;
}

static const char *entry_key(const slantp_stemmer *s, const slantp_cache_entry *e)
{
    return e->len <= sizeof e->key.inl ? e->key.inl : s->cache_arena.data + e->key.off;
}

static int cache_grow(slantp_stemmer *s)
{
    size_t ns = s->cache_slots * 2;
    slantp_cache_entry *c = calloc(ns, sizeof *c);
    if (!c)
        return -1;
    for (size_t i = 0; i < s->cache_slots; i++) {
        if (!s->cache[i].hash)
            continue;
        size_t j = (size_t)s->cache[i].hash & (ns - 1);
        while (c[j].hash)
            j = (j + 1) & (ns - 1);
        c[j] = s->cache[i];
    }
    free(s->cache);
    s->cache = c;
    s->cache_slots = ns;
    return 0;
}

int32_t slantp_stem_id(slantp_stemmer *s, const char *p, size_t n)
{
    uint64_t h = slantp_hash_bytes(p, n) | 1;
    size_t mask = s->cache_slots - 1, i = (size_t)h & mask;
    for (;;) {
        slantp_cache_entry *e = &s->cache[i];
        if (e->hash == h && e->len == n && memcmp(entry_key(s, e), p, n) == 0)
            return e->sid;
        if (!e->hash)
            break;
        i = (i + 1) & mask;
    }
    int32_t id = stem_uncached(s, p, n);
    if (id == -2)
        return -2;
    if (s->cache_n >= s->cache_limit) {
        /* bound memory on endless streams of new words */
        memset(s->cache, 0, s->cache_slots * sizeof *s->cache);
        s->cache_n = 0;
        s->cache_arena.len = 0;
    }
    if ((s->cache_n + 1) * 2 > s->cache_slots) {
        if (cache_grow(s) < 0)
            return -2;
    }
    mask = s->cache_slots - 1;
    i = (size_t)h & mask;
    while (s->cache[i].hash)
        i = (i + 1) & mask;
    slantp_cache_entry *e = &s->cache[i];
    if (n <= sizeof e->key.inl) {
        memcpy(e->key.inl, p, n);
    } else {
        e->key.off = s->cache_arena.len;
        if (slantp_buf_append(&s->cache_arena, p, n) < 0)
            return -2;
    }
    e->hash = h;
    e->len = (uint32_t)n;
    e->sid = id;
    s->cache_n++;
    return id;
}

uint64_t slantp_stemmer_fingerprint(slantp_stemmer *s)
{
    static const char *const words[] = {
        "running", "generously", "nationalization", "relational", "conditional",
        "happiness", "hopeful", "sensibility", "agreed", "ponies", "caresses",
        "troubling", "electricity", "organizations", "ceasefire", "governments",
        "cafés", "régime", "terrorists", "operations", "triumphantly", "ogist",
    };
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)words[i],
                                             (int)strlen(words[i]));
        size_t n = r ? (size_t)sb_stemmer_length(s->sb) : 0;
        h = slantp_hash_u64(h ^ slantp_hash_bytes(r ? (const char *)r : "", n));
    }
    return h;
}
