/* features.c - third stage: stemmed tokens -> n-gram features -> a
 * sublinear TF-IDF vector with unit L2 norm.
 *
 * An n-gram is 1 to ngram_max consecutive stems inside one sentence; its
 * key packs the stem ids (see slantp_ngram_key), so lookups are one probe
 * of an exact hash table. For each distinct feature the first occurrence
 * is remembered, which is how explanations quote the document's own words.
 * Other feature families (character n-grams, style counts) would add their
 * own key space and visitor here; the vectorizer only sees keys.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"
#include "features.h"
#include "stem.h"
#include "text.h"
#include "vocab.h"

/* What the phrase index looks up for one token (features.c). */
struct slantp_probe {
    uint64_t pk;                /* bigram key, or 0 */
    uint32_t pair_home, triple_home;    /* buckets where the searches start */
    uint32_t c1;                /* third stem id + 1 of a possible trigram, or 0 */
    int32_t unigram;            /* unigram feature id, or -1 */
};

/* A trigram to look up (features.c): where its hit goes in the hit
 * list, its token, its key and the bucket where the search starts. */
struct slantp_tri_probe {
    uint64_t key;
    uint32_t hit_at, tok, home;
};

void slantp_docfeat_release(slantp_docfeat *d)
{
    slantp_tokens_release(&d->toks);
    free(d->sid);
    free(d->rec);
    free(d->occ);
    free(d->probe);
    free(d->tri);
    free(d->hit);
    free(d->count_of);
    free(d->vec);
    memset(d, 0, sizeof *d);
}

/* Room for a record per token and the two zero records (no stem, so no
 * n-gram goes on past the end) that end the document. */
static int grow_records(slantp_docfeat *d)
{
    size_t n = d->toks.n;
    if (slantp_grow(&d->rec, &d->rec_cap, n + 2, sizeof *d->rec) < 0)
        return -1;
    d->rec[n] = d->rec[n + 1] = 0;
    return 0;
}

int slantp_doc_stem(slantp_docfeat *d, slantp_stemmer *st, const char *text, size_t len)
{
    if (slantp_tokenize(text, len, &d->toks) < 0)
        return -1;
    size_t n = d->toks.n;
    d->has_rec = st->index != NULL;
    if (d->has_rec) {
        if (grow_records(d) < 0)
            return -1;
        return slantp_stem_records(st, text, len, d->toks.v, n, d->rec);
    }
    if (slantp_grow(&d->sid, &d->sid_cap, n + 1, sizeof *d->sid) < 0)
        return -1;
    return slantp_stem_ids(st, text, len, d->toks.v, n, d->sid);
}

