/* test_svm.c - svm.c: training binary classifiers through libsvm and
 * collapsing them to one weight vector. The parity tests prove that the
 * collapsed decision w.x + b equals libsvm's own svm_predict_values on the
 * trained model, for both kernels slant uses (precomputed Gram, sparse). */
#include <criterion/criterion.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "dataset.h"
#include "features.h"
#include "gram.h"
#include "model.h"
#include "stem.h"
#include "svm.h"

/* The small corpus vectorized with a trained model's vocabulary, no kernel yet. */
static void build_rows(const slant_model *m, slantp_trainset *ts)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "c.jsonl");
    th_write_corpus(p);
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    cr_assert_eq(slant_dataset_read(d, p, SLANT_FORMAT_AUTO, NULL, NULL, &err), SLANT_OK);
    slantp_stemmer st;
    cr_assert_eq(slantp_stemmer_init(&st, "english", &m->stems, NULL, &err), SLANT_OK);
    slantp_docfeat doc = {0};
    memset(ts, 0, sizeof *ts);
    ts->n = d->n;
    ts->nfeatures = m->nfeatures;
    ts->row_start = calloc(d->n + 1, sizeof *ts->row_start);
    size_t cap = 1 << 16, nnz = 0;
    ts->col = malloc(cap * sizeof *ts->col);
    ts->val = malloc(cap * sizeof *ts->val);
    for (size_t i = 0; i < d->n; i++) {
        cr_assert_eq(slantp_doc_stem(&doc, &st, d->recs[i].text, d->recs[i].len), 0);
        cr_assert_eq(slantp_doc_vectorize(&doc, &m->vocab, m->idf, m->nfeatures, m->ngram_max,
                                              &m->index),
                     0);
        /* libsvm wants ascending indexes */
        for (size_t a = 1; a < doc.nvec; a++)
            for (size_t b = a; b > 0 && doc.vec[b - 1].id > doc.vec[b].id; b--) {
                slantp_feat t = doc.vec[b];
                doc.vec[b] = doc.vec[b - 1];
                doc.vec[b - 1] = t;
            }
        ts->row_start[i] = nnz;
        cr_assert(nnz + doc.nvec < cap);
        for (size_t k = 0; k < doc.nvec; k++) {
            ts->col[nnz] = doc.vec[k].id;
            ts->val[nnz++] = doc.vec[k].value;
        }
    }
    ts->row_start[d->n] = nnz;
    slantp_docfeat_release(&doc);
    slantp_stemmer_release(&st);
    slant_dataset_free(d);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* The small corpus vectorized with a trained model's vocabulary. */
static void build_trainset(const slant_model *m, slantp_trainset *ts, size_t gram_mb)
{
    slant_error err;
    build_rows(m, ts);
    cr_assert_eq(slantp_trainset_kernel(ts, gram_mb, 2, &err), SLANT_OK);
}

static void check_parity(size_t gram_mb, int expect_gram)
{
    slant_model *m = th_train_small();
    slantp_trainset ts;
    build_trainset(m, &ts, gram_mb);
    cr_assert_eq(ts.gram != NULL, expect_gram);
    /* wire (every third record) against the rest, trained on the even rows */
    size_t n = 0, *idx = malloc(ts.n * sizeof *idx);
    signed char *y = malloc(ts.n);
    for (size_t i = 0; i < ts.n; i += 2) {
        idx[n] = i;
        y[n++] = (i / 2) % 3 == 0 ? 1 : -1;
    }
    double *w = malloc(ts.nfeatures * sizeof *w), b;
    slantp_binary_keep keep = {0};
    slant_error err;
    cr_assert_eq(slantp_train_binary(&ts, idx, y, n, 1.0, w, &b, NULL, 0, NULL, &keep, &err),
                 SLANT_OK);
    cr_assert(keep.model != NULL);
    double sign = keep.model->label[0] == 1 ? 1.0 : -1.0;
    struct svm_node *row = malloc((ts.n + 2) * sizeof *row);
    size_t checked = 0;
    for (size_t i = 0; i < ts.n; i++) {   /* training and held-out rows alike */
        const struct svm_node *x;
        if (ts.gram) {
            x = ts.gram[i];
        } else {
            x = ts.sparse[i];
        }
        double lib;
        svm_predict_values(keep.model, x, &lib);
        lib *= sign;
        double ours = slantp_trainset_decision(&ts, i, w, b);
        cr_assert(fabs(ours - lib) <= 1e-9 * fmax(1.0, fabs(lib)),
                  "row %zu: collapsed %.17g, libsvm %.17g", i, ours, lib);
        checked++;
    }
    cr_assert_eq(checked, ts.n);
    free(row);
    slantp_binary_keep_release(&keep);
    free(w);
    free(idx);
    free(y);
    slantp_trainset_release(&ts);
    slant_model_free(m);
}

