/* trace_frames.c - the framing diff of `slant trace`: how a copy's frame and
 * outlet-type scores moved from its original's, and the phrases that moved
 * them most.
 *
 * Every classifier call of the trace command is here, through the public
 * API only (slant_classify, slant_result_score, slant_result_terms), so it
 * can move to a batch engine without touching the rest. The phrase weights
 * are the classifier's exact additive contributions: a phrase's change is
 * its weight in the version minus its weight in the original (0 where
 * absent), and a label's decision moves by the sum of those changes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace_cli.h"

#define DIFF_LABELS 3       /* labels per head shown in the diff, most moved first */
#define DIFF_PHRASES 5      /* phrases per label */
#define DIFF_MIN_MOVE 0.01  /* score changes smaller than this are not shown */

typedef struct phrase {
    char *text;             /* lower case */
    double weight;
} phrase;

typedef struct label_terms {
    phrase *v;
    size_t n;
} label_terms;

struct trace_frames {
    const slant_model *m;
    slant_workspace *ws;
    size_t nlabels_all;     /* labels over all heads */
    double *orig_score;     /* per label over all heads */
    label_terms *orig_terms;
    slant_term *scratch;
    size_t scratch_cap;
};

static size_t label_base(const slant_model *m, size_t head)
{
    size_t base = 0;
    for (size_t h = 0; h < head; h++)
        base += slant_model_nlabels(m, h);
    return base;
}

trace_frames *trace_frames_new(const slant_model *m, slant_error *err)
{
    trace_frames *tf = calloc(1, sizeof *tf);
    if (!tf)
        return NULL;
    tf->m = m;
    tf->nlabels_all = label_base(m, slant_model_nheads(m));
    tf->orig_score = calloc(tf->nlabels_all + 1, sizeof *tf->orig_score);
    tf->orig_terms = calloc(tf->nlabels_all + 1, sizeof *tf->orig_terms);
    if (!tf->orig_score || !tf->orig_terms || !(tf->ws = slant_workspace_new(m, err))) {
        trace_frames_free(tf);
        return NULL;
    }
    return tf;
}

static void terms_release(label_terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void trace_frames_free(trace_frames *tf)
{
    if (!tf)
        return;
    for (size_t i = 0; tf->orig_terms && i < tf->nlabels_all; i++)
        terms_release(&tf->orig_terms[i]);
    free(tf->orig_terms);
    free(tf->orig_score);
    free(tf->scratch);
    slant_workspace_free(tf->ws);
    free(tf);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(((const phrase *)a)->text, ((const phrase *)b)->text);
}

/* A label's terms in 'r', copied, lower-cased, sorted by text. */
static int copy_terms(trace_frames *tf, const slant_result *r, size_t h, size_t l,
                      label_terms *out)
{
    size_t n = slant_result_terms(r, h, l, NULL, (size_t)-1);
    if (n > tf->scratch_cap) {
        slant_term *p = realloc(tf->scratch, n * sizeof *p);
        if (!p)
            return -1;
        tf->scratch = p;
        tf->scratch_cap = n;
    }
    n = slant_result_terms(r, h, l, tf->scratch, n);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char *s = strdup(tf->scratch[i].text);
        if (!s)
            return -1;
        for (char *p = s; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        out->v[out->n++] = (phrase){s, tf->scratch[i].weight};
    }
    qsort(out->v, out->n, sizeof *out->v, by_text);
    return 0;
}

static void scores_json(const trace_frames *tf, const slant_result *r, cli_out *o)
{
    out_puts(o, "\"scores\":{");
    for (size_t h = 0; h < slant_model_nheads(tf->m); h++) {
        out_puts(o, h ? "," : "");
        out_json_string(o, slant_model_head_name(tf->m, h));
        out_puts(o, ":{");
        for (size_t l = 0; l < slant_model_nlabels(tf->m, h); l++) {
            out_puts(o, l ? "," : "");
            out_json_string(o, slant_model_label(tf->m, h, l));
            out_printf(o, ":%.4f", slant_result_score(r, h, l));
        }
        out_puts(o, "}");
    }
    out_puts(o, "}");
}

int trace_frames_original(trace_frames *tf, const char *text, size_t len, cli_out *o,
                          slant_error *err)
{
    const slant_result *r;
    int rc = slant_classify(tf->ws, text, len, &r, err);
    if (rc != SLANT_OK)
        return rc;
    for (size_t h = 0, k = 0; h < slant_model_nheads(tf->m); h++)
        for (size_t l = 0; l < slant_model_nlabels(tf->m, h); l++, k++) {
            tf->orig_score[k] = slant_result_score(r, h, l);
            terms_release(&tf->orig_terms[k]);
            if (copy_terms(tf, r, h, l, &tf->orig_terms[k]) < 0)
                return SLANT_ENOMEM;
        }
    scores_json(tf, r, o);
    return SLANT_OK;
}

typedef struct moved {
    const char *text;
    double change;
    const char *kind;       /* added, removed, reweighted */
} moved;

static int by_change(const void *a, const void *b)
{
    double x = fabs(((const moved *)a)->change), y = fabs(((const moved *)b)->change);
    return (x < y) - (x > y);
}

/* The phrases whose weight changed, merged from two sorted term lists,
 * keeping those that pushed in the direction 'sign'. */
static size_t phrase_changes(const label_terms *o, const label_terms *v, double sign, moved *out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < o->n || j < v->n) {
        int c = i == o->n ? 1 : j == v->n ? -1 : strcmp(o->v[i].text, v->v[j].text);
        moved m;
        if (c < 0)
            m = (moved){o->v[i].text, -o->v[i].weight, "removed"}, i++;
        else if (c > 0)
            m = (moved){v->v[j].text, v->v[j].weight, "added"}, j++;
        else
            m = (moved){v->v[j].text, v->v[j].weight - o->v[i].weight, "reweighted"}, i++, j++;
        if (m.change * sign > 0)
            out[n++] = m;
    }
    qsort(out, n, sizeof *out, by_change);
    return n;
}

