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

#include "slant_private.h"

void slantp_docfeat_release(slantp_docfeat *d)
{
    slantp_tokens_release(&d->toks);
    free(d->sid);
    free(d->occ);
    free(d->slot_of);
    free(d->vec);
    memset(d, 0, sizeof *d);
}

int slantp_doc_stem(slantp_docfeat *d, slantp_stemmer *st, const char *text, size_t len)
{
    if (slantp_tokenize(text, len, &d->toks) < 0)
        return -1;
    if (slantp_grow(&d->sid, &d->sid_cap, d->toks.n + 1, sizeof *d->sid) < 0)
        return -1;
    return slantp_stem_ids(st, text, len, d->toks.v, d->toks.n, d->sid);
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

/* A document's occurrence list while it is built, in locals the compiler
 * can keep in registers; the caller makes room for one record more than
 * the features a document can have. occ_add() has no branch on "seen
 * before": the new record is always written past the end and only kept
 * when the feature is new (whether a feature repeats is a coin toss for
 * the branch predictor). */
struct occ_acc {
    slantp_occ *occ;
    uint32_t *slot_of;
    size_t n;
};

static inline void occ_add(struct occ_acc *acc, uint32_t fid, size_t i, int k)
{
    uint32_t slot = acc->slot_of[fid];
    size_t n = acc->n;
    acc->occ[n] = (slantp_occ){fid, (uint32_t)i, (uint32_t)k, 0};
    size_t at = slot ? slot - 1 : n;
    acc->occ[at].count++;
    acc->slot_of[fid] = (uint32_t)at + 1;
    acc->n = n + !slot;
}

struct lookup_ctx {
    struct occ_acc acc;
    const slantp_keytab *vocab;
};

/* The plain path: every n-gram probes the hash table. */
static int lookup_ngram(void *vctx, uint64_t key, uint32_t tok, uint32_t ntok)
{
    struct lookup_ctx *c = vctx;
    const uint32_t *fp = slantp_keytab_find(c->vocab, key);
    if (fp)
        occ_add(&c->acc, *fp, tok, (int)ntok);
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

static size_t slots_for(size_t n)    /* a power of two, at most three quarters full */
{
    size_t s = 16;
    while (s < n + n / 3)
        s *= 2;
    return s;
}

#define FIELD(e, shift, bits) (((e) >> (shift)) & ((UINT64_C(1) << (bits)) - 1))

void slantp_phrase_index_release(slantp_phrase_index *x)
{
    free(x->unigram);
    free(x->stem_in);
    free(x->pair);
    free(x->triple);
    memset(x, 0, sizeof *x);
}

/* Home slot of a pair key: Fibonacci hashing, one multiply, which the
 * packed, structured keys need no more than. */
static inline size_t pair_home(const slantp_phrase_index *x, uint64_t k)
{
    return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> x->pair_shift);
}

/* Slot of the pair key 'k' (2*sbits bits): its entry or the empty slot
 * where it belongs. */
static size_t pair_slot(const slantp_phrase_index *x, uint64_t k)
{
    uint64_t kmask = (UINT64_C(1) << (2 * x->sbits)) - 1;
    size_t i = pair_home(x, k);
    while (x->pair[i] && (x->pair[i] & kmask) != k)
        i = (i + 1) & x->pair_mask;
    return i;
}

/* Where the search for the trigram (pair key pk, stem c+1) starts: a hash
 * of the stems alone, so it can be computed (and prefetched) before the
 * pair is found. */
static inline size_t triple_home(const slantp_phrase_index *x, uint64_t pk, uint64_t c1)
{
    return (size_t)(((pk ^ c1 * 0xc2b2ae3d27d4eb4fULL) * 0x9e3779b97f4a7c15ULL) >> x->triple_shift);
}

static size_t triple_slot(const slantp_phrase_index *x, uint64_t k, size_t home)
{
    uint64_t kmask = (UINT64_C(1) << (x->pbits + x->sbits)) - 1;
    size_t i = home;
    while (x->triple[i] && (x->triple[i] & kmask) != k)
        i = (i + 1) & x->triple_mask;
    return i;
}

int slantp_phrase_index_build(slantp_phrase_index *x, const uint64_t *keys, size_t nfeatures,
                              size_t nstems)
{
    memset(x, 0, sizeof *x);
    x->sbits = bits_for(nstems);
    x->fbits = bits_for(nfeatures);
    if (2 * x->sbits + x->fbits + 1 > 64)
        return 1;
    size_t npair = 0, ntriple = 0;
    for (size_t f = 0; f < nfeatures; f++) {
        if (keys[f] >> 42)
            ntriple++;
        else if (keys[f] >> 21)
            npair++;
    }
    size_t pair_slots = slots_for(npair + ntriple), triple_slots = slots_for(ntriple);
    x->pbits = bits_for(pair_slots);
    /* pair entry: stem a+1, stem b+1, feature id+1 (0: prefix only), prefix flag;
     * triple entry: pair slot+1, stem c+1, feature id+1 */
    if (x->pbits + x->sbits + x->fbits > 64)
        return 1;
    x->pair_mask = pair_slots - 1;
    x->triple_mask = triple_slots - 1;
    x->pair_shift = 64 - (unsigned)__builtin_popcountll(x->pair_mask);
    x->triple_shift = 64 - (unsigned)__builtin_popcountll(x->triple_mask);
    x->unigram = malloc((nstems ? nstems : 1) * sizeof *x->unigram);
    x->stem_in = calloc(nstems ? nstems : 1, 1);
    x->pair = calloc(pair_slots, sizeof *x->pair);
    x->triple = calloc(triple_slots, sizeof *x->triple);
    if (!x->unigram || !x->stem_in || !x->pair || !x->triple) {
        slantp_phrase_index_release(x);
        return -1;
    }
    for (size_t i = 0; i < nstems; i++)
        x->unigram[i] = -1;
    for (size_t c = 0; c < sizeof x->tf / sizeof x->tf[0]; c++)
        x->tf[c] = c ? 1.0 + log((double)c) : 0.0;
    unsigned s = x->sbits;
    uint64_t prefix_flag = UINT64_C(1) << (2 * s + x->fbits);
    /* bigrams first, so each trigram finds its prefix entry if there is one */
    for (int pass = 2; pass <= 3; pass++)
        for (size_t f = 0; f < nfeatures; f++) {
            uint64_t key = keys[f];
            uint64_t a = key & 0x1fffff, b = (key >> 21) & 0x1fffff, c = key >> 42;
            if (pass == 2 && !b) {
                x->unigram[a - 1] = (int32_t)f;
                continue;
            }
            if ((pass == 2) != (c == 0) || !b)
                continue;
            uint64_t pk = a | b << s;
            size_t ps = pair_slot(x, pk);
            if (!x->pair[ps])
                x->pair[ps] = pk;
            if (pass == 2) {
                x->pair[ps] |= (uint64_t)(f + 1) << (2 * s);
                x->stem_in[a - 1] |= SLANTP_IN_BI_1;
                x->stem_in[b - 1] |= SLANTP_IN_BI_2;
                continue;
            }
            x->pair[ps] |= prefix_flag;
            uint64_t tk = (uint64_t)(ps + 1) | c << x->pbits;
            x->triple[triple_slot(x, tk, triple_home(x, pk, c))] = tk | (uint64_t)(f + 1) << (x->pbits + s);
            x->stem_in[a - 1] |= SLANTP_IN_TRI_1;
            x->stem_in[b - 1] |= SLANTP_IN_TRI_2;
            x->stem_in[c - 1] |= SLANTP_IN_TRI_3;
        }
    return 0;
}

/* The indexed path: unigrams from a table, a pair probe only when both
 * stems take part in some n-gram, a triple probe only after a prefix. */
static void vectorize_indexed(slantp_docfeat *d, const slantp_phrase_index *x, int ngram_max)
{
    const size_t n = d->toks.n;
    const int32_t *sid = d->sid;
    const slantp_token *tok = d->toks.v;
    const int32_t *unigram = x->unigram;
    const unsigned char *stem_in = x->stem_in;
    const uint64_t *pair = x->pair, *triple = x->triple;
    const size_t pair_mask = x->pair_mask, triple_mask = x->triple_mask;
    const unsigned s = x->sbits, f = x->fbits, p = x->pbits;
    const uint64_t kmask = (UINT64_C(1) << (2 * s)) - 1;
    const uint64_t tmask = (UINT64_C(1) << (p + s)) - 1;
    const unsigned first_in = SLANTP_IN_BI_1 | SLANTP_IN_TRI_1;
    const unsigned second_in = SLANTP_IN_BI_2 | SLANTP_IN_TRI_2;
    struct occ_acc acc = {d->occ, d->slot_of, d->nocc};
    for (size_t i = 0; i < n; i++) {
        int32_t a = sid[i];
        if (a < 0)
            continue;
        if (unigram[a] >= 0)
            occ_add(&acc, (uint32_t)unigram[a], i, 1);
        if (ngram_max < 2 || i + 1 >= n || (tok[i + 1].flags & SLANTP_TOK_BREAK) || sid[i + 1] < 0)
            continue;
        int32_t b = sid[i + 1];
        if (!(stem_in[a] & first_in) || !(stem_in[b] & second_in))
            continue;
        uint64_t pk = (uint64_t)(a + 1) | (uint64_t)(b + 1) << s;
        size_t ps = pair_home(x, pk);
        uint64_t e;
        while ((e = pair[ps]) != 0 && (e & kmask) != pk)
            ps = (ps + 1) & pair_mask;
        if (!e)
            continue;
        uint64_t fid = FIELD(e, 2 * s, f);
        if (fid)
            occ_add(&acc, (uint32_t)(fid - 1), i, 2);
        if (!(e >> (2 * s + f)) || ngram_max < 3 || i + 2 >= n ||
            (tok[i + 2].flags & SLANTP_TOK_BREAK) || sid[i + 2] < 0 ||
            !(stem_in[sid[i + 2]] & SLANTP_IN_TRI_3))
            continue;
        uint64_t c1 = (uint64_t)sid[i + 2] + 1, tk = (uint64_t)(ps + 1) | c1 << p;
        size_t ts = triple_home(x, pk, c1);
        while ((e = triple[ts]) != 0 && (e & tmask) != tk)
            ts = (ts + 1) & triple_mask;
        if (e)
            occ_add(&acc, (uint32_t)(FIELD(e, p + s, f) - 1), i, 3);
    }
    d->nocc = acc.n;
}

int slantp_doc_vectorize(slantp_docfeat *d, const slantp_keytab *vocab, const double *idf,
                         size_t nfeatures, int ngram_max, const slantp_phrase_index *index)
{
    if (d->nslot < nfeatures) {
        free(d->slot_of);
        d->slot_of = calloc(nfeatures ? nfeatures : 1, sizeof *d->slot_of);
        if (!d->slot_of) {
            d->nslot = 0;
            return -1;
        }
        d->nslot = nfeatures;
    }
    d->nocc = 0;
    /* at most three features start at each token, plus occ_add's scratch record */
    size_t room = 3 * d->toks.n + 1;
    if (d->occ_cap < room && slantp_grow(&d->occ, &d->occ_cap, room, sizeof *d->occ) < 0)
        return -1;
    if (index) {
        vectorize_indexed(d, index, ngram_max);
    } else {
        struct lookup_ctx c = {{d->occ, d->slot_of, 0}, vocab};
        slantp_doc_ngrams(d, ngram_max, lookup_ngram, &c);
        d->nocc = c.acc.n;
    }
    if (slantp_grow(&d->vec, &d->vec_cap, d->nocc + 1, sizeof *d->vec) < 0)
        return -1;
    const size_t ntf = sizeof index->tf / sizeof index->tf[0];
    double ss = 0;
    for (size_t i = 0; i < d->nocc; i++) {
        const slantp_occ *o = &d->occ[i];
        double tf = index && o->count < ntf ? index->tf[o->count] : 1.0 + log((double)o->count);
        double v = tf * idf[o->fid];
        d->vec[i].id = o->fid;
        d->vec[i].value = v;
        ss += v * v;
        d->slot_of[o->fid] = 0;     /* leave the slot array clean for the next document */
    }
    d->nvec = d->nocc;
    if (ss > 0) {
        double inv = 1.0 / sqrt(ss);
        for (size_t i = 0; i < d->nvec; i++)
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
