/* stem.c - second stage: token text -> normalized form -> Snowball stem ->
 * stem id, through a cache; to classify, the stem's record (its id, the
 * n-gram positions it takes and its unigram feature) in one step.
 *
 * Stemming every token costs about ten times the tokenizer, and news
 * vocabulary is Zipfian, so the cache is keyed on the token's raw bytes:
 * a hit skips normalization and the stemmer entirely. To classify, short
 * tokens go to a lock-free table shared by every workspace of the model
 * (threads stem each new word once between them); long tokens, training,
 * and words past that table's limit use the workspace's own cache. The
 * sb_stemmer is not thread-safe, which is why it lives in a workspace and
 * never in the shared model. libstemmer returns NULL for a few ordinary inputs
 * (Greek "ισαισα" in 2.2.0); the normalized token is used as its own stem.
 */
#include <libstemmer.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core.h"
#include "features.h"
#include "stem.h"
#include "text.h"
#include "vocab.h"

/* One cached token: its raw bytes (inline up to 20, else in the arena),
 * hash and stem id. 32 bytes, so a probe touches one cache line. */
struct slantp_cache_entry {
    uint64_t hash;            /* 0 = empty slot */
    int32_t sid;
    uint32_t len;
    union {
        char inl[16];         /* up to 16 bytes, zero-padded */
        uint64_t w[2];        /* the same, as two words */
        uint64_t off;         /* into cache_arena when len > 16 */
    } key;
};

struct slantp_share_entry {
    _Atomic uint64_t hash;    /* 0 = empty */
    uint64_t rec;             /* the token's record (below), with no sentence start */
    uint64_t w[2];            /* the token's bytes, zero-padded (tokens hold no NUL) */
};

#define CACHE_LIMIT (1u << 20)

