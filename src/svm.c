/* svm.c - the bridge to libsvm: kernels, binary training, and collapsing a
 * trained linear model into one weight vector.
 *
 * Every binary classifier of every head, fold and candidate C trains on
 * the same documents, so their linear kernel (the Gram matrix X X^T) is
 * computed once (gram.c) and handed to libsvm as a precomputed kernel:
 * each training run then costs a table lookup per kernel evaluation
 * instead of a sparse dot product. When the whole matrix does not fit in
 * the memory budget, a cache of as many rows as fit serves each problem:
 * exactly when the problem's documents fit in it, else by working sets
 * checked on every document until none breaks the optimality conditions.
 * With room for too few rows, libsvm's own linear kernel on sparse vectors.
 *
 * Either way the result is collapsed to w = sum_i alpha_i y_i x_i and
 * b = -rho, so prediction never touches support vectors.
 */
#include <libsvm/svm.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "gram.h"
#include "svm.h"

static void print_nothing(const char *s) { (void)s; }

void slantp_svm_quiet(void)
{
    svm_set_print_string_function(print_nothing);
}

void slantp_trainset_release(slantp_trainset *ts)
{
    free(ts->row_start);
    free(ts->col);
    free(ts->val);
    free(ts->gram);
    free(ts->gram_mem);
    slantp_gram_cache_free(ts->cache);
    free(ts->sparse);
    free(ts->sparse_mem);
    memset(ts, 0, sizeof *ts);
}

/* libsvm's sparse rows, for its linear kernel */
static int sparse_rows(slantp_trainset *ts, slant_error *err)
{
    size_t n = ts->n;
    ts->sparse = malloc((n ? n : 1) * sizeof *ts->sparse);
    ts->sparse_mem = malloc((ts->row_start[n] + n + 1) * sizeof *ts->sparse_mem);
    if (!ts->sparse || !ts->sparse_mem)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory building vectors");
    struct svm_node *p = ts->sparse_mem;
    for (size_t i = 0; i < n; i++) {
        ts->sparse[i] = p;
        for (size_t j = ts->row_start[i]; j < ts->row_start[i + 1]; j++) {
            p->index = (int)ts->col[j] + 1;     /* libsvm indexes are 1-based */
            p->value = ts->val[j];
            p++;
        }
        p->index = -1;
        p->value = 0;
        p++;
    }
    return SLANT_OK;
}

int slantp_kernel_start(slantp_kernel *k, slantp_trainset *ts, size_t gram_mb, int threads)
{
    size_t n = ts->n;
    memset(k, 0, sizeof *k);
    k->ts = ts;
    k->gram_mb = gram_mb;
    k->threads = threads;
    if (n == 0 || (double)slantp_packed_bytes(n) > (double)gram_mb * 1048576.0 ||
        n >= (size_t)INT32_MAX / 2)
        return 0;
    ts->gram = malloc(n * sizeof *ts->gram);
    ts->gram_mem = ts->gram ? slantp_packed_alloc(n, ts->gram) : NULL;
    if (!ts->gram_mem) {
        free(ts->gram);
        ts->gram = NULL;
        k->refused = 1;   /* the budget was too generous for this machine */
        return 0;
    }
    k->live = 1;
    return 1;
}

void slantp_kernel_rows_ready(slantp_kernel *k, size_t rows)
{
    /* the matrix is computed from the columns, which need every row */
    (void)k;
    (void)rows;
}

void slantp_kernel_abort(slantp_kernel *k)
{
    k->live = 0;
}

