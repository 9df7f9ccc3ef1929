/* audit.c - the aggregate of a bulk audit: groups (cells) of documents by
 * each grouping (dimension), their counts, label sums and phrase counts.
 *
 * One thread at a time touches an aggregate (each worker has its own, see
 * auditp_run.c). Every quantity is an
 * integer sum or a minimum by (hash, text), both independent of the order
 * documents arrive in, which is what makes a merge of shards equal to one
 * run. Memory grows with groups and the phrases they use, never with the
 * number of documents: document ids are kept only while some group or
 * phrase has them as its example (reference counted).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "audit.h"

/* ======================================================== specs */

static char *dupstr(const char *s)
{
    return s ? slantp_strndup(s, strlen(s)) : NULL;
}

int auditp_spec_init(auditp_spec *s, const slant_model *m, uint64_t model_sum,
                    const char *const *by, size_t nby, const char *time_field,
                    enum auditp_unit unit)
{
    memset(s, 0, sizeof *s);
    if (nby > AUDIT_MAX_BY)
        return -1;
    s->nby = nby;
    for (size_t i = 0; i < nby; i++)
        if (!(s->by[i] = dupstr(by[i])))
            goto fail;
    if (time_field && !(s->time_field = dupstr(time_field)))
        goto fail;
    s->unit = time_field ? unit : AUDIT_NONE;
    s->model_sum = model_sum;
    s->nfeatures = slant_model_nfeatures(m);
    s->nheads = slant_model_nheads(m);
    s->head = calloc(s->nheads + 1, sizeof *s->head);
    s->multilabel = calloc(s->nheads + 1, sizeof *s->multilabel);
    s->first = calloc(s->nheads + 1, sizeof *s->first);
    s->nlabels = calloc(s->nheads + 1, sizeof *s->nlabels);
    if (!s->head || !s->multilabel || !s->first || !s->nlabels)
        goto fail;
    for (size_t h = 0; h < s->nheads; h++) {
        s->first[h] = s->nlabels_total;
        s->nlabels[h] = slant_model_nlabels(m, h);
        s->multilabel[h] = slant_model_head_multilabel(m, h);
        s->nlabels_total += s->nlabels[h];
        if (!(s->head[h] = dupstr(slant_model_head_name(m, h))))
            goto fail;
    }
    s->label = calloc(s->nlabels_total + 1, sizeof *s->label);
    if (!s->label)
        goto fail;
    for (size_t h = 0; h < s->nheads; h++)
        for (size_t l = 0; l < s->nlabels[h]; l++)
            if (!(s->label[s->first[h] + l] = dupstr(slant_model_label(m, h, l))))
                goto fail;
    return 0;
fail:
    auditp_spec_release(s);
    return -1;
}

void auditp_spec_release(auditp_spec *s)
{
    for (size_t i = 0; i < s->nby; i++)
        free(s->by[i]);
    free(s->time_field);
    for (size_t h = 0; s->head && h < s->nheads; h++)
        free(s->head[h]);
    for (size_t l = 0; s->label && l < s->nlabels_total; l++)
        free(s->label[l]);
    free(s->head);
    free(s->multilabel);
    free(s->first);
    free(s->nlabels);
    free(s->label);
    memset(s, 0, sizeof *s);
}

static int streq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int auditp_spec_equal(const auditp_spec *a, const auditp_spec *b)
{
    if (a->nby != b->nby || !streq(a->time_field, b->time_field) || a->unit != b->unit ||
        a->model_sum != b->model_sum || a->nheads != b->nheads ||
        a->nlabels_total != b->nlabels_total || a->nfeatures != b->nfeatures)
        return 0;
    for (size_t i = 0; i < a->nby; i++)
        if (!streq(a->by[i], b->by[i]))
            return 0;
    for (size_t h = 0; h < a->nheads; h++)
        if (!streq(a->head[h], b->head[h]) || a->nlabels[h] != b->nlabels[h] ||
            a->multilabel[h] != b->multilabel[h])
            return 0;
    for (size_t l = 0; l < a->nlabels_total; l++)
        if (!streq(a->label[l], b->label[l]))
            return 0;
    return 1;
}

static const char *const unit_names[] = {"none", "day", "week", "month", "year"};

const char *auditp_unit_name(enum auditp_unit u) { return unit_names[u]; }

