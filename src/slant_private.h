/* slant_private.h - declarations shared between the library's source files.
 *
 * Nothing here is public: the CLI and the tests use include/slant.h, and the
 * tests may also use these slantp_ helpers to check one stage at a time.
 * The pipeline, one file per stage:
 *   text.c      bytes -> tokens (spans of the original text), sentence breaks
 *   stem.c      token -> case-folded, NFC form -> Snowball stem -> stem id
 *   vocab.c     hash tables: strings -> ids, n-gram keys -> feature ids
 *   features.c  stem ids -> 1..3-gram feature ids -> sublinear TF-IDF, L2
 *   dataset.c   JSONL / fastText / TSV / directory readers
 *   svm.c       libsvm training from a Gram matrix or sparse vectors; collapse
 *   gram.c      kernel matrices: 8-byte layout, computation, a cache of rows
 *   calibrate.c Platt scaling, per-label thresholds
 *   train.c     vocabulary, inner cross-validation, C selection, final model
 *   model.c     the model object, its file format, strict reader
 *   classify.c  document -> scores -> explanations
 *   metrics.c   evaluation and outer cross-validation
 *   io.c        whole-file reads, bounded line reader, atomic writes, CRC
 */
#ifndef SLANT_PRIVATE_H
#define SLANT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libsvm/svm.h>
#include <pthread.h>

#include "slant.h"

/* ======================================================== limits */

#define SLANTP_MAX_TOKEN_BYTES 64          /* longer tokens (hashes, base64) are skipped */
#define SLANTP_MAX_NGRAM 3
#define SLANTP_MAX_STEMS ((1u << 21) - 2)  /* stem ids are packed 21 bits to a key */
#define SLANTP_MAX_LINE ((size_t)64 << 20) /* longest JSONL/TSV line, in bytes */
#define SLANTP_MAX_DOC ((size_t)64 << 20)  /* longest document, in bytes */
#define SLANTP_MAX_MODEL ((size_t)2 << 30) /* largest model file, in bytes */
#define SLANTP_MAX_LABELS 4096
#define SLANTP_MAX_HEADS 64
#define SLANTP_FORMAT_VERSION 1

/* ======================================================== errors, memory */

/* Fill 'err' (if non-NULL and still empty of a code) and return 'code'. */
int slantp_error(slant_error *err, int code, const char *source, long line, long column,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
void slantp_error_clear(slant_error *err);

/* Growable byte buffer. */
typedef struct slantp_buf {
    char *data;
    size_t len, cap;
} slantp_buf;
int slantp_buf_reserve(slantp_buf *b, size_t extra);
int slantp_buf_append(slantp_buf *b, const void *p, size_t n);
void slantp_buf_release(slantp_buf *b);

/* Grow an array *p of *cap elements of 'size' bytes to hold at least 'need'. */
int slantp_grow(void *p, size_t *cap, size_t need, size_t size);

char *slantp_strndup(const char *s, size_t n);

/* Ask for the cache line at p. Debian's GCC 12 at -O2 drops some
 * __builtin_prefetch calls outright: objdump showed none left of the
 * prefetches of a shared stem slot and of the weight rows in
 * slant_classify, and those loads then waited on memory. An asm
 * statement is never dropped. */
static inline void slantp_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p);
#endif
}

/* 64-bit mixing hash of a byte string and of a 64-bit key. */
uint64_t slantp_hash_bytes(const void *p, size_t n);
static inline uint64_t slantp_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* ======================================================== text.c */

enum { SLANTP_TOK_BREAK = 1 };  /* a sentence boundary comes before this token */

typedef struct slantp_token {
    uint32_t start, end;   /* byte span in the original text */
    uint32_t flags;
} slantp_token;

typedef struct slantp_tokens {
    slantp_token *v;
    size_t n, cap;
    uint64_t *maps;         /* the tokenizer's byte-class bitmaps (text.c) */
    size_t maps_cap;
} slantp_tokens;