Test(svm, collapsed_weights_match_libsvm_with_precomputed_gram)
{
    check_parity(1024, 1);
}

Test(svm, collapsed_weights_match_libsvm_with_sparse_linear_kernel)
{
    check_parity(0, 0);   /* no memory for a Gram matrix: the sparse path */
}

Test(svm, one_class_gives_a_constant_decision)
{
    slant_model *m = th_train_small();
    slantp_trainset ts;
    build_trainset(m, &ts, 1024);
    size_t idx[4] = {0, 1, 2, 3};
    signed char y[4] = {-1, -1, -1, -1};
    double *w = malloc(ts.nfeatures * sizeof *w), b = 0;
    slant_error err;
    cr_assert_eq(slantp_train_binary(&ts, idx, y, 4, 1.0, w, &b, NULL, 0, NULL, NULL, &err),
                 SLANT_OK);
    cr_assert_eq(b, -1.0);
    for (size_t f = 0; f < ts.nfeatures; f++)
        cr_assert_eq(w[f], 0.0);
    free(w);
    slantp_trainset_release(&ts);
    slant_model_free(m);
}

Test(svm, gram_matrix_is_symmetric_with_unit_diagonal)
{
    slant_model *m = th_train_small();
    slantp_trainset ts;
    build_trainset(m, &ts, 1024);
    for (size_t i = 0; i < ts.n; i++) {
        cr_assert(fabs(ts.gram[i][i + 1].value - 1.0) < 1e-12, "K(%zu,%zu) = %g", i, i,
                  ts.gram[i][i + 1].value);
        cr_assert_eq(ts.gram[i][0].value, (double)(i + 1));
        for (size_t j = 0; j < i; j++)
            cr_assert_eq(ts.gram[i][j + 1].value, ts.gram[j][i + 1].value);
    }
    slantp_trainset_release(&ts);
    slant_model_free(m);
}

Test(svm, out_of_fold_decisions_from_kernel_rows_match_libsvm)
{
    slant_model *m = th_train_small();
    slantp_trainset ts;
    build_trainset(m, &ts, 1024);
    size_t n = 0, nt = 0, *idx = malloc(ts.n * sizeof *idx), *test = malloc(ts.n * sizeof *test);
    signed char *y = malloc(ts.n);
    for (size_t i = 0; i < ts.n; i++) {
        if (i % 3 == 2) {
            test[nt++] = i;
            continue;
        }
        idx[n] = i;
        y[n++] = (i / 2) % 3 == 0 ? 1 : -1;
    }
    double b, *dec = malloc(nt * sizeof *dec);
    slantp_binary_keep keep = {0};
    slant_error err;
    /* no weight vector: the held-out decisions come from the kernel rows */
    cr_assert_eq(slantp_train_binary(&ts, idx, y, n, 3.0, NULL, &b, test, nt, dec, &keep, &err),
                 SLANT_OK);
    double sign = keep.model->label[0] == 1 ? 1.0 : -1.0;
    for (size_t i = 0; i < nt; i++) {
        double lib;
        svm_predict_values(keep.model, ts.gram[test[i]], &lib);
        lib *= sign;
        cr_assert(fabs(dec[i] - lib) <= 1e-9 * fmax(1.0, fabs(lib)), "%zu: %.17g vs %.17g", i,
                  dec[i], lib);
    }
    slantp_binary_keep_release(&keep);
    free(dec);
    free(idx);
    free(test);
    free(y);
    slantp_trainset_release(&ts);
    slant_model_free(m);
}