enum auditp_unit auditp_unit_parse(const char *s)
{
    for (int u = AUDIT_DAY; u <= AUDIT_YEAR; u++)
        if (strcmp(s, unit_names[u]) == 0)
            return (enum auditp_unit)u;
    return AUDIT_NONE;
}

/* ======================================================== document ids */

uint64_t auditp_id_hash(const char *id, size_t len)
{
    return slantp_hash_bytes(id, len);
}

/* (hash, text) order: the smaller one is the example */
static int ids_before(const auditp_id *a, const auditp_id *b)
{
    return a->hash != b->hash ? a->hash < b->hash : strcmp(a->id, b->id) < 0;
}

static int id_less(uint64_t ha, const char *a, size_t alen, uint64_t hb, const char *b)
{
    if (ha != hb)
        return ha < hb;
    size_t blen = strlen(b);
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c < 0 || (c == 0 && alen < blen);
}

/* Rebuild the id index from the live ids: freed ids leave stale entries
 * behind (lookups skip them), which a rebuild drops. */
static int ids_rehash(auditp *a)
{
    size_t cap = 64;
    while (cap < 4 * (a->ids_live + 1))
        cap *= 2;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < a->nids; i++) {
        if (!a->ids[i].refs)
            continue;
        size_t k = a->ids[i].hash & (cap - 1);
        while (ix[k])
            k = (k + 1) & (cap - 1);
        ix[k] = (uint32_t)i + 1;
    }
    free(a->ids_index);
    a->ids_index = ix;
    a->ids_index_cap = cap;
    a->ids_index_used = a->ids_live;
    return 0;
}

/* A new reference to the id (interned); UINT32_MAX when out of memory. */
uint32_t auditp_id_ref(auditp *a, uint64_t hash, const char *id, size_t len)
{
    if (2 * (a->ids_index_used + 1) > a->ids_index_cap && ids_rehash(a) < 0)
        return UINT32_MAX;
    size_t k = hash & (a->ids_index_cap - 1);
    for (; a->ids_index[k]; k = (k + 1) & (a->ids_index_cap - 1)) {
        auditp_id *e = &a->ids[a->ids_index[k] - 1];
        if (e->refs && e->hash == hash && strlen(e->id) == len && memcmp(e->id, id, len) == 0) {
            e->refs++;
            return a->ids_index[k] - 1;
        }
    }
    char *copy = slantp_strndup(id, len);
    if (!copy)
        return UINT32_MAX;
    uint32_t slot;
    if (a->ids_free) {
        slot = a->ids_free - 1;
        a->ids_free = (uint32_t)(uintptr_t)a->ids[slot].id;  /* the free list's next */
    } else {
        if (slantp_grow(&a->ids, &a->ids_cap, a->nids + 1, sizeof *a->ids) < 0) {
            free(copy);
            return UINT32_MAX;
        }
        slot = (uint32_t)a->nids++;
    }
    a->ids[slot] = (auditp_id){hash, copy, 1};
    a->ids_index[k] = slot + 1;
    a->ids_index_used++;
    a->ids_live++;
    return slot;
}

static void id_unref(auditp *a, uint32_t ref)
{
    auditp_id *e = &a->ids[ref];
    if (--e->refs)
        return;
    free(e->id);
    e->id = (char *)(uintptr_t)a->ids_free;
    a->ids_free = ref + 1;
    a->ids_live--;
}

/* ======================================================== cells */

static void cell_free(auditp_cell *c)
{
    if (!c)
        return;
    free(c->key);
    free(c->npred);
    free(c->sum_p);
    free(c->sum_p2);
    free(c->nnolabel);
    free(c->tab);
    free(c);
}

static auditp_cell *cell_new(const auditp_spec *s, const char *key, size_t len)
{
    auditp_cell *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t L = s->nlabels_total + 1;
    c->key = slantp_strndup(key, len);
    c->npred = calloc(L, sizeof *c->npred);
    c->sum_p = calloc(L, sizeof *c->sum_p);
    c->sum_p2 = calloc(L, sizeof *c->sum_p2);
    c->nnolabel = calloc(s->nheads + 1, sizeof *c->nnolabel);
    c->nfeatures = s->nfeatures;
    if (!c->key || !c->npred || !c->sum_p || !c->sum_p2 || !c->nnolabel) {
        cell_free(c);
        return NULL;
    }
    return c;
}