/* Split 'text' into word tokens: letters, digits and marks, kept together
 * across inner hyphens, apostrophes (straight or curly) and the dots and
 * commas of numbers and abbreviations; URLs, @handles and #hashtags are one
 * token each. Sentence ends (. ! ? |, a blank line, a line break
 * before a line that does not go on in lower case) set SLANTP_TOK_BREAK on
 * the next token. Invalid UTF-8 is skipped as a
 * separator. Never fails except on memory. */
int slantp_tokenize(const char *text, size_t len, slantp_tokens *out);
/* The same without the fast path for plain ASCII words: for tests. */
int slantp_tokenize_general(const char *text, size_t len, slantp_tokens *out);
void slantp_tokens_release(slantp_tokens *t);

/* Case-fold and NFC-normalize the token bytes [p, p+n) into 'out' (reset
 * first). Digits become '0', curly apostrophes become "'", URLs become
 * "<url>". Returns 0, or -1 on memory. */
int slantp_normalize_token(const char *p, size_t n, slantp_buf *out);

/* ======================================================== vocab.c */

/* String -> dense id table; keys are copied into an arena. */
typedef struct slantp_strtab {
    uint32_t *slots;        /* id+1, 0 = empty */
    size_t nslots;
    size_t *offs;           /* id -> offset of its NUL-terminated key in arena */
    uint32_t *lens;
    uint64_t *hashes;
    size_t n, cap;
    slantp_buf arena;
} slantp_strtab;

int slantp_strtab_init(slantp_strtab *t, size_t expected);
void slantp_strtab_release(slantp_strtab *t);
/* Id of the key, or -1. */
long slantp_strtab_find(const slantp_strtab *t, const char *k, size_t n);
/* Id of the key, inserted if new; -1 on memory. */
long slantp_strtab_intern(slantp_strtab *t, const char *k, size_t n);
const char *slantp_strtab_key(const slantp_strtab *t, size_t id);

/* uint64 key -> uint32 value table (n-gram keys -> feature ids). Key 0 is
 * reserved for empty slots. */
typedef struct slantp_keytab {
    uint64_t *keys;
    uint32_t *vals;
    size_t nslots, n;
} slantp_keytab;

int slantp_keytab_init(slantp_keytab *t, size_t expected);
void slantp_keytab_release(slantp_keytab *t);
/* Pointer to the value of 'key', or NULL. */
static inline const uint32_t *slantp_keytab_find(const slantp_keytab *t, uint64_t key)
{
    size_t mask = t->nslots - 1, i = (size_t)slantp_hash_u64(key) & mask;
    for (;;) {
        uint64_t k = t->keys[i];
        if (k == key)
            return &t->vals[i];
        if (k == 0)
            return NULL;
        i = (i + 1) & mask;
    }
}
/* Insert or find; *val_out points at the value slot (new slots hold
 * 'initial'). Returns 1 if inserted, 0 if found, -1 on memory. */
int slantp_keytab_put(slantp_keytab *t, uint64_t key, uint32_t initial, uint32_t **val_out);

/* An n-gram of stem ids packed into one key: 21 bits per id, id+1 so 0 is
 * "no word". */
static inline uint64_t slantp_ngram_key(const int32_t *ids, int n)
{
    uint64_t k = 0;
    for (int i = 0; i < n; i++)
        k |= (uint64_t)(uint32_t)(ids[i] + 1) << (21 * i);
    return k;
}

/* Which lookups a stem takes part in (stem_in bits), laid out as a
 * token's record carries them (see SLANTP_REC_FIRST): the first word of a
 * pair lookup (a bigram's or a trigram's first two words), the first of a
 * trigram; the second of a pair lookup, the second of a trigram, the
 * third of a trigram. */
enum {
    SLANTP_IN_PAIR_1 = 1, SLANTP_IN_TRI_1 = 2,
    SLANTP_IN_PAIR_2 = 4, SLANTP_IN_TRI_2 = 8, SLANTP_IN_TRI_3 = 16
};

/* ======================================================== stem.c */

