/* auditp_report.c - from an audit's aggregate to what a researcher reads:
 * intervals, distinctive phrases, the CSV tables, and all the renders
 * (summary.json in auditp_json.c, report.html in auditp_html.c).
 *
 * Every render is a function of the aggregate (and the model, for the
 * phrases' weights) computed in a fixed order, so equal aggregates give
 * equal bytes: what makes 'audit merge' and '--resume' testable byte for
 * byte. The statistics:
 *   - shares of documents with a label predicted: Wilson score intervals;
 *   - mean probabilities: normal intervals from the exact sums of the
 *     probabilities and of their squares;
 *   - distinctive phrases: the log-odds ratio of a phrase in a group
 *     against the other groups of the same grouping, with an informative
 *     Dirichlet prior proportional to the phrase's frequency over all the
 *     groups (Monroe, Colaresi and Quinn 2008), ranked by its z-score.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include "core.h"
#include "threads.h"
#include "io.h"
#include "audit.h"

#define Z95 1.959963984540054

/* ======================================================== statistics */

void auditp_wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double nn = (double)n, p = (double)k / nn, z2 = Z95 * Z95;
    double den = 1 + z2 / nn;
    double center = (p + z2 / (2 * nn)) / den;
    double half = Z95 * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / den;
    *lo = fmax(0, center - half);
    *hi = fmin(1, center + half);
}

void auditp_mean_ci(uint64_t n, uint64_t sum, uint64_t sum2, double *mean, double *lo, double *hi)
{
    if (n == 0) {
        *mean = 0;
        *lo = 0;
        *hi = 1;
        return;
    }
    double nn = (double)n, m = (double)sum / AUDIT_FIXED / nn;
    double var = n > 1 ? ((double)sum2 / AUDIT_FIXED - nn * m * m) / (nn - 1) : 0;
    double half = Z95 * sqrt(fmax(0, var) / nn);
    *mean = m;
    *lo = fmax(0, m - half);
    *hi = fmin(1, m + half);
}

double auditp_log_odds(double y_i, double n_i, double y_j, double n_j, double alpha_w,
                      double alpha_0, double *z)
{
    double a = y_i + alpha_w, b = n_i + alpha_0 - y_i - alpha_w;
    double c = y_j + alpha_w, d = n_j + alpha_0 - y_j - alpha_w;
    if (!(a > 0 && b > 0 && c > 0 && d > 0)) {
        *z = 0;
        return 0;
    }
    double delta = log(a / b) - log(c / d);
    *z = delta / sqrt(1 / a + 1 / c);
    return delta;
}

void auditp_render_options_init(auditp_render_options *o)
{
    memset(o, 0, sizeof *o);
    o->top_phrases = 20;
    o->max_groups = 12;
    o->prior = 1000;
    o->min_count = 3;
    o->threads = 1;
}

/* ======================================================== phrases */

/* Phrase occurrences of every feature over all the groups of d. */
uint64_t *auditp_dim_totals(const auditp *a, const auditp_dim *d, uint64_t *n)
{
    uint64_t *t = calloc(a->spec.nfeatures + 1, sizeof *t);
    *n = 0;
    if (!t)
        return NULL;
    for (size_t c = 0; c < d->ncells; c++) {
        const auditp_cell *cell = d->cells[c];
        *n += cell->ntokens;
        for (size_t i = 0; i < cell->tab_cap; i++)
            if (cell->tab[i].fid != UINT32_MAX)
                t[cell->tab[i].fid] += cell->tab[i].count;
    }
    return t;
}

/* better first: larger z, then smaller feature id */
static int phrase_better(const auditp_phrase *x, const auditp_phrase *y)
{
    return x->z > y->z || (x->z == y->z && x->fid < y->fid);
}

size_t auditp_top_phrases(const auditp_cell *c, const uint64_t *tot, uint64_t ntot,
                         const auditp_render_options *o, auditp_phrase *out)
{
    size_t n = 0, k = o->top_phrases;
    if (!ntot)
        return 0;
    for (size_t i = 0; i < c->tab_cap && k; i++) {
        const auditp_entry *e = &c->tab[i];
        if (e->fid == UINT32_MAX || e->count < o->min_count)
            continue;
        double alpha_w = o->prior * (double)tot[e->fid] / (double)ntot;
        auditp_phrase p = {e->fid, 0, 0, e->count, tot[e->fid] - e->count, e->ndocs, e->ex};
        p.delta = auditp_log_odds((double)e->count, (double)c->ntokens, (double)p.rest,
                                 (double)(ntot - c->ntokens), alpha_w, o->prior, &p.z);
        if (!(p.z > 0) || (n == k && !phrase_better(&p, &out[k - 1])))
            continue;
        size_t j = n < k ? n++ : k - 1;
        for (; j > 0 && phrase_better(&p, &out[j - 1]); j--)
            out[j] = out[j - 1];
        out[j] = p;
    }
    return n;
}