/* A random sparse trainset of n rows over nf columns, about a quarter of
 * them set; row arrays at their full size. */
static void random_trainset(slantp_trainset *ts, size_t n, size_t nf, uint64_t *seed)
{
    size_t nnz = 0;
    memset(ts, 0, sizeof *ts);
    ts->n = n;
    ts->nfeatures = nf;
    ts->row_start = malloc((n + 1) * sizeof *ts->row_start);
    ts->col = malloc((n * nf + 1) * sizeof *ts->col);
    ts->val = malloc((n * nf + 1) * sizeof *ts->val);
    for (size_t i = 0; i < n; i++) {
        ts->row_start[i] = nnz;
        for (uint32_t c = 0; c < nf; c++) {
            *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((*seed >> 60) < 4) {
                ts->col[nnz] = c;
                ts->val[nnz++] = (double)(*seed >> 11) / 9007199254740992.0 - 0.3;
            }
        }
    }
    ts->row_start[n] = nnz;
}

/* K(i, r) for r <= i: row r's entries in column order against row i. */
static double reference_entry(const slantp_trainset *ts, size_t i, size_t r)
{
    double want = 0;
    for (size_t k = ts->row_start[r]; k < ts->row_start[r + 1]; k++)
        for (size_t j = ts->row_start[i]; j < ts->row_start[i + 1]; j++)
            if (ts->col[j] == ts->col[k])
                want += ts->val[j] * ts->val[k];
    return want;
}

static void assert_exact_gram(const slantp_trainset *ts, const char *what)
{
    size_t n = ts->n;
    cr_assert_not_null(ts->gram);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ts->gram[i][0].value, (double)(i + 1));
        for (size_t r = 0; r <= i; r++) {
            double want = reference_entry(ts, i, r);
            cr_assert(memcmp(&ts->gram[i][r + 1].value, &want, sizeof want) == 0 &&
                          memcmp(&ts->gram[r][i + 1].value, &want, sizeof want) == 0,
                      "%s: K(%zu,%zu) is not the exact dot product", what, i, r);
        }
    }
}

/* The Gram matrix is filled several rows at a time, on several threads:
 * every entry must still be its two rows' dot product summed over the lower
 * row's entries in column order, bit for bit, for sizes around the block
 * and any number of threads. */
Test(svm, gram_entries_are_exact_row_dot_products)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 30};
    uint64_t seed = 42;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int threads = 1; threads <= 3; threads++) {
            slantp_trainset ts;
            random_trainset(&ts, sizes[si], 50, &seed);
            slant_error err;
            cr_assert_eq(slantp_trainset_kernel(&ts, 2048, threads, &err), SLANT_OK);
            char what[64];
            snprintf(what, sizeof what, "n %zu, %d threads", sizes[si], threads);
            assert_exact_gram(&ts, what);
            slantp_trainset_release(&ts);
        }
}

/* Training computes the matrix while it writes the rows: workers must wait
 * for a block's rows and give the same entries as the whole-set call. */
Test(svm, gram_computed_while_rows_arrive_is_the_same)
{
    uint64_t seed = 7;
    for (int threads = 1; threads <= 3; threads++) {
        slantp_trainset full, ts;
        random_trainset(&full, 23, 40, &seed);
        memset(&ts, 0, sizeof ts);
        ts.n = full.n;
        ts.nfeatures = full.nfeatures;
        ts.row_start = calloc(full.n + 1, sizeof *ts.row_start);
        ts.col = malloc((full.row_start[full.n] + 1) * sizeof *ts.col);
        ts.val = malloc((full.row_start[full.n] + 1) * sizeof *ts.val);
        slantp_kernel k;
        cr_assert_eq(slantp_kernel_start(&k, &ts, 2048, threads), 1);
        for (size_t i = 0; i < full.n; i++) {
            for (size_t j = full.row_start[i]; j < full.row_start[i + 1]; j++) {
                ts.col[j] = full.col[j];
                ts.val[j] = full.val[j];
            }
            ts.row_start[i + 1] = full.row_start[i + 1];
            slantp_kernel_rows_ready(&k, i + 1);
        }
        slant_error err;
        cr_assert_eq(slantp_kernel_finish(&k, &err), SLANT_OK);
        slantp_kernel_abort(&k);    /* after finish: nothing to do */
        assert_exact_gram(&ts, "rows arriving");
        slantp_trainset_release(&ts);
        slantp_trainset_release(&full);
    }
}

