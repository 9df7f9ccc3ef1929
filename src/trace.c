/* trace.c - families of copies and rewrites in a set of documents.
 *
 * Pipeline: slant_trace_add signs each document (shingle.c, on worker
 * threads) and keeps only the signature and a few fields, so a million
 * documents fit in memory; slant_trace_run then
 *   1. joins the signatures band by band (one bin per band): each band is a
 *      sort of (value, doc) keys, and documents with equal values are
 *      candidates; a pair is taken in the first band it agrees in, and only
 *      when its signatures agree in TRACEP_MIN_AGREE bins;
 *   2. verifies each candidate on the exact shingle sets (texts fetched
 *      again) and links it when the containment reaches the threshold;
 *   3. joins linked documents into families (union-find: single link),
 *      picks each family's original and relates every member to it.
 * Large buckets (a phrase common to many texts) pair each document only
 * with its next BUCKET_WINDOW neighbours, which keeps the join linear.
 */
#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "trace_private.h"

#define BUCKET_ALL 32       /* buckets up to this size pair everything */
#define BUCKET_WINDOW 8
#define SET_CACHE 64        /* shingle sets kept during verification */
#define PICK_EXACT 32       /* families up to this size choose their original exactly */
#define NAMES_SHARED 0.3    /* share of the names of the one with fewer that a link needs */

typedef struct edge {
    uint32_t a, b;
    float in_b, in_a;       /* share of a's shingles in b, of b's in a */
} edge;

struct slant_trace {
    slant_trace_options o;
    size_t n, cap;
    uint32_t *sig;          /* n x TRACEP_BINS */
    uint32_t *nsh;          /* shingles (0: no words, never a candidate) */
    uint32_t *date;         /* yyyymmdd, 0 = none */
    uint32_t *series;       /* interned series + 1, 0 = none */
    uint8_t *query;
    size_t *id_off, *text_off, *text_len;
    slantp_buf ids, texts;
    slantp_strtab series_tab;
    size_t nqueries, ncandidates;
    uint64_t *pairs;
    size_t npairs, pairs_cap;
    edge *edges;
    size_t nedges, edges_cap;
    uint32_t *parent, *family_of, *members, *fam_start, *version_of;
    size_t nfamilies;
    tracep_version *versions;
    size_t nversions;
    tracep_input *input;    /* where the documents read from files are (trace_input.c) */
    int ran;
};

/* ======================================================== options, lifecycle */

void slant_trace_options_init(slant_trace_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = 0.2;
    o->threads = 1;
}

slant_trace *slant_trace_new(const slant_trace_options *o, slant_error *err)
{
    slant_trace_options def;
    slantp_error_clear(err);
    if (!o) {
        slant_trace_options_init(&def);
        o = &def;
    }
    if (!(o->threshold > 0 && o->threshold <= 1) || o->threads < 1 || o->threads > 64) {
        slantp_error(err, SLANT_EINVAL, "", -1, -1, "threshold must be in (0, 1], threads 1-64");
        return NULL;
    }
    slant_trace *t = calloc(1, sizeof *t);
    if (!t || slantp_strtab_init(&t->series_tab, 64) < 0) {
        free(t);
        slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
        return NULL;
    }
    t->o = *o;
    return t;
}

void slant_trace_free(slant_trace *t)
{
    if (!t)
        return;
    free(t->sig);
    free(t->nsh);
    free(t->date);
    free(t->series);
    free(t->query);
    free(t->id_off);
    free(t->text_off);
    free(t->text_len);
    slantp_buf_release(&t->ids);
    slantp_buf_release(&t->texts);
    slantp_strtab_release(&t->series_tab);
    free(t->pairs);
    free(t->edges);
    free(t->parent);
    free(t->family_of);
    free(t->members);
    free(t->fam_start);
    free(t->version_of);
    for (size_t i = 0; i < t->nversions; i++)
        tracep_version_release(&t->versions[i]);
    free(t->versions);
    tracep_input_free(t->input);
    free(t);
}

tracep_input **tracep_trace_input(slant_trace *t)
{
    return &t->input;
}

/* ======================================================== adding documents */

