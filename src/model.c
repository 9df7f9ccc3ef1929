/* model.c - the model object, its file format and its strict reader.
 *
 * File layout (all integers and doubles little-endian):
 *   "SLANTMDL"  u32 format version  u32 flags (0)  u64 payload length
 *   payload: settings, stems, features (key, idf, surface), heads (name,
 *            flags, labels per document, labels), per-label bias/Platt/threshold/C/doc count, then the
 *            weight matrix (features x labels, feature-major)
 *   u32 CRC-32 of everything before it, "SLNTEND\n"
 * The reader checks the trailer and checksum before parsing anything (or,
 * given a second thread, sums the checksum on it while the fields are read
 * and lets a mismatch overrule them), checks every count against the bytes
 * left and every value for range, so a truncated, corrupted or hostile
 * file is an error, never a crash.
 * libsvm never sees a model file (svm_load_model trusts its input).
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "features.h"
#include "io.h"
#include "model.h"
#include "stem.h"
#include "vocab.h"
#include "threads.h"

#define MAGIC "SLANTMDL"
#define TRAILER "SLNTEND\n"
#define HEADER_BYTES 24
/* a head's flags: bit 0 multi-label, bit 1 (multi-label only) a document
 * may get no label; files without bit 1 read as before */
#define HEAD_MULTILABEL 1u
#define HEAD_MAY_BE_EMPTY 2u
#define TRAILER_BYTES 12

/* 2^18 slots of 32 bytes: 8 MB of address space, 131,072 words, about
 * twice the distinct short tokens of a large news corpus. At that fill a
 * word is found in its first slot more often than at 2^17, and the branch
 * on it mispredicts less, for a few MB more memory. */
#define STEM_SHARE_LOG2 18

slant_model *slantp_model_alloc(void)
{
    slant_model *m = calloc(1, sizeof(slant_model));
    if (m && !(m->stem_share = slantp_stem_share_new(STEM_SHARE_LOG2))) {
        free(m);
        return NULL;
    }
    return m;
}

void slant_model_free(slant_model *m)
{
    if (!m)
        return;
    slantp_strtab_release(&m->stems);
    free(m->feat_keys);
    slantp_keytab_release(&m->vocab);
    slantp_phrase_index_release(&m->index);
    slantp_stem_share_free(m->stem_share);
    free(m->idf);
    free(m->surface);
    free(m->style);
    slantp_buf_release(&m->surface_mem);
    for (size_t h = 0; h < m->nheads; h++) {
        free(m->heads[h].name);
        if (m->heads[h].labels)
            for (size_t l = 0; l < m->heads[h].nlabels; l++)
                free(m->heads[h].labels[l]);
        free(m->heads[h].labels);
    }
    if (!m->W_borrowed)
        free(m->W);
    if (m->map)
        slantp_unmap_file(m->map, m->map_len);
    free(m->bias);
    free(m->platt_a);
    free(m->platt_b);
    free(m->threshold);
    free(m->cost);
    free(m->label_docs);
    free(m);
}