/* Turns token spans into stem ids with a cache. In training mode new stems
 * are added to 'stems'; in classify mode unknown stems map to -1. */
/* One cached token: its raw bytes (inline up to 20, else in the arena),
 * hash and stem id. 32 bytes, so a probe touches one cache line. */
typedef struct slantp_cache_entry {
    uint64_t hash;            /* 0 = empty slot */
    int32_t sid;
    uint32_t len;
    union {
        char inl[16];         /* up to 16 bytes, zero-padded */
        uint64_t w[2];        /* the same, as two words */
        uint64_t off;         /* into cache_arena when len > 16 */
    } key;
} slantp_cache_entry;

/* Records of short tokens (up to 16 bytes) shared by the workspaces of
 * one model, so that threads stem each new word once between them, not
 * once each, and one table sits in the caches instead of one per thread.
 * Insert-only and lock-free: a writer claims an empty slot by setting its
 * hash to SLANTP_SHARE_BUSY, fills it, then stores the real hash with
 * release order; a reader looks at the other fields only after an acquire
 * load of the hash finds the one it wants. Real hashes are odd, so the
 * busy mark never matches. Once 'limit' slots are claimed the table takes
 * no more words; later ones go to each workspace's own cache. */
#define SLANTP_SHARE_BUSY UINT64_C(2)
typedef struct slantp_share_entry {
    _Atomic uint64_t hash;    /* 0 = empty */
    uint64_t rec;             /* the token's record (below), with no sentence start */
    uint64_t w[2];            /* the token's bytes, zero-padded (tokens hold no NUL) */
} slantp_share_entry;

typedef struct slantp_stem_share {
    slantp_share_entry *slot;
    size_t mask;
    _Atomic size_t n;         /* slots claimed */
    size_t limit;
} slantp_stem_share;

/* A table of 2^log2_slots slots, taking up to half that many words. */
slantp_stem_share *slantp_stem_share_new(unsigned log2_slots);
void slantp_stem_share_free(slantp_stem_share *sh);

/* A token's record: what the phrase index needs of it in 64 bits,
 * carried by the shared table so that one probe gives it all. With a
 * model that has no phrase index, only the stem id + 1 is set. */
#define SLANTP_REC_SID_MASK UINT64_C(0x1fffff)  /* stem id + 1, 0 = unknown */
/* Bits 21 to 25: the stem's SLANTP_IN_* bits; the last three (23 to 25,
 * its places after the first word) are 0 when a sentence starts at the
 * token. One AND of two records shifted to line those up tells whether a
 * pair and a triple are worth looking up. */
#define SLANTP_REC_FIRST 21
#define SLANTP_REC_LATER 23
#define SLANTP_REC_UNIGRAM 32       /* its unigram feature id + 1, 0 = none */

struct slantp_phrase_index;

typedef struct slantp_stemmer {
    struct sb_stemmer *sb;
    slantp_stem_share *share;     /* the model's shared stems, or NULL (always NULL to train) */
    slantp_cache_entry *cache;    /* raw token bytes -> stem id (or -1) */
    size_t cache_slots, cache_n;
    slantp_buf cache_arena;
    size_t cache_limit;       /* flush when the cache holds this many words */
    slantp_buf norm;          /* scratch */
    const slantp_strtab *stems;   /* the stem table: owned by model or trainer */
    slantp_strtab *grow;          /* training: the same table, writable; else NULL */
    const struct slantp_phrase_index *index;  /* for records: the model's, or NULL */
} slantp_stemmer;

/* 'grow' is NULL to classify, or 'stems' itself (writable) to train. */
int slantp_stemmer_init(slantp_stemmer *s, const char *language, const slantp_strtab *stems,
                        slantp_strtab *grow, slant_error *err);
void slantp_stemmer_release(slantp_stemmer *s);
/* Stem id of the token text [p, p+n): -1 if unknown (classify mode) or
 * not a word; -2 on memory. */
int32_t slantp_stem_id(slantp_stemmer *s, const char *p, size_t n);
/* The same for every token of 'text' (len bytes): ids[i] for toks[i].
 * Returns 0, or -1 on memory. */
