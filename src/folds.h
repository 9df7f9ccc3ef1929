/* folds.h - stratified, optionally grouped, cross-validation folds. */
#ifndef SLANT_FOLDS_H
#define SLANT_FOLDS_H

#include "core.h"
#include "dataset.h"
#include "model.h"

/* How to deal records to folds. Outer folds (cross-validation) are
 * 'strict': groups stay whole. Inner folds are not: the records of a label
 * met in fewer than k groups are dealt one by one, so every label is on
 * both sides of each split. */
typedef struct slantp_fold_spec {
    int k;
    unsigned seed;
    int grouped;      /* records sharing r->group go to one fold */
    int strict;       /* groups whole even when a label then misses a split */
    size_t head;      /* stratify on this head's labels; (size_t)-1: every head's */
} slantp_fold_spec;

/* fold[i] in [0, k) for records idx[0..n), stratified by label and
 * deterministic. Returns 0, or -1 when out of memory. */
int slantp_assign_folds(const slant_dataset *d, const size_t *idx, size_t n,
                        const slantp_fold_spec *spec, int *fold);

/* Train on a subset (train.c). */
int slantp_train_subset(const slantp_subset *s, const slant_train_options *o,
                        slant_model **out, slant_error *err);

#endif