static int grow_docs(slant_trace *t, size_t need)
{
    if (need <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < need)
        cap *= 2;
#define GROW(field, count)                                                   \
    do {                                                                     \
        void *p_ = realloc(t->field, (count) * sizeof *t->field);            \
        if (!p_)                                                             \
            return -1;                                                       \
        t->field = p_;                                                       \
    } while (0)
    GROW(sig, cap * TRACEP_BINS);
    GROW(nsh, cap);
    GROW(date, cap);
    GROW(series, cap);
    GROW(query, cap);
    GROW(id_off, cap);
    GROW(text_off, cap);
    GROW(text_len, cap);
#undef GROW
    t->cap = cap;
    return 0;
}

/* "2024-03-01..." -> 20240301; anything else -> 0. */
static uint32_t parse_date(const char *s)
{
    if (!s)
        return 0;
    uint32_t v[3] = {0, 0, 0};
    const int width[3] = {4, 2, 2};
    for (int part = 0; part < 3; part++) {
        for (int i = 0; i < width[part]; i++, s++) {
            if (*s < '0' || *s > '9')
                return part == 0 ? 0 : v[0] * 10000 + v[1] * 100 + v[2];
            v[part] = v[part] * 10 + (uint32_t)(*s - '0');
        }
        if (part < 2 && *s != '-')
            return v[0] * 10000 + v[1] * 100 + v[2];
        if (part < 2)
            s++;
    }
    return v[0] * 10000 + v[1] * 100 + v[2];
}

typedef struct sign_job {
    slant_trace *t;
    const slant_trace_doc *docs;
    size_t first, n, step;  /* docs first, first+step, ... */
    int failed;
} sign_job;

static void *sign_worker(void *arg)
{
    sign_job *j = arg;
    tracep_words w = {0};
    uint64_t *set = NULL;
    size_t cap = 0;
    for (size_t i = j->first; i < j->n; i += j->step) {
        size_t doc = j->t->n + i;
        size_t ns = (size_t)-1;
        if (tracep_words_of(&w, j->docs[i].text, j->docs[i].len) == 0)
            ns = tracep_shingles(&w, &set, &cap);
        if (ns == (size_t)-1) {
            j->failed = 1;
            break;
        }
        tracep_minhash(set, ns, j->t->sig + doc * TRACEP_BINS);
        j->t->nsh[doc] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
    }
    free(set);
    tracep_words_release(&w);
    return NULL;
}

static int sign_all(slant_trace *t, const slant_trace_doc *docs, size_t n)
{
    int nt = t->o.threads;
    if ((size_t)nt > n)
        nt = n ? (int)n : 1;
    sign_job jobs[SLANT_MAX_THREADS];
    unsigned char started[SLANT_MAX_THREADS] = {0};
    slantp_threads helpers = {.n = 0};
    int failed = 0;
    if (nt > SLANT_MAX_THREADS)
        nt = SLANT_MAX_THREADS;
    for (int k = 0; k < nt; k++) {
        jobs[k] = (sign_job){t, docs, (size_t)k, n, (size_t)nt, 0};
        if (k > 0)
            started[k] = slantp_thread_start(&helpers, sign_worker, &jobs[k], 0) == 0;
    }
    /* a share whose thread could not start is signed here */
    for (int k = 0; k < nt; k++)
        if (!started[k])
            sign_worker(&jobs[k]);
    slantp_threads_join(&helpers);
    for (int k = 0; k < nt; k++)
        failed |= jobs[k].failed;
    return failed ? -1 : 0;
}

#define TEXT_NOT_KEPT SIZE_MAX

static int keep_fields(slant_trace *t, const slant_trace_doc *d, size_t doc, int keep_text)
{
    t->id_off[doc] = t->ids.len;
    if (slantp_buf_append(&t->ids, d->id, strlen(d->id) + 1) < 0)
        return -1;
    t->date[doc] = parse_date(d->date);
    t->series[doc] = 0;
    if (d->series && *d->series) {
        long s = slantp_strtab_intern(&t->series_tab, d->series, strlen(d->series));
        if (s < 0)
            return -1;
        t->series[doc] = (uint32_t)s + 1;
    }
    t->query[doc] = d->query != 0;
    t->nqueries += d->query != 0;
    t->text_off[doc] = keep_text ? t->texts.len : TEXT_NOT_KEPT;
    t->text_len[doc] = d->len;
    if (keep_text && slantp_buf_append(&t->texts, d->text, d->len) < 0)
        return -1;
    return 0;
}