int slantp_stemmer_init(slantp_stemmer *s, const char *language, const slantp_strtab *stems,
                        slantp_strtab *grow, slant_error *err)
{
    memset(s, 0, sizeof *s);
    s->sb = sb_stemmer_new(language, NULL);
    if (!s->sb) {
        /* NULL is also what an allocation failure gives: a language
         * libstemmer lists was out of memory */
        for (const char **l = sb_stemmer_list(); *l; l++)
            if (strcmp(*l, language) == 0)
                return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return slantp_error(err, SLANT_ESTEMMER, NULL, -1, -1,
                            "no Snowball stemmer for language '%s'", language);
    }
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

int32_t slantp_stem_lookup(slantp_stemmer *s, const char *p, size_t n)
{
    return stem_uncached(s, p, n);
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

/* The cache key of a token of up to 16 bytes is the bytes themselves as
 * two zero-padded words; longer tokens hash their bytes. The short hash
 * is two multiplies, byte-swapped: the tables index by the low bits, and
 * a product's top bytes are the ones every input bit reaches. It is
 * cheaper than a general finalizer and spreads short words as well. */
static inline uint64_t short_hash(uint64_t w0, uint64_t w1, size_t n)
{
    uint64_t x = ((w0 ^ n) * 0x9e3779b97f4a7c15ULL + w1) * 0xc2b2ae3d27d4eb4fULL;
    return __builtin_bswap64(x) | 1;
}

static uint64_t token_hash(const char *p, size_t n)
{
    if (n > 16)
        return slantp_hash_bytes(p, n) | 1;
    uint64_t w[2] = {0, 0};
    memcpy(w, p, n);
    return short_hash(w[0], w[1], n);
}

/* Zero pages for the shared table: all-zero bytes are an empty slot, and
 * page alignment keeps every 32-byte slot inside one cache line. Asked
 * for as 2 MB pages where the kernel has them: on 4 KB pages, the first
 * word written to each page replaced the zero page a read had mapped
 * there, and each such copy-on-write sent the other thread's core a TLB
 * flush. Without transparent huge pages the advice is ignored. */
static void *map_zeroed_table(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    char *mem = mmap(NULL, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    /* keep the 2 MB-aligned 'bytes' inside, hand the rest back */
    char *table = (char *)(((uintptr_t)mem + huge - 1) & ~(uintptr_t)(huge - 1));
    if (table > mem)
        munmap(mem, (size_t)(table - mem));
    munmap(table + bytes, (size_t)(mem + huge - table));
#if defined(MADV_HUGEPAGE)
    madvise(table, bytes, MADV_HUGEPAGE);
#endif
    return table;
}

slantp_stem_share *slantp_stem_share_new(unsigned log2_slots)
{
    slantp_stem_share *sh = calloc(1, sizeof *sh);
    if (!sh)
        return NULL;
    size_t n = (size_t)1 << log2_slots;
    sh->slot = map_zeroed_table(n * sizeof *sh->slot);
    if (!sh->slot) {
        free(sh);
        return NULL;
    }
    sh->mask = n - 1;
    atomic_init(&sh->n, 0);
    sh->limit = n / 2;
    return sh;
}

void slantp_stem_share_free(slantp_stem_share *sh)
{
    if (!sh)
        return;
    munmap(sh->slot, (sh->mask + 1) * sizeof *sh->slot);
    free(sh);
}

/* Publish a word's record, from slot i on. Two threads may stem the same
 * new word at once: the second finds the first's entry and stops, or
 * (if it was still being written) adds a copy, which costs one slot. */
static void share_insert(slantp_stem_share *sh, size_t i, uint64_t w0, uint64_t w1, uint64_t h,
                         uint64_t rec)
{
    atomic_fetch_add_explicit(&sh->n, 1, memory_order_relaxed);
    for (;;) {
        slantp_share_entry *e = &sh->slot[i];
        uint64_t seen = 0;
        if (atomic_compare_exchange_strong_explicit(&e->hash, &seen, SLANTP_SHARE_BUSY,
                                                    memory_order_acquire, memory_order_acquire)) {
            e->rec = rec;
            e->w[0] = w0;
            e->w[1] = w1;
            atomic_store_explicit(&e->hash, h, memory_order_release);
            return;
        }
        if (seen == h && e->w[0] == w0 && e->w[1] == w1)
            return;
        i = (i + 1) & sh->mask;
    }
}

/* Stem, cache and return the id of a token that missed the cache. */
static int32_t stem_and_insert(slantp_stemmer *s, const char *p, size_t n, uint64_t h)
{
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
    size_t mask = s->cache_slots - 1, i = (size_t)h & mask;
    while (s->cache[i].hash)
        i = (i + 1) & mask;
    slantp_cache_entry *e = &s->cache[i];
    if (n <= sizeof e->key.inl) {
        memset(e->key.inl, 0, sizeof e->key.inl);
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

int32_t slantp_stem_id(slantp_stemmer *s, const char *p, size_t n)
{
    uint64_t h = token_hash(p, n);
    size_t mask = s->cache_slots - 1, i = (size_t)h & mask;
    for (;;) {
        slantp_cache_entry *e = &s->cache[i];
        if (e->hash == h && e->len == n && memcmp(entry_key(s, e), p, n) == 0)
            return e->sid;
        if (!e->hash)
            break;
        i = (i + 1) & mask;
    }
    return stem_and_insert(s, p, n, h);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* key_mask[k]: the bits of two little-endian words that hold k bytes
 * (the shift is taken mod 8 bytes so that the arm not chosen is in range
 * too: clang checks both) */
#define M8(k) ((k) >= 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * ((k) & 7))) - 1)
#define KEY_MASK(k) {M8(k), (k) <= 8 ? 0 : M8((k) - 8)}
static const uint64_t key_mask[17][2] = {
    KEY_MASK(0),  KEY_MASK(1),  KEY_MASK(2),  KEY_MASK(3),  KEY_MASK(4),  KEY_MASK(5),
    KEY_MASK(6),  KEY_MASK(7),  KEY_MASK(8),  KEY_MASK(9),  KEY_MASK(10), KEY_MASK(11),
    KEY_MASK(12), KEY_MASK(13), KEY_MASK(14), KEY_MASK(15), KEY_MASK(16),
};
#endif

/* The cache key of token t: its two masked words and their hash, when it
 * has at most 16 bytes and 16 bytes can be read at its start; else 0. */
static inline int short_key(const char *text, size_t len, const slantp_token *tok, uint64_t *w,
                            uint64_t *h)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    size_t start = tok->start, k = tok->end - start;
    if (k <= 16 && len - start >= 16) {
        memcpy(&w[0], text + start, 8);
        memcpy(&w[1], text + start + 8, 8);
        w[0] &= key_mask[k][0];
        w[1] &= key_mask[k][1];
        *h = short_hash(w[0], w[1], k);
        return 1;
    }
#else
    (void)text, (void)len, (void)tok, (void)w, (void)h;
#endif
    return 0;
}

/* The record of stem id 'id' (-1: unknown; -2 passes through as an
 * error) for the stemmer's phrase index, or its id + 1 alone without one. */
static inline int64_t record_of(const slantp_stemmer *s, int32_t id)
{
    if (id == -2)
        return -2;
    return (int64_t)(s->index ? slantp_stem_record(s->index, id) : (uint64_t)(uint32_t)(id + 1));
}

/* A short token (w0, w1; k bytes, hash h) missing from the shared table,
 * whose search ended at the empty slot 'at': stemmed and shared while the
 * table takes words, else left to the workspace's own cache. Out of line,
 * so the loop that calls it stays small. */
__attribute__((noinline)) static int64_t share_miss(slantp_stemmer *s, const char *p, size_t k,
                                                    uint64_t h, uint64_t w0, uint64_t w1,
                                                    size_t at)
{
    slantp_stem_share *sh = s->share;
    if (atomic_load_explicit(&sh->n, memory_order_relaxed) >= sh->limit)
        return record_of(s, slantp_stem_id(s, p, k));
    int64_t rec = record_of(s, stem_uncached(s, p, k));
    if (rec != -2)
        share_insert(sh, at, w0, w1, h, (uint64_t)rec);
    return rec;
}

/* Ask for the slot where the search for hash h will start: in the shared
 * table when there is one, else in the workspace's cache (which may have
 * moved since the last call). */
static inline void prefetch_slot(const slantp_stemmer *s, const slantp_share_entry *slot,
                                 size_t mask, uint64_t h)
{
    if (slot)
        slantp_prefetch(&slot[(size_t)h & mask]);
    else
        slantp_prefetch(&s->cache[(size_t)h & (s->cache_slots - 1)]);
}

/* The loop of slantp_stem_ids and slantp_stem_records, inlined for each
 * output ('ids' or 'recs' non-NULL) with the shared table ('slot'
 * non-NULL) and without, so the branches between them are decided once
 * per document, not in the loop. It works in records, which is what the
 * shared table holds. */
static inline __attribute__((always_inline)) int stem_loop(
    slantp_stemmer *s, const char *text, size_t len, const slantp_token *toks, size_t n,
    int32_t *ids, uint64_t *recs, const slantp_share_entry *slot, size_t mask)
{
    /* Keys are computed AHEAD tokens early and their slots prefetched
     * (about as long as a miss to memory takes): the table outgrows L2 on
     * a large corpus. */
    enum { AHEAD = 16 };
    struct { uint64_t w[2], h; int ok; } ring[AHEAD];
    for (size_t t = 0; t < n && t < AHEAD; t++) {
        ring[t].ok = short_key(text, len, &toks[t], ring[t].w, &ring[t].h);
        if (ring[t].ok)
            prefetch_slot(s, slot, mask, ring[t].h);
    }
    for (size_t t = 0; t < n; t++) {
        size_t r = t % AHEAD;
        uint64_t w0 = ring[r].w[0], w1 = ring[r].w[1], h = ring[r].h;
        int ok = ring[r].ok;
        if (t + AHEAD < n) {
            ring[r].ok = short_key(text, len, &toks[t + AHEAD], ring[r].w, &ring[r].h);
            if (ring[r].ok)
                prefetch_slot(s, slot, mask, ring[r].h);
        }
        size_t k = toks[t].end - toks[t].start;
        const char *p = text + toks[t].start;
        int64_t rec;
        if (ok && slot) {
            /* the common case: a probe that compares words, no memcmp */
            size_t i = (size_t)h & mask;
            for (;;) {
                const slantp_share_entry *e = &slot[i];
                uint64_t eh = atomic_load_explicit(&e->hash, memory_order_acquire);
                if (eh == h && e->w[0] == w0 && e->w[1] == w1) {
                    rec = (int64_t)e->rec;
                    break;
                }
                if (!eh) {
                    rec = share_miss(s, p, k, h, w0, w1, i);
                    break;
                }
                i = (i + 1) & mask;     /* a busy slot is passed over like any other */
            }
        } else if (ok) {
            /* the same probe in the workspace's own cache */
            size_t cmask = s->cache_slots - 1, i = (size_t)h & cmask;
            int32_t id;
            for (;;) {
                const slantp_cache_entry *e = &s->cache[i];
                if (e->hash == h && e->len == k && e->key.w[0] == w0 && e->key.w[1] == w1) {
                    id = e->sid;
                    break;
                }
                if (!e->hash) {
                    id = stem_and_insert(s, p, k, h);
                    break;
                }
                i = (i + 1) & cmask;
            }
            rec = record_of(s, id);
        } else {
            rec = record_of(s, slantp_stem_id(s, p, k));
        }
        if (rec == -2)
            return -1;
        if (recs)
            recs[t] = slantp_record_at((uint64_t)rec, toks[t].flags);
        else
            ids[t] = (int32_t)((uint64_t)rec & SLANTP_REC_SID_MASK) - 1;
    }
    return 0;
}

int slantp_stem_ids(slantp_stemmer *s, const char *text, size_t len, const slantp_token *toks,
                    size_t n, int32_t *ids)
{
    if (s->share)
        return stem_loop(s, text, len, toks, n, ids, NULL, s->share->slot, s->share->mask);
    return stem_loop(s, text, len, toks, n, ids, NULL, NULL, 0);
}

int slantp_stem_records(slantp_stemmer *s, const char *text, size_t len,
                        const slantp_token *toks, size_t n, uint64_t *recs)
{
    if (s->share)
        return stem_loop(s, text, len, toks, n, NULL, recs, s->share->slot, s->share->mask);
    return stem_loop(s, text, len, toks, n, NULL, recs, NULL, 0);
}

int slantp_stemmer_fingerprint(slantp_stemmer *s, uint64_t *fp)
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
        if (!r)
            return -1;
        size_t n = (size_t)sb_stemmer_length(s->sb);
        h = slantp_hash_u64(h ^ slantp_hash_bytes((const char *)r, n));
    }
    *fp = h;
    return 0;
}
