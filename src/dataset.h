/* dataset.h - labelled data in memory: records, heads and labels, subsets. */
#ifndef SLANT_DATASET_H
#define SLANT_DATASET_H

#include "core.h"
#include "vocab.h"

#define SLANTP_NO_LABEL UINT32_MAX

typedef struct slantp_record {
    char *id;
    char *text;
    size_t len;
    char *group;          /* value of the group field, or NULL */
    size_t lab_start, lab_n;   /* into dataset->pairs */
    const char *source;   /* file name (owned by the dataset) */
    long line;
} slantp_record;

typedef struct slantp_pair {
    uint32_t head;
    uint32_t label;       /* SLANTP_NO_LABEL: head present, empty list */
} slantp_pair;

typedef struct slantp_dhead {
    char *name;
    int multilabel;
    slantp_strtab labels;
} slantp_dhead;

struct slant_dataset {
    slantp_record *recs;
    size_t n, cap;
    slantp_pair *pairs;
    size_t npairs, pairs_cap;
    slantp_dhead heads[SLANTP_MAX_HEADS];
    size_t nheads;
    char **sources;
    size_t nsources, sources_cap;
    size_t skipped;       /* malformed records skipped (skip_bad) */
    size_t grouped;       /* records that had a group value */
};

/* Index of the head called 'name', or (size_t)-1. */
size_t slantp_dataset_find_head(const slant_dataset *d, const char *name);
/* Does record r carry head h (possibly with an empty label list)? */
int slantp_record_has_head(const slant_dataset *d, const slantp_record *r, size_t h);
/* Does record r carry label l of head h? */
int slantp_record_has_label(const slant_dataset *d, const slantp_record *r, size_t h, size_t l);
/* Add a record; takes ownership of nothing (copies). Used by readers and tests. */
int slantp_dataset_add(slant_dataset *d, const char *id, const char *text, size_t len,
                       const char *group, const char *source, long line);
/* Add a label (or an empty head when label is NULL) to the last record. */
int slantp_dataset_add_label(slant_dataset *d, const char *head, int multilabel,
                             const char *label, slant_error *err);

/* A subset view: records by index. */
typedef struct slantp_subset {
    const slant_dataset *d;
    const size_t *idx;
    size_t n;
} slantp_subset;

#endif