int slant_trace_add(slant_trace *t, const slant_trace_doc *docs, size_t n, slant_error *err)
{
    return tracep_add(t, docs, n, NULL, err);
}

int tracep_add(slant_trace *t, const slant_trace_doc *docs, size_t n, const unsigned char *keep,
               slant_error *err)
{
    slantp_error_clear(err);
    if (t->ran)
        return slantp_error(err, SLANT_EINVAL, "", -1, -1, "documents added after the run");
    for (size_t i = 0; i < n; i++)
        if (!docs[i].id || (!docs[i].text && docs[i].len))
            return slantp_error(err, SLANT_EINVAL, "", -1, -1, "document %zu has no id or text", i);
    if (t->n + n > UINT32_MAX - 1)
        return slantp_error(err, SLANT_EINVAL, "", -1, -1, "more than 4294967294 documents");
    if (grow_docs(t, t->n + n) < 0)
        return slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (keep_fields(t, &docs[i], t->n + i, keep ? keep[i] : !t->o.fetch) < 0)
            return slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    if (sign_all(t, docs, n) < 0)
        return slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    t->n += n;
    return SLANT_OK;
}

/* ======================================================== band join */

typedef struct join_job {
    const slant_trace *t;
    size_t band_first, band_step;
    uint64_t *keys, *tmp;
    uint64_t *pairs;
    size_t npairs, cap;
    size_t found;           /* candidate pairs seen (before the bin filter) */
    int failed;
} join_job;

/* LSD radix sort of keys on their top 32 bits; stable, so documents stay
 * in index order within a value. */
