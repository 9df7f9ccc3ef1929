/* metrics.h - evaluation and outer cross-validation. */
#ifndef SLANT_METRICS_H
#define SLANT_METRICS_H

#include "core.h"
#include "model.h"

struct slant_metrics {
    size_t nheads;
    slant_head_metrics *heads;
    char ***label_names;     /* per head: owned head name, label names, NULL */
    struct slant_metrics **folds;   /* cross-validation: each fold's own */
    size_t nfolds;
};

/* Start metrics for the heads/labels of a model. */
slant_metrics *slantp_metrics_new(const slant_model *m);
/* Add one document: gold and predicted label flags of head h. */
void slantp_metrics_add(slant_metrics *mt, size_t h, const unsigned char *gold,
                        const unsigned char *pred);
void slantp_metrics_finish(slant_metrics *mt);

#endif