int slantp_stem_ids(slantp_stemmer *s, const char *text, size_t len, const slantp_token *toks,
                    size_t n, int32_t *ids);
/* The same as records (s->index must be set), recs[i] for toks[i]. */
int slantp_stem_records(slantp_stemmer *s, const char *text, size_t len,
                        const slantp_token *toks, size_t n, uint64_t *recs);
/* A fingerprint of the stemmer: a hash of the stems of a fixed word list,
 * so a model trained with another libstemmer is noticed. */
uint64_t slantp_stemmer_fingerprint(slantp_stemmer *s);

/* ======================================================== features.c */

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

/* What the phrase index looks up for one token (features.c). */
typedef struct slantp_probe {
    uint64_t pk;                /* bigram key, or 0 */
    uint32_t pair_home, triple_home;    /* buckets where the searches start */
    uint32_t c1;                /* third stem id + 1 of a possible trigram, or 0 */
    int32_t unigram;            /* unigram feature id, or -1 */
} slantp_probe;

/* A trigram to look up (features.c): where its hit goes in the hit
 * list, its token, its key and the bucket where the search starts. */
typedef struct slantp_tri_probe {
    uint64_t key;
    uint32_t hit_at, tok, home;
} slantp_tri_probe;

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

/* ======================================================== dataset.c */

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

/* ======================================================== mask.c */

/* Overwrite with spaces every occurrence in text[0..len) of 'field_value'
 * (and its short forms: without a parenthesis, before " - ", without a
 * leading "The " leaving two words) and of names[0..nnames), as written
 * or in capitals, at word boundaries, longest first. Returns the number of occurrences blanked,
 * or (size_t)-1 when out of memory. */
size_t slantp_mask_names(char *text, size_t len, const char *field_value,
                         const char *const *names, size_t nnames);

/* ======================================================== jsonl.c */

/* Decode the "text" and "id" fields of a JSONL document line (fast path).
 * Returns 0 with text (and id, when *have_id) NUL-terminated;
 * SLANTP_JSONL_DECLINED when the line is anything but simple (parse it
 * with jansson then); SLANTP_JSONL_NOMEM when out of memory. */
#define SLANTP_JSONL_DECLINED (-1)
#define SLANTP_JSONL_NOMEM (-2)
int slantp_jsonl_doc(const char *line, size_t len, slantp_buf *text, slantp_buf *id, int *have_id);

/* ======================================================== io.c */

/* Read a whole regular file (or stdin for "-") up to 'max' bytes. */
int slantp_read_file(const char *path, size_t max, slantp_buf *out, slant_error *err);

/* Map a whole regular file read-only (up to 'max' bytes). An empty file
 * gives a non-NULL pointer to zero bytes. Unmap with slantp_unmap_file. */
int slantp_map_file(const char *path, size_t max, const char **p, size_t *n, slant_error *err);
void slantp_unmap_file(const char *p, size_t n);

/* Bounded line reader over a FILE*: lines end with '\n' (kept out of the
 * result, a '\r' before it dropped); a line over 'max' bytes is an error.
 * gzip data (a file or stdin) is inflated on the fly; 'offset' is the byte
 * offset of the last line returned (or refused), in the inflated stream. */
typedef struct slantp_lines {
    FILE *f;
    const char *name;
    char *buf;
    size_t cap, start, end;
    long lineno;
    int eof;
    int skipping;       /* inside an over-long line being dropped */
    size_t max;
    long long base, offset;   /* uncompressed stream offsets of buf[0], of the last line */
} slantp_lines;
int slantp_lines_open(slantp_lines *lr, const char *path, size_t max, slant_error *err);
/* 1 with *line and *len set, 0 at end of file, -1 on error. An over-long
 * line is an SLANT_EFORMAT error; the next call goes on after it. */
int slantp_lines_next(slantp_lines *lr, const char **line, size_t *len, slant_error *err);
void slantp_lines_close(slantp_lines *lr);