/* A producer that fails half-way leaves nothing to compute; the matrix is
 * freed with the trainset. */
Test(svm, gram_is_dropped_when_the_producer_gives_up)
{
    uint64_t seed = 9;
    slantp_trainset ts;
    random_trainset(&ts, 40, 30, &seed);
    slantp_kernel k;
    cr_assert_eq(slantp_kernel_start(&k, &ts, 2048, 3), 1);
    slantp_kernel_rows_ready(&k, 17);
    slantp_kernel_abort(&k);
    cr_assert_eq(k.live, 0);
    slantp_trainset_release(&ts);
}

/* Past the memory budget there is no matrix: libsvm's sparse rows instead. */
Test(svm, no_gram_past_the_budget)
{
    uint64_t seed = 11;
    slantp_trainset ts;
    random_trainset(&ts, 10, 20, &seed);
    slantp_kernel k;
    cr_assert_eq(slantp_kernel_start(&k, &ts, 0, 2), 0);
    slant_error err;
    cr_assert_eq(slantp_kernel_finish(&k, &err), SLANT_OK);
    cr_assert_null(ts.gram);
    cr_assert_not_null(ts.sparse);
    for (size_t i = 0; i < ts.n; i++) {
        size_t m = 0;
        for (size_t j = ts.row_start[i]; j < ts.row_start[i + 1]; j++, m++) {
            cr_assert_eq(ts.sparse[i][m].index, (int)ts.col[j] + 1);
            cr_assert_eq(ts.sparse[i][m].value, ts.val[j]);
        }
        cr_assert_eq(ts.sparse[i][m].index, -1);
    }
    slantp_trainset_release(&ts);
}

/* ---------------------------------------------------------------- kernel cache */

/* A copy of a trainset's rows, without its kernel. */
static void copy_rows(const slantp_trainset *from, slantp_trainset *to)
{
    size_t nnz = from->row_start[from->n];
    memset(to, 0, sizeof *to);
    to->n = from->n;
    to->nfeatures = from->nfeatures;
    to->row_start = malloc((from->n + 1) * sizeof *to->row_start);
    to->col = malloc((nnz + 1) * sizeof *to->col);
    to->val = malloc((nnz + 1) * sizeof *to->val);
    memcpy(to->row_start, from->row_start, (from->n + 1) * sizeof *to->row_start);
    memcpy(to->col, from->col, nnz * sizeof *to->col);
    memcpy(to->val, from->val, nnz * sizeof *to->val);
}

/* However documents come and go, a cached entry is the whole matrix's
 * entry bit for bit, and the serial numbers index each other's rows. */
Test(svm, cache_entries_are_the_whole_matrix_bits)
{
    static const struct {
        size_t n, slots;
        int threads;
    } cases[] = {{37, 11, 1}, {37, 11, 2}, {20, 19, 3}, {9, 2, 1}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        uint64_t seed = 100 + ci;
        slantp_trainset full, ts;
        slant_error err;
        random_trainset(&full, cases[ci].n, 50, &seed);
        copy_rows(&full, &ts);
        cr_assert_eq(slantp_trainset_kernel(&full, 2048, 1, &err), SLANT_OK);
        cr_assert_eq(slantp_trainset_cache(&ts, cases[ci].slots, cases[ci].threads, &err),
                     SLANT_OK);
        cr_assert_not_null(ts.cache);
        cr_assert_eq(slantp_gram_cache_slots(ts.cache), cases[ci].slots);
        size_t docs[64];
        struct svm_node *rows[64];
        for (int round = 0; round < 40; round++) {
            /* a request of up to 'slots' distinct documents */
            size_t want = 1 + (size_t)(seed >> 40) % cases[ci].slots, k = 0;
            for (size_t d = 0; d < ts.n && k < want; d++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                if ((seed >> 61) < 3)
                    docs[k++] = d;
            }
            cr_assert_eq(slantp_gram_cache_acquire(ts.cache, docs, k, rows), 0);
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < k; b++) {
                    double got = rows[a][(int)rows[b][0].value].value;
                    double want_v = full.gram[docs[a]][docs[b] + 1].value;
                    cr_assert(memcmp(&got, &want_v, sizeof got) == 0,
                              "case %zu round %d: K(%zu,%zu) %.17g, whole matrix %.17g", ci,
                              round, docs[a], docs[b], got, want_v);
                }
            slantp_gram_cache_release(ts.cache, docs, k);
        }
        slantp_trainset_release(&ts);
        slantp_trainset_release(&full);
    }
}

