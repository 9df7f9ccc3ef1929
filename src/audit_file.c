/* auditp_file.c - partial files: an audit's aggregate and where it stands in
 * its inputs, saved atomically and read back (for --resume, 'audit merge'
 * and 'audit report').
 *
 * Format 1 (audit/partial.slaud): the magic "SLANTAUD", then unsigned
 * LEB128 integers (u), 8-byte little-endian words (w) and strings (u
 * length, bytes), then a little-endian CRC-32 of everything before it:
 *   u format; spec; progress; totals; ids; surfaces; dims.
 *   spec:     u nby, nby x s field; u has_time, s field, u unit; w model
 *             checksum; u nfeatures; u nheads, per head: s name,
 *             u multilabel, u nlabels, its label names (s).
 *   progress: u merged, u done, u ninputs, s paths, u file, u offset,
 *             u line, u last_offset, u has_last_id, s last_id.
 *   totals:   u records, u docs, u failed, u nfail, nfail x (w hash, s text).
 *   ids:      u n, n x (w hash, s id), sorted by (hash, id): the example
 *             documents, referred to below by their index.
 *   surfaces: u n, n x (u feature id delta, w hash, s text), by feature.
 *   dims:     u n, per dim: s name, u kind, u field, u phrases, u ncells,
 *             per cell (by key): s key, u docs, u abstained, u phrase occurrences,
 *             per label (u predicted, u sum, u sum of squares), per head
 *             u abstentions, u nex, nex x u id, u nentries, per entry (by
 *             feature id): u feature id delta, u docs, u count, u id.
 * Everything is written in a canonical order, so equal aggregates give
 * equal bytes whatever the history of their hash tables.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "audit.h"

#define MAGIC "SLANTAUD"
#define FORMAT 1

/* ======================================================== writing */