/* ======================================================== shared */

/* Split a cell key into the group and the period of its dimension. */
static void split_key(const auditp_dim *d, const char *key, char *group, size_t gcap,
                      const char **period)
{
    const char *sep = d->kind == AUDIT_DIM_CROSS ? strchr(key, AUDIT_SEP) : NULL;
    if (d->kind == AUDIT_DIM_TIME) {
        snprintf(group, gcap, "%s", "");
        *period = key;
    } else if (sep) {
        snprintf(group, gcap, "%.*s", (int)(sep - key), key);
        *period = sep + 1;
    } else {
        snprintf(group, gcap, "%s", key);
        *period = "";
    }
}

static const char *phrase_text(const auditp *a, const slant_model *m, uint32_t fid)
{
    return a->surface[fid].text ? a->surface[fid].text : slant_model_feature_text(m, fid);
}

/* ======================================================== CSV */

static void csv_field(slant_buffer *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        slant_buffer_write(b, s, strlen(s));
        return;
    }
    slant_buffer_write(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            slant_buffer_write(b, "\"", 1);
        slant_buffer_write(b, p, 1);
    }
    slant_buffer_write(b, "\"", 1);
}

static void csv_num(slant_buffer *b, double x)
{
    char t[40];
    int n = snprintf(t, sizeof t, ",%.6g", x);
    slant_buffer_write(b, t, (size_t)n);
}

static void csv_int(slant_buffer *b, uint64_t x)
{
    char t[32];
    int n = snprintf(t, sizeof t, ",%llu", (unsigned long long)x);
    slant_buffer_write(b, t, (size_t)n);
}

/* dimension,group,period */
static void csv_key(slant_buffer *b, const auditp_dim *d, const auditp_cell *c)
{
    char group[1024];
    const char *period;
    split_key(d, c->key, group, sizeof group, &period);
    csv_field(b, d->name);
    slant_buffer_write(b, ",", 1);
    csv_field(b, group);
    slant_buffer_write(b, ",", 1);
    csv_field(b, period);
}

static void csv_labels_rows(slant_buffer *b, const auditp *a, const auditp_dim *d,
                            const auditp_cell *c)
{
    const auditp_spec *s = &a->spec;
    for (size_t h = 0; h < s->nheads; h++)
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            size_t g = s->first[h] + l;
            double lo, hi, mean, mlo, mhi;
            auditp_wilson(c->npred[g], c->ndocs, &lo, &hi);
            auditp_mean_ci(c->ndocs, c->sum_p[g], c->sum_p2[g], &mean, &mlo, &mhi);
            csv_key(b, d, c);
            slant_buffer_write(b, ",", 1);
            csv_field(b, s->head[h]);
            slant_buffer_write(b, ",", 1);
            csv_field(b, s->label[g]);
            csv_int(b, c->ndocs);
            csv_int(b, c->npred[g]);
            csv_num(b, c->ndocs ? (double)c->npred[g] / (double)c->ndocs : 0);
            csv_num(b, lo);
            csv_num(b, hi);
            csv_num(b, mean);
            csv_num(b, mlo);
            csv_num(b, mhi);
            slant_buffer_write(b, "\n", 1);
        }
}

static void csv_phrase_rows(slant_buffer *b, const auditp *a, const slant_model *m,
                            const auditp_dim *d, const auditp_cell *c, const auditp_phrase *ph,
                            size_t n)
{
    const auditp_spec *s = &a->spec;
    for (size_t i = 0; i < n; i++) {
        csv_key(b, d, c);
        csv_int(b, i + 1);
        slant_buffer_write(b, ",", 1);
        csv_field(b, phrase_text(a, m, ph[i].fid));
        slant_buffer_write(b, ",", 1);
        csv_field(b, slant_model_feature_text(m, ph[i].fid));
        csv_num(b, ph[i].z);
        csv_num(b, ph[i].delta);
        csv_int(b, ph[i].count);
        csv_int(b, ph[i].rest);
        csv_int(b, ph[i].ndocs);
        slant_buffer_write(b, ",", 1);
        csv_field(b, a->ids[ph[i].ex].id);
        for (size_t h = 0; h < s->nheads; h++)
            for (size_t l = 0; l < s->nlabels[h]; l++)
                csv_num(b, slant_model_weight(m, h, l, ph[i].fid));
        slant_buffer_write(b, "\n", 1);
    }
}