int slantp_model_index(slant_model *m, slant_error *err)
{
    slantp_keytab_release(&m->vocab);
    slantp_phrase_index_release(&m->index);
    m->indexed = 0;
    int rc = slantp_phrase_index_build(&m->index, m->feat_keys, m->nfeatures, m->stems.n);
    if (rc < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    m->indexed = rc == 0;
    /* the hash table is only the fallback */
    if (!m->indexed && slantp_model_hash_features(m) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    if (slantp_model_mark_style(m) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return SLANT_OK;
}

int slantp_model_hash_features(slant_model *m)
{
    slantp_keytab_release(&m->vocab);
    if (slantp_keytab_init(&m->vocab, m->nfeatures) < 0)
        return -1;
    for (size_t f = 0; f < m->nfeatures; f++) {
        uint32_t *slot;
        if (slantp_keytab_put(&m->vocab, m->feat_keys[f], (uint32_t)f, &slot) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- writing */

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static int put(slantp_buf *b, const void *p, size_t n) { return slantp_buf_append(b, p, n); }

static int put_u32(slantp_buf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    return put(b, x, 4);
}

static int put_u64(slantp_buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    return put(b, x, 8);
}

static int put_f64(slantp_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    return put_u64(b, v);
}

static int put_str(slantp_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return put_u32(b, (uint32_t)n) || put(b, s ? s : "", n);
}

int slantp_model_serialize(const slant_model *m, slantp_buf *b, slant_error *err)
{
    int bad = 0;
    b->len = 0;
    bad |= put(b, MAGIC, 8) | put_u32(b, SLANTP_FORMAT_VERSION) | put_u32(b, 0) | put_u64(b, 0);
    bad |= put_str(b, m->language) | put_u32(b, (uint32_t)m->ngram_max) |
           put_u32(b, (uint32_t)m->min_df) | put_f64(b, m->max_df) |
           put_u64(b, m->max_features) | put_u64(b, m->stem_fingerprint) |
           put_u64(b, m->ndocs) | put_u32(b, (uint32_t)m->folds) |
           put_u32(b, (uint32_t)m->used_gram);
    bad |= put_u64(b, m->stems.n);
    for (size_t i = 0; i < m->stems.n && !bad; i++)
        bad |= put_str(b, slantp_strtab_key(&m->stems, i));
    bad |= put_u64(b, m->nfeatures);
    for (size_t f = 0; f < m->nfeatures && !bad; f++)
        bad |= put_u64(b, m->feat_keys[f]);
    for (size_t f = 0; f < m->nfeatures && !bad; f++)
        bad |= put_f64(b, m->idf[f]);
    for (size_t f = 0; f < m->nfeatures && !bad; f++)
        bad |= put_str(b, m->surface[f]);
    bad |= put_u32(b, (uint32_t)m->nheads);
    for (size_t h = 0; h < m->nheads && !bad; h++) {
        const slantp_head *mh = &m->heads[h];
        uint32_t head_flags = (uint32_t)(mh->multilabel ? HEAD_MULTILABEL : 0) |
                              (uint32_t)(mh->may_be_empty ? HEAD_MAY_BE_EMPTY : 0);
        bad |= put_str(b, mh->name) | put_u32(b, head_flags) |
               put_u32(b, (uint32_t)mh->max_labels) | put_u32(b, (uint32_t)mh->nlabels);
        for (size_t l = 0; l < mh->nlabels && !bad; l++)
            bad |= put_str(b, mh->labels[l]);
    }
    bad |= put_u64(b, m->nlabels);
    for (size_t g = 0; g < m->nlabels && !bad; g++)
        bad |= put_f64(b, m->bias[g]) | put_f64(b, m->platt_a[g]) | put_f64(b, m->platt_b[g]) |
               put_f64(b, m->threshold[g]) | put_f64(b, m->cost[g]) | put_u64(b, m->label_docs[g]);
    size_t nw = m->nfeatures * m->nlabels;
    /* zero padding so the weights start 8-byte aligned in the file: a
     * mapped model then uses them in place */
    while (!bad && b->len % 8)
        bad |= put(b, "", 1);
    if (!bad && little_endian()) {
        bad |= put(b, m->W, nw * sizeof *m->W);
    } else {
        for (size_t i = 0; i < nw && !bad; i++)
            bad |= put_f64(b, m->W[i]);
    }
    if (bad)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory writing the model");
    uint64_t payload = b->len - HEADER_BYTES;
    for (int i = 0; i < 8; i++)
        b->data[16 + i] = (char)(unsigned char)(payload >> (8 * i));
    uint32_t crc = slantp_crc32(b->data, b->len);
    if (put_u32(b, crc) || put(b, TRAILER, 8))
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory writing the model");
    return SLANT_OK;
}

int slant_model_save(const slant_model *m, const char *path, slant_error *err)
{
    slantp_buf b = {0};
    slantp_error_clear(err);
    int rc = slantp_model_serialize(m, &b, err);
    if (rc == SLANT_OK)
        rc = slantp_write_atomic(path, b.data, b.len, err);
    slantp_buf_release(&b);
    return rc;
}

/* ---------------------------------------------------------------- reading */

typedef struct reader {
    const unsigned char *p;
    size_t n, pos;
    const char *source;
    slant_error *err;
    int failed;
} reader;

/* The message is pre + what + post (kept literal for -Wformat). */
static int fail3(reader *r, size_t at, int code, const char *pre, const char *what, const char *post)
{
    if (!r->failed) {
        r->failed = 1;
        slantp_error(r->err, code, r->source, -1, -1, "%s%s%s", pre, what, post);
        if (r->err)
            r->err->offset = (long)at;
    }
    return -1;
}

/* Read little-endian from bytes already known to be in bounds. */
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int need(reader *r, size_t k, const char *what)
{
    if (r->failed)
        return -1;
    if (k > r->n - r->pos)
        return fail3(r, r->pos, SLANT_EFORMAT, "truncated ", what, "");
    return 0;
}

static uint32_t get_u32(reader *r, const char *what)
{
    if (need(r, 4, what))
        return 0;
    uint32_t v = le32(r->p + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t get_u64(reader *r, const char *what)
{
    if (need(r, 8, what))
        return 0;
    uint64_t v = le64(r->p + r->pos);
    r->pos += 8;
    return v;
}

static double get_f64(reader *r, const char *what)
{
    size_t at = r->pos;
    uint64_t v = get_u64(r, what);
    double d;
    memcpy(&d, &v, 8);
    if (!r->failed && !isfinite(d)) {
        fail3(r, at, SLANT_EFORMAT, "", what, " is not a finite number");
        return 0;
    }
    return d;
}

/* A string: pointer into the buffer and its length; rejects NUL bytes. */
static const char *get_str(reader *r, size_t *len, const char *what)
{
    size_t at = r->pos;
    uint32_t n = get_u32(r, what);
    if (need(r, n, what))
        return NULL;
    const char *s = (const char *)r->p + r->pos;
    if (memchr(s, '\0', n)) {
        fail3(r, at, SLANT_EFORMAT, "", what, " contains a NUL byte");
        return NULL;
    }
    r->pos += n;
    *len = n;
    return s;
}

/* A count of items each at least 'min_bytes' long must fit in what is left. */
static size_t get_count(reader *r, size_t min_bytes, uint64_t max, const char *what)
{
    size_t at = r->pos;
    uint64_t c = get_u64(r, what);
    if (r->failed)
        return 0;
    if (c > max || (min_bytes && c > (r->n - r->pos) / min_bytes)) {
        fail3(r, at, SLANT_EFORMAT, "", what, " out of range");
        return 0;
    }
    return (size_t)c;
}

/* Whether any of FINITE_BLOCK doubles is infinite or NaN (exponent bits
 * all ones). A fixed count and no branch: gcc vectorizes it at -O2, so
 * the check over the weight matrix, most of the file, runs at memory
 * speed where a loop of isfinite would not. */
enum { FINITE_BLOCK = 512 };

static int block_not_finite(const double *w)
{
    uint64_t any = 0;
    for (size_t i = 0; i < FINITE_BLOCK; i++) {
        uint64_t bits;
        memcpy(&bits, &w[i], sizeof bits);
        any |= ((bits >> 52 & 0x7ff) + 1) >> 11;
    }
    return any != 0;
}

/* The index of the first of n doubles that is infinite or NaN, or n. */
static size_t first_not_finite(const double *w, size_t n)
{
    size_t at = 0;
    while (n - at >= FINITE_BLOCK && !block_not_finite(w + at))
        at += FINITE_BLOCK;
    for (; at < n; at++)
        if (!isfinite(w[at]))
            return at;
    return n;
}

/* The NUL bytes among n, counted in fixed blocks that vectorize. */
static size_t count_nuls(const char *p, size_t n)
{
    enum { NUL_BLOCK = 4096 };
    size_t nuls = 0, at = 0;
    for (; n - at >= NUL_BLOCK; at += NUL_BLOCK)
        for (size_t i = 0; i < NUL_BLOCK; i++)
            nuls += p[at + i] == '\0';
    for (; at < n; at++)
        nuls += p[at] == '\0';
    return nuls;
}

/* The feature keys: 1..ngram_max stem ids + 1, contiguous from the low
 * bits, each a known stem, strictly increasing. */
static int get_keys(reader *r, slant_model *m, size_t nstems)
{
    for (size_t f = 0; f < m->nfeatures; f++, r->pos += 8) {
        uint64_t key = le64(r->p + r->pos);
        int k = 0, gap = 0, bad = key == 0 || (key >> 63) != 0;
        for (int j = 0; j < SLANTP_MAX_NGRAM; j++) {
            uint64_t part = (key >> (21 * j)) & 0x1fffff;
            if (!part) {
                gap = 1;
                continue;
            }
            if (gap || part > nstems)
                bad = 1;
            k++;
        }
        if (bad || k > m->ngram_max || (f > 0 && key <= m->feat_keys[f - 1]))
            return fail3(r, r->pos, SLANT_EFORMAT, "", "invalid or unsorted feature key", "");
        m->feat_keys[f] = key;
    }
    return 0;
}

/* The idf of each feature: finite and positive. */
static int get_idf(reader *r, slant_model *m)
{
    size_t nf = m->nfeatures;
    int ok = 1;
    for (size_t f = 0; f < nf; f++) {
        uint64_t v = le64(r->p + r->pos + 8 * f);
        double d;
        memcpy(&d, &v, 8);
        m->idf[f] = d;
        ok &= d > 0 && d <= DBL_MAX;
    }
    if (!ok)
        for (size_t f = 0; f < nf; f++)
            if (!(m->idf[f] > 0 && m->idf[f] <= DBL_MAX))
                return fail3(r, r->pos + 8 * f, SLANT_EFORMAT, "", "idf",
                             isfinite(m->idf[f]) ? " must be positive" : " is not a finite number");
    r->pos += 8 * nf;
    return 0;
}

/* The surface forms, one per feature, copied into one block, each with a
 * NUL after it. A first walk checks the lengths and sizes the block, so
 * the copy is one allocation; a string holding a NUL is found by counting
 * the block's NULs. Returns 0, -1 on bad data, -2 out of memory. */
static int get_surfaces(reader *r, slant_model *m)
{
    size_t nf = m->nfeatures, start = r->pos, pos = start, bytes = 0, complete = 0;
    for (; complete < nf; complete++) {
        if (r->n - pos < 4 || le32(r->p + pos) > r->n - pos - 4)
            break;
        size_t len = le32(r->p + pos);
        pos += 4 + len;
        bytes += len + 1;
    }
    if (complete == nf) {
        if (slantp_buf_reserve(&m->surface_mem, bytes) < 0)
            return -2;
        char *block = m->surface_mem.data, *out = block;
        for (size_t f = 0, at = start; f < nf; f++) {
            size_t len = le32(r->p + at);
            memcpy(out, r->p + at + 4, len);
            out[len] = '\0';
            m->surface[f] = out;
            out += len + 1;
            at += 4 + len;
        }
        m->surface_mem.len = bytes;
        if (count_nuls(block, bytes) == nf) {
            r->pos = pos;
            return 0;
        }
    }
    /* bad data: the first form with a NUL in it, else where they ran out */
    for (size_t f = 0, at = start; f < complete; f++) {
        size_t len = le32(r->p + at);
        if (memchr(r->p + at + 4, '\0', len))
            return fail3(r, at, SLANT_EFORMAT, "", "surface form", " contains a NUL byte");
        at += 4 + len;
    }
    r->pos = pos;
    size_t len = get_u32(r, "surface form");
    need(r, len, "surface form");
    return fail3(r, pos, SLANT_EFORMAT, "", "surface form", " is invalid");  /* reports only if nothing above did */
}

/* The checksum of the bytes before the trailer, against the stored one. */
typedef struct checksum {
    const char *data;
    size_t n;
    uint32_t want;
    int ok;
} checksum;

static void *sum_bytes(void *arg)
{
    checksum *c = arg;
    c->ok = slantp_crc32(c->data, c->n) == c->want;
    return NULL;
}

static slant_model *parse_fields(reader *r, int alias);

slant_model *slantp_model_parse_threads(const char *data, size_t n, const char *source, int alias,
                                        int threads, slant_error *err)
{
    reader rd = {(const unsigned char *)data, n, 0, source, err, 0};
    reader *r = &rd;
    slant_model *m = NULL;
    if (n < 8 || memcmp(data, MAGIC, 8) != 0) {
        fail3(r, 0, SLANT_EFORMAT, "", "not a slant model (bad magic)", "");
        return NULL;
    }
    if (n < HEADER_BYTES + TRAILER_BYTES) {
        fail3(r, n, SLANT_EFORMAT, "", "file is truncated (shorter than its header says)", "");
        return NULL;
    }
    r->pos = 8;
    uint32_t version = get_u32(r, "version");
    if (version != SLANTP_FORMAT_VERSION) {
        slantp_error(err, SLANT_EVERSION, source, -1, -1,
                     "model format %u, this slant reads format %d (retrain with 'slant train')",
                     version, SLANTP_FORMAT_VERSION);
        if (err)
            err->offset = 8;
        return NULL;
    }
    uint32_t flags = get_u32(r, "flags");
    uint64_t payload = get_u64(r, "payload length");
    if (flags != 0) {
        fail3(r, 12, SLANT_EFORMAT, "", "unknown flags", "");
        return NULL;
    }
    if (payload != n - HEADER_BYTES - TRAILER_BYTES) {
        fail3(r, n, SLANT_EFORMAT, "",
              payload > n - HEADER_BYTES - TRAILER_BYTES
                  ? "file is truncated (shorter than its header says)"
                  : "file has trailing bytes after the model",
              "");
        return NULL;
    }
    if (memcmp(data + n - 8, TRAILER, 8) != 0) {
        fail3(r, n - 8, SLANT_EFORMAT, "", "missing end marker (file truncated?)", "");
        return NULL;
    }
    /* with a second thread, the checksum is summed while the fields are
     * read; a mismatch then replaces whatever the fields said */
    checksum sum = {data, n - TRAILER_BYTES, le32((const unsigned char *)data + n - 12), 0};
    slantp_threads summer = {.n = 0};
    int summing = threads > 1 && slantp_thread_start(&summer, sum_bytes, &sum, 1) == 0;
    if (!summing)
        sum_bytes(&sum);
    r->n = n - TRAILER_BYTES;
    if (summing || sum.ok)
        m = parse_fields(r, alias);
    slantp_threads_join(&summer);
    if (!sum.ok) {
        slant_model_free(m);
        slantp_error_clear(err);
        r->failed = 0;
        fail3(r, n - 12, SLANT_EFORMAT, "", "checksum mismatch (file corrupted)", "");
        return NULL;
    }
    return m;
}

/* The parts of the fields, in file order. Each returns 0, -1 on bad data
 * (the reader holds the error) or -2 out of memory, as get_surfaces does. */

/* The settings training used: stemmer, n-grams, pruning, folds. */
static int get_settings(reader *r, slant_model *m)
{
    size_t len;
    const char *s = get_str(r, &len, "language");
    if (s && (len == 0 || len >= sizeof m->language))
        fail3(r, 24, SLANT_EFORMAT, "", "bad stemmer language name", "");
    if (r->failed)
        return -1;
    memcpy(m->language, s, len);
    size_t at = r->pos;
    m->ngram_max = (int)get_u32(r, "n-gram length");
    if (!r->failed && (m->ngram_max < 1 || m->ngram_max > SLANTP_MAX_NGRAM))
        fail3(r, at, SLANT_EFORMAT, "", "n-gram length out of range", "");
    m->min_df = (int)get_u32(r, "min_df");
    m->max_df = get_f64(r, "max_df");
    m->max_features = (size_t)get_u64(r, "max_features");
    m->stem_fingerprint = get_u64(r, "stemmer fingerprint");
    m->ndocs = (size_t)get_u64(r, "document count");
    m->folds = (int)get_u32(r, "folds");
    m->used_gram = (int)get_u32(r, "kernel flag");
    return r->failed ? -1 : 0;
}

/* The stems, each once, their ids in file order. */
static int get_stems(reader *r, slant_model *m, size_t *nstems)
{
    size_t n = *nstems = get_count(r, 4, SLANTP_MAX_STEMS, "stem count");
    if (r->failed)
        return -1;
    if (slantp_strtab_init(&m->stems, n + 1) < 0)
        return -2;
    for (size_t i = 0; i < n; i++) {
        size_t at = r->pos, len;
        const char *s = get_str(r, &len, "stem");
        if (r->failed)
            return -1;
        long id = slantp_strtab_intern(&m->stems, s, len);
        if (id < 0)
            return -2;
        if ((size_t)id != i)
            return fail3(r, at, SLANT_EFORMAT, "", "duplicate stem", "");
    }
    return 0;
}

/* The features: keys, idf, surface forms. */
static int get_features(reader *r, slant_model *m, size_t nstems)
{
    size_t nf = get_count(r, 20, UINT32_MAX - 1, "feature count");
    if (r->failed)
        return -1;
    m->nfeatures = nf;
    m->feat_keys = malloc((nf ? nf : 1) * sizeof *m->feat_keys);
    m->idf = malloc((nf ? nf : 1) * sizeof *m->idf);
    m->surface = calloc(nf ? nf : 1, sizeof *m->surface);
    if (!m->feat_keys || !m->idf || !m->surface)
        return -2;
    /* keys and idf are in bounds: get_count saw room for nf * 20 bytes */
    if (get_keys(r, m, nstems) || get_idf(r, m))
        return -1;
    return get_surfaces(r, m);
}

/* The labels of head mh, nl of them: named, each name once. */
static int get_labels(reader *r, slantp_head *mh, uint32_t nl)
{
    mh->labels = calloc(nl, sizeof *mh->labels);
    if (!mh->labels)
        return -2;
    mh->nlabels = nl;
    for (size_t l = 0; l < nl; l++) {
        size_t at = r->pos, len;
        const char *s = get_str(r, &len, "label name");
        if (r->failed)
            return -1;
        if (len == 0)
            return fail3(r, at, SLANT_EFORMAT, "", "empty label name", "");
        if (!(mh->labels[l] = slantp_strndup(s, len)))
            return -2;
        for (size_t q = 0; q < l; q++)
            if (strcmp(mh->labels[q], mh->labels[l]) == 0)
                return fail3(r, at, SLANT_EFORMAT, "", "duplicate label name", "");
    }
    return 0;
}

/* Head h: its name (each head's once), flags and labels, which start at
 * global label 'first'. */
static int get_head(reader *r, slant_model *m, size_t h, size_t first)
{
    slantp_head *mh = &m->heads[h];
    size_t at = r->pos, len;
    const char *s = get_str(r, &len, "head name");
    if (r->failed)
        return -1;
    if (len == 0)
        return fail3(r, at, SLANT_EFORMAT, "", "empty head name", "");
    if (!(mh->name = slantp_strndup(s, len)))
        return -2;
    m->nheads = h + 1;
    for (size_t g = 0; g < h; g++)
        if (strcmp(m->heads[g].name, mh->name) == 0)
            return fail3(r, at, SLANT_EFORMAT, "", "duplicate head name", "");
    uint32_t ml = get_u32(r, "head flags");
    uint32_t maxl = get_u32(r, "labels per document");
    at = r->pos;
    uint32_t nl = get_u32(r, "label count");
    if (!r->failed && ((ml & ~(uint32_t)(HEAD_MULTILABEL | HEAD_MAY_BE_EMPTY)) ||
                       ml == HEAD_MAY_BE_EMPTY))
        fail3(r, at - 8, SLANT_EFORMAT, "", "unknown head flags", "");
    if (!r->failed && (nl == 0 || nl > SLANTP_MAX_LABELS))
        fail3(r, at, SLANT_EFORMAT, "", "label count out of range", "");
    if (!r->failed && (maxl == 0 || maxl > nl))
        fail3(r, at - 4, SLANT_EFORMAT, "", "labels per document out of range", "");
    if (r->failed)
        return -1;
    mh->multilabel = (ml & HEAD_MULTILABEL) != 0;
    mh->may_be_empty = (ml & HEAD_MAY_BE_EMPTY) != 0;
    mh->max_labels = maxl;
    mh->first = first;
    return get_labels(r, mh, nl);
}

/* The heads, and the label total that must match them. */
static int get_heads(reader *r, slant_model *m)
{
    size_t at = r->pos;
    uint32_t nheads = get_u32(r, "head count");
    if (!r->failed && (nheads == 0 || nheads > SLANTP_MAX_HEADS))
        fail3(r, at, SLANT_EFORMAT, "", "head count out of range", "");
    if (r->failed)
        return -1;
    size_t total = 0;
    for (size_t h = 0; h < nheads; h++) {
        int bad = get_head(r, m, h, total);
        if (bad)
            return bad;
        total += m->heads[h].nlabels;
    }
    at = r->pos;
    uint64_t nlab = get_u64(r, "label total");
    if (!r->failed && nlab != total)
        fail3(r, at, SLANT_EFORMAT, "", "label total does not match the heads", "");
    if (r->failed)
        return -1;
    m->nlabels = total;
    return 0;
}

/* Per label: bias, Platt A and B, threshold, C, document count. */
static int get_label_params(reader *r, slant_model *m)
{
    size_t total = m->nlabels;
    m->bias = malloc(total * sizeof *m->bias);
    m->platt_a = malloc(total * sizeof *m->platt_a);
    m->platt_b = malloc(total * sizeof *m->platt_b);
    m->threshold = malloc(total * sizeof *m->threshold);
    m->cost = malloc(total * sizeof *m->cost);
    m->label_docs = malloc(total * sizeof *m->label_docs);
    if (!m->bias || !m->platt_a || !m->platt_b || !m->threshold || !m->cost || !m->label_docs)
        return -2;
    for (size_t g = 0; g < total; g++) {
        m->bias[g] = get_f64(r, "bias");
        m->platt_a[g] = get_f64(r, "Platt A");
        m->platt_b[g] = get_f64(r, "Platt B");
        size_t at = r->pos;
        m->threshold[g] = get_f64(r, "threshold");
        if (!r->failed && !(m->threshold[g] >= 0 && m->threshold[g] <= 1))
            fail3(r, at, SLANT_EFORMAT, "", "threshold outside [0, 1]", "");
        m->cost[g] = get_f64(r, "C");
        m->label_docs[g] = (size_t)get_u64(r, "label document count");
        if (r->failed)
            return -1;
    }
    return 0;
}

/* The weight matrix, 8-byte aligned after zero padding, up to the
 * checksum: used in place when 'alias' allows, else copied. */
static int get_weights(reader *r, slant_model *m, int alias)
{
    size_t nf = m->nfeatures, total = m->nlabels;
    if (nf && total > (SIZE_MAX / 8) / nf)
        return fail3(r, r->pos, SLANT_EFORMAT, "", "weight matrix too large", "");
    size_t nw = nf * total;
    while (r->pos % 8 && r->pos < r->n) {
        if (r->p[r->pos] != 0)
            return fail3(r, r->pos, SLANT_EFORMAT, "", "padding before the weights is not zero",
                         "");
        r->pos++;
    }
    if (need(r, nw * 8, "weight matrix"))
        return -1;
    if (r->n - r->pos != nw * 8)
        return fail3(r, r->pos + nw * 8, SLANT_EFORMAT, "", "unexpected bytes after the weights",
                     "");
    if (alias && little_endian() && ((uintptr_t)(r->p + r->pos) % sizeof(double)) == 0) {
        /* the caller keeps the bytes alive (a mapped file): use them in place */
        m->W = (double *)(uintptr_t)(r->p + r->pos);
        m->W_borrowed = 1;
    } else {
        m->W = malloc((nw ? nw : 1) * sizeof *m->W);
        if (!m->W)
            return -2;
        if (little_endian())
            memcpy(m->W, r->p + r->pos, nw * 8);
        else
            for (size_t i = 0; i < nw; i++)
                m->W[i] = get_f64(r, "weight");
    }
    size_t bad = first_not_finite(m->W, nw);
    if (bad < nw)
        return fail3(r, r->pos + bad * 8, SLANT_EFORMAT, "", "weight is not a finite number", "");
    return 0;
}

/* The fields after the header, up to the checksum: a model, or NULL with
 * the error of the first bad field. */
static slant_model *parse_fields(reader *r, int alias)
{
    slant_model *m = slantp_model_alloc();
    size_t nstems = 0;
    int bad = m ? 0 : -2;
    if (!bad)
        bad = get_settings(r, m);
    if (!bad)
        bad = get_stems(r, m, &nstems);
    if (!bad)
        bad = get_features(r, m, nstems);
    if (!bad)
        bad = get_heads(r, m);
    if (!bad)
        bad = get_label_params(r, m);
    if (!bad)
        bad = get_weights(r, m, alias);
    if (!bad && slantp_model_index(m, r->err))
        bad = -1;
    if (!bad)
        return m;
    if (bad == -2)
        slantp_error(r->err, SLANT_ENOMEM, r->source, -1, -1, "out of memory loading the model");
    slant_model_free(m);
    return NULL;
}

slant_model *slantp_model_parse(const char *data, size_t n, const char *source, int alias,
                                slant_error *err)
{
    return slantp_model_parse_threads(data, n, source, alias, 1, err);
}

slant_model *slant_model_load(const char *path, slant_error *err)
{
    return slant_model_load_threads(path, 1, err);
}

slant_model *slant_model_load_threads(const char *path, int threads, slant_error *err)
{
    const char *bytes;
    size_t len;
    slantp_error_clear(err);
    /* mapped, not read: the weight matrix (most of the file) is used in
     * place, so loading copies and zero-fills almost nothing */
    if (slantp_map_file(path, SLANTP_MAX_MODEL, &bytes, &len, err))
        return NULL;
    slant_model *m = slantp_model_parse_threads(bytes, len, path, 1, threads, err);
    if (!m) {
        slantp_unmap_file(bytes, len);
        return NULL;
    }
    if (m->W_borrowed) {
        m->map = bytes;
        m->map_len = len;
    } else {
        slantp_unmap_file(bytes, len);
    }
    /* a model trained with another libstemmer would silently see other stems */
    slantp_stemmer st;
    slantp_strtab dummy;
    if (slantp_strtab_init(&dummy, 16) < 0 ||
        slantp_stemmer_init(&st, m->language, &dummy, NULL, err) != SLANT_OK) {
        slantp_strtab_release(&dummy);
        slant_model_free(m);
        return NULL;
    }
    uint64_t fp = 0;
    int stemmed = slantp_stemmer_fingerprint(&st, &fp);
    slantp_stemmer_release(&st);
    slantp_strtab_release(&dummy);
    if (stemmed < 0) {
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        slant_model_free(m);
        return NULL;
    }
    if (fp != m->stem_fingerprint) {
        slantp_error(err, SLANT_EVERSION, path, -1, -1,
                     "model was trained with a different Snowball stemmer for '%s' "
                     "(retrain with 'slant train')", m->language);
        slant_model_free(m);
        return NULL;
    }
    return m;
}

/* ---------------------------------------------------------------- accessors */

size_t slant_model_nheads(const slant_model *m) { return m->nheads; }
const char *slant_model_head_name(const slant_model *m, size_t h)
{
    return h < m->nheads ? m->heads[h].name : NULL;
}
int slant_model_head_multilabel(const slant_model *m, size_t h)
{
    return h < m->nheads ? m->heads[h].multilabel : 0;
}
size_t slant_model_nlabels(const slant_model *m, size_t h)
{
    return h < m->nheads ? m->heads[h].nlabels : 0;
}
const char *slant_model_label(const slant_model *m, size_t h, size_t l)
{
    return h < m->nheads && l < m->heads[h].nlabels ? m->heads[h].labels[l] : NULL;
}
size_t slant_model_find_head(const slant_model *m, const char *name)
{
    for (size_t h = 0; h < m->nheads; h++)
        if (strcmp(m->heads[h].name, name) == 0)
            return h;
    return (size_t)-1;
}
size_t slant_model_nfeatures(const slant_model *m) { return m->nfeatures; }
const char *slant_model_language(const slant_model *m) { return m->language; }

void slant_model_get_info(const slant_model *m, slant_model_info *info)
{
    memset(info, 0, sizeof *info);
    info->format_version = SLANTP_FORMAT_VERSION;
    info->ngram_max = m->ngram_max;
    info->min_df = m->min_df;
    info->max_df = m->max_df;
    info->max_features = m->max_features;
    info->ndocs = m->ndocs;
    info->nstems = m->stems.n;
    info->folds = m->folds;
    info->used_gram = m->used_gram;
}

void slant_model_label_info(const slant_model *m, size_t h, size_t l, double *c, double *a,
                            double *b, double *thr, size_t *ndocs)
{
    size_t g = m->heads[h].first + l;
    if (c)
        *c = m->cost[g];
    if (a)
        *a = m->platt_a[g];
    if (b)
        *b = m->platt_b[g];
    if (thr)
        *thr = m->threshold[g];
    if (ndocs)
        *ndocs = m->label_docs[g];
}

size_t slant_model_top_terms(const slant_model *m, size_t h, size_t l, slant_term *out, size_t max)
{
    if (h >= m->nheads || l >= m->heads[h].nlabels || max == 0)
        return 0;
    size_t g = m->heads[h].first + l, n = 0;
    /* partial selection: keep the 'max' largest in out[], smallest last */
    for (size_t f = 0; f < m->nfeatures; f++) {
        double w = m->W[f * m->nlabels + g];
        if (!(w > 0) || !m->surface[f])
            continue;
        if (n == max && w <= out[n - 1].weight)
            continue;
        size_t i = n < max ? n++ : n - 1;
        while (i > 0 && out[i - 1].weight < w) {
            out[i] = out[i - 1];
            i--;
        }
        out[i].text = m->surface[f];
        out[i].weight = w;
    }
    return n;
}
