/* test_features.c - features.c: n-grams inside sentences, TF-IDF vectors,
 * and the phrase index (unigram table, pair and triple tables) giving
 * exactly the vectors of the plain hash-table path. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "features.h"
#include "model.h"
#include "stem.h"
#include "text.h"
#include "vocab.h"

static const char *const texts[] = {
    "Officials said on Tuesday that the port tariff would be reviewed, according to a statement.",
    "Under the wise guidance of the leadership, experts say the so-called opposition spreads "
    "Western propaganda. The people firmly support the glorious policy!",
    "I can't believe this. They LIED to us about the hospital strike again! Share this before "
    "they delete it.\nCall your representative today.",
    "",
    "said said said said according to according to",
};

static int collect(void *ctx, uint64_t key, uint32_t tok, uint32_t ntok)
{
    size_t *count = ctx;
    (void)key;
    (void)tok;
    cr_assert(ntok >= 1 && ntok <= 3);
    count[ntok - 1]++;
    return 0;
}

Test(features, ngrams_stay_inside_sentences)
{
    slantp_strtab stems;
    slantp_strtab_init(&stems, 16);
    slantp_stemmer st;
    slant_error err;
    cr_assert_eq(slantp_stemmer_init(&st, "english", &stems, &stems, &err), SLANT_OK);
    slantp_docfeat d = {0};
    const char *t = "one two three. four five";
    cr_assert_eq(slantp_doc_stem(&d, &st, t, strlen(t)), 0);
    size_t count[3] = {0};
    slantp_doc_ngrams(&d, 3, collect, count);
    /* 5 unigrams; bigrams one-two, two-three, four-five; one trigram */
    cr_assert_eq(count[0], 5);
    cr_assert_eq(count[1], 3);
    cr_assert_eq(count[2], 1);
    slantp_docfeat_release(&d);
    slantp_stemmer_release(&st);
    slantp_strtab_release(&stems);
}

/* a (phrase index path) and b (plain path) hold the same features, counts,
 * first occurrences and values, in the same order. */
static void assert_same_vectors(const slantp_docfeat *a, const slantp_docfeat *b, const char *what)
{
    cr_assert_eq(a->nvec, b->nvec, "%s: %zu vs %zu features", what, a->nvec, b->nvec);
    for (size_t k = 0; k < a->nvec; k++) {
        cr_assert_eq(a->occ[k].fid, b->occ[k].fid, "%s", what);
        cr_assert_eq(a->vec[k].id, b->vec[k].id, "%s", what);
        cr_assert_eq(a->occ[k].count, b->occ[k].count, "%s", what);
        cr_assert_eq(a->occ[k].first_tok, b->occ[k].first_tok, "%s", what);
        cr_assert_eq(a->occ[k].ntok, b->occ[k].ntok, "%s", what);
        cr_assert_eq(a->vec[k].value, b->vec[k].value, "%s", what);
    }
}

/* Vectorize the token stream (stem ids, -1 unknown; token flags) through
 * the phrase index and through the plain hash table, and assert both give
 * the same vector. by_length (may be NULL) gets how many features of each
 * length the stream hit. */
static void assert_index_matches_table(const slantp_phrase_index *x, const slantp_keytab *vocab,
                                       const double *idf, size_t nf, int ngram_max,
                                       const int32_t *sid, const uint32_t *flags, uint32_t n,
                                       const char *what, size_t *by_length)
{
    slantp_docfeat a = {0}, b = {0};
    slantp_docfeat *docs[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        slantp_docfeat *d = docs[k];
        d->toks.v = calloc(n, sizeof *d->toks.v);
        d->sid = calloc(n, sizeof *d->sid);
        d->toks.n = d->toks.cap = n;
        for (uint32_t i = 0; i < n; i++) {
            d->toks.v[i] = (slantp_token){i, i + 1, flags[i]};
            d->sid[i] = sid[i];
        }
    }
    cr_assert_eq(slantp_doc_vectorize(&a, vocab, idf, nf, ngram_max, x), 0);
    cr_assert_eq(slantp_doc_vectorize(&b, vocab, idf, nf, ngram_max, NULL), 0);
    assert_same_vectors(&a, &b, what);
    for (size_t k = 0; by_length && k < a.nocc; k++)
        by_length[a.occ[k].ntok]++;
    slantp_docfeat_release(&a);
    slantp_docfeat_release(&b);
}

/* The index path gives the hash path's vectors whether the tokens come as
 * records (from a stemmer given the index, with or without the model's
 * shared table, which then holds records) or as ids (training). */