static void put_u(slant_buffer *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;
    do {
        t[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        n++;
    } while (v);
    if (b->len + n < b->cap) {  /* most of the time: no call */
        memcpy(b->data + b->len, t, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        slant_buffer_write(b, t, n);
    }
}

static void put_w(slant_buffer *b, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    slant_buffer_write(b, t, 8);
}

static void put_s(slant_buffer *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u(b, n);
    slant_buffer_write(b, s ? s : "", n);
}

static void put_spec(slant_buffer *b, const auditp_spec *s)
{
    put_u(b, s->nby);
    for (size_t i = 0; i < s->nby; i++)
        put_s(b, s->by[i]);
    put_u(b, s->time_field != NULL);
    put_s(b, s->time_field);
    put_u(b, (uint64_t)s->unit);
    put_w(b, s->model_sum);
    put_u(b, s->nfeatures);
    put_u(b, s->nheads);
    for (size_t h = 0; h < s->nheads; h++) {
        put_s(b, s->head[h]);
        put_u(b, (uint64_t)s->multilabel[h]);
        put_u(b, s->nlabels[h]);
        for (size_t l = 0; l < s->nlabels[h]; l++)
            put_s(b, s->label[s->first[h] + l]);
    }
}

static void put_progress(slant_buffer *b, const auditp_progress *p)
{
    put_u(b, (uint64_t)p->merged);
    put_u(b, (uint64_t)p->done);
    put_u(b, p->ninputs);
    for (size_t i = 0; i < p->ninputs; i++)
        put_s(b, p->inputs[i]);
    put_u(b, p->file);
    put_u(b, p->offset);
    put_u(b, p->line);
    put_u(b, p->last_offset);
    put_u(b, p->last_id != NULL);
    put_s(b, p->last_id);
}

static int by_hash_id(const void *x, const void *y)
{
    const auditp_id *a = *(const auditp_id *const *)x, *b = *(const auditp_id *const *)y;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* The live ids in canonical order, and each id slot's rank in it. */
static int rank_ids(const auditp *a, uint32_t **rank, const auditp_id ***order, size_t *n)
{
    *rank = calloc(a->nids + 1, sizeof **rank);
    *order = malloc((a->nids + 1) * sizeof **order);
    if (!*rank || !*order)
        return -1;
    *n = 0;
    for (size_t i = 0; i < a->nids; i++)
        if (a->ids[i].refs)
            (*order)[(*n)++] = &a->ids[i];
    qsort(*order, *n, sizeof **order, by_hash_id);
    for (size_t r = 0; r < *n; r++)
        (*rank)[(*order)[r] - a->ids] = (uint32_t)r;
    return 0;
}

static int put_cell(slant_buffer *b, const auditp *a, const auditp_cell *c, const uint32_t *rank)
{
    const auditp_spec *s = &a->spec;
    put_s(b, c->key);
    put_u(b, c->ndocs);
    put_u(b, c->nabstained);
    put_u(b, c->ntokens);
    for (size_t l = 0; l < s->nlabels_total; l++) {
        put_u(b, c->npred[l]);
        put_u(b, c->sum_p[l]);
        put_u(b, c->sum_p2[l]);
    }
    for (size_t h = 0; h < s->nheads; h++)
        put_u(b, c->nnolabel[h]);
    put_u(b, c->nex);
    for (size_t i = 0; i < c->nex; i++)
        put_u(b, rank[c->ex[i]]);
    size_t n;
    auditp_entry *e = c->tab ? auditp_cell_sorted(c, &n) : NULL;
    if (c->tab && !e)
        return -1;
    put_u(b, c->tab ? n : 0);
    uint32_t prev = 0;
    for (size_t i = 0; e && i < n; i++) {
        put_u(b, e[i].fid - prev);
        prev = e[i].fid;
        put_u(b, e[i].ndocs);
        put_u(b, e[i].count);
        put_u(b, rank[e[i].ex]);
    }
    free(e);
    return 0;
}

static int put_dims(slant_buffer *b, const auditp *a, const uint32_t *rank)
{
    put_u(b, a->ndims);
    for (size_t i = 0; i < a->ndims; i++) {
        const auditp_dim *d = &a->dims[i];
        put_s(b, d->name);
        put_u(b, (uint64_t)d->kind);
        put_u(b, d->field);
        put_u(b, (uint64_t)d->phrases);
        put_u(b, d->ncells);
        auditp_cell **cells = auditp_dim_sorted(d);
        if (!cells)
            return -1;
        for (size_t c = 0; c < d->ncells; c++)
            if (put_cell(b, a, cells[c], rank) < 0) {
                free(cells);
                return -1;
            }
        free(cells);
    }
    return 0;
}

int auditp_save_bytes(const auditp *a, const auditp_progress *pr, slant_buffer *b)
{
    uint32_t *rank = NULL;
    const auditp_id **order = NULL;
    size_t nids;
    int rc = -1;
    slant_buffer_write(b, MAGIC, 8);
    put_u(b, FORMAT);
    put_spec(b, &a->spec);
    put_progress(b, pr);
    put_u(b, a->nrecords);
    put_u(b, a->ndocs);
    put_u(b, a->nfailed);
    put_u(b, a->nfail);
    for (size_t i = 0; i < a->nfail; i++) {
        put_w(b, a->fail[i].hash);
        put_s(b, a->fail[i].text);
    }
    if (rank_ids(a, &rank, &order, &nids) < 0)
        goto out;
    put_u(b, nids);
    for (size_t i = 0; i < nids; i++) {
        put_w(b, order[i]->hash);
        put_s(b, order[i]->id);
    }
    size_t nsurf = 0;
    for (size_t f = 0; f < a->spec.nfeatures; f++)
        nsurf += a->surface[f].text != NULL;
    put_u(b, nsurf);
    size_t prev = 0;
    for (size_t f = 0; f < a->spec.nfeatures; f++) {
        if (!a->surface[f].text)
            continue;
        put_u(b, f - prev);
        prev = f;
        put_w(b, a->surface[f].hash);
        put_s(b, a->surface[f].text);
    }
    if (put_dims(b, a, rank) < 0)
        goto out;
    uint32_t crc = slantp_crc32(b->data, b->len);
    unsigned char t[4] = {(unsigned char)crc, (unsigned char)(crc >> 8),
                          (unsigned char)(crc >> 16), (unsigned char)(crc >> 24)};
    slant_buffer_write(b, t, 4);
    rc = b->failed ? -1 : 0;
out:
    free(rank);
    free(order);
    return rc;
}

int auditp_save(const auditp *a, const auditp_progress *pr, const char *path, slant_error *err)
{
    slantp_error_clear(err);
    slant_buffer b = {0};
    int rc;
    if (auditp_save_bytes(a, pr, &b) < 0)
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    else
        rc = slantp_write_atomic(path, b.data, b.len, err);
    slant_buffer_release(&b);
    return rc;
}

/* ======================================================== reading */

typedef struct rd {
    const unsigned char *p, *start, *end;
    int bad;
} rd;

static uint64_t get_u(rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static uint64_t get_w(rd *r)
{
    if (r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}

/* A string, malloc'd; NULL after an error (r->bad) or out of memory. */
static char *get_s(rd *r)
{
    uint64_t n = get_u(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        return NULL;
    }
    char *s = slantp_strndup((const char *)r->p, (size_t)n);
    r->p += n;
    if (!s)
        r->bad = 1;
    return s;
}

/* A count that must not exceed 'max' (a sanity bound on sizes). */
static size_t get_n(rd *r, uint64_t max)
{
    uint64_t v = get_u(r);
    if (v > max)
        r->bad = 1;
    return r->bad ? 0 : (size_t)v;
}

static int get_spec(rd *r, auditp_spec *s)
{
    memset(s, 0, sizeof *s);
    s->nby = get_n(r, AUDIT_MAX_BY);
    for (size_t i = 0; i < s->nby && !r->bad; i++)
        s->by[i] = get_s(r);
    int has_time = get_u(r) != 0;
    char *tf = get_s(r);
    if (has_time)
        s->time_field = tf;
    else
        free(tf);
    s->unit = (enum auditp_unit)get_n(r, AUDIT_YEAR);
    s->model_sum = get_w(r);
    s->nfeatures = get_n(r, AUDITP_MAX_FEATURES);
    s->nheads = get_n(r, SLANTP_MAX_HEADS);
    if (r->bad)
        return -1;
    s->head = calloc(s->nheads + 1, sizeof *s->head);
    s->multilabel = calloc(s->nheads + 1, sizeof *s->multilabel);
    s->first = calloc(s->nheads + 1, sizeof *s->first);
    s->nlabels = calloc(s->nheads + 1, sizeof *s->nlabels);
    size_t cap = 0;
    if (!s->head || !s->multilabel || !s->first || !s->nlabels)
        return -1;
    for (size_t h = 0; h < s->nheads && !r->bad; h++) {
        s->head[h] = get_s(r);
        s->multilabel[h] = get_u(r) != 0;
        s->nlabels[h] = get_n(r, SLANTP_MAX_LABELS);
        s->first[h] = s->nlabels_total;
        if (slantp_grow(&s->label, &cap, s->nlabels_total + s->nlabels[h] + 1, sizeof *s->label) < 0)
            return -1;
        for (size_t l = 0; l < s->nlabels[h]; l++)
            s->label[s->nlabels_total++] = get_s(r);
    }
    return r->bad ? -1 : 0;
}

static void get_progress(rd *r, auditp_progress *p)
{
    memset(p, 0, sizeof *p);
    p->merged = get_u(r) != 0;
    p->done = get_u(r) != 0;
    p->ninputs = get_n(r, 1u << 20);
    if (!r->bad && !(p->inputs = calloc(p->ninputs + 1, sizeof *p->inputs)))
        r->bad = 1;
    for (size_t i = 0; i < p->ninputs && !r->bad; i++)
        p->inputs[i] = get_s(r);
    p->file = get_u(r);
    p->offset = get_u(r);
    p->line = get_u(r);
    p->last_offset = get_u(r);
    int has_last = get_u(r) != 0;
    char *last = get_s(r);
    if (has_last)
        p->last_id = last;
    else
        free(last);
}

void auditp_progress_release(auditp_progress *p)
{
    for (size_t i = 0; p->inputs && i < p->ninputs; i++)
        free(p->inputs[i]);
    free(p->inputs);
    free(p->last_id);
    memset(p, 0, sizeof *p);
}

/* The ids section: each id interned once (one reference, dropped at the
 * end of the load). */
static uint32_t *get_ids(rd *r, auditp *a, size_t *n)
{
    *n = get_n(r, (uint64_t)(r->end - r->p));
    uint32_t *ref = r->bad ? NULL : malloc((*n + 1) * sizeof *ref);
    if (!ref) {
        r->bad = 1;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        uint64_t h = get_w(r);
        char *id = get_s(r);
        ref[i] = id ? auditp_id_ref(a, h, id, strlen(id)) : UINT32_MAX;
        free(id);
        if (ref[i] == UINT32_MAX) {
            r->bad = 1;
            *n = i;
            break;
        }
    }
    return ref;
}

static void get_cell(rd *r, auditp *a, auditp_dim *d, const uint32_t *ref, size_t nids)
{
    const auditp_spec *s = &a->spec;
    char *key = get_s(r);
    auditp_cell *c = key ? auditp_dim_cell(d, s, key, strlen(key)) : NULL;
    free(key);
    if (!c || c->ndocs) {   /* a key twice is a malformed file */
        r->bad = 1;
        return;
    }
    c->ndocs = get_u(r);
    c->nabstained = get_u(r);
    c->ntokens = get_u(r);
    for (size_t l = 0; l < s->nlabels_total; l++) {
        c->npred[l] = get_u(r);
        c->sum_p[l] = get_u(r);
        c->sum_p2[l] = get_u(r);
    }
    for (size_t h = 0; h < s->nheads; h++)
        c->nnolabel[h] = get_u(r);
    c->nex = get_n(r, AUDIT_EXAMPLES);
    for (size_t i = 0; i < c->nex && !r->bad; i++) {
        size_t k = get_n(r, nids ? nids - 1 : 0);
        c->ex[i] = r->bad ? 0 : ref[k];
        if (!r->bad)
            a->ids[ref[k]].refs++;
    }
    size_t ne = get_n(r, s->nfeatures);
    if (ne && auditp_cell_reserve(c, ne) < 0)
        r->bad = 1;
    uint64_t fid = 0;
    for (size_t i = 0; i < ne && !r->bad; i++) {
        fid += get_u(r);
        auditp_entry *e = fid < s->nfeatures ? auditp_cell_entry(c, (uint32_t)fid) : NULL;
        if (!e || e->ex != UINT32_MAX) {
            r->bad = 1;
            return;
        }
        e->ndocs = (uint32_t)get_u(r);
        e->count = get_u(r);
        size_t k = get_n(r, nids ? nids - 1 : 0);
        if (r->bad)
            return;
        e->ex = ref[k];
        e->ex_top = (uint32_t)(a->ids[ref[k]].hash >> 32);
        a->ids[ref[k]].refs++;
    }
}

static void get_body(rd *r, auditp *a)
{
    a->nrecords = get_u(r);
    a->ndocs = get_u(r);
    a->nfailed = get_u(r);
    a->nfail = get_n(r, AUDIT_EXAMPLES);
    for (size_t i = 0; i < a->nfail && !r->bad; i++) {
        a->fail[i].hash = get_w(r);
        a->fail[i].text = get_s(r);
    }
    size_t nids;
    uint32_t *ref = get_ids(r, a, &nids);
    size_t nsurf = get_n(r, a->spec.nfeatures);
    uint64_t f = 0;
    for (size_t i = 0; i < nsurf && !r->bad; i++) {
        f += get_u(r);
        if (f >= a->spec.nfeatures || a->surface[f].text) {
            r->bad = 1;
            break;
        }
        a->surface[f].hash = get_w(r);
        a->surface[f].text = get_s(r);
        atomic_store(&a->surface_bar[f].v, auditp_bar_of(a->surface[f].hash));
    }
    if (get_n(r, 64) != a->ndims)
        r->bad = 1;
    for (size_t i = 0; i < a->ndims && !r->bad; i++) {
        auditp_dim *d = &a->dims[i];
        char *name = get_s(r);
        if (!name || strcmp(name, d->name) != 0 || get_u(r) != (uint64_t)d->kind ||
            get_u(r) != d->field || get_u(r) != (uint64_t)d->phrases)
            r->bad = 1;
        free(name);
        size_t ncells = get_n(r, (uint64_t)(r->end - r->p));
        for (size_t c = 0; c < ncells && !r->bad; c++)
            get_cell(r, a, d, ref, nids);
    }
    /* drop the load's own references: ids are now held by their users */
    for (size_t i = 0; ref && i < nids; i++)
        if (--a->ids[ref[i]].refs == 0) {
            r->bad = 1;     /* an id no example uses: not canonical */
            free(a->ids[ref[i]].id);
            a->ids[ref[i]].id = NULL;
        }
    free(ref);
}

auditp *auditp_load_bytes(const char *p, size_t n, auditp_progress *pr, const char *source,
                          slant_error *err)
{
    slantp_error_clear(err);
    auditp_progress scratch;
    if (!pr)
        pr = &scratch;
    memset(pr, 0, sizeof *pr);
    if (n < 12 || memcmp(p, MAGIC, 8) != 0)
        return slantp_error(err, SLANT_EFORMAT, source, -1, -1, "not an audit partial file"), NULL;
    const unsigned char *u = (const unsigned char *)p + n - 4;
    uint32_t crc = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    if (crc != slantp_crc32(p, n - 4))
        return slantp_error(err, SLANT_EFORMAT, source, -1, -1,
                            "checksum mismatch (a truncated or damaged partial file)"), NULL;
    rd r = {(const unsigned char *)p + 8, (const unsigned char *)p, u, 0};
    if (get_u(&r) != FORMAT)
        return slantp_error(err, SLANT_EVERSION, source, -1, -1,
                            "partial file format is not %d", FORMAT), NULL;
    auditp_spec spec;
    auditp *a = NULL;
    if (get_spec(&r, &spec) < 0 || !(a = auditp_new(&spec))) {
        auditp_spec_release(&spec);
        return slantp_error(err, r.bad ? SLANT_EFORMAT : SLANT_ENOMEM, source, -1, -1,
                            r.bad ? "malformed partial file" : "out of memory"), NULL;
    }
    get_progress(&r, pr);
    if (!r.bad)
        get_body(&r, a);
    if (r.bad || r.p != r.end) {
        slantp_error(err, SLANT_EFORMAT, source, -1, (long)(r.p - r.start), "malformed partial file");
        auditp_free(a);
        auditp_progress_release(pr);
        return NULL;
    }
    if (pr == &scratch)
        auditp_progress_release(pr);
    return a;
}

auditp *auditp_load(const char *path, auditp_progress *pr, slant_error *err)
{
    slantp_error_clear(err);
    slantp_buf b = {0};
    if (slantp_read_file(path, (size_t)1 << 40, &b, err) != SLANT_OK)
        return NULL;
    auditp *a = auditp_load_bytes(b.data, b.len, pr, path, err);
    slantp_buf_release(&b);
    return a;
}
