/* auditp_json.c - summary.json, written directly (docs/audit.md has the
 * schema).
 *
 * An audit with a few hundred groups over a few hundred periods has a
 * million values in its summary; building them as a jansson tree and then
 * dumping it took most of the time of the renders, so the file is written
 * straight into a buffer, in a fixed order: one group a line. Numbers are
 * printf's %.6g (finite by construction), strings are escaped as RFC 8259
 * asks (quote, backslash and control characters; UTF-8 passes through).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "audit.h"

static void put(slant_buffer *b, const char *s) { slant_buffer_write(b, s, strlen(s)); }

static void str(slant_buffer *b, const char *s)
{
    put(b, "\"");
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        slant_buffer_write(b, run, (size_t)(s - run));
        char e[8];
        if (c == '"' || c == '\\')
            snprintf(e, sizeof e, "\\%c", c);
        else if (c == '\n')
            snprintf(e, sizeof e, "\\n");
        else if (c == '\t')
            snprintf(e, sizeof e, "\\t");
        else
            snprintf(e, sizeof e, "\\u%04x", c);
        put(b, e);
        run = s + 1;
    }
    slant_buffer_write(b, run, (size_t)(s - run));
    put(b, "\"");
}

static void num(slant_buffer *b, double x)
{
    char t[32];
    int n = snprintf(t, sizeof t, "%.6g", x);
    slant_buffer_write(b, t, (size_t)n);
}

static void unum(slant_buffer *b, uint64_t x)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%llu", (unsigned long long)x);
    slant_buffer_write(b, t, (size_t)n);
}

/* "key": */
static void key(slant_buffer *b, const char *k)
{
    str(b, k);
    put(b, ":");
}

static void key_uint(slant_buffer *b, const char *k, uint64_t v)
{
    key(b, k);
    unum(b, v);
}

static void key_pair(slant_buffer *b, const char *k, double lo, double hi)
{
    key(b, k);
    put(b, "[");
    num(b, lo);
    put(b, ",");
    num(b, hi);
    put(b, "]");
}

static void heads(slant_buffer *b, const auditp *a, const auditp_cell *c)
{
    const auditp_spec *s = &a->spec;
    key(b, "heads");
    put(b, "{");
    for (size_t h = 0; h < s->nheads; h++) {
        if (h)
            put(b, ",");
        key(b, s->head[h]);
        put(b, "{");
        key_uint(b, "no_label", c->nnolabel[h]);
        put(b, ",\"labels\":{");
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            size_t g = s->first[h] + l;
            double lo, hi, mean, mlo, mhi;
            auditp_wilson(c->npred[g], c->ndocs, &lo, &hi);
            auditp_mean_ci(c->ndocs, c->sum_p[g], c->sum_p2[g], &mean, &mlo, &mhi);
            if (l)
                put(b, ",");
            key(b, s->label[g]);
            put(b, "{");
            key_uint(b, "predicted", c->npred[g]);
            put(b, ",\"share\":");
            num(b, c->ndocs ? (double)c->npred[g] / (double)c->ndocs : 0.0);
            put(b, ",");
            key_pair(b, "share_ci", lo, hi);
            put(b, ",\"mean_probability\":");
            num(b, mean);
            put(b, ",");
            key_pair(b, "mean_probability_ci", mlo, mhi);
            put(b, "}");
        }
        put(b, "}}");
    }
    put(b, "}");
}

static void phrases(slant_buffer *b, const auditp *a, const slant_model *m, const auditp_cell *c)
{
    const auditp_spec *s = &a->spec;
    put(b, ",\"phrases\":[");
    for (size_t i = 0; i < c->ntop; i++) {
        const auditp_phrase *p = &c->top[i];
        put(b, i ? ",{" : "{");
        key(b, "phrase");
        str(b, a->surface[p->fid].text ? a->surface[p->fid].text
                                       : slant_model_feature_text(m, p->fid));
        put(b, ",");
        key(b, "model_phrase");
        str(b, slant_model_feature_text(m, p->fid));
        put(b, ",\"z\":");
        num(b, p->z);
        put(b, ",\"log_odds\":");
        num(b, p->delta);
        put(b, ",");
        key_uint(b, "count", p->count);
        put(b, ",");
        key_uint(b, "rest_count", p->rest);
        put(b, ",");
        key_uint(b, "documents", p->ndocs);
        put(b, ",");
        key(b, "example");
        str(b, a->ids[p->ex].id);
        put(b, ",\"weights\":{");
        for (size_t h = 0; h < s->nheads; h++) {
            put(b, h ? ",": "");
            key(b, s->head[h]);
            put(b, "{");
            for (size_t l = 0; l < s->nlabels[h]; l++) {
                put(b, l ? "," : "");
                key(b, s->label[s->first[h] + l]);
                num(b, slant_model_weight(m, h, l, p->fid));
            }
            put(b, "}");
        }
        put(b, "}}");
    }
    put(b, "]");
}