Test(features, fast_path_gives_the_same_vectors_as_the_hash_path)
{
    static const struct { const char *name; int records, shared; } ways[] = {
        {"ids", 0, 0},
        {"records", 1, 0},
        {"records through the shared table", 1, 1},
    };
    slant_model *m = th_train_small();
    cr_assert(m->indexed);
    cr_assert_eq(slantp_model_hash_features(m), 0);
    slant_error err;
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        slantp_stemmer st, plain;
        cr_assert_eq(slantp_stemmer_init(&st, "english", &m->stems, NULL, &err), SLANT_OK);
        cr_assert_eq(slantp_stemmer_init(&plain, "english", &m->stems, NULL, &err), SLANT_OK);
        st.index = ways[w].records ? &m->index : NULL;
        st.share = ways[w].shared ? m->stem_share : NULL;
        slantp_docfeat a = {0}, b = {0};
        /* twice: the second round finds every word in the caches */
        for (int round = 0; round < 2; round++)
            for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
                cr_assert_eq(slantp_doc_stem(&a, &st, texts[i], strlen(texts[i])), 0);
                cr_assert_eq(slantp_doc_stem(&b, &plain, texts[i], strlen(texts[i])), 0);
                cr_assert_eq(slantp_doc_vectorize(&a, &m->vocab, m->idf, m->nfeatures,
                                                  m->ngram_max, &m->index),
                             0);
                cr_assert_eq(
                    slantp_doc_vectorize(&b, &m->vocab, m->idf, m->nfeatures, m->ngram_max, NULL),
                    0);
                char what[80];
                snprintf(what, sizeof what, "%s, round %d, text %zu", ways[w].name, round, i);
                assert_same_vectors(&a, &b, what);
            }
        slantp_docfeat_release(&a);
        slantp_docfeat_release(&b);
        slantp_stemmer_release(&st);
        slantp_stemmer_release(&plain);
    }
    slant_model_free(m);
}

Test(features, vectors_are_unit_length_with_sublinear_counts)
{
    slant_model *m = th_train_small();
    slant_error err;
    slantp_stemmer st;
    cr_assert_eq(slantp_stemmer_init(&st, "english", &m->stems, NULL, &err), SLANT_OK);
    slantp_docfeat d = {0};
    const char *t = texts[4];
    cr_assert_eq(slantp_doc_stem(&d, &st, t, strlen(t)), 0);
    cr_assert_eq(slantp_doc_vectorize(&d, &m->vocab, m->idf, m->nfeatures, m->ngram_max,
                                      &m->index),
                 0);
    double ss = 0;
    for (size_t k = 0; k < d.nvec; k++)
        ss += d.vec[k].value * d.vec[k].value;
    cr_assert(fabs(ss - 1.0) < 1e-12);
    /* "said" occurs 4 times: (1 + ln 4) * idf before normalization */
    long said = slantp_strtab_find(&m->stems, "said", 4);
    cr_assert_geq(said, 0);
    int32_t fid = m->index.unigram[said];
    cr_assert_geq(fid, 0);
    for (size_t k = 0; k < d.nvec; k++)
        if (d.vec[k].id == (uint32_t)fid)
            cr_assert_eq(d.occ[k].count, 4);
    slantp_docfeat_release(&d);
    slantp_stemmer_release(&st);
    slant_model_free(m);
}

/* A hand-made vocabulary: stems 0..4, with a trigram (0 1 2) whose prefix
 * (0 1) is no feature, a bigram (3 4) that starts no trigram, and a
 * trigram (3 4 0) whose prefix is one. */
static const int32_t hand_grams[][3] = {
    {0, -1, -1}, {1, -1, -1}, {3, -1, -1}, {0, 1, 2}, {3, 4, -1}, {3, 4, 0}, {1, 2, -1},
};

static void hand_keys(uint64_t *keys)
{
    for (size_t f = 0; f < sizeof hand_grams / sizeof hand_grams[0]; f++) {
        int n = hand_grams[f][2] >= 0 ? 3 : hand_grams[f][1] >= 0 ? 2 : 1;
        keys[f] = slantp_ngram_key(hand_grams[f], n);
    }
}

/* The hash table of 'keys', feature id = position: what the phrase index
 * must agree with. */
static void vocab_of_keys(slantp_keytab *vocab, const uint64_t *keys, size_t nf)
{
    cr_assert_eq(slantp_keytab_init(vocab, nf), 0);
    for (size_t f = 0; f < nf; f++) {
        uint32_t *slot;
        cr_assert_eq(slantp_keytab_put(vocab, keys[f], (uint32_t)f, &slot), 1, "key %zu", f);
    }
}