int slantp_doc_ngrams(const slantp_docfeat *d, int ngram_max, slantp_ngram_fn fn, void *ctx)
{
    size_t n = d->toks.n;
    for (size_t i = 0; i < n; i++) {
        if (d->sid[i] < 0)
            continue;
        for (int k = 1; k <= ngram_max && i + (size_t)k <= n; k++) {
            size_t j = i + (size_t)k - 1;
            if (k > 1 && ((d->toks.v[j].flags & SLANTP_TOK_BREAK) || d->sid[j] < 0))
                break;
            uint64_t key = slantp_ngram_key(d->sid + i, k);
            int rc = fn(ctx, key, (uint32_t)i, (uint32_t)k);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A hit: one n-gram of the document that is a feature of the model, as
 * feature id | (first token << 2 | length) << 32. Documents are at most
 * SLANTP_MAX_DOC bytes, so token indexes fit in 30 bits. */
static inline uint64_t hit_pack(uint32_t fid, size_t tok, uint32_t ntok)
{
    return fid | (uint64_t)((uint32_t)tok << 2 | ntok) << 32;
}

struct plain_ctx {
    uint64_t *hit;
    size_t n;
    const slantp_keytab *vocab;
};

/* The plain path: every n-gram probes the hash table. */
static int hit_from_table(void *vctx, uint64_t key, uint32_t tok, uint32_t ntok)
{
    struct plain_ctx *c = vctx;
    const uint32_t *fp = slantp_keytab_find(c->vocab, key);
    if (fp)
        c->hit[c->n++] = hit_pack(*fp, tok, ntok);
    return 0;
}

/* ---------------------------------------------------------------- phrase index */

static unsigned bits_for(size_t n)   /* bits to hold the values 0..n */
{
    unsigned b = 1;
    while (b < 64 && (n >> b) != 0)
        b++;
    return b;
}

/* Buckets for n entries: a power of two, at least n/fill, so a bucket
 * holds 'fill' entries or fewer on average. With a fill of 2 one bucket in
 * twenty overflows its four lanes; the triples, looked for at one token in
 * four, take a fill of 3 (one in five), which halves their table. */
static size_t buckets_for(size_t n, size_t fill)
{
    size_t b = 4;
    while (fill * b < n)
        b *= 2;
    return b;
}

#define FIELD(e, shift, bits) (((e) >> (shift)) & ((UINT64_C(1) << (bits)) - 1))
/* Set in a bucket's first lane when an entry that belongs to it went to a
 * later bucket: only then does a search go on past it. */
#define OVERFLOW_BIT (UINT64_C(1) << 63)

void slantp_phrase_index_release(slantp_phrase_index *x)
{
    free(x->unigram);
    free(x->stem_in);
    free(x->pair);
    free(x->triple);
    memset(x, 0, sizeof *x);
}

/* Home bucket of a key: Fibonacci hashing, one multiply, which the packed,
 * structured keys need no more than. Key 0 (no n-gram here) lands in
 * bucket 0 like any other. */
static inline size_t home_bucket(uint64_t key, unsigned shift)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> shift);
}

/* Where the search for the trigram (pair key pk, stem c+1) starts: a hash
 * of the stems alone, so its bucket can be fetched before the pair is
 * found. */
static inline size_t triple_home(uint64_t pk, uint64_t c1, unsigned shift)
{
    return home_bucket(pk ^ c1 * 0xc2b2ae3d27d4eb4fULL, shift);
}

/* The entry whose low bits (kmask) equal 'key', or 0 when there is none;
 * *slot is where it was found (or where the search stopped). Within a
 * bucket the four lanes are compared without branches: which lane holds
 * a given n-gram is as good as random, so branches would mispredict. Key
 * 0 matches an empty lane and so also comes back as 0. */
static inline uint64_t bucket_find(const uint64_t *t, size_t bmask, size_t b, uint64_t key,
                                   uint64_t kmask, size_t *slot)
{
#if defined(__SSE2__)
    const __m128i keys = _mm_set1_epi64x((long long)key), mask = _mm_set1_epi64x((long long)kmask);
#endif
    for (;;) {
        const uint64_t *q = t + 4 * b;
#if defined(__SSE2__)
        /* 64-bit equality from 32-bit compares: both halves must match */
        __m128i c0 = _mm_cmpeq_epi32(_mm_and_si128(_mm_load_si128((const __m128i *)q), mask), keys);
        __m128i c1 = _mm_cmpeq_epi32(_mm_and_si128(_mm_load_si128((const __m128i *)q + 1), mask), keys);
        c0 = _mm_and_si128(c0, _mm_shuffle_epi32(c0, _MM_SHUFFLE(2, 3, 0, 1)));
        c1 = _mm_and_si128(c1, _mm_shuffle_epi32(c1, _MM_SHUFFLE(2, 3, 0, 1)));
        unsigned hits = (unsigned)_mm_movemask_pd(_mm_castsi128_pd(c0)) |
                        (unsigned)_mm_movemask_pd(_mm_castsi128_pd(c1)) << 2;
#else
        unsigned hits = 0;
        for (unsigned l = 0; l < 4; l++)
            hits |= (unsigned)((q[l] & kmask) == key) << l;
#endif
        if (hits | !(q[0] & OVERFLOW_BIT) | !key) {
            size_t lane = (size_t)__builtin_ctz(hits | 16) & 3;
            *slot = 4 * b + lane;
            return q[lane] & ~OVERFLOW_BIT & -(uint64_t)(hits != 0);
        }
        b = (b + 1) & bmask;
    }
}

/* Insert 'entry' (key in its kmask bits) unless its key is there; returns
 * its slot. The table has free lanes: buckets_for() keeps it at most three
 * quarters full. */
static size_t bucket_insert(uint64_t *t, size_t bmask, size_t b, uint64_t entry, uint64_t kmask)
{
    for (;;) {
        uint64_t *q = t + 4 * b;
        for (size_t l = 0; l < 4; l++) {
            if ((q[l] & ~OVERFLOW_BIT) == 0) {
                q[l] |= entry;
                return 4 * b + l;
            }
            if ((q[l] & kmask) == (entry & kmask))
                return 4 * b + l;
        }
        q[0] |= OVERFLOW_BIT;
        b = (b + 1) & bmask;
    }
}

/* Size the tables for 'pair_entries' pair entries and 'ntriple' triples;
 * returns 1 when the packed entries cannot hold the ids, -1 on memory. */
static int index_alloc(slantp_phrase_index *x, size_t pair_entries, size_t ntriple)
{
    free(x->pair);
    free(x->triple);
    x->pair = x->triple = NULL;
    size_t pair_buckets = buckets_for(pair_entries, 2),
           triple_buckets = buckets_for(ntriple, 3);
    x->pbits = bits_for(4 * pair_buckets);
    /* pair entry: stem a+1, stem b+1, feature id+1 (0: prefix only), prefix flag;
     * triple entry: pair slot+1, stem c+1, feature id+1 */
    if (x->pbits + x->sbits + x->fbits + 1 > 64)
        return 1;
    x->pair_bmask = pair_buckets - 1;
    x->triple_bmask = triple_buckets - 1;
    x->pair_shift = 64 - (unsigned)__builtin_popcountll(x->pair_bmask);
    x->triple_shift = 64 - (unsigned)__builtin_popcountll(x->triple_bmask);
    x->pair = aligned_alloc(32, pair_buckets * 32);
    x->triple = aligned_alloc(32, triple_buckets * 32);
    if (!x->pair || !x->triple)
        return -1;
    memset(x->pair, 0, pair_buckets * 32);
    memset(x->triple, 0, triple_buckets * 32);
    return 0;
}

/* The pair key of a feature key: its first two stems (id + 1), packed in
 * 'sbits' bits each. */
static inline uint64_t pair_key_of(uint64_t key, unsigned sbits)
{
    return (key & 0x1fffff) | ((key >> 21) & 0x1fffff) << sbits;
}

/* Enter every feature; returns the number of pair entries, or SIZE_MAX
 * when they come to more than three quarters of the pair table (which
 * must keep a free lane for bucket_insert). */
static size_t index_fill(slantp_phrase_index *x, const uint64_t *keys, size_t nfeatures)
{
    const size_t pair_room = 3 * (x->pair_bmask + 1);
    for (size_t i = 0; i <= x->nstems; i++)
        x->unigram[i] = -1;
    memset(x->stem_in, 0, x->nstems + 1);
    unsigned s = x->sbits;
    uint64_t kmask = (UINT64_C(1) << (2 * s)) - 1, tmask = (UINT64_C(1) << (x->pbits + s)) - 1;
    uint64_t prefix_flag = UINT64_C(1) << (2 * s + x->fbits);
    size_t pair_entries = 0;
    /* bigrams first, so each trigram finds its prefix entry if there is one */
    for (int pass = 2; pass <= 3; pass++)
        for (size_t f = 0; f < nfeatures; f++) {
            /* the buckets are random lines of a table of hundreds of
             * kilobytes, fresh from memset: ask for the ones AHEAD features
             * on so the misses overlap (the fill took a third of a load) */
            enum { AHEAD = 16 };
            if (f + AHEAD < nfeatures) {
                uint64_t ak = keys[f + AHEAD], apk = pair_key_of(ak, s);
                slantp_prefetch(x->pair + 4 * home_bucket(apk, x->pair_shift));
                if (pass == 3)
                    slantp_prefetch(x->triple + 4 * triple_home(apk, ak >> 42, x->triple_shift));
            }
            uint64_t key = keys[f];
            uint64_t a = key & 0x1fffff, b = (key >> 21) & 0x1fffff, c = key >> 42;
            if (pass == 2 && !b) {
                x->unigram[a - 1] = (int32_t)f;
                continue;
            }
            if ((pass == 2) != (c == 0) || !b)
                continue;
            uint64_t pk = pair_key_of(key, s);
            if (pair_entries >= pair_room)
                return SIZE_MAX;
            size_t ps = bucket_insert(x->pair, x->pair_bmask, home_bucket(pk, x->pair_shift), pk,
                                      kmask);
            pair_entries += (x->pair[ps] & ~(OVERFLOW_BIT | kmask)) == 0;
            if (pass == 2) {
                x->pair[ps] |= (uint64_t)(f + 1) << (2 * s);
                x->stem_in[a - 1] |= SLANTP_IN_PAIR_1;
                x->stem_in[b - 1] |= SLANTP_IN_PAIR_2;
                continue;
            }
            x->pair[ps] |= prefix_flag;
            uint64_t tk = (uint64_t)(ps + 1) | c << x->pbits;
            bucket_insert(x->triple, x->triple_bmask, triple_home(pk, c, x->triple_shift),
                          tk | (uint64_t)(f + 1) << (x->pbits + s), tmask);
            x->stem_in[a - 1] |= SLANTP_IN_PAIR_1 | SLANTP_IN_TRI_1;
            x->stem_in[b - 1] |= SLANTP_IN_PAIR_2 | SLANTP_IN_TRI_2;
            x->stem_in[c - 1] |= SLANTP_IN_TRI_3;
        }
    return pair_entries;
}

int slantp_phrase_index_build(slantp_phrase_index *x, const uint64_t *keys, size_t nfeatures,
                              size_t nstems)
{
    memset(x, 0, sizeof *x);
    x->nstems = nstems;
    x->sbits = bits_for(nstems);
    x->fbits = bits_for(nfeatures);
    if (2 * x->sbits + x->fbits + 2 > 64)
        return 1;
    size_t npair = 0, ntriple = 0;
    for (size_t f = 0; f < nfeatures; f++) {
        if (keys[f] >> 42)
            ntriple++;
        else if (keys[f] >> 21)
            npair++;
    }
    for (size_t c = 0; c < sizeof x->tf / sizeof x->tf[0]; c++)
        x->tf[c] = c ? 1.0 + log((double)c) : 0.0;
    /* one entry more than the stems: stem id -1 (unknown) reads the last */
    x->unigram = malloc((nstems + 1) * sizeof *x->unigram);
    x->stem_in = malloc(nstems + 1);
    /* Each bigram is a pair entry, and a trigram's prefix is almost always
     * a bigram of the model too (all 17,170 of the shipped model's are):
     * size the pair table for the bigrams (a table in L2 is the point) and
     * fill it; only when the trigrams bring too many prefixes of their own
     * size it again, and fill again. */
    int rc = x->unigram && x->stem_in ? index_alloc(x, npair, ntriple) : -1;
    if (rc == 0) {
        size_t pair_entries = index_fill(x, keys, nfeatures);
        if (pair_entries == SIZE_MAX || buckets_for(pair_entries, 2) > x->pair_bmask + 1) {
            rc = index_alloc(x, pair_entries == SIZE_MAX ? npair + ntriple : pair_entries, ntriple);
            if (rc == 0)
                index_fill(x, keys, nfeatures);
        }
    }
    if (rc != 0)
        slantp_phrase_index_release(x);
    return rc;
}

/* The indexed path, in three passes over the document.
 *
 * The first works out, for every token, the keys of the n-grams that
 * start there and could be features, without looking anything up in the
 * big tables: an n-gram with an unknown stem, a sentence break or a stem
 * that never takes that position gets key 0.
 *
 * The second looks the unigram and bigram keys up, with the buckets of
 * the token AHEAD places on already asked for, and writes a hit for every
 * n-gram it finds, in token order. It has no branch on what it finds (a
 * hit is always written and only kept when it names a feature): whether a
 * bigram is in the model is a coin toss to the branch predictor, and key 0
 * finds nothing, in bucket 0, which stays in L1. A trigram is worth a
 * lookup only after a prefix, at about one token in four: the second pass
 * keeps a place in the hits for each such trigram and lists it, and the
 * third looks the listed ones up, into their places, so the hits stay in
 * token order. A branch on the prefix around the lookup in the second
 * pass would be mispredicted often. Returns the number of hits.
 *
 * AHEAD, here and in the two loops below, is sized for a model whose
 * tables do not fit in cache (a few hundred thousand phrases); one whose
 * tables fit loses nothing by it. */
static size_t hits_from_index(slantp_docfeat *d, const slantp_phrase_index *x, int ngram_max,
                              uint32_t none)
{
    enum { AHEAD = 32 };
    const size_t n = d->toks.n;
    const uint64_t *pair = x->pair, *triple = x->triple;
    const unsigned s = x->sbits, f = x->fbits, p = x->pbits;
    const uint64_t kmask = (UINT64_C(1) << (2 * s)) - 1;
    const uint64_t tmask = (UINT64_C(1) << (p + s)) - 1;
    /* n-gram lengths the caller asked for, as all-ones or zero masks */
    const uint64_t want2 = ngram_max >= 2 ? ~UINT64_C(0) : 0;
    const uint64_t want3 = ngram_max >= 3 ? ~UINT64_C(0) : 0;

    /* the records of tokens i, i + 1 and i + 2; two zero records end the document */
    slantp_probe *probe = d->probe;
    const uint64_t *rec = d->rec;
    uint64_t ra = rec[0], rb = rec[1];
    for (size_t i = 0; i < n; i++) {
        uint64_t rc = rec[i + 2];
        /* what the three stems can be: a's as the first word, b's and c's
         * as later ones (none after a sentence start); bit 0 of 'both':
         * a pair is worth a lookup, bit 1: a and b can start a trigram */
        uint64_t both = ra >> SLANTP_REC_FIRST & rb >> SLANTP_REC_LATER;
        /* (masks rather than five-bit fields and && of their tests: no
         * branch on the text) */
        uint64_t pair_ok = -(both & 1);
        uint64_t tri_ok = -(both >> 1 & rc >> (SLANTP_REC_LATER + 2) & 1);
        uint64_t pk = ((ra & SLANTP_REC_SID_MASK) | (rb & SLANTP_REC_SID_MASK) << s) & pair_ok &
                      want2;
        uint64_t c1 = rc & SLANTP_REC_SID_MASK & tri_ok & want3;
        probe[i] = (slantp_probe){
            pk, (uint32_t)home_bucket(pk, x->pair_shift),
            (uint32_t)triple_home(pk & tri_ok, c1, x->triple_shift), (uint32_t)c1,
            (int32_t)(uint32_t)(ra >> SLANTP_REC_UNIGRAM) - 1};
        ra = rb;
        rb = rc;
    }

    for (size_t i = 0; i < n && i < AHEAD; i++) {
        slantp_prefetch(pair + 4 * (size_t)probe[i].pair_home);
        slantp_prefetch(triple + 4 * (size_t)probe[i].triple_home);
    }
    /* a hit: feature id, then first token << 2 | n-gram length */
    uint64_t *hit = d->hit;
    slantp_tri_probe *tri = d->tri;
    size_t k = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            slantp_prefetch(pair + 4 * (size_t)probe[i + AHEAD].pair_home);
            slantp_prefetch(triple + 4 * (size_t)probe[i + AHEAD].triple_home);
        }
        const slantp_probe *q = &probe[i];
        hit[k] = hit_pack((uint32_t)q->unigram, i, 1);
        k += q->unigram >= 0;

        size_t ps;
        uint64_t e = bucket_find(pair, x->pair_bmask, q->pair_home, q->pk, kmask, &ps);
        uint32_t fid = (uint32_t)FIELD(e, 2 * s, f);
        hit[k] = hit_pack(fid - 1, i, 2);
        k += fid != 0;

        /* a trigram is worth a lookup: keep its place in the hits */
        size_t worth = ((e >> (2 * s + f)) & 1) & (q->c1 != 0);
        tri[m] = (slantp_tri_probe){(uint64_t)(ps + 1) | (uint64_t)q->c1 << p, (uint32_t)k,
                                    (uint32_t)i, q->triple_home};
        m += worth;
        k += worth;
    }

    /* the trigrams, each into its place; one not found becomes a hit of
     * 'none', which the caller drops */
    for (size_t j = 0; j < m; j++) {
        size_t ps;
        uint64_t e = bucket_find(triple, x->triple_bmask, tri[j].home, tri[j].key, tmask, &ps);
        uint32_t fid = (uint32_t)FIELD(e, p + s, f);
        hit[tri[j].hit_at] = hit_pack(fid ? fid - 1 : none, tri[j].tok, 3);
    }
    return k;
}