/* Write 'n' bytes to 'path' atomically (temp file, fsync, rename, fsync dir). */
int slantp_write_atomic(const char *path, const void *p, size_t n, slant_error *err);

uint32_t slantp_crc32(const void *p, size_t n);

/* ======================================================== svm.c */

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

/* ======================================================== gram.c */

/* Bytes of a matrix of 'slots' rows in the 8-byte layout, the most slots
 * that fit in gram_mb, and the allocation: row[s] gets slot s's row, its
 * serial (s + 1) set, its entries (row[s][t + 1].value = K(s, t)) not. */
size_t slantp_packed_bytes(size_t slots);
size_t slantp_packed_slots(size_t gram_mb);
struct svm_node *slantp_packed_alloc(size_t slots, struct svm_node **row);

/* The columns of a trainset: for each feature, the documents that have it
 * (ascending) and their values. */
typedef struct slantp_postings {
    size_t *start;              /* nfeatures + 1 */
    uint32_t *doc;
    double *val;
} slantp_postings;
int slantp_postings_build(const slantp_trainset *ts, slantp_postings *p);
void slantp_postings_release(slantp_postings *p);

/* Fill row[0..m) with the kernel of documents 0..m-1, with 'threads'
 * threads. -1 when out of memory. */
int slantp_gram_triangle(const slantp_trainset *ts, const slantp_postings *post,
                         struct svm_node **row, size_t m, int threads);

/* A cache of 'slots' Gram rows (at most ts->n), first holding documents
 * 0..slots-1. acquire() pins documents docs[0..n) (n <= slots), computing
 * the rows of those missing in place of unpinned ones (waiting while other
 * problems pin too much), and gives their rows in rows[i], with serial
 * numbers that index each other's rows; release() unpins them. Any thread
 * may call them; the entries are the same bits as the whole matrix's. */
typedef struct slantp_gram_cache slantp_gram_cache;
slantp_gram_cache *slantp_gram_cache_new(const slantp_trainset *ts, size_t slots, int threads);
void slantp_gram_cache_free(slantp_gram_cache *c);
size_t slantp_gram_cache_slots(const slantp_gram_cache *c);
int slantp_gram_cache_acquire(slantp_gram_cache *c, const size_t *docs, size_t n,
                              struct svm_node **rows);
void slantp_gram_cache_release(slantp_gram_cache *c, const size_t *docs, size_t n);

/* ======================================================== calibrate.c */

/* Fit P(y=1|f) = 1 / (1 + exp(A f + B)) on decision values f[i] and labels
 * y[i] (+1/-1) by Newton's method with Platt's smoothed targets. */
void slantp_platt_fit(const double *f, const signed char *y, size_t n, double *A, double *B);
/* The probability threshold in (0,1) that maximizes F1 of p[i] >= t. */
double slantp_best_threshold(const double *p, const signed char *y, size_t n, double *best_f1);
/* Thresholds thr[0..nl) for the labels of one multi-label head, from
 * out-of-fold probabilities p and labels y (both nl x n, label-major),
 * chosen to maximize 'obj' over the head. A label no document has gets
 * 1.0 (never predicted). Returns 0, or -1 when out of memory. */
int slantp_head_thresholds(const double *p, const signed char *y, size_t nl, size_t n,
                           enum slant_threshold_objective obj, double *thr);

#include <math.h>
/* 1 / (1 + exp(A f + B)), computed without overflow for any f. */
static inline double slantp_platt(double f, double A, double B)
{
    double z = A * f + B;
    /* stable either side of zero */
    if (z >= 0)
        return exp(-z) / (1.0 + exp(-z));
    return 1.0 / (1.0 + exp(z));
}

/* ======================================================== model.c */

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
slant_model *slantp_model_load_threads(const char *path, int threads, slant_error *err);

/* ======================================================== classify.c */

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

/* ======================================================== metrics.c */

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

/* ======================================================== folds.c */

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

#endif /* SLANT_PRIVATE_H */