static void radix_sort_hi(uint64_t *keys, uint64_t *tmp, size_t n)
{
    for (int shift = 32; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((keys[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(keys[i] >> shift) & 0xff]++] = keys[i];
        memcpy(keys, tmp, n * sizeof *keys);
    }
}

/* Consider documents a < b, found together in 'band'. */
static void consider(join_job *j, uint32_t a, uint32_t b, size_t band)
{
    const slant_trace *t = j->t;
    if (t->nqueries && !t->query[a] && !t->query[b])
        return;
    if (t->o.split_series && t->series[a] && t->series[a] == t->series[b])
        return;
    const uint32_t *sa = t->sig + (size_t)a * TRACEP_BINS, *sb = t->sig + (size_t)b * TRACEP_BINS;
    for (size_t k = 0; k < band; k++)
        if (sa[k] == sb[k])
            return;            /* taken in an earlier band */
    j->found++;
    int agree = 0;
    for (size_t k = 0; k < TRACEP_BINS; k++)
        agree += sa[k] == sb[k];
    if (agree < TRACEP_MIN_AGREE)
        return;
    if (slantp_grow(&j->pairs, &j->cap, j->npairs + 1, sizeof *j->pairs) < 0) {
        j->failed = 1;
        return;
    }
    j->pairs[j->npairs++] = (uint64_t)a << 32 | b;
}

static void join_band(join_job *j, size_t band)
{
    const slant_trace *t = j->t;
    size_t n = 0;
    for (size_t d = 0; d < t->n; d++)
        if (t->nsh[d])
            j->keys[n++] = (uint64_t)t->sig[d * TRACEP_BINS + band] << 32 | d;
    radix_sort_hi(j->keys, j->tmp, n);
    for (size_t s = 0, e; s < n; s = e) {
        e = s + 1;
        while (e < n && j->keys[e] >> 32 == j->keys[s] >> 32)
            e++;
        size_t width = e - s <= BUCKET_ALL ? e - s : BUCKET_WINDOW + 1;
        for (size_t i = s; i < e; i++)
            for (size_t k = i + 1; k < e && k < i + width; k++)
                consider(j, (uint32_t)j->keys[i], (uint32_t)j->keys[k], band);
    }
}

static void *join_worker(void *arg)
{
    join_job *j = arg;
    for (size_t b = j->band_first; b < TRACEP_BINS && !j->failed; b += j->band_step)
        join_band(j, b);
    return NULL;
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int join_all(slant_trace *t)
{
    int nt = t->o.threads, failed = 0;
    join_job jobs[64];
    pthread_t th[64];
    unsigned char started[64] = {0};
    memset(jobs, 0, sizeof jobs);
    for (int k = 0; k < nt; k++) {
        jobs[k] = (join_job){.t = t, .band_first = (size_t)k, .band_step = (size_t)nt};
        jobs[k].keys = malloc((t->n ? t->n : 1) * sizeof(uint64_t));
        jobs[k].tmp = malloc((t->n ? t->n : 1) * sizeof(uint64_t));
        if (!jobs[k].keys || !jobs[k].tmp)
            jobs[k].failed = 1;
        else if (k > 0)
            started[k] = pthread_create(&th[k], NULL, join_worker, &jobs[k]) == 0;
    }
    for (int k = 0; k < nt; k++)
        if (!started[k] && !jobs[k].failed)
            join_worker(&jobs[k]);
    for (int k = 0; k < nt; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        free(jobs[k].keys);
        free(jobs[k].tmp);
        failed |= jobs[k].failed;
        t->ncandidates += jobs[k].found;
        if (!failed && slantp_grow(&t->pairs, &t->pairs_cap, t->npairs + jobs[k].npairs,
                                   sizeof *t->pairs) == 0) {
            if (jobs[k].npairs)
                memcpy(t->pairs + t->npairs, jobs[k].pairs, jobs[k].npairs * sizeof *t->pairs);
            t->npairs += jobs[k].npairs;
        } else {
            failed = 1;
        }
        free(jobs[k].pairs);
    }
    if (!failed && t->npairs)
        qsort(t->pairs, t->npairs, sizeof *t->pairs, by_u64);
    return failed ? -1 : 0;
}

/* ======================================================== verification */

/* A document's text: read again from its file, kept, or asked of the
 * caller's fetch. */
static int text_of(const slant_trace *t, size_t doc, const char **p, size_t *len)
{
    int placed = t->input ? tracep_input_text(t->input, doc, t->text_len[doc], p, len) : 0;
    if (placed != 0)
        return placed > 0 ? 0 : -1;
    if (t->text_off[doc] != TEXT_NOT_KEPT) {
        *p = t->texts.data ? t->texts.data + t->text_off[doc] : "";
        *len = t->text_len[doc];
        return 0;
    }
    return t->o.fetch ? t->o.fetch(t->o.fetch_ctx, doc, p, len) : -1;
}

int slant_trace_text(const slant_trace *t, size_t doc, const char **text, size_t *len,
                     slant_error *err)
{
    slantp_error_clear(err);
    if (doc >= t->n)
        return slantp_error(err, SLANT_EINVAL, "", -1, -1, "no document %zu", doc);
    if (text_of(t, doc, text, len) == 0)
        return SLANT_OK;
    if (t->input && tracep_input_error(t->input, err))
        return err->code;
    return slantp_error(err, SLANT_EIO, "", -1, -1, "the text of '%s' could not be read again",
                        slant_trace_id(t, doc));
}

typedef struct shingles {
    uint32_t doc1;          /* doc + 1, 0 = empty */
    uint64_t *v;            /* shingles, sorted */
    size_t n, cap;
    uint64_t *names;        /* names and numbers, sorted, distinct */
    size_t nnames, names_cap;
} shingles;

/* The distinct hashes of a text's names and numbers, sorted. */
static int names_of(const tracep_words *w, shingles *s)
{
    if (slantp_grow(&s->names, &s->names_cap, w->n + 1, sizeof *s->names) < 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->flags[i] & (TRACEP_W_NAME | TRACEP_W_NUMBER))
            s->names[k++] = w->h[i];
    qsort(s->names, k, sizeof *s->names, by_u64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || s->names[i] != s->names[u - 1])
            s->names[u++] = s->names[i];
    s->nnames = u;
    return 0;
}

static void shingles_release(shingles *s)
{
    free(s->v);
    free(s->names);
}

static int load_set(const slant_trace *t, size_t doc, tracep_words *w, shingles *s)
{
    const char *p;
    size_t len;
    if (s->doc1 == doc + 1)
        return 0;
    s->doc1 = 0;
    if (text_of(t, doc, &p, &len) < 0)
        return -2;
    if (tracep_words_of(w, p, len) < 0)
        return -1;
    size_t n = tracep_shingle_set(w, &s->v, &s->cap);
    if (n == (size_t)-1 || names_of(w, s) < 0)
        return -1;
    s->n = n;
    s->doc1 = (uint32_t)doc + 1;
    return 0;
}

/* Do two texts share enough of their names and numbers to be about the
 * same story? Texts that share only boilerplate (a rewriter's template, a
 * site's furniture) do not. */
static int same_names(const shingles *a, const shingles *b)
{
    size_t smaller = a->nnames < b->nnames ? a->nnames : b->nnames;
    if (smaller == 0)
        return 1;
    size_t shared = tracep_intersect(a->names, a->nnames, b->names, b->nnames);
    return (double)shared >= NAMES_SHARED * (double)smaller;
}

static int add_edge(slant_trace *t, uint32_t a, uint32_t b, float in_b, float in_a)
{
    if (slantp_grow(&t->edges, &t->edges_cap, t->nedges + 1, sizeof *t->edges) < 0)
        return -1;
    t->edges[t->nedges++] = (edge){a, b, in_b, in_a};
    return 0;
}

/* Link each candidate pair whose exact containment reaches the threshold.
 * Returns 0, -1 on memory, -2 when a text could not be fetched. */
static int verify(slant_trace *t)
{
    shingles cur = {0}, *cache = calloc(SET_CACHE, sizeof *cache);
    tracep_words w = {0};
    int rc = cache ? 0 : -1;
    for (size_t i = 0; i < t->npairs && rc == 0; i++) {
        uint32_t a = (uint32_t)(t->pairs[i] >> 32), b = (uint32_t)t->pairs[i];
        shingles *sb = &cache[b % SET_CACHE];
        if ((rc = load_set(t, a, &w, &cur)) < 0 || (rc = load_set(t, b, &w, sb)) < 0)
            break;
        if (!cur.n || !sb->n)
            continue;
        size_t shared = tracep_intersect(cur.v, cur.n, sb->v, sb->n);
        double in_b = (double)shared / (double)cur.n, in_a = (double)shared / (double)sb->n;
        if ((in_b > in_a ? in_b : in_a) < t->o.threshold || !same_names(&cur, sb))
            continue;
        if (add_edge(t, a, b, (float)in_b, (float)in_a) < 0)
            rc = -1;
    }
    for (size_t k = 0; cache && k < SET_CACHE; k++)
        shingles_release(&cache[k]);
    free(cache);
    shingles_release(&cur);
    tracep_words_release(&w);
    return rc;
}

/* ======================================================== families */

static uint32_t find_root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Is d a likelier original than cur? The earlier date, a date over none,
 * then the one the others contain more of, then the earlier index. */
static int likelier_original(const slant_trace *t, const double *contained, uint32_t d,
                             uint32_t cur)
{
    uint32_t dd = t->date[d], dc = t->date[cur];
    if (dd != dc && dd && dc)
        return dd < dc;
    if (dd != dc)
        return dd != 0;
    return contained[d] > contained[cur] + 1e-9;
}

static const slant_trace *sorting;

/* Families largest first, then by their original's index. */
static int by_family_order(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const uint32_t *size = sorting->family_of;      /* sizes, per root, while sorting */
    if (size[a] != size[b])
        return size[a] > size[b] ? -1 : 1;
    return (sorting->members[a] > sorting->members[b]) - (sorting->members[a] < sorting->members[b]);
}

/* Scratch use while building: family_of[root] = size, members[root] =
 * original; then the final layout replaces both. */
static int build_families(slant_trace *t, const double *contained)
{
    size_t n = t->n;
    uint32_t *roots = malloc((n ? n : 1) * sizeof *roots);
    t->family_of = calloc(n ? n : 1, sizeof *t->family_of);
    t->members = malloc((n ? n : 1) * sizeof *t->members);
    t->fam_start = malloc((n + 1) * sizeof *t->fam_start);
    if (!roots || !t->family_of || !t->members || !t->fam_start) {
        free(roots);
        return -1;
    }
    size_t nroots = 0;
    for (uint32_t d = 0; d < n; d++) {
        uint32_t r = find_root(t->parent, d);
        if (t->family_of[r]++ == 0) {
            roots[nroots++] = r;
            t->members[r] = d;
        } else if (likelier_original(t, contained, d, t->members[r])) {
            t->members[r] = d;
        }
    }
    sorting = t;
    qsort(roots, nroots, sizeof *roots, by_family_order);
    /* parent[root] becomes the family's index; the start of each family */
    size_t at = 0;
    for (size_t f = 0; f < nroots; f++) {
        t->fam_start[f] = (uint32_t)at;
        at += t->family_of[roots[f]];
    }
    t->fam_start[nroots] = (uint32_t)at;
    uint32_t *original = malloc((nroots ? nroots : 1) * sizeof *original);
    if (!original) {
        free(roots);
        return -1;
    }
    for (size_t f = 0; f < nroots; f++)
        original[f] = t->members[roots[f]];
    for (size_t f = 0; f < nroots; f++)
        t->parent[roots[f]] = (uint32_t)f | 0x80000000u;
    uint32_t *fill = t->family_of;      /* reused as the next free slot per family */
    for (size_t f = 0; f < nroots; f++) {
        fill[f] = t->fam_start[f] + 1;
        t->members[t->fam_start[f]] = original[f];
    }
    for (uint32_t d = 0; d < n; d++) {
        uint32_t r = d;
        while (!(t->parent[r] & 0x80000000u))
            r = t->parent[r];
        uint32_t f = t->parent[r] & 0x7fffffffu;
        if (d != original[f])
            t->members[fill[f]++] = d;
    }
    for (size_t f = 0; f < nroots; f++)
        for (uint32_t k = t->fam_start[f]; k < t->fam_start[f + 1]; k++)
            t->family_of[t->members[k]] = (uint32_t)f;
    t->nfamilies = nroots;
    free(original);
    free(roots);
    return 0;
}

/* ======================================================== relations */

typedef struct relate_ctx {
    tracep_words ow, vw;
    shingles oset, vset;
    slantp_buf otext;
    tracep_diff diff;
} relate_ctx;

static int relate_member(slant_trace *t, relate_ctx *c, uint32_t doc, tracep_version *out)
{
    const char *p;
    size_t len;
    if (text_of(t, doc, &p, &len) < 0)
        return -2;
    if (tracep_words_of(&c->vw, p, len) < 0)
        return -1;
    size_t n = tracep_shingle_set(&c->vw, &c->vset.v, &c->vset.cap);
    if (n == (size_t)-1)
        return -1;
    size_t shared = tracep_intersect(c->oset.v, c->oset.n, c->vset.v, n);
    size_t smaller = n < c->oset.n ? n : c->oset.n;
    double containment = smaller ? (double)shared / (double)smaller : 0.0;
    return tracep_relate(c->otext.data, &c->ow, p, len, &c->vw, containment, &c->diff, out);
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Share of set i's shingles found in at least one other set: every shingle
 * of an original reappears in the versions made from it, while a version's
 * own additions (furniture, swaps, a new sentence) appear nowhere else. */
static double coverage(const shingles *sets, size_t n, size_t i, unsigned char *seen)
{
    const shingles *a = &sets[i];
    if (!a->n)
        return 0;
    memset(seen, 0, a->n);
    for (size_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        for (size_t x = 0, y = 0; x < a->n && y < sets[j].n;) {
            if (a->v[x] < sets[j].v[y])
                x++;
            else if (a->v[x] > sets[j].v[y])
                y++;
            else
                seen[x++] = 1, y++;
        }
    }
    size_t covered = 0;
    for (size_t x = 0; x < a->n; x++)
        covered += seen[x];
    return (double)covered / (double)a->n;
}

/* In a small family, choose the original again on exact shingle sets: the
 * earliest dated member, else the one most covered by the others (the tree
 * was built on the candidate links only). */
static int repick_original(slant_trace *t, relate_ctx *c, size_t f)
{
    uint32_t *m = t->members + t->fam_start[f];
    size_t n = t->fam_start[f + 1] - t->fam_start[f];
    if (n > PICK_EXACT)
        return 0;
    shingles sets[PICK_EXACT];
    memset(sets, 0, sizeof sets);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_set(t, m[i], &c->vw, &sets[i]);
    uint32_t first = 0;
    for (size_t i = 0; i < n; i++)
        if (t->date[m[i]] && (!first || t->date[m[i]] < first))
            first = t->date[m[i]];
    size_t most = 1;
    for (size_t i = 0; i < n; i++)
        most = sets[i].n > most ? sets[i].n : most;
    unsigned char *seen = rc == 0 ? malloc(most) : NULL;
    if (!seen && rc == 0)
        rc = -1;
    double best = -1;
    size_t pick = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (first && t->date[m[i]] != first)
            continue;
        double score = coverage(sets, n, i, seen);
        if (score > best + 1e-9 || (score > best - 1e-9 && m[i] < m[pick])) {
            best = score;
            pick = i;
        }
    }
    free(seen);
    for (size_t i = 0; i < n; i++)
        shingles_release(&sets[i]);
    uint32_t orig = m[pick];
    m[pick] = m[0];
    m[0] = orig;
    qsort(m + 1, n - 1, sizeof *m, by_u32);
    return rc;
}

static int relate_family(slant_trace *t, relate_ctx *c, size_t f)
{
    int picked = repick_original(t, c, f);
    if (picked < 0)
        return picked;
    uint32_t orig = t->members[t->fam_start[f]];
    const char *p;
    size_t len;
    if (text_of(t, orig, &p, &len) < 0)
        return -2;
    c->otext.len = 0;
    if (slantp_buf_append(&c->otext, p, len) < 0 || slantp_buf_append(&c->otext, "", 1) < 0)
        return -1;
    if (tracep_words_of(&c->ow, c->otext.data, len) < 0)
        return -1;
    c->oset.n = tracep_shingle_set(&c->ow, &c->oset.v, &c->oset.cap);
    if (c->oset.n == (size_t)-1)
        return -1;
    for (uint32_t k = t->fam_start[f] + 1; k < t->fam_start[f + 1]; k++) {
        uint32_t doc = t->members[k];
        t->version_of[doc] = (uint32_t)t->nversions;
        int rc = relate_member(t, c, doc, &t->versions[t->nversions++]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int relate_all(slant_trace *t)
{
    size_t linked = 0;
    for (size_t f = 0; f < t->nfamilies; f++)
        linked += t->fam_start[f + 1] - t->fam_start[f] - 1;
    t->version_of = malloc((t->n ? t->n : 1) * sizeof *t->version_of);
    t->versions = calloc(linked ? linked : 1, sizeof *t->versions);
    if (!t->version_of || !t->versions)
        return -1;
    for (size_t d = 0; d < t->n; d++)
        t->version_of[d] = UINT32_MAX;
    relate_ctx c;
    memset(&c, 0, sizeof c);
    int rc = 0;
    for (size_t f = 0; f < t->nfamilies && rc == 0; f++)
        if (t->fam_start[f + 1] - t->fam_start[f] > 1)
            rc = relate_family(t, &c, f);
    tracep_words_release(&c.ow);
    tracep_words_release(&c.vw);
    free(c.oset.v);
    free(c.vset.v);
    slantp_buf_release(&c.otext);
    tracep_diff_release(&c.diff);
    return rc;
}

/* ======================================================== run */

static void join_roots(uint32_t *parent, uint32_t a, uint32_t b)
{
    uint32_t ra = find_root(parent, a), rb = find_root(parent, b);
    if (ra != rb)
        parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
}

/* Families: each document is joined to the one neighbour it shares the
 * most with (containment of the smaller), and families are what those
 * links connect. Unlike plain single link, a weak link (shared furniture,
 * one borrowed sentence) cannot merge two families: each copy is joined
 * to its own original, which it shares far more with. The original of a
 * family is then its earliest dated member, else the one its neighbours
 * contain most of on average (a mean, not a sum, so that a page sharing
 * furniture with many others does not outrank the article it wraps). */
static int link_families(slant_trace *t)
{
    size_t n = t->n ? t->n : 1;
    t->parent = malloc(n * sizeof *t->parent);
    double *contained = calloc(n, sizeof *contained);
    float *best = calloc(n, sizeof *best);
    uint32_t *nearest = malloc(n * sizeof *nearest), *degree = calloc(n, sizeof *degree);
    int rc = -1;
    if (!t->parent || !contained || !best || !nearest || !degree)
        goto out;
    for (uint32_t d = 0; d < t->n; d++)
        t->parent[d] = nearest[d] = d;
    for (size_t i = 0; i < t->nedges; i++) {
        const edge *e = &t->edges[i];
        float w = e->in_b > e->in_a ? e->in_b : e->in_a;
        if (w > best[e->a])
            best[e->a] = w, nearest[e->a] = e->b;
        if (w > best[e->b])
            best[e->b] = w, nearest[e->b] = e->a;
        contained[e->a] += (double)e->in_b;
        contained[e->b] += (double)e->in_a;
        degree[e->a]++;
        degree[e->b]++;
    }
    for (uint32_t d = 0; d < t->n; d++) {
        join_roots(t->parent, d, nearest[d]);
        if (degree[d])
            contained[d] /= degree[d];
    }
    for (uint32_t d = 0; d < t->n; d++)
        t->parent[d] = find_root(t->parent, d);
    rc = build_families(t, contained);
out:
    free(degree);
    free(nearest);
    free(best);
    free(contained);
    return rc;
}

int slant_trace_run(slant_trace *t, slant_error *err)
{
    slantp_error_clear(err);
    if (t->ran)
        return slantp_error(err, SLANT_EINVAL, "", -1, -1, "slant_trace_run called twice");
    t->ran = 1;
    int rc = join_all(t);
    if (rc == 0)
        rc = verify(t);
    free(t->pairs);
    t->pairs = NULL;
    if (rc == 0)
        rc = link_families(t) < 0 ? -1 : relate_all(t);
    if (rc == -2 && t->input && tracep_input_error(t->input, err))
        return err->code;
    if (rc == -2)
        return slantp_error(err, SLANT_EIO, "", -1, -1, "a document's text could not be read again");
    if (rc < 0)
        return slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    return SLANT_OK;
}

/* ======================================================== results */

size_t slant_trace_ndocs(const slant_trace *t) { return t->n; }
size_t slant_trace_ncandidates(const slant_trace *t) { return t->ncandidates; }
size_t slant_trace_nlinks(const slant_trace *t) { return t->nedges; }
size_t slant_trace_nfamilies(const slant_trace *t) { return t->nfamilies; }

const char *slant_trace_id(const slant_trace *t, size_t doc)
{
    return doc < t->n ? t->ids.data + t->id_off[doc] : NULL;
}

int slant_trace_is_query(const slant_trace *t, size_t doc)
{
    return doc < t->n && t->query[doc];
}

const char *slant_trace_source(const slant_trace *t, size_t doc)
{
    return t->input ? tracep_input_source(t->input, doc) : NULL;
}

const char *slant_trace_date(const slant_trace *t, size_t doc)
{
    return t->input ? tracep_input_date(t->input, doc) : NULL;
}

size_t slant_trace_family_size(const slant_trace *t, size_t f)
{
    return f < t->nfamilies ? t->fam_start[f + 1] - t->fam_start[f] : 0;
}

size_t slant_trace_family_member(const slant_trace *t, size_t f, size_t k)
{
    if (k >= slant_trace_family_size(t, f))
        return (size_t)-1;
    return t->members[t->fam_start[f] + k];
}

size_t slant_trace_family_of(const slant_trace *t, size_t doc)
{
    return t->family_of && doc < t->n ? t->family_of[doc] : (size_t)-1;
}

static const tracep_version *version(const slant_trace *t, size_t doc)
{
    if (!t->version_of || doc >= t->n || t->version_of[doc] == UINT32_MAX)
        return NULL;
    return &t->versions[t->version_of[doc]];
}

enum slant_relation slant_trace_relation(const slant_trace *t, size_t doc)
{
    const tracep_version *v = version(t, doc);
    return v ? v->info.relation : SLANT_REL_ORIGINAL;
}

void slant_trace_relation_get(const slant_trace *t, size_t doc, slant_trace_relation_info *out)
{
    const tracep_version *v = version(t, doc);
    if (v) {
        *out = v->info;
        return;
    }
    memset(out, 0, sizeof *out);
    out->relation = SLANT_REL_ORIGINAL;
    out->containment = out->kept = out->names_kept = 1.0;
}

const slant_trace_subst *slant_trace_substitution(const slant_trace *t, size_t doc, size_t k)
{
    const tracep_version *v = version(t, doc);
    return v && k < v->info.nsubstitutions ? &v->subs[k] : NULL;
}

const char *slant_trace_relation_name(enum slant_relation r)
{
    static const char *const names[] = {"original", "verbatim", "furniture",
                                        "edited", "spun", "rewritten"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}
