/* svm.c - the bridge to libsvm: kernels, binary training, and collapsing a
 * trained linear model into one weight vector.
 *
 * Every binary classifier of every head, fold and candidate C trains on
 * the same documents, so their linear kernel (the Gram matrix X X^T) is
 * computed once (by the spare threads while training still writes the
 * rows, then by every thread) and handed to libsvm as a precomputed
 * kernel: each training run then costs a few table lookups per kernel
 * evaluation instead of a sparse dot product. When n^2 doubles do not fit
 * in the memory budget, training falls back to libsvm's own linear kernel
 * on sparse vectors: slower, but memory stays linear in the data.
 *
 * Either way the result is collapsed to w = sum_i alpha_i y_i x_i and
 * b = -rho, so prediction never touches support vectors.
 */
#include <libsvm/svm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "slant_private.h"

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
    free(ts->sparse);
    free(ts->sparse_mem);
    memset(ts, 0, sizeof *ts);
}

/* Rows are taken GRAM_BLOCK at a time: their dense copies are interleaved
 * (dense[col * GRAM_BLOCK + q]), so one pass over a sparse row r reads each
 * column once for all of them, and their GRAM_BLOCK mirrored entries in
 * row r share a cache line. Each entry is still summed over row r in
 * column order, so the values are those of one row at a time, bit for bit. */
#define GRAM_BLOCK 4

static double sparse_dot(const slantp_trainset *ts, size_t r, const double *dense, size_t q)
{
    double s = 0;
    for (size_t k = ts->row_start[r]; k < ts->row_start[r + 1]; k++)
        s += dense[ts->col[k] * GRAM_BLOCK + q] * ts->val[k];
    return s;
}

/* Kernel entries of rows [i0, i0 + nb) against every row up to them. */
static void gram_block(slantp_trainset *ts, double *dense, size_t i0, size_t nb)
{
    for (size_t q = 0; q < nb; q++)
        for (size_t k = ts->row_start[i0 + q]; k < ts->row_start[i0 + q + 1]; k++)
            dense[ts->col[k] * GRAM_BLOCK + q] = ts->val[k];
    /* rows before the block: every pair (i0 + q, r) */
    for (size_t r = 0; r < i0; r++) {
        double s[GRAM_BLOCK] = {0};
        for (size_t k = ts->row_start[r]; k < ts->row_start[r + 1]; k++) {
            const double *d = dense + (size_t)ts->col[k] * GRAM_BLOCK;
            double v = ts->val[k];
            for (size_t q = 0; q < GRAM_BLOCK; q++)
                s[q] += d[q] * v;
        }
        for (size_t q = 0; q < nb; q++) {
            ts->gram[i0 + q][r + 1].value = s[q];
            ts->gram[r][i0 + q + 1].value = s[q];
        }
    }
    /* inside the block: r <= i only */
    for (size_t q = 0; q < nb; q++)
        for (size_t r = i0; r <= i0 + q; r++) {
            double s = sparse_dot(ts, r, dense, q);
            ts->gram[i0 + q][r + 1].value = s;
            ts->gram[r][i0 + q + 1].value = s;
        }
    for (size_t q = 0; q < nb; q++)
        for (size_t k = ts->row_start[i0 + q]; k < ts->row_start[i0 + q + 1]; k++)
            dense[ts->col[k] * GRAM_BLOCK + q] = 0;
}

