/* features.h - stem ids to word 1..3-gram feature ids, sublinear TF-IDF
 * and L2 normalization, and the phrase index behind explanations. */
#ifndef SLANT_FEATURES_H
#define SLANT_FEATURES_H

#include "core.h"
#include "stem.h"
#include "text.h"
#include "vocab.h"

typedef struct slantp_feat {
    uint32_t id;        /* feature id, 0-based */
    double value;
} slantp_feat;

/* Where a document's n-grams are: for feature ids, the first occurrence
 * (token index and length). */
typedef struct slantp_occ {
    uint32_t fid;
    uint32_t first_tok;
    uint32_t ntok;
    uint32_t count;
} slantp_occ;

typedef struct slantp_probe slantp_probe;           /* defined in features.c */
typedef struct slantp_tri_probe slantp_tri_probe;

typedef struct slantp_docfeat {
    slantp_tokens toks;
    int32_t *sid;           /* stem id per token (no phrase index) */
    size_t sid_cap;
    uint64_t *rec;          /* record per token, and two that end the document */
    size_t rec_cap;
    int has_rec;            /* the last document was stemmed into rec, not sid */
    slantp_occ *occ;        /* distinct features, first-seen order */
    size_t nocc, occ_cap;
    slantp_probe *probe;    /* per token: the phrase-index lookups */
    size_t probe_cap;
    slantp_tri_probe *tri;  /* the trigrams worth a lookup */
    size_t tri_cap;
    uint64_t *hit;          /* the features found, before repeats are merged */
    size_t hit_cap;
    uint32_t *count_of;     /* feature id -> hits in this document; all 0 between documents;
                             * one entry more than the features, for the "no trigram" hit */
    size_t ncount;
    slantp_feat *vec;       /* sparse vector, in the order of occ */
    size_t nvec, vec_cap;
} slantp_docfeat;

void slantp_docfeat_release(slantp_docfeat *d);

/* Tokenize and stem a document into d->toks and d->sid; with st->index
 * set, into d->rec instead (which slantp_doc_vectorize then needs). */
int slantp_doc_stem(slantp_docfeat *d, slantp_stemmer *st, const char *text, size_t len);

/* Visit every n-gram (1..ngram_max, within sentences, no unknown stems) of
 * the stemmed document: fn(ctx, key, first_token, ntok). */
typedef int (*slantp_ngram_fn)(void *ctx, uint64_t key, uint32_t tok, uint32_t ntok);
int slantp_doc_ngrams(const slantp_docfeat *d, int ngram_max, slantp_ngram_fn fn, void *ctx);

/* The classify-time index of a model's phrases, built at load: the
 * unigram feature of each stem, which n-gram positions each stem fills,
 * and two tables of packed 64-bit entries in buckets of four (32 bytes,
 * half a cache line) that stay in the CPU's L2 cache. 'pair' holds every
 * bigram feature and every trigram's first two stems (a prefix flag says
 * a trigram may follow); 'triple' is keyed by the prefix's slot in 'pair'
 * and the third stem, so a trigram is only found after its prefix. */
typedef struct slantp_phrase_index {
    int32_t *unigram;           /* stem id -> unigram feature id, or -1; nstems + 1 entries */
    unsigned char *stem_in;     /* stem id -> SLANTP_IN_* bits; nstems + 1 entries */
    size_t nstems;              /* the extra last entry of both stands for "unknown" */
    uint64_t *pair, *triple;    /* 0 = empty lane */
    size_t pair_bmask, triple_bmask;    /* buckets - 1 */
    unsigned pair_shift, triple_shift;  /* 64 - log2(buckets), for Fibonacci hashing */
    unsigned sbits, fbits, pbits;   /* bits of a stem id+1, feature id+1, pair slot+1 */
    double tf[64];              /* 1 + ln(count), the sublinear term frequency */
} slantp_phrase_index;

/* The record (see SLANTP_REC_FIRST) of stem id 'id' (-1: unknown), with
 * no sentence start. */
static inline uint64_t slantp_stem_record(const slantp_phrase_index *x, int32_t id)
{
    size_t row = id < 0 ? x->nstems : (size_t)id;
    uint64_t in = x->stem_in[row];
    return (uint64_t)(uint32_t)(id + 1) | in << SLANTP_REC_FIRST |
           (uint64_t)(uint32_t)(x->unigram[row] + 1) << SLANTP_REC_UNIGRAM;
}

/* The record of a token whose flags are 'flags': no n-gram goes on
 * into a token that starts a sentence. */
static inline uint64_t slantp_record_at(uint64_t rec, uint32_t flags)
{
    uint64_t starts = (flags & SLANTP_TOK_BREAK) != 0;
    return rec & ~(-starts & UINT64_C(7) << SLANTP_REC_LATER);
}

/* Build the index of the feature keys of a model with 'nstems' stems.
 * Returns 0; 1 if the packed entries cannot hold ids this large (the
 * model then classifies through the plain hash table); -1 on memory. */
int slantp_phrase_index_build(slantp_phrase_index *x, const uint64_t *keys, size_t nfeatures,
                              size_t nstems);
void slantp_phrase_index_release(slantp_phrase_index *x);

/* Map the n-grams to feature ids and build the sublinear TF-IDF,
 * L2-normalized vector d->vec (in first-seen order). nfeatures sizes the
 * slot array. With a phrase index (from the same model as 'vocab') the
 * lookups go through it; with NULL every n-gram probes 'vocab'. Both give
 * the same vector. */
int slantp_doc_vectorize(slantp_docfeat *d, const slantp_keytab *vocab, const double *idf,
                         size_t nfeatures, int ngram_max, const slantp_phrase_index *index);

/* Append the text of tokens [tok, tok+ntok) as written, white space and
 * control characters folded to single spaces, invalid UTF-8 replaced by
 * U+FFFD, then a NUL. */
int slantp_append_surface(slantp_buf *b, const char *text, const slantp_tokens *t, uint32_t tok,
                          uint32_t ntok);

#endif