Test(features, phrase_index_finds_trigrams_through_prefixes_that_are_no_feature)
{
    enum { NF = sizeof hand_grams / sizeof hand_grams[0] };
    uint64_t keys[NF];
    hand_keys(keys);
    slantp_keytab vocab;
    vocab_of_keys(&vocab, keys, NF);
    slantp_phrase_index x;
    cr_assert_eq(slantp_phrase_index_build(&x, keys, NF, 5), 0);
    double idf[NF];
    for (size_t f = 0; f < NF; f++)
        idf[f] = 1.0 + (double)f;
    /* token streams of stem ids, -1 unknown; a break before index 'brk' */
    static const int32_t streams[][9] = {
        {0, 1, 2, 3, 4, 0, 1, 2, 4},
        {3, 4, 0, 3, 4, 3, 4, 0, 0},
        {0, 1, -1, 2, 3, 4, 1, 2, 2},
        {1, 2, 0, 1, 2, 0, 3, 4, 0},
    };
    for (size_t t = 0; t < sizeof streams / sizeof streams[0]; t++)
        for (uint32_t brk = 0; brk < 9; brk++) {
            uint32_t flags[9];
            for (uint32_t i = 0; i < 9; i++)
                flags[i] = i == brk ? SLANTP_TOK_BREAK : 0;
            char what[48];
            snprintf(what, sizeof what, "stream %zu, break %u", t, brk);
            assert_index_matches_table(&x, &vocab, idf, NF, 3, streams[t], flags, 9, what, NULL);
        }
    slantp_phrase_index_release(&x);
    slantp_keytab_release(&vocab);
}

Test(features, phrase_index_declines_ids_too_wide_to_pack)
{
    uint64_t keys[1];
    int32_t big[3] = {(1 << 21) - 3, (1 << 21) - 3, (1 << 21) - 3};
    keys[0] = slantp_ngram_key(big, 3);
    slantp_phrase_index x;
    /* 21-bit stems and a 4-million-feature model do not fit 64-bit entries */
    cr_assert_eq(slantp_phrase_index_build(&x, keys, (size_t)1 << 22, SLANTP_MAX_STEMS), 1);
    cr_assert_null(x.pair);
    slantp_phrase_index_release(&x);
}

static int by_key(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Random bigrams and trigrams over 300 stems, 4,000 of each: so many
 * that some buckets of four fill up and spill into the next, and searches
 * must follow the overflow bit. Random token streams (unknown stems,
 * sentence breaks) give the plain path's vectors for n-grams up to 1, 2
 * and 3 words. */
Test(features, phrase_index_follows_buckets_that_overflowed)
{
    enum { NS = 300, NG = 4000, NT = 400 };
    uint64_t seed = 12345;
#define NEXT_RANDOM() (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, \
                       (uint32_t)(seed >> 33))
    /* streams draw from the first 30 stems, so the phrases they contain are
     * among the random ones */
    enum { HOT = 30 };
    size_t nf = 0;
    uint64_t *keys = malloc((NS + 2 * NG) * sizeof *keys);
    for (int32_t a = 0; a < NS; a++)
        keys[nf++] = slantp_ngram_key(&a, 1);
    for (int i = 0; i < 2 * NG; i++) {
        uint32_t r = NEXT_RANDOM();
        int32_t g[3] = {(int32_t)(r % (i % 2 ? HOT : NS)), (int32_t)(r / NS % HOT),
                        (int32_t)(NEXT_RANDOM() % HOT)};
        keys[nf++] = slantp_ngram_key(g, i % 2 ? 3 : 2);
    }
    /* feature ids in key order, as in a model file */
    qsort(keys, nf, sizeof *keys, by_key);
    size_t distinct = 1;
    for (size_t i = 1; i < nf; i++)
        if (keys[i] != keys[distinct - 1])
            keys[distinct++] = keys[i];
    nf = distinct;
    slantp_keytab vocab;
    vocab_of_keys(&vocab, keys, nf);
    double *idf = malloc(nf * sizeof *idf);
    for (size_t f = 0; f < nf; f++)
        idf[f] = 1.0 + (double)(f % 17) / 4;
    slantp_phrase_index x;
    cr_assert_eq(slantp_phrase_index_build(&x, keys, nf, NS), 0);
    size_t pair_overflows = 0, triple_overflows = 0;
    for (size_t bkt = 0; bkt <= x.pair_bmask; bkt++)
        pair_overflows += x.pair[4 * bkt] >> 63;
    for (size_t bkt = 0; bkt <= x.triple_bmask; bkt++)
        triple_overflows += x.triple[4 * bkt] >> 63;
    cr_assert_gt(pair_overflows, 0, "the vocabulary must overflow some pair buckets");
    cr_assert_gt(triple_overflows, 0, "the vocabulary must overflow some triple buckets");

    for (int round = 0; round < 30; round++) {
        int32_t sid[NT];
        uint32_t flags[NT];
        for (uint32_t i = 0; i < NT; i++) {
            uint32_t r = NEXT_RANDOM();
            sid[i] = r % 23 == 0 ? -1 : (int32_t)(r % HOT);
            flags[i] = (r >> 8) % 11 == 0 ? SLANTP_TOK_BREAK : 0;
        }
        int ngram_max = 1 + round % 3;
        char what[48];
        snprintf(what, sizeof what, "round %d, n-grams up to %d", round, ngram_max);
        size_t by_length[4] = {0};
        assert_index_matches_table(&x, &vocab, idf, nf, ngram_max, sid, flags, NT, what, by_length);
        for (int len = 1; len <= ngram_max; len++)
            cr_assert_gt(by_length[len], 10, "%s: the stream must hit %d-word features", what, len);
    }
    slantp_phrase_index_release(&x);
    slantp_keytab_release(&vocab);
    free(idf);
    free(keys);
#undef NEXT_RANDOM
}