static int whole_matrix(slantp_trainset *ts, int threads, slant_error *err)
{
    slantp_postings post;
    if (slantp_postings_build(ts, &post) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory computing the kernel");
    int bad = slantp_gram_triangle(ts, &post, ts->gram, ts->n, threads);
    slantp_postings_release(&post);
    if (bad)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory computing the kernel");
    return SLANT_OK;
}

/* Below this many documents a cache is not worth its bookkeeping: libsvm's
 * own linear kernel on the sparse rows takes over. */
#define MIN_CACHE_SLOTS 2

int slantp_trainset_cache(slantp_trainset *ts, size_t slots, int threads, slant_error *err)
{
    if (slots < MIN_CACHE_SLOTS || slots >= (size_t)INT32_MAX / 2)
        return sparse_rows(ts, err);
    ts->cache = slantp_gram_cache_new(ts, slots, threads);
    if (!ts->cache)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory computing the kernel");
    return SLANT_OK;
}

int slantp_kernel_finish(slantp_kernel *k, slant_error *err)
{
    slantp_trainset *ts = k->ts;
    if (k->live) {
        k->live = 0;
        return whole_matrix(ts, k->threads, err);
    }
    if (ts->n == 0)
        return sparse_rows(ts, err);
    return slantp_trainset_cache(ts, slantp_packed_slots(k->gram_mb), k->threads, err);
}

int slantp_trainset_kernel(slantp_trainset *ts, size_t gram_mb, int threads, slant_error *err)
{
    slantp_kernel k;
    slantp_kernel_start(&k, ts, gram_mb, threads);
    return slantp_kernel_finish(&k, err);
}

double slantp_trainset_decision(const slantp_trainset *ts, size_t i, const double *w, double b)
{
    double s = b;
    for (size_t k = ts->row_start[i]; k < ts->row_start[i + 1]; k++)
        s += w[ts->col[k]] * ts->val[k];
    return s;
}

void slantp_binary_keep_release(slantp_binary_keep *k)
{
    if (!k)
        return;
    if (k->model)
        svm_free_and_destroy_model(&k->model);
    free(k->prob.y);
    free(k->prob.x);
    free(k->param.weight);
    free(k->param.weight_label);
    memset(k, 0, sizeof *k);
}

/* ---------------------------------------------------------------- from the cache */

/* One libsvm run on the cached rows of docs[0..m) labelled ys, collapsed
 * into w and b; sv[i] is set for each support vector. */
static int solve_cached(const slantp_trainset *ts, const size_t *docs, const signed char *ys,
                        size_t m, const struct svm_parameter *param, double *w, double *b,
                        unsigned char *sv, slant_error *err)
{
    struct svm_problem prob = {0};
    prob.l = (int)m;
    prob.y = malloc(m * sizeof *prob.y);
    prob.x = malloc(m * sizeof *prob.x);
    if (!prob.y || !prob.x || slantp_gram_cache_acquire(ts->cache, docs, m, prob.x) < 0) {
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    size_t mpos = 0;
    for (size_t i = 0; i < m; i++) {
        prob.y[i] = ys[i] > 0 ? +1.0 : -1.0;
        mpos += ys[i] > 0;
    }
    if (mpos == 0 || mpos == m) {
        /* libsvm's one-class model has no bias to read */
        slantp_gram_cache_release(ts->cache, docs, m);
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1,
                            "internal error: a working set holds one class only");
    }
    struct svm_model *model = svm_train(&prob, param);
    slantp_gram_cache_release(ts->cache, docs, m);
    if (!model) {
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "libsvm could not train");
    }
    double sign = model->label[0] == +1 ? 1.0 : -1.0;
    memset(w, 0, ts->nfeatures * sizeof *w);
    for (int k = 0; k < model->l; k++) {
        size_t at = (size_t)model->sv_indices[k] - 1, doc = docs[at];
        double coef = sign * model->sv_coef[0][k];
        if (sv)
            sv[at] = 1;
        for (size_t j = ts->row_start[doc]; j < ts->row_start[doc + 1]; j++)
            w[ts->col[j]] += coef * ts->val[j];
    }
    *b = -sign * model->rho[0];
    svm_free_and_destroy_model(&model);
    free(prob.y);
    free(prob.x);
    return SLANT_OK;
}

/* A document outside the working set (its alpha is 0) breaks the
 * optimality conditions when its margin y f(x) is below 1 - eps: inside the
 * working set libsvm stops with alpha = 0 documents as close as that (eps
 * bounds the gap between its most violating pair), so a tighter test would
 * keep asking for documents libsvm then leaves alone. */
