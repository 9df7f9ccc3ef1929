/* features.c - third stage: stemmed tokens -> n-gram features -> a
 * sublinear TF-IDF vector with unit L2 norm.
 *
 * An n-gram is 1 to ngram_max consecutive stems inside one sentence; its
 * key packs the stem ids (see slantp_ngram_key), so lookups are one probe
 * of an exact hash table. For each distinct feature the first occurrence
 * is remembered, which is how explanations quote the document's own words.
 * Other feature families (character n-grams, style counts) would add their
 * own key space and visitor here; the vectorizer only sees keys.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "slant_private.h"

void slantp_docfeat_release(slantp_docfeat *d)
{
    slantp_tokens_release(&d->toks);
    free(d->sid);
    free(d->occ);
    free(d->slot_of);
    free(d->vec);
    memset(d, 0, sizeof *d);
}

int slantp_doc_stem(slantp_docfeat *d, slantp_stemmer *st, const char *text, size_t len)
{
    if (slantp_tokenize(text, len, &d->toks) < 0)
        return -1;
    if (slantp_grow(&d->sid, &d->sid_cap, d->toks.n + 1, sizeof *d->sid) < 0)
        return -1;
    for (size_t i = 0; i < d->toks.n; i++) {
        const slantp_token *t = &d->toks.v[i];
        int32_t id = slantp_stem_id(st, text + t->start, t->end - t->start);
        if (id == -2)
            return -1;
        d->sid[i] = id;
    }
    return 0;
}

int slantp_doc_ngrams(const slantp_docfeat *d, int ngram_max, slantp_ngram_fn fn, void *ctx)
{
    size_t n = d->toks.n;
    for (size_t i = 0; i < n; i++) {
        if (d->sid[i] < 0)
            continue;
        for (int k = 1; k <= ngram_max && i + (size_t)k <= n; k++) {
            size_t j = i + (size_t)k - 1;
            if (k > 1 && ((d->toks.v[j].flags & SLANTP_TOK_BREAK) || d->sid[j] < 0))
                break;
            uint64_t key = slantp_ngram_key(d->sid + i, k);
            int rc = fn(ctx, key, (uint32_t)i, (uint32_t)k);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static inline int add_occ(slantp_docfeat *d, uint32_t fid, size_t i, int k)
{
    uint32_t slot = d->slot_of[fid];
    if (slot) {
        d->occ[slot - 1].count++;
        return 0;
    }
    if (d->nocc == d->occ_cap &&
        slantp_grow(&d->occ, &d->occ_cap, d->nocc + 1, sizeof *d->occ) < 0)
        return -1;
    d->occ[d->nocc] = (slantp_occ){fid, (uint32_t)i, (uint32_t)k, 1};
    d->slot_of[fid] = (uint32_t)++d->nocc;
    return 0;
}

struct lookup_ctx {
    slantp_docfeat *d;
    const slantp_keytab *vocab;
};

/* The plain path: every n-gram probes the hash table. */
static int lookup_ngram(void *vctx, uint64_t key, uint32_t tok, uint32_t ntok)
{
    struct lookup_ctx *c = vctx;
    const uint32_t *fp = slantp_keytab_find(c->vocab, key);
    return fp && add_occ(c->d, *fp, tok, (int)ntok) < 0 ? -1 : 0;
}

int slantp_doc_vectorize(slantp_docfeat *d, const slantp_keytab *vocab, const double *idf,
                         size_t nfeatures, int ngram_max, const unsigned char *stem_in,
                         const int32_t *unigram)
{
    if (d->nslot < nfeatures) {
        free(d->slot_of);
        d->slot_of = calloc(nfeatures ? nfeatures : 1, sizeof *d->slot_of);
        if (!d->slot_of) {
            d->nslot = 0;
            return -1;
        }
        d->nslot = nfeatures;
    }
    d->nocc = 0;
    size_t n = d->toks.n;
    const int32_t *sid = d->sid;
    const slantp_token *tok = d->toks.v;
    if (stem_in && unigram) {
        for (size_t i = 0; i < n; i++) {
            int32_t a = sid[i];
            if (a < 0)
                continue;
            if (unigram[a] >= 0 && add_occ(d, (uint32_t)unigram[a], i, 1) < 0)
                return -1;
            if (ngram_max < 2 || i + 1 >= n || (tok[i + 1].flags & SLANTP_TOK_BREAK) || sid[i + 1] < 0)
                continue;
            int32_t b = sid[i + 1];
            unsigned ia = stem_in[a], ib = stem_in[b];
            if ((ia & SLANTP_IN_BI_1) && (ib & SLANTP_IN_BI_2)) {
                const uint32_t *fp = slantp_keytab_find(vocab, slantp_ngram_key(sid + i, 2));
                if (fp && add_occ(d, *fp, i, 2) < 0)
                    return -1;
            }
            if (ngram_max < 3 || i + 2 >= n || (tok[i + 2].flags & SLANTP_TOK_BREAK) || sid[i + 2] < 0)
                continue;
            if ((ia & SLANTP_IN_TRI_1) && (ib & SLANTP_IN_TRI_2) &&
                (stem_in[sid[i + 2]] & SLANTP_IN_TRI_3)) {
                const uint32_t *fp = slantp_keytab_find(vocab, slantp_ngram_key(sid + i, 3));
                if (fp && add_occ(d, *fp, i, 3) < 0)
                    return -1;
            }
        }
    } else {
        struct lookup_ctx c = {d, vocab};
        if (slantp_doc_ngrams(d, ngram_max, lookup_ngram, &c) != 0)
            return -1;
    }
    if (slantp_grow(&d->vec, &d->vec_cap, d->nocc + 1, sizeof *d->vec) < 0)
        return -1;
    double ss = 0;
    for (size_t i = 0; i < d->nocc; i++) {
        const slantp_occ *o = &d->occ[i];
        double v = (1.0 + log((double)o->count)) * idf[o->fid];
        d->vec[i].id = o->fid;
        d->vec[i].value = v;
        ss += v * v;
        d->slot_of[o->fid] = 0;     /* leave the slot array clean for the next document */
    }
    d->nvec = d->nocc;
    if (ss > 0) {
        double inv = 1.0 / sqrt(ss);
        for (size_t i = 0; i < d->nvec; i++)
            d->vec[i].value *= inv;
    }
    return 0;
}

int slantp_append_surface(slantp_buf *b, const char *text, const slantp_tokens *t, uint32_t tok,
                          uint32_t ntok)
{
    const unsigned char *p = (const unsigned char *)text + t->v[tok].start;
    const unsigned char *end = (const unsigned char *)text + t->v[tok + ntok - 1].end;
    int space = 0;
    while (p < end) {
        if (*p < 0x20 || *p == ' ' || *p == 0x7f) {
            space = 1;
            p++;
            continue;
        }
        if (space && slantp_buf_append(b, " ", 1) < 0)
            return -1;
        space = 0;
        if (*p < 0x80) {
            if (slantp_buf_append(b, p, 1) < 0)
                return -1;
            p++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, end - p > 4 ? 4 : end - p, &cp);
        if (k <= 0) {
            if (slantp_buf_append(b, "\xEF\xBF\xBD", 3) < 0)
                return -1;
            p++;
            continue;
        }
        if (slantp_buf_append(b, p, (size_t)k) < 0)
            return -1;
        p += k;
    }
    return slantp_buf_append(b, "", 1);
}