static int dim_reindex(auditp_dim *d, size_t cap)
{
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < d->ncells; i++) {
        const char *k = d->cells[i]->key;
        size_t j = slantp_hash_bytes(k, strlen(k)) & (cap - 1);
        while (ix[j])
            j = (j + 1) & (cap - 1);
        ix[j] = (uint32_t)i + 1;
    }
    free(d->index);
    d->index = ix;
    d->index_cap = cap;
    return 0;
}

/* The cell of 'key' in d, made if new; NULL when out of memory. */
auditp_cell *auditp_dim_cell(auditp_dim *d, const auditp_spec *s, const char *key, size_t len)
{
    if (d->index_cap < 2 * (d->ncells + 1) && dim_reindex(d, d->index_cap ? 2 * d->index_cap : 16) < 0)
        return NULL;
    size_t j = slantp_hash_bytes(key, len) & (d->index_cap - 1);
    for (; d->index[j]; j = (j + 1) & (d->index_cap - 1)) {
        auditp_cell *c = d->cells[d->index[j] - 1];
        if (strlen(c->key) == len && memcmp(c->key, key, len) == 0)
            return c;
    }
    if (slantp_grow(&d->cells, &d->cells_cap, d->ncells + 1, sizeof *d->cells) < 0)
        return NULL;
    auditp_cell *c = cell_new(s, key, len);
    if (!c)
        return NULL;
    d->cells[d->ncells++] = c;
    d->index[j] = (uint32_t)d->ncells;
    return c;
}

/* The size c's table takes for n entries at most three quarters full: a
 * power of two, or the direct table when that is no smaller. */
static size_t tab_size_for(const auditp_cell *c, size_t n)
{
    size_t cap = c->tab_cap ? c->tab_cap : 256;
    while (4 * (n + 1) > 3 * cap)
        cap *= 2;
    return cap >= c->nfeatures ? c->nfeatures : cap;
}

/* Move c's entries into a table of cap slots (direct when cap is
 * nfeatures). */