/* Keep the first hit of each feature, in place, and count them all in
 * count_of (feature id -> hits so far). The count's address depends only
 * on the feature id, never on how many features were kept before, so
 * hits do not wait on each other. Returns the number of features. */
static size_t keep_first_hits(uint64_t *hit, size_t nhit, uint32_t *count_of)
{
    enum { AHEAD = 32 };
    size_t n = 0;
    for (size_t j = 0; j < nhit; j++) {
        if (j + AHEAD < nhit)
            slantp_prefetch(&count_of[(uint32_t)hit[j + AHEAD]]);
        uint64_t h = hit[j];
        uint32_t c = count_of[(uint32_t)h]++;
        hit[n] = h;
        n += c == 0;
    }
    return n;
}

int slantp_doc_vectorize(slantp_docfeat *d, const slantp_keytab *vocab, const double *idf,
                         size_t nfeatures, int ngram_max, const slantp_phrase_index *index)
{
    /* feature id 'nfeatures' stands for no feature (a trigram not found) */
    const uint32_t none = (uint32_t)nfeatures;
    if (d->ncount < nfeatures + 1) {
        free(d->count_of);
        d->count_of = calloc(nfeatures + 1, sizeof *d->count_of);
        if (!d->count_of) {
            d->ncount = 0;
            return -1;
        }
        d->ncount = nfeatures + 1;
    }
    d->nocc = d->nvec = 0;
    /* at most three features start at each token */
    if (slantp_grow(&d->hit, &d->hit_cap, 3 * d->toks.n + 1, sizeof *d->hit) < 0)
        return -1;
    size_t nhit;
    if (index) {
        if (slantp_grow(&d->probe, &d->probe_cap, d->toks.n + 1, sizeof *d->probe) < 0 ||
            slantp_grow(&d->tri, &d->tri_cap, d->toks.n + 1, sizeof *d->tri) < 0)
            return -1;
        if (!d->has_rec) {
            /* stemmed without the index (training): records from the ids */
            if (grow_records(d) < 0)
                return -1;
            for (size_t i = 0; i < d->toks.n; i++)
                d->rec[i] = slantp_record_at(slantp_stem_record(index, d->sid[i]),
                                             d->toks.v[i].flags);
        }
        nhit = hits_from_index(d, index, ngram_max, none);
    } else {
        struct plain_ctx c = {d->hit, 0, vocab};
        slantp_doc_ngrams(d, ngram_max, hit_from_table, &c);
        nhit = c.n;
    }
    size_t n = keep_first_hits(d->hit, nhit, d->count_of);
    if (slantp_grow(&d->occ, &d->occ_cap, n + 1, sizeof *d->occ) < 0 ||
        slantp_grow(&d->vec, &d->vec_cap, n + 1, sizeof *d->vec) < 0) {
        for (size_t i = 0; i < n; i++)
            d->count_of[(uint32_t)d->hit[i]] = 0;
        return -1;
    }
    const double *tf_of = index ? index->tf : NULL;
    const size_t ntf = sizeof index->tf / sizeof index->tf[0];
    /* d's arrays in locals: else every store through one reloads them all */
    const uint64_t *hit = d->hit;
    uint32_t *count_of = d->count_of;
    slantp_occ *occ = d->occ;
    slantp_feat *vec = d->vec;
    double ss = 0;
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        enum { AHEAD = 32 };
        if (i + AHEAD < n)
            slantp_prefetch(&idf[(uint32_t)hit[i + AHEAD]]);
        uint64_t h = hit[i];
        uint32_t fid = (uint32_t)h, count = count_of[fid];
        count_of[fid] = 0;       /* leave the counts clean for the next document */
        if (fid == none)
            continue;
        occ[nf] = (slantp_occ){fid, (uint32_t)(h >> 34), (uint32_t)(h >> 32) & 3, count};
        double tf = tf_of && count < ntf ? tf_of[count] : 1.0 + log((double)count);
        double v = tf * idf[fid];
        vec[nf].id = fid;
        vec[nf].value = v;
        ss += v * v;
        nf++;
    }
    d->nocc = d->nvec = nf;
    if (ss > 0) {
        double inv = 1.0 / sqrt(ss);
        for (size_t i = 0; i < nf; i++)
            d->vec[i].value *= inv;
    }
    return 0;
}

int slantp_append_surface(slantp_buf *b, const char *text, const slantp_tokens *t, uint32_t tok,
                          uint32_t ntok)
{
    const unsigned char *p = (const unsigned char *)text + t->v[tok].start;
    const unsigned char *end = (const unsigned char *)text + t->v[tok + ntok - 1].end;
    int space = 0;
    while (p < end) {
        if (*p < 0x20 || *p == ' ' || *p == 0x7f) {
            space = 1;
            p++;
            continue;
        }
        if (space && slantp_buf_append(b, " ", 1) < 0)
            return -1;
        space = 0;
        if (*p < 0x80) {
            /* a run of printable ASCII in one copy */
            const unsigned char *q = p + 1;
            while (q < end && *q > 0x20 && *q < 0x7f)
                q++;
            if (slantp_buf_append(b, p, (size_t)(q - p)) < 0)
                return -1;
            p = q;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, end - p > 4 ? 4 : end - p, &cp);
        if (k <= 0) {
            if (slantp_buf_append(b, "\xEF\xBF\xBD", 3) < 0)
                return -1;
            p++;
            continue;
        }
        if (slantp_buf_append(b, p, (size_t)k) < 0)
            return -1;
        p += k;
    }
    return slantp_buf_append(b, "", 1);
}