static void csv_headers(const auditp *a, slant_buffer *groups, slant_buffer *labels,
                        slant_buffer *phrases, slant_buffer *examples)
{
    const auditp_spec *s = &a->spec;
    const char *g = "dimension,group,period,documents,abstained,phrase_occurrences";
    slant_buffer_write(groups, g, strlen(g));
    for (size_t h = 0; h < s->nheads; h++) {
        slant_buffer_write(groups, ",no_label_", 10);
        slant_buffer_write(groups, s->head[h], strlen(s->head[h]));
    }
    slant_buffer_write(groups, "\n", 1);
    const char *l = "dimension,group,period,head,label,documents,predicted,share,share_lo,"
                    "share_hi,mean_probability,mean_lo,mean_hi\n";
    slant_buffer_write(labels, l, strlen(l));
    const char *p = "dimension,group,period,rank,phrase,model_phrase,z,log_odds,count,"
                    "rest_count,documents,example";
    slant_buffer_write(phrases, p, strlen(p));
    for (size_t h = 0; h < s->nheads; h++)
        for (size_t k = 0; k < s->nlabels[h]; k++) {
            slant_buffer_write(phrases, ",", 1);
            char col[512];
            snprintf(col, sizeof col, "weight:%s:%s", s->head[h], s->label[s->first[h] + k]);
            csv_field(phrases, col);
        }
    slant_buffer_write(phrases, "\n", 1);
    const char *e = "dimension,group,period,rank,id\n";
    slant_buffer_write(examples, e, strlen(e));
}

/* The four tables, row by row in the canonical order. */
static int csv_tables(const auditp *a, const slant_model *m, slant_buffer t[4])
{
    csv_headers(a, &t[0], &t[1], &t[2], &t[3]);
    for (size_t i = 0; i < a->ndims; i++) {
        const auditp_dim *d = &a->dims[i];
        auditp_cell **cells = auditp_dim_sorted(d);
        if (!cells)
            return -1;
        for (size_t k = 0; k < d->ncells; k++) {
            const auditp_cell *c = cells[k];
            csv_key(&t[0], d, c);
            csv_int(&t[0], c->ndocs);
            csv_int(&t[0], c->nabstained);
            csv_int(&t[0], c->ntokens);
            for (size_t h = 0; h < a->spec.nheads; h++)
                csv_int(&t[0], c->nnolabel[h]);
            slant_buffer_write(&t[0], "\n", 1);
            csv_labels_rows(&t[1], a, d, c);
            csv_phrase_rows(&t[2], a, m, d, c, c->top, c->ntop);
            for (size_t e = 0; e < c->nex; e++) {
                csv_key(&t[3], d, c);
                csv_int(&t[3], e + 1);
                slant_buffer_write(&t[3], ",", 1);
                csv_field(&t[3], a->ids[c->ex[e]].id);
                slant_buffer_write(&t[3], "\n", 1);
            }
        }
        free(cells);
    }
    return 0;
}

/* ======================================================== all renders */

static int write_in(const char *dir, const char *name, const char *p, size_t n, slant_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return slantp_write_atomic(path, p, n, err);
}

/* The distinctive phrases of the cells of one dimension, found by a few
 * threads side by side, each taking the next cell from 'next'. */
typedef struct tops_job {
    const auditp_dim *d;
    const uint64_t *tot;
    uint64_t ntot;
    const auditp_render_options *o;
    atomic_size_t next;
    atomic_int bad;
} tops_job;

static void *tops_worker(void *arg)
{
    tops_job *j = arg;
    for (size_t c; (c = atomic_fetch_add(&j->next, 1)) < j->d->ncells;) {
        auditp_cell *cell = j->d->cells[c];
        cell->top = malloc((j->o->top_phrases + 1) * sizeof *cell->top);
        if (!cell->top) {
            atomic_store(&j->bad, 1);
            continue;
        }
        cell->ntop = auditp_top_phrases(cell, j->tot, j->ntot, j->o, cell->top);
    }
    return NULL;
}

/* Each phrase group's distinctive phrases, once for all the renders. */
static int find_tops(auditp *a, const auditp_render_options *o)
{
    for (size_t i = 0; i < a->ndims; i++) {
        auditp_dim *d = &a->dims[i];
        if (!d->phrases)
            continue;
        tops_job j = {.d = d, .o = o};
        atomic_init(&j.next, 0);
        atomic_init(&j.bad, 0);
        uint64_t *tot = auditp_dim_totals(a, d, &j.ntot);
        if (!tot)
            return -1;
        j.tot = tot;
        slantp_threads_run(o->threads > 1 ? o->threads : 1, tops_worker, &j);
        free(tot);
        if (atomic_load(&j.bad))
            return -1;
    }
    return 0;
}

