/* model.h - the model object and its file format. */
#ifndef SLANT_MODEL_H
#define SLANT_MODEL_H

#include "core.h"
#include "features.h"
#include "stem.h"
#include "vocab.h"

typedef struct slantp_head {
    char *name;
    int multilabel;
    int may_be_empty;       /* multi-label: some training document had no label, so
                               a document may get none */
    size_t max_labels;      /* most labels any training document had (multi-label) */
    size_t nlabels;
    size_t first;           /* index of label 0 in the model's flat label arrays */
    char **labels;
} slantp_head;

struct slant_model {
    /* feature settings */
    char language[64];
    int ngram_max;
    int min_df;
    double max_df;
    size_t max_features;
    uint64_t stem_fingerprint;
    /* training summary */
    size_t ndocs;
    int folds;
    int used_gram;
    /* stems and features */
    slantp_strtab stems;
    size_t nfeatures;
    uint64_t *feat_keys;    /* feature id -> n-gram key */
    slantp_keytab vocab;    /* key -> feature id: only when the index cannot be built */
    slantp_phrase_index index;  /* the same, laid out for classification */
    slantp_stem_share *stem_share;  /* filled by every workspace's classification */
    int indexed;            /* 'index' is built (else classify probes 'vocab') */
    double *idf;
    char *style;            /* feature id -> 1 when it is function words or numbers
                               (style.c); NULL when the language has no list */
    char **surface;         /* feature id -> most common surface form */
    slantp_buf surface_mem;
    /* heads and labels */
    size_t nheads;
    slantp_head heads[SLANTP_MAX_HEADS];
    size_t nlabels;         /* over all heads */
    double *W;              /* nfeatures x nlabels, feature-major */
    int W_borrowed;         /* W points into 'map', not to its own memory */
    const char *map;        /* the mapped model file, or NULL */
    size_t map_len;
    double *bias, *platt_a, *platt_b, *threshold, *cost;
    size_t *label_docs;
};

slant_model *slantp_model_alloc(void);
/* Build the hash tables after the arrays are filled. */
int slantp_model_index(slant_model *m, slant_error *err);
/* Mark the features made of function words and numbers only (style.c);
 * -1 when out of memory. */
int slantp_model_mark_style(slant_model *m);
/* Fill 'vocab' (n-gram key -> feature id), the lookup classification
 * falls back on without a phrase index; -1 when out of memory. */
int slantp_model_hash_features(slant_model *m);
/* Serialize to bytes (the file format); caller frees out->data. */
int slantp_model_serialize(const slant_model *m, slantp_buf *out, slant_error *err);
/* Parse bytes; 'source' names them in errors. With 'alias', the weights
 * may point into the bytes, which must then outlive the model. */
slant_model *slantp_model_parse(const char *p, size_t n, const char *source, int alias,
                                slant_error *err);
/* The same with 'threads' > 1: the checksum is summed on a second thread
 * while the first reads the fields (what a load with -j 2 waits for drops
 * by the checksum's share). The errors are the same as with one. */
slant_model *slantp_model_parse_threads(const char *p, size_t n, const char *source, int alias,
                                        int threads, slant_error *err);

#endif