static int label_diff(trace_frames *tf, const slant_result *r, size_t h, size_t l, size_t k,
                      cli_out *o)
{
    label_terms vt = {0};
    double before = tf->orig_score[k], after = slant_result_score(r, h, l);
    const label_terms *ot = &tf->orig_terms[k];
    if (copy_terms(tf, r, h, l, &vt) < 0) {
        terms_release(&vt);
        return -1;
    }
    moved *m = malloc((ot->n + vt.n + 1) * sizeof *m);
    if (!m) {
        terms_release(&vt);
        return -1;
    }
    size_t n = phrase_changes(ot, &vt, after - before, m);
    out_puts(o, "{\"head\":");
    out_json_string(o, slant_model_head_name(tf->m, h));
    out_puts(o, ",\"label\":");
    out_json_string(o, slant_model_label(tf->m, h, l));
    out_printf(o, ",\"original\":%.4f,\"version\":%.4f,\"phrases\":[", before, after);
    for (size_t i = 0; i < n && i < DIFF_PHRASES; i++) {
        out_puts(o, i ? ",{\"phrase\":" : "{\"phrase\":");
        out_json_string(o, m[i].text);
        out_printf(o, ",\"change\":\"%s\",\"weight\":%.4f}", m[i].kind, m[i].change);
    }
    out_puts(o, "]}");
    free(m);
    terms_release(&vt);
    return 0;
}

/* The labels of head h whose scores moved most, at most DIFF_LABELS. */
static size_t most_moved(const trace_frames *tf, const slant_result *r, size_t h, size_t *pick)
{
    size_t n = 0, base = label_base(tf->m, h), nl = slant_model_nlabels(tf->m, h);
    while (n < DIFF_LABELS) {
        size_t best = (size_t)-1;
        double most = DIFF_MIN_MOVE;
        for (size_t l = 0; l < nl; l++) {
            int taken = 0;
            for (size_t i = 0; i < n; i++)
                taken |= pick[i] == l;
            double d = fabs(slant_result_score(r, h, l) - tf->orig_score[base + l]);
            if (!taken && d >= most) {
                most = d;
                best = l;
            }
        }
        if (best == (size_t)-1)
            break;
        pick[n++] = best;
    }
    return n;
}

int trace_frames_version(trace_frames *tf, const char *text, size_t len, cli_out *o,
                         slant_error *err)
{
    const slant_result *r;
    int rc = slant_classify(tf->ws, text, len, &r, err);
    if (rc != SLANT_OK)
        return rc;
    scores_json(tf, r, o);
    out_puts(o, ",\"framing_diff\":[");
    int first = 1;
    for (size_t h = 0; h < slant_model_nheads(tf->m); h++) {
        size_t pick[DIFF_LABELS];
        size_t n = most_moved(tf, r, h, pick);
        for (size_t i = 0; i < n; i++) {
            out_puts(o, first ? "" : ",");
            first = 0;
            if (label_diff(tf, r, h, pick[i], label_base(tf->m, h) + pick[i], o) < 0)
                return SLANT_ENOMEM;
        }
    }
    out_puts(o, "]");
    return SLANT_OK;
}