static void free_tops(auditp *a)
{
    for (size_t i = 0; i < a->ndims; i++)
        for (size_t c = 0; c < a->dims[i].ncells; c++) {
            free(a->dims[i].cells[c]->top);
            a->dims[i].cells[c]->top = NULL;
            a->dims[i].cells[c]->ntop = 0;
        }
}

/* The bytes of every file, made by a few threads side by side: each
 * takes the next file from 'next' until there is none. The aggregate is
 * only read (the phrases were found before). */
typedef struct render_job {
    const auditp *a;
    const slant_model *m;
    const auditp_render_options *o;
    const auditp_progress *pr;       /* also the partial file when not NULL */
    slant_buffer partial, js, t[4], html;
    int bad;                        /* some part failed (out of memory) */
    atomic_int next, done_bad;
} render_job;

enum { JOB_PARTIAL, JOB_JSON, JOB_CSV, JOB_HTML, NJOBS };

static void *render_worker(void *arg)
{
    render_job *j = arg;
    for (int k; (k = atomic_fetch_add(&j->next, 1)) < NJOBS;) {
        int bad = 0;
        switch (k) {
        case JOB_PARTIAL:
            bad = j->pr && auditp_save_bytes(j->a, j->pr, &j->partial) < 0;
            break;
        case JOB_JSON:
            bad = auditp_summary_json(j->a, j->m, j->o, &j->js) < 0;
            break;
        case JOB_CSV:
            bad = csv_tables(j->a, j->m, j->t) < 0 || j->t[0].failed || j->t[1].failed ||
                  j->t[2].failed || j->t[3].failed;
            break;
        case JOB_HTML:
            bad = auditp_html(j->a, j->m, j->o, &j->html) < 0;
            break;
        }
        if (bad)
            atomic_store(&j->done_bad, 1);
    }
    return NULL;
}

/* The files of the renders, written by a few threads side by side (each
 * waits for its own fsyncs), each taking the next file from 'next'. */
typedef struct write_job {
    const char *dir;
    const char *name[6];
    const slant_buffer *buf[6];
    slant_error err[6];
    int rc[6];
    atomic_int next;
} write_job;

static void *write_worker(void *arg)
{
    write_job *w = arg;
    for (int k; (k = atomic_fetch_add(&w->next, 1)) < 6;)
        w->rc[k] = write_in(w->dir, w->name[k], w->buf[k]->data ? w->buf[k]->data : "",
                            w->buf[k]->len, &w->err[k]);
    return NULL;
}

/* Write them, the partial file first: renders never stand beside a
 * partial file older than them. The first file that fails, in the order
 * above, gives the error. */
static int write_all(render_job *j, const char *dir, int threads, slant_error *err)
{
    int rc = SLANT_OK;
    if (j->pr)
        rc = write_in(dir, "partial.slaud", j->partial.data, j->partial.len, err);
    if (rc != SLANT_OK)
        return rc;
    write_job w = {.dir = dir,
                   .name = {"summary.json", "groups.csv", "labels.csv", "phrases.csv",
                            "examples.csv", "report.html"},
                   .buf = {&j->js, &j->t[0], &j->t[1], &j->t[2], &j->t[3], &j->html}};
    atomic_init(&w.next, 0);
    slantp_threads_run(threads > 1 ? threads : 1, write_worker, &w);
    for (int k = 0; k < 6; k++)
        if (w.rc[k] != SLANT_OK) {
            if (err)
                *err = w.err[k];
            return w.rc[k];
        }
    return SLANT_OK;
}

int auditp_render(auditp *a, const slant_model *m, const auditp_render_options *o,
                 const auditp_progress *pr, const char *dir, slant_error *err)
{
    slantp_error_clear(err);
    if (slant_model_nfeatures(m) != a->spec.nfeatures)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "the model is not the audit's");
    render_job j = {.a = a, .m = m, .o = o, .pr = pr};
    atomic_init(&j.next, 0);
    atomic_init(&j.done_bad, 0);
    int rc;
    if (find_tops(a, o) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    slantp_threads_run(o->threads > 1 ? (o->threads < NJOBS ? o->threads : NJOBS) : 1,
                       render_worker, &j);
    if (atomic_load(&j.done_bad) || j.partial.failed || j.js.failed || j.html.failed)
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    else
        rc = write_all(&j, dir, o->threads, err);
out:
    free_tops(a);
    slant_buffer_release(&j.partial);
    slant_buffer_release(&j.js);
    for (int i = 0; i < 4; i++)
        slant_buffer_release(&j.t[i]);
    slant_buffer_release(&j.html);
    return rc;
}
