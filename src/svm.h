/* svm.h - libsvm training from a Gram matrix or sparse vectors, and
 * collapsing a trained SVM to one weight per feature. */
#ifndef SLANT_SVM_H
#define SLANT_SVM_H

#include <libsvm/svm.h>

#include "core.h"

/* The training rows shared by every binary problem: sparse TF-IDF vectors
 * and, when it fits in memory, their Gram matrix in libsvm's precomputed
 * layout; past that, a cache of Gram rows (gram.c) that holds as many
 * documents as the memory allows. */
struct slantp_gram_cache;
typedef struct slantp_trainset {
    size_t n;                   /* documents */
    size_t nfeatures;
    size_t *row_start;          /* CSR */
    uint32_t *col;
    double *val;
    struct svm_node **gram;     /* n rows (gram.c's 8-byte layout), or NULL */
    struct svm_node *gram_mem;
    struct slantp_gram_cache *cache;    /* when the whole matrix does not fit */
    struct svm_node **sparse;   /* libsvm sparse rows (1-based indexes), with neither */
    struct svm_node *sparse_mem;
} slantp_trainset;

/* The Gram matrix (or, past gram_mb, a cache of its rows, or with room
 * for too few rows libsvm's sparse rows) of a complete trainset, with
 * 'threads' threads. */
int slantp_trainset_kernel(slantp_trainset *ts, size_t gram_mb, int threads, slant_error *err);
/* The same with a cache of exactly 'slots' documents (tests force it). */
int slantp_trainset_cache(slantp_trainset *ts, size_t slots, int threads, slant_error *err);

/* The same in two steps around writing the rows. kernel_start() (ts->n
 * set) returns 1 if the whole Gram matrix fits in gram_mb: the matrix is
 * allocated, and the row arrays must then get their final size up front;
 * 0 if it does not fit. kernel_rows_ready() says how many rows are
 * written. kernel_finish() computes the matrix, or the cache, or the
 * sparse rows; kernel_abort() undoes a start that will not finish. */
typedef struct slantp_kernel {
    slantp_trainset *ts;
    size_t gram_mb;
    int threads;
    int live;
    int refused;    /* the matrix fit the budget but not the machine's memory */
} slantp_kernel;
int slantp_kernel_start(slantp_kernel *k, slantp_trainset *ts, size_t gram_mb, int threads);
void slantp_kernel_rows_ready(slantp_kernel *k, size_t rows);
int slantp_kernel_finish(slantp_kernel *k, slant_error *err);
void slantp_kernel_abort(slantp_kernel *k);
void slantp_trainset_release(slantp_trainset *ts);

/* Train one binary classifier on rows 'idx' (y[i] = +1 or -1) with cost C
 * and class weights balanced by frequency. With w non-NULL, collapse it
 * into the dense weight vector w (nfeatures) and bias b so that
 * decision(x) = w.x + b, positive for the +1 class. With dec non-NULL, also
 * write the decision values of rows test[0..ntest) (from the Gram matrix
 * when w is NULL, which needs no weight vector). If 'keep' is non-NULL the
 * libsvm model is returned there (with the problem it points into) for
 * parity checks. */
typedef struct slantp_binary_keep {
    struct svm_model *model;
    struct svm_problem prob;
    struct svm_parameter param;
} slantp_binary_keep;
int slantp_train_binary(const slantp_trainset *ts, const size_t *idx, const signed char *y,
                        size_t n, double C, double *w, double *b, const size_t *test, size_t ntest,
                        double *dec, slantp_binary_keep *keep, slant_error *err);
void slantp_binary_keep_release(slantp_binary_keep *k);
/* w . row(i) + b */
double slantp_trainset_decision(const slantp_trainset *ts, size_t i, const double *w, double b);
void slantp_svm_quiet(void);

#endif
