/* classify.h - the workspace and result of classifying one document. */
#ifndef SLANT_CLASSIFY_H
#define SLANT_CLASSIFY_H

#include "core.h"
#include "features.h"
#include "model.h"
#include "stem.h"
#include "slant_trace.h"

/* Spin evidence found beside a classification (spin.c): a spin table
 * bound to a model's stem ids. */
typedef struct slantp_spin_index slantp_spin_index;
slantp_spin_index *slantp_spin_bind(const slant_spin_table *s, const slant_model *m,
                                    slant_error *err);
void slantp_spin_index_free(slantp_spin_index *x);
/* Scratch room for slantp_spin_find: the word pairs in the running. */
typedef struct slantp_spin_pairs {
    struct slantp_spin_pair *v;
    size_t cap;
} slantp_spin_pairs;
/* The hits of the document just stemmed into 'd' (its text 'text'), as
 * slant_spin_scan finds them, into *hits (grown with *cap), *n of them.
 * Returns 0, or -1 on memory. */
int slantp_spin_find(const slantp_spin_index *x, const char *text, const slantp_docfeat *d,
                     slantp_buf *norm, slantp_spin_pairs *scratch, slant_spin_hit **hits,
                     size_t *n, size_t *cap);
/* Give the workspace an index it does not own (the batch's, shared by
 * its workers), or NULL for none. */
void slantp_workspace_use_spin(slant_workspace *ws, const slantp_spin_index *x);

struct slant_result {
    const slant_model *m;
    slant_workspace *ws;
    double *decision, *score;
    unsigned char *predicted;
    size_t *best;
};

struct slant_workspace {
    const slant_model *m;
    slantp_stemmer stemmer;
    slantp_docfeat doc;
    const char *text;       /* the last document, for surface forms */
    size_t text_len;
    slant_result result;
    slantp_buf surf;        /* surface strings of the last slant_result_terms */
    struct slantp_termtmp *tmp;
    size_t tmp_cap;
    /* spin evidence: the index used (owned when set by
     * slant_workspace_set_spin), and the last document's hits */
    const slantp_spin_index *spin;
    slantp_spin_index *spin_owned;
    slant_spin_hit *spin_hits;
    size_t nspin, spin_cap;
    slantp_buf spin_norm;
    slantp_spin_pairs spin_pairs;
};

#endif
