/* test_features.c - features.c: n-grams inside sentences, TF-IDF vectors,
 * and the fast path (unigram table, n-gram slot filters) giving exactly
 * the vectors of the plain hash-table path. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "slant_private.h"

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

Test(features, fast_path_gives_the_same_vectors_as_the_hash_path)
{
    slant_model *m = th_train_small();
    slant_error err;
    slantp_stemmer st;
    cr_assert_eq(slantp_stemmer_init(&st, "english", &m->stems, NULL, &err), SLANT_OK);
    slantp_docfeat a = {0}, b = {0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        cr_assert_eq(slantp_doc_stem(&a, &st, texts[i], strlen(texts[i])), 0);
        cr_assert_eq(slantp_doc_stem(&b, &st, texts[i], strlen(texts[i])), 0);
        cr_assert_eq(slantp_doc_vectorize(&a, &m->vocab, m->idf, m->nfeatures, m->ngram_max,
                                          m->stem_starts, m->unigram),
                     0);
        cr_assert_eq(slantp_doc_vectorize(&b, &m->vocab, m->idf, m->nfeatures, m->ngram_max, NULL,
                                          NULL),
                     0);
        cr_assert_eq(a.nvec, b.nvec, "text %zu: %zu vs %zu features", i, a.nvec, b.nvec);
        for (size_t k = 0; k < a.nvec; k++) {
            cr_assert_eq(a.vec[k].id, b.vec[k].id);
            cr_assert_eq(a.vec[k].value, b.vec[k].value);
            cr_assert_eq(a.occ[k].first_tok, b.occ[k].first_tok);
            cr_assert_eq(a.occ[k].ntok, b.occ[k].ntok);
        }
    }
    slantp_docfeat_release(&a);
    slantp_docfeat_release(&b);
    slantp_stemmer_release(&st);
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
                                      m->stem_starts, m->unigram),
                 0);
    double ss = 0;
    for (size_t k = 0; k < d.nvec; k++)
        ss += d.vec[k].value * d.vec[k].value;
    cr_assert(fabs(ss - 1.0) < 1e-12);
    /* "said" occurs 4 times: (1 + ln 4) * idf before normalization */
    long said = slantp_strtab_find(&m->stems, "said", 4);
    cr_assert_geq(said, 0);
    int32_t fid = m->unigram[said];
    cr_assert_geq(fid, 0);
    for (size_t k = 0; k < d.nvec; k++)
        if (d.vec[k].id == (uint32_t)fid)
            cr_assert_eq(d.occ[k].count, 4);
    slantp_docfeat_release(&d);
    slantp_stemmer_release(&st);
    slant_model_free(m);
}