/* The corpus with a whole Gram matrix and a copy with a cache of 'slots'. */
static slant_model *corpus_pair(slantp_trainset *full, slantp_trainset *cached, size_t slots,
                                int threads)
{
    slant_model *m = th_train_small();
    slant_error err;
    build_rows(m, full);
    copy_rows(full, cached);
    cr_assert_eq(slantp_trainset_kernel(full, 2048, 2, &err), SLANT_OK);
    cr_assert_not_null(full->gram);
    cr_assert_eq(slantp_trainset_cache(cached, slots, threads, &err), SLANT_OK);
    cr_assert_not_null(cached->cache);
    return m;
}

/* wire (every third record) against the rest, over rows idx[0..n) */
static void wire_labels(const size_t *idx, size_t n, signed char *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (idx[i] / 2) % 3 == 0 ? 1 : -1;
}

/* A problem whose documents fit in the cache is the exact problem: the
 * same weights, bias and decisions, bit for bit. */
Test(svm, cached_problem_that_fits_is_the_exact_one)
{
    slantp_trainset full, ts;
    slant_model *m = corpus_pair(&full, &ts, 40, 2);
    size_t n = 0, nt = 0, idx[64], test[64];
    signed char y[64];
    for (size_t i = 0; i < full.n; i++) {
        if (i % 3 != 2)
            idx[n++] = i;
        else
            test[nt++] = i;
    }
    wire_labels(idx, n, y);
    cr_assert_leq(n, 40);
    static const double costs[] = {0.3, 1.0, 10.0};
    for (size_t c = 0; c < 3; c++) {
        double *w1 = malloc(full.nfeatures * sizeof *w1), *w2 = malloc(full.nfeatures * sizeof *w2);
        double b1, b2, d1[64], d2[64];
        slant_error err;
        cr_assert_eq(slantp_train_binary(&full, idx, y, n, costs[c], w1, &b1, test, nt, d1, NULL,
                                         &err), SLANT_OK);
        cr_assert_eq(slantp_train_binary(&ts, idx, y, n, costs[c], w2, &b2, test, nt, d2, NULL,
                                         &err), SLANT_OK);
        cr_assert(memcmp(w1, w2, full.nfeatures * sizeof *w1) == 0, "C %g: weights differ",
                  costs[c]);
        cr_assert(memcmp(&b1, &b2, sizeof b1) == 0 && memcmp(d1, d2, nt * sizeof *d1) == 0,
                  "C %g: bias or decisions differ", costs[c]);
        free(w1);
        free(w2);
    }
    slantp_trainset_release(&full);
    slantp_trainset_release(&ts);
    slant_model_free(m);
}

/* More documents than the cache holds: working sets until no document
 * breaks the optimality conditions. libsvm itself stops when its most
 * violating pair is within eps = 0.1, so two solutions of one problem may
 * differ by about that much: every decision must be within 2 eps of the
 * exact solve's, and no document the exact solve places beyond 2 eps of
 * the boundary may change side. */
