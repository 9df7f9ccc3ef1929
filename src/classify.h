/* classify.h - the workspace and result of classifying one document. */
#ifndef SLANT_CLASSIFY_H
#define SLANT_CLASSIFY_H

#include "core.h"
#include "features.h"
#include "model.h"
#include "stem.h"

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
};

#endif