/* Take blocks in order until none is left, each once all its rows are in. */
static void *kernel_worker(void *arg)
{
    slantp_kernel *k = arg;
    slantp_trainset *ts = k->ts;
    double *dense = calloc((ts->nfeatures ? ts->nfeatures : 1) * GRAM_BLOCK, sizeof *dense);
    pthread_mutex_lock(&k->mu);
    if (!dense)
        k->failed = 1;
    while (!k->failed && !k->stop && k->next < ts->n) {
        size_t i0 = k->next, nb = ts->n - i0 < GRAM_BLOCK ? ts->n - i0 : GRAM_BLOCK;
        if (k->ready < i0 + nb) {
            pthread_cond_wait(&k->cv, &k->mu);
            continue;
        }
        k->next = i0 + nb;
        pthread_mutex_unlock(&k->mu);
        gram_block(ts, dense, i0, nb);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    free(dense);
    return NULL;
}

int slantp_kernel_start(slantp_kernel *k, slantp_trainset *ts, size_t gram_mb, int threads)
{
    size_t n = ts->n;
    memset(k, 0, sizeof *k);
    k->ts = ts;
    double need_mb = (double)n * (double)(n + 2) * (double)sizeof(struct svm_node) / 1048576.0;
    if (n == 0 || need_mb > (double)gram_mb || n >= (size_t)INT32_MAX / 2)
        return 0;
    ts->gram = malloc(n * sizeof *ts->gram);
    ts->gram_mem = malloc(n * (n + 2) * sizeof *ts->gram_mem);
    if (!ts->gram || !ts->gram_mem) {
        free(ts->gram);
        free(ts->gram_mem);
        ts->gram = NULL;
        ts->gram_mem = NULL;
        return 0;   /* the budget was too generous for this machine */
    }
    for (size_t i = 0; i < n; i++) {
        struct svm_node *row = ts->gram_mem + i * (n + 2);
        ts->gram[i] = row;
        row[0].index = 0;
        row[0].value = (double)(i + 1);
        for (size_t j = 0; j < n; j++)
            row[j + 1].index = (int)(j + 1);
        row[n + 1].index = -1;
        row[n + 1].value = 0;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    k->live = 1;
    /* the caller is still producing rows: it joins in at the end */
    int workers = threads < 2 ? 0 : threads > 16 ? 15 : threads - 1;
    for (int t = 0; t < workers; t++)
        if (pthread_create(&k->tid[k->nworkers], NULL, kernel_worker, k) == 0)
            k->nworkers++;
    return 1;
}

void slantp_kernel_rows_ready(slantp_kernel *k, size_t rows)
{
    if (!k->live)
        return;
    pthread_mutex_lock(&k->mu);
    k->ready = rows;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

static void kernel_join(slantp_kernel *k)
{
    for (int t = 0; t < k->nworkers; t++)
        pthread_join(k->tid[t], NULL);
    k->nworkers = 0;
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    k->live = 0;
}

void slantp_kernel_abort(slantp_kernel *k)
{
    if (!k->live)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    kernel_join(k);
}

int slantp_kernel_finish(slantp_kernel *k, slant_error *err)
{
    slantp_trainset *ts = k->ts;
    size_t n = ts->n;
    if (k->live) {
        slantp_kernel_rows_ready(k, n);
        kernel_worker(k);
        kernel_join(k);
        if (k->failed)
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory computing the kernel");
        return SLANT_OK;
    }
    /* no Gram matrix: libsvm's sparse rows */
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
    struct svm_problem prob = {0};
    struct svm_parameter param = {0};
    int weight_label[2] = {+1, -1};
    double weight[2];
    weight[0] = (double)n / (2.0 * (double)npos);
    weight[1] = (double)n / (2.0 * (double)(n - npos));
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
    param.svm_type = C_SVC;
    param.kernel_type = ts->gram ? PRECOMPUTED : LINEAR;
    param.C = C;
    /* One stopping tolerance for the out-of-fold runs that choose C and
     * the final fit, so the model shipped is trained the way the one that
     * was validated was. 0.1 (liblinear's default for its dual solvers)
     * instead of libsvm's 0.001 takes a third of training time off with
     * the same benchmark quality (issue 4's note has the figures). */
    param.eps = 0.1;
    param.cache_size = 256;
    param.shrinking = 1;
    param.probability = 0;
    param.nr_weight = 2;
    param.weight_label = weight_label;
    param.weight = weight;
    const char *bad = svm_check_parameter(&prob, &param);
    if (bad) {
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "libsvm: %s", bad);
    }
    struct svm_model *model = svm_train(&prob, &param);
    if (!model) {
        free(prob.y);
        free(prob.x);
        return slantp_error(err, SLANT_ETRAIN, NULL, -1, -1, "libsvm could not train");
    }
    double sign = model->label[0] == +1 ? 1.0 : -1.0;
    for (int k = 0; w && k < model->l; k++) {
        size_t doc = idx[model->sv_indices[k] - 1];
        double coef = sign * model->sv_coef[0][k];
        for (size_t j = ts->row_start[doc]; j < ts->row_start[doc + 1]; j++)
            w[ts->col[j]] += coef * ts->val[j];
    }
    *b = -sign * model->rho[0];
    for (size_t i = 0; dec && i < ntest; i++) {
        if (w) {
            dec[i] = slantp_trainset_decision(ts, test[i], w, *b);
            continue;
        }
        /* from the kernel: sum of coef_k K(sv_k, x), no weight vector needed */
        const struct svm_node *row = ts->gram[test[i]];
        double s = *b;
        for (int k = 0; k < model->l; k++)
            s += sign * model->sv_coef[0][k] * row[idx[model->sv_indices[k] - 1] + 1].value;
        dec[i] = s;
    }
    if (keep) {
        keep->model = model;
        keep->prob = prob;
        keep->param = param;
        /* the parameter block must outlive this frame */
        keep->param.weight_label = malloc(2 * sizeof(int));
        keep->param.weight = malloc(2 * sizeof(double));
        if (keep->param.weight_label && keep->param.weight) {
            memcpy(keep->param.weight_label, weight_label, sizeof weight_label);
            memcpy(keep->param.weight, weight, sizeof weight);
        }
        keep->model->param.weight_label = keep->param.weight_label;
        keep->model->param.weight = keep->param.weight;
        keep->model->param.nr_weight = keep->param.weight ? 2 : 0;
        return SLANT_OK;
    }
    svm_free_and_destroy_model(&model);
    free(prob.y);
    free(prob.x);
    return SLANT_OK;
}