static int tab_resize(auditp_cell *c, size_t cap)
{
    int direct = cap == c->nfeatures;
    auditp_entry *t = malloc((cap ? cap : 1) * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t[i].fid = UINT32_MAX;
    for (size_t i = 0; i < c->tab_cap; i++) {
        if (c->tab[i].fid == UINT32_MAX)
            continue;
        size_t k = direct ? c->tab[i].fid : slantp_hash_u64(c->tab[i].fid) & (cap - 1);
        while (t[k].fid != UINT32_MAX)
            k = (k + 1) & (cap - 1);
        t[k] = c->tab[i];
    }
    free(c->tab);
    c->tab = t;
    c->tab_cap = cap;
    c->direct = direct;
    return 0;
}

/* The entry of fid in c, made (count 0, no example) if new. */
/* Offer the example (hash, id) to a bounded list sorted by (hash, id). */
static int examples_offer(auditp *a, uint32_t *ex, size_t *nex, size_t max, uint64_t hash,
                          const char *id, size_t len, uint32_t *ref)
{
    size_t pos = *nex;
    while (pos > 0 && id_less(hash, id, len, a->ids[ex[pos - 1]].hash, a->ids[ex[pos - 1]].id))
        pos--;
    if (pos >= max)
        return 0;
    if (pos > 0 && a->ids[ex[pos - 1]].hash == hash && strlen(a->ids[ex[pos - 1]].id) == len &&
        memcmp(a->ids[ex[pos - 1]].id, id, len) == 0)
        return 0;   /* the same id again */
    if (*ref == UINT32_MAX && (*ref = auditp_id_ref(a, hash, id, len)) == UINT32_MAX)
        return -1;
    if (*nex == max)
        id_unref(a, ex[--*nex]);
    memmove(ex + pos + 1, ex + pos, (*nex - pos) * sizeof *ex);
    ex[pos] = *ref;
    a->ids[*ref].refs++;
    (*nex)++;
    return 0;
}

/* ======================================================== aggregates */

static int add_dim(auditp *a, const char *name, enum auditp_dim_kind kind, size_t field,
                   int phrases)
{
    auditp_dim *d = &a->dims[a->ndims];
    memset(d, 0, sizeof *d);
    d->name = dupstr(name);
    d->kind = kind;
    d->field = field;
    d->phrases = phrases;
    if (!d->name)
        return -1;
    a->ndims++;
    return 0;
}

/* The dimensions of a spec: all; each --by field; the time; each --by
 * field by time; the predicted label of each single-label head. Phrases
 * are counted for the --by fields. */
static int make_dims(auditp *a)
{
    const auditp_spec *s = &a->spec;
    a->dims = calloc(2 + 2 * s->nby + s->nheads, sizeof *a->dims);
    if (!a->dims)
        return -1;
    char name[512];
    int bad = add_dim(a, "all", AUDIT_DIM_ALL, 0, 0);
    for (size_t i = 0; i < s->nby && !bad; i++)
        bad = add_dim(a, s->by[i], AUDIT_DIM_BY, i, 1);
    if (s->time_field && !bad) {
        snprintf(name, sizeof name, "%s:%s", s->time_field, auditp_unit_name(s->unit));
        bad = add_dim(a, name, AUDIT_DIM_TIME, 0, 0);
        for (size_t i = 0; i < s->nby && !bad; i++) {
            snprintf(name, sizeof name, "%s x %s:%s", s->by[i], s->time_field,
                     auditp_unit_name(s->unit));
            bad = add_dim(a, name, AUDIT_DIM_CROSS, i, 0);
        }
    }
    for (size_t h = 0; h < s->nheads && !bad; h++) {
        if (s->multilabel[h])
            continue;
        snprintf(name, sizeof name, "predicted %s", s->head[h]);
        /* no phrases: the model's own weights already say which phrases
         * make each prediction, and counting them would double the cost
         * of aggregating */
        bad = add_dim(a, name, AUDIT_DIM_PRED, h, 0);
    }
    return bad;
}

auditp *auditp_new(auditp_spec *spec)
{
    auditp *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->spec = *spec;
    memset(spec, 0, sizeof *spec);
    size_t nf = a->spec.nfeatures + 1;
    a->surface = malloc(nf * sizeof *a->surface);
    a->surface_bar = malloc(nf * sizeof *a->surface_bar);
    a->surface_room = calloc(nf, sizeof *a->surface_room);
    if (!a->surface || !a->surface_bar || !a->surface_room || make_dims(a) < 0) {
        auditp_free(a);
        return NULL;
    }
    for (size_t f = 0; f < nf; f++) {
        a->surface[f] = (auditp_surface){UINT64_MAX, NULL};
        atomic_init(&a->surface_bar[f].v, UINT32_MAX);
    }
    return a;
}

/* A deep copy of a spec; -1 when out of memory (then *d is released). */
static int spec_copy(auditp_spec *d, const auditp_spec *s)
{
    memset(d, 0, sizeof *d);
    d->nby = s->nby;
    d->unit = s->unit;
    d->model_sum = s->model_sum;
    d->nheads = s->nheads;
    d->nlabels_total = s->nlabels_total;
    d->nfeatures = s->nfeatures;
    int bad = 0;
    for (size_t i = 0; i < s->nby; i++)
        bad |= !(d->by[i] = dupstr(s->by[i]));
    bad |= s->time_field && !(d->time_field = dupstr(s->time_field));
    d->head = calloc(s->nheads + 1, sizeof *d->head);
    d->multilabel = calloc(s->nheads + 1, sizeof *d->multilabel);
    d->first = calloc(s->nheads + 1, sizeof *d->first);
    d->nlabels = calloc(s->nheads + 1, sizeof *d->nlabels);
    d->label = calloc(s->nlabels_total + 1, sizeof *d->label);
    bad |= !d->head || !d->multilabel || !d->first || !d->nlabels || !d->label;
    for (size_t h = 0; !bad && h < s->nheads; h++) {
        bad |= !(d->head[h] = dupstr(s->head[h]));
        d->multilabel[h] = s->multilabel[h];
        d->first[h] = s->first[h];
        d->nlabels[h] = s->nlabels[h];
    }
    for (size_t l = 0; !bad && l < s->nlabels_total; l++)
        bad |= !(d->label[l] = dupstr(s->label[l]));
    if (bad)
        auditp_spec_release(d);
    return bad ? -1 : 0;
}

auditp *auditp_new_like(const auditp *a)
{
    auditp_spec spec;
    if (spec_copy(&spec, &a->spec) < 0)
        return NULL;
    auditp *b = auditp_new(&spec);
    if (!b) {
        auditp_spec_release(&spec);
        return NULL;
    }
    auditp_copy_bars(b, a);
    return b;
}

void auditp_copy_bars(auditp *dst, const auditp *src)
{
    for (size_t f = 0; f <= src->spec.nfeatures; f++)
        atomic_store_explicit(&dst->surface_bar[f].v,
                              atomic_load_explicit(&src->surface_bar[f].v, memory_order_relaxed),
                              memory_order_relaxed);
}

int auditp_use_model(auditp *a, const slant_model *m)
{
    size_t nf = slant_model_nfeatures(m);
    if (nf != a->spec.nfeatures)
        return -1;
    for (size_t f = 0; f < nf; f++)
        if (slant_model_feature_style(m, f))
            atomic_store(&a->surface_bar[f].v, 0);
    return 0;
}

void auditp_free(auditp *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ndims; i++) {
        for (size_t c = 0; c < a->dims[i].ncells; c++)
            cell_free(a->dims[i].cells[c]);
        free(a->dims[i].cells);
        free(a->dims[i].index);
        free(a->dims[i].name);
    }
    free(a->dims);
    for (size_t i = 0; i < a->nfail; i++)
        free(a->fail[i].text);
    if (a->surface)
        for (size_t f = 0; f <= a->spec.nfeatures; f++)
            free(a->surface[f].text);
    free(a->surface);
    free(a->surface_bar);
    free(a->surface_room);
    for (size_t i = 0; i < a->nids; i++)
        if (a->ids[i].refs)
            free(a->ids[i].id);
    free(a->ids);
    free(a->ids_index);
    slantp_buf_release(&a->key);
    auditp_spec_release(&a->spec);
    free(a);
}