#define WS_SLACK 1.0
#define WS_MAX_ROUNDS 50

/* A document of the problem and its margin y f(x), to sort by margin. */
struct ranked {
    double margin;
    size_t pos;
};

static int by_margin(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    if (a->margin != b->margin)
        return a->margin < b->margin ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The next working set: every support vector, then the worst violators
 * (as many as fit), then the non-support vectors within the tolerance of
 * the margin, which may yet become support vectors; in the problem's own
 * order. The others are left out (they are checked again next round): a
 * smaller problem solves faster. Returns its size, 0 if the support
 * vectors leave no room. */
static size_t next_working_set(size_t n, size_t cap, double eps, const double *margin,
                               unsigned char *in, const unsigned char *is_sv,
                               struct ranked *viol, size_t nviol, struct ranked *rest, size_t *ws)
{
    size_t nsv = 0, nrest = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] && is_sv[i])
            nsv++;
        else if (in[i] && margin[i] < 1.0 + eps)
            rest[nrest++] = (struct ranked){margin[i], i};
    }
    if (nsv >= cap)
        return 0;
    qsort(viol, nviol, sizeof *viol, by_margin);
    qsort(rest, nrest, sizeof *rest, by_margin);
    size_t take = nviol < cap - nsv ? nviol : cap - nsv;
    size_t keep = nrest < cap - nsv - take ? nrest : cap - nsv - take;
    for (size_t i = 0; i < n; i++)
        in[i] = in[i] && is_sv[i];
    for (size_t k = 0; k < take; k++)
        in[viol[k].pos] = 1;
    for (size_t k = 0; k < keep; k++)
        in[rest[k].pos] = 1;
    for (size_t i = 0; i < n; i++)
        if (in[i])
            ws[m++] = i;
    return m;
}

/* The first working set: documents spread evenly over the problem, each
 * class in its share of the room but never absent (a one-class problem
 * has no solution to check). */
static size_t first_working_set(const signed char *y, size_t n, size_t cap, size_t *ws)
{
    size_t npos = 0, m = 0, seen[2] = {0, 0}, room[2];
    for (size_t i = 0; i < n; i++)
        npos += y[i] > 0;
    room[1] = (size_t)((double)cap * (double)npos / (double)n + 0.5);
    room[1] = room[1] < 1 ? 1 : room[1] > cap - 1 ? cap - 1 : room[1];
    room[0] = cap - room[1];
    size_t total[2] = {n - npos, npos};
    for (size_t i = 0; i < n; i++) {
        int k = y[i] > 0;
        if ((seen[k] + 1) * room[k] / total[k] > seen[k] * room[k] / total[k])
            ws[m++] = i;
        seen[k]++;
    }
    return m;
}

/* More documents than the cache holds: solve exactly on a working set that
 * fits, check every other document against the collapsed weights, bring
 * in the violators, and repeat until none is left. */