static void group(slant_buffer *b, const auditp *a, const slant_model *m, const auditp_dim *d,
                  const auditp_cell *c)
{
    const char *sep = d->kind == AUDIT_DIM_CROSS ? strchr(c->key, AUDIT_SEP) : NULL;
    put(b, "{\"group\":");
    if (d->kind == AUDIT_DIM_TIME) {
        str(b, "");
    } else if (sep) {
        slant_buffer g = {0};
        slant_buffer_write(&g, c->key, (size_t)(sep - c->key));
        str(b, g.data ? g.data : "");
        slant_buffer_release(&g);
    } else {
        str(b, c->key);
    }
    put(b, ",\"period\":");
    str(b, d->kind == AUDIT_DIM_TIME ? c->key : sep ? sep + 1 : "");
    put(b, ",");
    key_uint(b, "documents", c->ndocs);
    put(b, ",");
    key_uint(b, "abstained", c->nabstained);
    put(b, ",");
    key_uint(b, "phrase_occurrences", c->ntokens);
    put(b, ",\"examples\":[");
    for (size_t e = 0; e < c->nex; e++) {
        put(b, e ? "," : "");
        str(b, a->ids[c->ex[e]].id);
    }
    put(b, "],");
    heads(b, a, c);
    if (d->phrases)
        phrases(b, a, m, c);
    put(b, "}");
}

static const char *const kind_names[] = {"all", "by", "time", "cross", "predicted"};

static int dims(slant_buffer *b, const auditp *a, const slant_model *m)
{
    put(b, "\"dimensions\":[");
    for (size_t i = 0; i < a->ndims; i++) {
        const auditp_dim *d = &a->dims[i];
        auditp_cell **cells = auditp_dim_sorted(d);
        if (!cells)
            return -1;
        put(b, i ? ",\n{" : "\n{");
        key(b, "name");
        str(b, d->name);
        put(b, ",");
        key(b, "kind");
        str(b, kind_names[d->kind]);
        put(b, ",\"groups\":[");
        for (size_t c = 0; c < d->ncells; c++) {
            put(b, c ? ",\n" : "\n");
            group(b, a, m, d, cells[c]);
        }
        put(b, "]}");
        free(cells);
    }
    put(b, "]");
    return 0;
}

static void header(slant_buffer *b, const auditp *a, const auditp_render_options *o)
{
    const auditp_spec *s = &a->spec;
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)s->model_sum);
    put(b, "{\"format\":\"slant-audit-summary\",\"version\":1,\n\"model\":{\"checksum\":");
    str(b, hex);
    put(b, ",\"heads\":[");
    for (size_t h = 0; h < s->nheads; h++) {
        put(b, h ? ",{" : "{");
        key(b, "name");
        str(b, s->head[h]);
        put(b, s->multilabel[h] ? ",\"multilabel\":true,\"labels\":[" : ",\"multilabel\":false,\"labels\":[");
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            put(b, l ? "," : "");
            str(b, s->label[s->first[h] + l]);
        }
        put(b, "]}");
    }
    put(b, "]},\n\"options\":{\"by\":[");
    for (size_t i = 0; i < s->nby; i++) {
        put(b, i ? "," : "");
        str(b, s->by[i]);
    }
    put(b, "],\"time\":");
    if (s->time_field) {
        put(b, "{\"field\":");
        str(b, s->time_field);
        put(b, ",\"unit\":");
        str(b, auditp_unit_name(s->unit));
        put(b, "}");
    } else {
        put(b, "null");
    }
    put(b, ",\"prior\":");
    num(b, o->prior);
    put(b, ",");
    key_uint(b, "min_count", o->min_count);
    put(b, "},\n");
    key_uint(b, "records", a->nrecords);
    put(b, ",");
    key_uint(b, "documents", a->ndocs);
    put(b, ",");
    key_uint(b, "failed", a->nfailed);
    put(b, ",\"failures\":[");
    for (size_t i = 0; i < a->nfail; i++) {
        put(b, i ? "," : "");
        str(b, a->fail[i].text);
    }
    put(b, "],\n");
}

int auditp_summary_json(const auditp *a, const slant_model *m, const auditp_render_options *o,
                       slant_buffer *b)
{
    header(b, a, o);
    if (dims(b, a, m) < 0)
        return -1;
    put(b, "}\n");
    return b->failed ? -1 : 0;
}