/* The key of document d in dimension 'dim' into buf; 0 and *len when the
 * document belongs to no cell of it (never: missing values have a group). */
static const char *doc_key(const auditp *a, const auditp_dim *dim, const auditp_doc *d,
                           slantp_buf *buf, size_t *len)
{
    const char *k = NULL;
    size_t n = 0;
    switch (dim->kind) {
    case AUDIT_DIM_ALL:
        k = "all", n = 3;
        break;
    case AUDIT_DIM_BY:
    case AUDIT_DIM_CROSS:
        k = d->key[dim->field] ? d->key[dim->field] : AUDIT_MISSING;
        n = d->key[dim->field] ? d->key_len[dim->field] : strlen(AUDIT_MISSING);
        break;
    case AUDIT_DIM_TIME:
        k = d->bucket ? d->bucket : AUDIT_UNKNOWN;
        n = d->bucket ? d->bucket_len : strlen(AUDIT_UNKNOWN);
        break;
    case AUDIT_DIM_PRED: {
        size_t h = dim->field, best = 0;
        for (size_t l = 0; l < a->spec.nlabels[h]; l++)
            if (d->pred[a->spec.first[h] + l])
                best = l;
        k = a->spec.label[a->spec.first[h] + best];
        n = strlen(k);
        break;
    }
    }
    if (dim->kind != AUDIT_DIM_CROSS) {
        *len = n;
        return k;
    }
    const char *t = d->bucket ? d->bucket : AUDIT_UNKNOWN;
    size_t tn = d->bucket ? d->bucket_len : strlen(AUDIT_UNKNOWN);
    char sep = AUDIT_SEP;
    buf->len = 0;
    if (slantp_buf_append(buf, k, n) < 0 || slantp_buf_append(buf, &sep, 1) < 0 ||
        slantp_buf_append(buf, t, tn) < 0)
        return NULL;
    *len = buf->len;
    return buf->data;
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The slot of fid in c's table: its own, or the empty one it would take.
 * The table has room (at most three quarters full). */
static auditp_entry *slot_of(auditp_cell *c, uint32_t fid)
{
    if (c->direct)
        return &c->tab[fid];
    size_t k = slantp_hash_u64(fid) & (c->tab_cap - 1);
    while (c->tab[k].fid != UINT32_MAX && c->tab[k].fid != fid)
        k = (k + 1) & (c->tab_cap - 1);
    return &c->tab[k];
}

/* The slot that slot_of(c, fid) starts from, to ask for it ahead. */
static const auditp_entry *home_of(const auditp_cell *c, uint32_t fid)
{
    return &c->tab[c->direct ? fid : slantp_hash_u64(fid) & (c->tab_cap - 1)];
}

/* Ask for an entry ahead: both its first and its last byte, as a 24-byte
 * entry straddles two cache lines one time in four, and the line not asked
 * for would be a miss on the way. */
static void prefetch_entry(const auditp_entry *e)
{
    slantp_prefetch(e);
    slantp_prefetch((const char *)e + sizeof *e - 1);
}

int auditp_cell_reserve(auditp_cell *c, size_t n)
{
    if (c->direct || (c->tab && 4 * (c->tab_n + n + 1) <= 3 * c->tab_cap))
        return 0;
    return tab_resize(c, tab_size_for(c, c->tab_n + n));
}

auditp_entry *auditp_cell_entry(auditp_cell *c, uint32_t fid)
{
    if (auditp_cell_reserve(c, 1) < 0)
        return NULL;
    auditp_entry *e = slot_of(c, fid);
    if (e->fid == UINT32_MAX) {
        *e = (auditp_entry){fid, UINT32_MAX, 0, 0, 0};
        c->tab_n++;
    }
    return e;
}

static int add_phrases(auditp *a, auditp_cell *c, const auditp_doc *d, uint32_t *ref)
{
    /* room for every phrase of the document first: then the slots can be
     * asked for ahead (tables of big groups do not fit in the caches) */
    if (auditp_cell_reserve(c, d->nfeat) < 0)
        return -1;
    enum { AHEAD = 32 };
    for (size_t i = 0; i < d->nfeat && i < AHEAD; i++)
        prefetch_entry(home_of(c, get_u32(d->feat + 8 * i)));
    for (size_t i = 0; i < d->nfeat; i++) {
        if (i + AHEAD < d->nfeat)
            prefetch_entry(home_of(c, get_u32(d->feat + 8 * (i + AHEAD))));
        uint32_t fid = get_u32(d->feat + 8 * i), count = get_u32(d->feat + 8 * i + 4);
        auditp_entry *e = slot_of(c, fid);
        if (e->fid == UINT32_MAX) {
            *e = (auditp_entry){fid, UINT32_MAX, 0, 0, 0};
            c->tab_n++;
        }
        e->count += count;
        e->ndocs++;
        c->ntokens += count;
        uint32_t top = (uint32_t)(d->hash >> 32);
        if (e->ex != UINT32_MAX &&
            (top > e->ex_top ||
             (top == e->ex_top &&
              !id_less(d->hash, d->id, d->id_len, a->ids[e->ex].hash, a->ids[e->ex].id))))
            continue;
        if (*ref == UINT32_MAX && (*ref = auditp_id_ref(a, d->hash, d->id, d->id_len)) == UINT32_MAX)
            return -1;
        if (e->ex != UINT32_MAX)
            id_unref(a, e->ex);
        e->ex = *ref;
        e->ex_top = top;
        a->ids[*ref].refs++;
    }
    return 0;
}

static void add_labels(const auditp_spec *s, auditp_cell *c, const auditp_doc *d)
{
    c->ndocs++;
    c->nabstained += (uint64_t)d->abstained;
    for (size_t l = 0; l < s->nlabels_total; l++) {
        uint64_t p = get_u32(d->prob + 4 * l);
        c->npred[l] += d->pred[l];
        c->sum_p[l] += p;
        /* the square, rounded to units of 1e-9 in integers: exact and
         * the same on every machine */
        c->sum_p2[l] += (p * p + 500000000u) / 1000000000u;
    }
    for (size_t h = 0; h < s->nheads; h++) {
        int any = 0;
        for (size_t l = 0; l < s->nlabels[h]; l++)
            any |= d->pred[s->first[h] + l];
        c->nnolabel[h] += !any;
    }
}

/* Make (hash, text) the surface of feature f: copied over the last one
 * when it fits, so that the many replacements early in a run do not each
 * free and allocate. */
static int surface_set(auditp *a, size_t f, uint64_t hash, const char *text, size_t len)
{
    auditp_surface *s = &a->surface[f];
    if (len >= a->surface_room[f]) {
        size_t room = (len + 16) & ~(size_t)15;
        char *t = room > len ? realloc(s->text, room) : NULL;
        if (!t)
            return -1;
        s->text = t;
        a->surface_room[f] = (uint32_t)room;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->hash = hash;
    atomic_store_explicit(&a->surface_bar[f].v, auditp_bar_of(hash), memory_order_relaxed);
    return 0;
}

static int add_surfaces(auditp *a, const auditp_doc *d)
{
    const unsigned char *p = d->surf;
    for (size_t i = 0; i < d->nsurf; i++) {
        uint32_t fid = get_u32(p), len = get_u32(p + 4);
        const char *text = (const char *)p + 8;
        p += 8 + len;
        auditp_surface *s = &a->surface[fid];
        if (s->text && !id_less(d->hash, text, len, s->hash, s->text))
            continue;
        if (s->text && s->hash == d->hash && strlen(s->text) == len)
            continue;
        if (len > UINT32_MAX - 16 || surface_set(a, fid, d->hash, text, len) < 0)
            return -1;
    }
    return 0;
}

int auditp_add(auditp *a, const auditp_doc *d)
{
    uint32_t ref = UINT32_MAX;     /* this document's id, interned when first needed */
    int rc = -1;
    a->nrecords++;
    a->ndocs++;
    for (size_t i = 0; i < a->ndims; i++) {
        auditp_dim *dim = &a->dims[i];
        size_t len;
        const char *k = doc_key(a, dim, d, &a->key, &len);
        auditp_cell *c = k ? auditp_dim_cell(dim, &a->spec, k, len) : NULL;
        if (!c)
            goto out;
        add_labels(&a->spec, c, d);
        if (examples_offer(a, c->ex, &c->nex, AUDIT_EXAMPLES, d->hash, d->id, d->id_len, &ref) < 0)
            goto out;
        if (dim->phrases && add_phrases(a, c, d, &ref) < 0)
            goto out;
    }
    rc = add_surfaces(a, d);
out:
    if (ref != UINT32_MAX)
        id_unref(a, ref);   /* the reference id_ref made for this call */
    return rc;
}

int auditp_add_failure(auditp *a, const char *id, const char *text)
{
    a->nrecords++;
    a->nfailed++;
    slantp_buf b = {0};
    int bad = 0;
    if (id)
        bad = slantp_buf_append(&b, id, strlen(id)) < 0 || slantp_buf_append(&b, ": ", 2) < 0;
    if (bad || slantp_buf_append(&b, text, strlen(text) + 1) < 0) {
        slantp_buf_release(&b);
        return -1;
    }
    int rc = 0;
    size_t len = b.len - 1;
    uint64_t h = auditp_id_hash(b.data, len);
    size_t pos = a->nfail;
    while (pos > 0 && id_less(h, b.data, len, a->fail[pos - 1].hash, a->fail[pos - 1].text))
        pos--;
    int dup = pos > 0 && a->fail[pos - 1].hash == h && strcmp(a->fail[pos - 1].text, b.data) == 0;
    if (pos < AUDIT_EXAMPLES && !dup) {
        if (a->nfail == AUDIT_EXAMPLES)
            free(a->fail[--a->nfail].text);
        memmove(a->fail + pos + 1, a->fail + pos, (a->nfail - pos) * sizeof *a->fail);
        a->fail[pos] = (auditp_failure){h, b.data};
        a->nfail++;
        b.data = NULL;
    }
    slantp_buf_release(&b);
    return rc;
}

/* ======================================================== merging */

static int merge_cell(auditp *dst, const auditp *src, auditp_cell *d, const auditp_cell *s)
{
    const auditp_spec *sp = &dst->spec;
    d->ndocs += s->ndocs;
    d->nabstained += s->nabstained;
    d->ntokens += s->ntokens;
    for (size_t l = 0; l < sp->nlabels_total; l++) {
        d->npred[l] += s->npred[l];
        d->sum_p[l] += s->sum_p[l];
        d->sum_p2[l] += s->sum_p2[l];
    }
    for (size_t h = 0; h < sp->nheads; h++)
        d->nnolabel[h] += s->nnolabel[h];
    for (size_t i = 0; i < s->nex; i++) {
        const auditp_id *x = &src->ids[s->ex[i]];
        uint32_t ref = UINT32_MAX;
        int rc = examples_offer(dst, d->ex, &d->nex, AUDIT_EXAMPLES, x->hash, x->id,
                                strlen(x->id), &ref);
        if (ref != UINT32_MAX)
            id_unref(dst, ref);
        if (rc < 0)
            return -1;
    }
    if (s->tab_n && auditp_cell_reserve(d, s->tab_n) < 0)
        return -1;
    enum { AHEAD = 32 };
    for (size_t i = 0; i < s->tab_cap; i++) {
        if (i + AHEAD < s->tab_cap && s->tab[i + AHEAD].fid != UINT32_MAX)
            prefetch_entry(home_of(d, s->tab[i + AHEAD].fid));
        const auditp_entry *se = &s->tab[i];
        if (se->fid == UINT32_MAX)
            continue;
        auditp_entry *de = auditp_cell_entry(d, se->fid);
        if (!de)
            return -1;
        de->count += se->count;
        de->ndocs += se->ndocs;
        /* the top bits of the hashes decide most of the time, without a
         * look at either id table */
        if (de->ex != UINT32_MAX && se->ex_top > de->ex_top)
            continue;
        const auditp_id *x = &src->ids[se->ex];
        if (de->ex != UINT32_MAX && !ids_before(x, &dst->ids[de->ex]))
            continue;
        uint32_t ref = auditp_id_ref(dst, x->hash, x->id, strlen(x->id));
        if (ref == UINT32_MAX)
            return -1;
        if (de->ex != UINT32_MAX)
            id_unref(dst, de->ex);
        de->ex = ref;
        de->ex_top = (uint32_t)(x->hash >> 32);
    }
    return 0;
}

int auditp_merge(auditp *dst, const auditp *src)
{
    if (dst->ndims != src->ndims)
        return -1;
    dst->nrecords += src->nrecords;
    dst->ndocs += src->ndocs;
    for (size_t i = 0; i < src->nfail; i++) {
        /* re-offer each sampled failure; the counts are added after */
        uint64_t nrec = dst->nrecords, nfailed = dst->nfailed;
        if (auditp_add_failure(dst, NULL, src->fail[i].text) < 0)
            return -1;
        dst->nrecords = nrec;
        dst->nfailed = nfailed;
    }
    dst->nfailed += src->nfailed;
    for (size_t i = 0; i < dst->ndims; i++) {
        auditp_dim *dd = &dst->dims[i];
        const auditp_dim *sd = &src->dims[i];
        for (size_t c = 0; c < sd->ncells; c++) {
            const char *k = sd->cells[c]->key;
            auditp_cell *dc = auditp_dim_cell(dd, &dst->spec, k, strlen(k));
            if (!dc || merge_cell(dst, src, dc, sd->cells[c]) < 0)
                return -1;
        }
    }
    for (size_t f = 0; f < dst->spec.nfeatures; f++) {
        const auditp_surface *s = &src->surface[f];
        auditp_surface *d = &dst->surface[f];
        if (!s->text)
            continue;
        size_t len = strlen(s->text);
        if ((d->text && !id_less(s->hash, s->text, len, d->hash, d->text)))
            continue;
        if (len > UINT32_MAX - 16 || surface_set(dst, f, s->hash, s->text, len) < 0)
            return -1;
    }
    return 0;
}

/* ======================================================== canonical orders */

/* Sort entries by fid: a radix sort in passes of 11 bits, as many as the
 * largest fid needs (fids are below 2^32), whose counts are cheap to
 * clear; insertion for a few. */
static void sort_by_fid(auditp_entry *v, auditp_entry *tmp, size_t n)
{
    if (n < 32) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && v[j - 1].fid > v[j].fid; j--) {
                auditp_entry t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
        return;
    }
    uint32_t max = 0;
    for (size_t i = 0; i < n; i++)
        max = v[i].fid > max ? v[i].fid : max;
    for (unsigned shift = 0; shift < 33 && (shift == 0 || max >> shift); shift += 11) {
        size_t count[2049] = {0};
        for (size_t i = 0; i < n; i++)
            count[((v[i].fid >> shift) & 0x7FF) + 1]++;
        for (size_t k = 1; k <= 2048; k++)
            count[k] += count[k - 1];
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].fid >> shift) & 0x7FF]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
}

auditp_entry *auditp_cell_sorted(const auditp_cell *c, size_t *n)
{
    auditp_entry *v = malloc((c->tab_n + 1) * sizeof *v);
    auditp_entry *tmp = malloc((c->tab_n + 1) * sizeof *tmp);
    *n = 0;
    if (!v || !tmp) {
        free(v);
        free(tmp);
        return NULL;
    }
    for (size_t i = 0; i < c->tab_cap; i++)
        if (c->tab[i].fid != UINT32_MAX)
            v[(*n)++] = c->tab[i];
    if (!c->direct)     /* a direct table is in fid order already */
        sort_by_fid(v, tmp, *n);
    free(tmp);
    return v;
}

static int by_key(const void *x, const void *y)
{
    const auditp_cell *a = *(auditp_cell *const *)x, *b = *(auditp_cell *const *)y;
    return strcmp(a->key, b->key);
}

auditp_cell **auditp_dim_sorted(const auditp_dim *d)
{
    auditp_cell **v = malloc((d->ncells + 1) * sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, d->cells, d->ncells * sizeof *v);
    qsort(v, d->ncells, sizeof *v, by_key);
    return v;
}