static int train_working_set(const slantp_trainset *ts, const size_t *idx, const signed char *y,
                             size_t n, const struct svm_parameter *param, double *w, double *b,
                             slant_error *err)
{
    size_t cap = slantp_gram_cache_slots(ts->cache);
    size_t *ws = malloc(cap * sizeof *ws), *docs = malloc(cap * sizeof *docs);
    signed char *ys = calloc(cap, 1);
    unsigned char *sv = malloc(cap), *in = calloc(n, 1), *is_sv = calloc(n, 1);
    double *margin = malloc(n * sizeof *margin);
    struct ranked *viol = malloc(n * sizeof *viol), *rest = malloc(n * sizeof *rest);
    int rc = SLANT_OK;
    if (!ws || !docs || !ys || !sv || !in || !is_sv || !margin || !viol || !rest) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    size_t m = first_working_set(y, n, cap, ws);
    for (int round = 0;; round++) {
        for (size_t j = 0; j < m; j++) {
            docs[j] = idx[ws[j]];
            ys[j] = y[ws[j]];
            sv[j] = 0;
        }
        rc = solve_cached(ts, docs, ys, m, param, w, b, sv, err);
        if (rc)
            goto out;
        memset(in, 0, n);
        memset(is_sv, 0, n);
        for (size_t j = 0; j < m; j++) {
            in[ws[j]] = 1;
            is_sv[ws[j]] = sv[j];
        }
        size_t nviol = 0;
        for (size_t i = 0; i < n; i++) {
            double f = slantp_trainset_decision(ts, idx[i], w, *b);
            margin[i] = y[i] > 0 ? f : -f;
            if (!in[i] && margin[i] < 1.0 - WS_SLACK * param->eps)
                viol[nviol++] = (struct ranked){margin[i], i};
        }
        if (nviol == 0)
            break;
        m = round < WS_MAX_ROUNDS
                ? next_working_set(n, cap, param->eps, margin, in, is_sv, viol, nviol, rest, ws)
                : 0;
        if (m == 0) {
            rc = slantp_error(err, SLANT_ETRAIN, NULL, -1, -1,
                              "the support vectors of a %zu-document problem do not fit in a "
                              "kernel cache of %zu documents (raise --gram-mb)", n, cap);
            goto out;
        }
    }
out:
    free(ws);
    free(docs);
    free(ys);
    free(sv);
    free(in);
    free(is_sv);
    free(margin);
    free(viol);
    free(rest);
    return rc;
}

/* libsvm's settings for one class-weighted binary problem (the same as
 * slantp_train_binary's below). */
static void binary_param(struct svm_parameter *param, int kernel, double C, int *weight_label,
                         double *weight, size_t n, size_t npos)
{
    memset(param, 0, sizeof *param);
    weight_label[0] = +1;
    weight_label[1] = -1;
    weight[0] = (double)n / (2.0 * (double)npos);
    weight[1] = (double)n / (2.0 * (double)(n - npos));
    param->svm_type = C_SVC;
    param->kernel_type = kernel;
    param->C = C;
    /* One stopping tolerance for the out-of-fold runs that choose C and
     * the final fit, so the model shipped is trained the way the one that
     * was validated was. 0.1 is liblinear's default for its dual
     * solvers: much cheaper than libsvm's 0.001, for the same quality on
     * held-out data (bench/README.md). */
    param->eps = 0.1;
    param->cache_size = 256;
    param->shrinking = 1;
    param->probability = 0;
    param->nr_weight = 2;
    param->weight_label = weight_label;
    param->weight = weight;
}

/* A binary problem through the kernel cache: exact when its documents fit
 * in the cache, else by working sets. The class weights are those of the
 * whole problem either way. */
static int train_cached(const slantp_trainset *ts, const size_t *idx, const signed char *y,
                        size_t n, size_t npos, double C, double *w, double *b, const size_t *test,
                        size_t ntest, double *dec, slant_error *err)
{
    struct svm_parameter param;
    int weight_label[2];
    double weight[2];
    binary_param(&param, PRECOMPUTED, C, weight_label, weight, n, npos);
    int rc = n <= slantp_gram_cache_slots(ts->cache)
                 ? solve_cached(ts, idx, y, n, &param, w, b, NULL, err)
                 : train_working_set(ts, idx, y, n, &param, w, b, err);
    for (size_t i = 0; rc == SLANT_OK && dec && i < ntest; i++)
        dec[i] = slantp_trainset_decision(ts, test[i], w, *b);
    return rc;
}

/* ---------------------------------------------------------------- binary problems */

/* The weights and bias of a model trained by libsvm, w = sum of coef_k
 * x_k over its support vectors, turned so that a positive decision means
 * +1 (libsvm's first label is whichever class it met first). Returns the
 * sign that turns libsvm's coefficients. w may be NULL: only the bias. */
static double collapse(const slantp_trainset *ts, const size_t *idx,
                       const struct svm_model *model, double *w, double *b)
{
    double sign = model->label[0] == +1 ? 1.0 : -1.0;
    for (int k = 0; w && k < model->l; k++) {
        size_t doc = idx[model->sv_indices[k] - 1];
        double coef = sign * model->sv_coef[0][k];
        for (size_t j = ts->row_start[doc]; j < ts->row_start[doc + 1]; j++)
            w[ts->col[j]] += coef * ts->val[j];
    }
    *b = -sign * model->rho[0];
    return sign;
}