Test(svm, working_sets_match_the_exact_solve)
{
    static const struct {
        double C;
        size_t slots;
    } cases[] = {{0.3, 45}, {0.3, 25}, {1.0, 12}, {1.0, 30}, {3.0, 15}, {10.0, 15}, {10.0, 20}, {3.0, 59}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        slantp_trainset full, ts;
        slant_model *m = corpus_pair(&full, &ts, cases[ci].slots, 2);
        size_t n = full.n, idx[64];
        signed char y[64];
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        wire_labels(idx, n, y);
        cr_assert_gt(n, cases[ci].slots);
        double *w1 = malloc(full.nfeatures * sizeof *w1), *w2 = malloc(full.nfeatures * sizeof *w2);
        double b1, b2, d1[64], d2[64];
        slant_error err;
        slantp_error_clear(&err);
        cr_assert_eq(slantp_train_binary(&full, idx, y, n, cases[ci].C, w1, &b1, idx, n, d1, NULL,
                                         &err), SLANT_OK);
        cr_assert_eq(slantp_train_binary(&ts, idx, y, n, cases[ci].C, w2, &b2, idx, n, d2, NULL,
                                         &err), SLANT_OK, "C %g, %zu slots: %s", cases[ci].C,
                     cases[ci].slots, err.text);
        for (size_t i = 0; i < n; i++) {
            cr_assert_leq(fabs(d1[i] - d2[i]), 0.2, "C %g, %zu slots, row %zu: exact %.6f, "
                          "working sets %.6f", cases[ci].C, cases[ci].slots, i, d1[i], d2[i]);
            if (fabs(d1[i]) > 0.2)
                cr_assert((d1[i] > 0) == (d2[i] > 0), "row %zu changed side", i);
        }
        free(w1);
        free(w2);
        slantp_trainset_release(&full);
        slantp_trainset_release(&ts);
        slant_model_free(m);
    }
}

/* The working sets depend on the problem only: not on what the cache held
 * before, nor on the threads that filled it. */
Test(svm, working_sets_are_deterministic)
{
    slantp_trainset a_full, a, b_full, b;
    slant_model *ma = corpus_pair(&a_full, &a, 30, 1);
    slant_model *mb = corpus_pair(&b_full, &b, 30, 3);
    /* give b's cache another history first */
    size_t other[30];
    struct svm_node *rows[30];
    for (size_t i = 0; i < 30; i++)
        other[i] = b.n - 1 - 2 * i;
    cr_assert_eq(slantp_gram_cache_acquire(b.cache, other, 30, rows), 0);
    slantp_gram_cache_release(b.cache, other, 30);
    size_t n = a.n, idx[64];
    signed char y[64];
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    wire_labels(idx, n, y);
    double *w1 = malloc(a.nfeatures * sizeof *w1), *w2 = malloc(a.nfeatures * sizeof *w2), b1, b2;
    slant_error err;
    for (int rep = 0; rep < 2; rep++) {
        cr_assert_eq(slantp_train_binary(&a, idx, y, n, 1.0, w1, &b1, NULL, 0, NULL, NULL, &err),
                     SLANT_OK);
        cr_assert_eq(slantp_train_binary(&b, idx, y, n, 1.0, w2, &b2, NULL, 0, NULL, NULL, &err),
                     SLANT_OK);
        cr_assert(memcmp(w1, w2, a.nfeatures * sizeof *w1) == 0 && memcmp(&b1, &b2, sizeof b1) == 0,
                  "run %d: the working sets gave another model", rep);
    }
    free(w1);
    free(w2);
    slantp_trainset_release(&a_full);
    slantp_trainset_release(&a);
    slantp_trainset_release(&b_full);
    slantp_trainset_release(&b);
    slant_model_free(ma);
    slant_model_free(mb);
}

/* When the support vectors alone overflow the cache, training says so. */
Test(svm, working_sets_report_support_vectors_that_do_not_fit)
{
    slantp_trainset full, ts;
    slant_model *m = corpus_pair(&full, &ts, 3, 2);
    size_t n = ts.n, idx[64];
    signed char y[64];
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    wire_labels(idx, n, y);
    double *w = malloc(ts.nfeatures * sizeof *w), b;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_train_binary(&ts, idx, y, n, 1.0, w, &b, NULL, 0, NULL, NULL, &err),
                 SLANT_ETRAIN);
    cr_assert(strstr(err.text, "--gram-mb") != NULL, "%s", err.text);
    free(w);
    slantp_trainset_release(&full);
    slantp_trainset_release(&ts);
    slant_model_free(m);
}