/* The pair table holds the bigrams and the prefixes of the trigrams. It
 * is sized for the bigrams first; these vocabularies bring from none to
 * a hundred times as many prefixes of their own, so the first fill fits,
 * needs a larger table, or has to stop before the table is full. Each
 * way the table ends at the size its entries call for (two per bucket of
 * four, rounded up to a power of two) and finds what the hash table does. */
Test(features, phrase_index_sizes_the_pair_table_for_trigram_prefixes_of_their_own)
{
    static const struct {
        int bigrams, trigrams, own_prefixes;   /* trigrams whose prefix is no bigram */
    } shapes[] = {
        {400, 400, 0}, {400, 400, 200}, {400, 400, 400}, {20, 2000, 2000}, {0, 300, 300},
    };
    enum { NS = 200, NT = 300 };
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        size_t nf = 0, cap = NS + (size_t)shapes[sh].bigrams + (size_t)shapes[sh].trigrams;
        uint64_t *keys = malloc(cap * sizeof *keys);
        for (int32_t a = 0; a < NS; a++)
            keys[nf++] = slantp_ngram_key(&a, 1);
        /* bigram i is (i % NS, i / NS); prefixes of their own start at row 100 */
        for (int i = 0; i < shapes[sh].bigrams; i++) {
            int32_t g[2] = {i % NS, i / NS};
            keys[nf++] = slantp_ngram_key(g, 2);
        }
        for (int i = 0; i < shapes[sh].trigrams; i++) {
            int own = i < shapes[sh].own_prefixes;
            int j = own ? 100 * NS + i : i % (shapes[sh].bigrams ? shapes[sh].bigrams : 1);
            int32_t g[3] = {j % NS, j / NS, i % 7};
            keys[nf++] = slantp_ngram_key(g, 3);
        }
        qsort(keys, nf, sizeof *keys, by_key);
        size_t npairs = (size_t)shapes[sh].bigrams + (size_t)shapes[sh].own_prefixes;
        size_t want_buckets = 4;
        while (2 * want_buckets < npairs)
            want_buckets *= 2;

        slantp_keytab vocab;
        vocab_of_keys(&vocab, keys, nf);
        double *idf = malloc(nf * sizeof *idf);
        for (size_t f = 0; f < nf; f++)
            idf[f] = 1.0 + (double)(f % 5);
        slantp_phrase_index x;
        cr_assert_eq(slantp_phrase_index_build(&x, keys, nf, 100 * NS + 2000), 0, "shape %zu", sh);
        cr_assert_eq(x.pair_bmask + 1, want_buckets, "shape %zu: %zu pair buckets for %zu pairs",
                     sh, x.pair_bmask + 1, npairs);
        /* streams that walk through the n-grams above, so each kind is hit */
        for (int from = 0; from < shapes[sh].trigrams; from += 37) {
            int32_t sid[NT];
            uint32_t flags[NT] = {0};
            int own = from < shapes[sh].own_prefixes;
            for (uint32_t t = 0; t < NT; t += 3) {
                int i = from + (int)t / 3;
                int j = own ? 100 * NS + i : i % (shapes[sh].bigrams ? shapes[sh].bigrams : 1);
                sid[t] = j % NS;
                if (t + 1 < NT)
                    sid[t + 1] = j / NS;
                if (t + 2 < NT)
                    sid[t + 2] = i % 7;
            }
            char what[48];
            snprintf(what, sizeof what, "shape %zu, stream from %d", sh, from);
            size_t by_length[4] = {0};
            assert_index_matches_table(&x, &vocab, idf, nf, 3, sid, flags, NT, what, by_length);
            cr_assert_gt(by_length[3], 0, "%s: the stream must hit trigrams", what);
        }
        slantp_phrase_index_release(&x);
        slantp_keytab_release(&vocab);
        free(idf);
        free(keys);
    }
}