/* The decisions on rows test[0..ntest): from the weights, or without
 * them from the kernel, sum of coef_k K(sv_k, x). */
static void decisions(const slantp_trainset *ts, const size_t *idx,
                      const struct svm_model *model, double sign, const double *w, double b,
                      const size_t *test, size_t ntest, double *dec)
{
    for (size_t i = 0; i < ntest; i++) {
        if (w) {
            dec[i] = slantp_trainset_decision(ts, test[i], w, b);
            continue;
        }
        const struct svm_node *row = ts->gram[test[i]];
        double s = b;
        for (int k = 0; k < model->l; k++)
            s += sign * model->sv_coef[0][k] * row[idx[model->sv_indices[k] - 1] + 1].value;
        dec[i] = s;
    }
}

/* Hand the model and its problem to the caller, with copies of the class
 * weights: the parameter block must outlive the trainer's frame. */
static void keep_model(slantp_binary_keep *keep, struct svm_model *model,
                       const struct svm_problem *prob, const struct svm_parameter *param,
                       const int *weight_label, const double *weight)
{
    keep->model = model;
    keep->prob = *prob;
    keep->param = *param;
    keep->param.weight_label = malloc(2 * sizeof(int));
    keep->param.weight = malloc(2 * sizeof(double));
    if (keep->param.weight_label && keep->param.weight) {
        memcpy(keep->param.weight_label, weight_label, 2 * sizeof *weight_label);
        memcpy(keep->param.weight, weight, 2 * sizeof *weight);
    }
    keep->model->param.weight_label = keep->param.weight_label;
    keep->model->param.weight = keep->param.weight;
    keep->model->param.nr_weight = keep->param.weight ? 2 : 0;
}

int slantp_train_binary(const slantp_trainset *ts, const size_t *idx, const signed char *y,
                        size_t n, double C, double *w, double *b, const size_t *test, size_t ntest,
                        double *dec, slantp_binary_keep *keep, slant_error *err)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] > 0;
    if (!w && !ts->gram)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "decisions need weights or a kernel");
    if (w)
        memset(w, 0, ts->nfeatures * sizeof *w);
    if (npos == 0 || npos == n) {
        /* one class only: a constant decision, as libsvm would give */
        *b = npos ? 1.0 : -1.0;
        for (size_t i = 0; dec && i < ntest; i++)
            dec[i] = *b;
        return SLANT_OK;
    }
    if (!ts->gram && ts->cache)
        return train_cached(ts, idx, y, n, npos, C, w, b, test, ntest, dec, err);
    struct svm_problem prob = {0};
    struct svm_parameter param;
    int weight_label[2];
    double weight[2];
    binary_param(&param, ts->gram ? PRECOMPUTED : LINEAR, C, weight_label, weight, n, npos);
    prob.l = (int)n;
    prob.y = malloc(n * sizeof *prob.y);
    prob.x = malloc(n * sizeof *prob.x);
    if (!prob.y || !prob.x) {
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        prob.y[i] = y[i] > 0 ? +1.0 : -1.0;
        prob.x[i] = ts->gram ? ts->gram[idx[i]] : ts->sparse[idx[i]];
    }
    const char *bad = svm_check_parameter(&prob, &param);
    struct svm_model *model = bad ? NULL : svm_train(&prob, &param);
    if (!model) {
        free(prob.y);
        free(prob.x);
        return bad ? slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "libsvm: %s", bad)
                   : slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "libsvm could not train");
    }
    double sign = collapse(ts, idx, model, w, b);
    if (dec)
        decisions(ts, idx, model, sign, w, *b, test, ntest, dec);
    if (keep) {
        keep_model(keep, model, &prob, &param, weight_label, weight);
        return SLANT_OK;
    }
    svm_free_and_destroy_model(&model);
    free(prob.y);
    free(prob.x);
    return SLANT_OK;
}
