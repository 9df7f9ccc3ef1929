/* cmd_classify.c - `slant classify`: documents in, scores and the phrases
 * behind them out, in input order.
 *
 * The library's batch engine reads the inputs and classifies them on -j
 * worker threads; here, each result is formatted on its worker (JSONL,
 * TSV or a table for the terminal) and written to stdout in input order.
 * A bad document never stops the run: it gets an error on stderr (and an
 * error record in JSONL output) and the exit status 1.
 *
 * Spin evidence (fixed phrases broken by a synonym) is found by the
 * library beside each classification (slant_batch_options.spin) and shown
 * beside the scores, never added to them: the terms and the bias still
 * sum to the decision.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "trace_cli.h"

static const char usage[] =
    "slant classify [-m MODEL] [-f table|jsonl|tsv] [-k K|all] [-i text|jsonl] [-j N]\n"
    "                [--keep FIELD,...|all] [--include GLOB] [--exclude GLOB]\n"
    "                [--min-words N] [--min-phrases N] [--any-language] [--no-abstain]\n"
    "                [--offset BYTES] [--spin|--no-spin] [--spin-table FILE] [file|dir ...]";

#define SPIN_SHOWN 16       /* spin hits listed per document; all are counted */

enum fmt { FMT_TABLE, FMT_JSONL, FMT_TSV };

typedef struct ctx {
    const slant_model *m;
    enum fmt fmt;
    size_t top;
    size_t top_pool;        /* terms fetched to find 'top' positive ones */
    int color;
    size_t columns;         /* the table's width */
    slant_term **terms;     /* per worker */
    cli_out names;          /* JSON string literals of head and label names */
    size_t *head_name;      /* head h -> offset in names (NUL-terminated) */
    size_t *label_name;     /* label_first[h] + l -> offset in names */
    size_t *label_first;
    /* input fields copied into JSONL output: every one but the text, or
     * those named */
    long long offset_base;  /* --offset: where this input starts in the whole */
    int keep_all;
    const char *const *keep;
    size_t nkeep;
    const slant_spin_table *spin;   /* NULL: --no-spin */
    size_t spin_head;       /* the table shows spin under this head's evidence */
    int status;
} ctx;

/* The spin evidence of one document: the result's hits. */
typedef struct spin_found {
    const slant_result *r;
    size_t n;               /* found, perhaps more than shown */
} spin_found;

/* Escape every head and label name once, not once per document. */
static int escape_names(ctx *c)
{
    const slant_model *m = c->m;
    size_t nh = slant_model_nheads(m), nl = 0;
    for (size_t h = 0; h < nh; h++)
        nl += slant_model_nlabels(m, h);
    c->head_name = malloc((nh + 1) * sizeof *c->head_name);
    c->label_name = malloc((nl + 1) * sizeof *c->label_name);
    c->label_first = malloc((nh + 1) * sizeof *c->label_first);
    if (!c->head_name || !c->label_name || !c->label_first)
        return -1;
    for (size_t h = 0, g = 0; h < nh; h++) {
        c->head_name[h] = c->names.len;
        c->label_first[h] = g;
        out_json_string(&c->names, slant_model_head_name(m, h));
        out_write(&c->names, "", 1);
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++, g++) {
            c->label_name[g] = c->names.len;
            out_json_string(&c->names, slant_model_label(m, h, l));
            out_write(&c->names, "", 1);
        }
    }
    return c->names.failed ? -1 : 0;
}

static void release_names(ctx *c)
{
    free(c->head_name);
    free(c->label_name);
    free(c->label_first);
    out_release(&c->names);
}

static const char *head_json(const ctx *c, size_t h) { return c->names.data + c->head_name[h]; }

static const char *label_json(const ctx *c, size_t h, size_t l)
{
    return c->names.data + c->label_name[c->label_first[h] + l];
}

/* ---------------------------------------------------------------- formatting */

/* A document's id as JSON: an integer id stays a number. */
static void out_json_id(cli_out *o, const slant_doc *d)
{
    if (!d->id)
        out_puts(o, "null");
    else if (d->id_is_number)
        out_puts(o, d->id);
    else
        out_json_string(o, d->id);
}

static void out_field(cli_out *o, int *first, const char *key, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    if (!text) {
        o->failed = 1;
        return;
    }
    out_puts(o, *first ? "" : ",");
    out_json_string(o, key);
    out_puts(o, ":");
    out_puts(o, text);
    free(text);
    *first = 0;
}

/* ,"fields":{...}: the input fields asked for with --keep, when the
 * document is a JSONL record that parses. */
static void out_kept_fields(const ctx *c, cli_out *o, const slant_doc *d)
{
    if ((!c->keep_all && !c->nkeep) || !d->record)
        return;
    json_t *root = json_loadb(d->record, d->record_len, JSON_ALLOW_NUL, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    int first = 1;
    out_puts(o, ",\"fields\":{");
    if (c->keep_all) {
        const char *key;
        json_t *value;
        json_object_foreach(root, key, value)
            if (strcmp(key, "text") != 0 && strcmp(key, "id") != 0)
                out_field(o, &first, key, value);
    }
    for (size_t k = 0; k < c->nkeep; k++) {
        json_t *value = json_object_get(root, c->keep[k]);
        if (value)
            out_field(o, &first, c->keep[k], value);
    }
    out_puts(o, "}");
    json_decref(root);
}

/* ,"spin":[{"found","collocation","at"}...],"spin_count":N */
static void spin_jsonl(cli_out *o, const spin_found *sp)
{
    out_puts(o, ",\"spin\":[");
    for (size_t k = 0; k < sp->n && k < SPIN_SHOWN; k++) {
        out_puts(o, k ? ",{\"found\":" : "{\"found\":");
        const slant_spin_hit *hit = slant_result_spin(sp->r, k);
        out_json_string(o, hit->found);
        out_puts(o, ",\"collocation\":");
        out_json_string(o, hit->collocation);
        out_printf(o, ",\"at\":%zu}", hit->start);
    }
    out_printf(o, "],\"spin_count\":%zu", sp->n);
}

static void format_jsonl(ctx *c, cli_out *o, const slant_doc *d, const slant_result *r,
                         slant_term *terms, const spin_found *sp)
{
    const slant_model *m = c->m;
    size_t nh = slant_model_nheads(m);
    out_puts(o, "{\"id\":");
    out_json_id(o, d);
    out_kept_fields(c, o, d);
    out_puts(o, ",\"labels\":{");
    for (size_t h = 0; h < nh; h++) {
        out_puts(o, h ? "," : "");
        out_puts(o, head_json(c, h));
        out_puts(o, ":");
        if (d->abstain) {
            out_puts(o, "null");
        } else if (slant_model_head_multilabel(m, h)) {
            int first = 1;
            out_puts(o, "[");
            for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
                if (slant_result_predicted(r, h, l)) {
                    out_puts(o, first ? "" : ",");
                    out_puts(o, label_json(c, h, l));
                    first = 0;
                }
            out_puts(o, "]");
        } else {
            out_puts(o, label_json(c, h, slant_result_best(r, h)));
        }
    }
    out_puts(o, "}");
    if (d->abstain) {
        out_puts(o, ",\"abstain\":{");
        for (size_t h = 0; h < nh; h++) {
            out_puts(o, h ? "," : "");
            out_puts(o, head_json(c, h));
            out_puts(o, ":");
            out_json_string(o, d->abstain);
        }
        out_puts(o, "}");
    }
    out_puts(o, ",\"scores\":{");
    for (size_t h = 0; h < nh; h++) {
        out_puts(o, h ? "," : "");
        out_puts(o, head_json(c, h));
        out_puts(o, ":{");
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            out_puts(o, l ? "," : "");
            out_puts(o, label_json(c, h, l));
            out_puts(o, ":");
            out_double_g(o, slant_result_score(r, h, l), 6);
        }
        out_puts(o, "}");
    }
    out_puts(o, "},\"explain\":{");
    for (size_t h = 0; h < nh; h++) {
        int first = 1;
        out_puts(o, h ? "," : "");
        out_puts(o, head_json(c, h));
        out_puts(o, ":{");
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            if (!slant_result_predicted(r, h, l))
                continue;
            out_puts(o, first ? "" : ",");
            first = 0;
            out_puts(o, label_json(c, h, l));
            out_puts(o, ":{\"decision\":");
            out_json_double(o, slant_result_decision(r, h, l));
            out_puts(o, ",\"bias\":");
            out_json_double(o, slant_result_bias(r, h, l));
            out_puts(o, ",\"terms\":[");
            size_t nt = slant_result_terms(r, h, l, terms, c->top);
            for (size_t t = 0; t < nt; t++) {
                out_puts(o, t ? ",{\"term\":" : "{\"term\":");
                out_json_string(o, terms[t].text);
                out_puts(o, ",\"weight\":");
                out_json_double(o, terms[t].weight);
                out_puts(o, "}");
            }
            out_puts(o, "]}");
        }
        out_puts(o, "}");
    }
    out_puts(o, "}");
    if (sp)
        spin_jsonl(o, sp);
    out_puts(o, "}\n");
}

static void tsv_field(cli_out *o, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\t' || ch == '\n' || ch == '\r')
            out_write(o, " ", 1);
        else if (ch < 0x20 || ch == 0x7f)
            out_printf(o, "\\x%02x", ch);
        else
            out_write(o, s, 1);
    }
}

/* A row per label. A document that abstains predicts nothing (as in
 * JSONL); its rows say why in the last column, and the labels it would
 * have predicted keep their terms. */
static void format_tsv(ctx *c, cli_out *o, const char *id, const char *abstain,
                       const slant_result *r, slant_term *terms)
{
    const slant_model *m = c->m;
    for (size_t h = 0; h < slant_model_nheads(m); h++)
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            int pred = slant_result_predicted(r, h, l);
            tsv_field(o, id);
            out_puts(o, "\t");
            tsv_field(o, slant_model_head_name(m, h));
            out_puts(o, "\t");
            tsv_field(o, slant_model_label(m, h, l));
            out_printf(o, "\t%.6f\t%d\t", slant_result_score(r, h, l), pred && !abstain);
            if (pred) {
                size_t nt = slant_result_terms(r, h, l, terms, c->top);
                for (size_t t = 0; t < nt; t++) {
                    out_puts(o, t ? "; " : "");
                    tsv_field(o, terms[t].text);
                    out_printf(o, " %+.4f", terms[t].weight);
                }
            }
            out_puts(o, "\t");
            tsv_field(o, abstain ? abstain : "");
            out_puts(o, "\n");
        }
}

struct ranked {
    size_t label;
    double score;
};

static int by_score(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->label < b->label ? -1 : 1;
}

/* Columns a string takes: UTF-8 continuation bytes take none. */
static size_t columns(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* A line of items that wraps at the table's width: items are never split,
 * and continuation lines start at 'indent'. */
typedef struct wrapper {
    cli_out *o;
    cli_out item;
    size_t col, indent, width;
} wrapper;

/* Write the item gathered in w->item (of 'visible' columns), with a space
 * before it unless it starts the line. */
static void wrap_item(wrapper *w, size_t visible)
{
    if (w->col > w->indent && w->col + 1 + visible > w->width) {
        out_printf(w->o, "\n%*s", (int)w->indent, "");
        w->col = w->indent;
    } else if (w->col > w->indent) {
        out_puts(w->o, " ");
        w->col++;
    }
    out_write(w->o, w->item.data ? w->item.data : "", w->item.len);
    w->col += visible;
    w->item.len = 0;
}

/* One signed contribution, "+0.090 "fished"", coloured on a terminal. */
static void wrap_term(wrapper *w, const ctx *c, const slant_term *t)
{
    const char *color = !c->color ? "" : t->weight >= 0 ? "\033[32m" : "\033[31m";
    out_printf(&w->item, "%s%+.3f%s \"", color, t->weight, c->color ? "\033[0m" : "");
    size_t plain = w->item.len - strlen(color) - (c->color ? 4 : 0);
    size_t start = w->item.len;
    out_visible(&w->item, t->text);
    size_t text_cols = columns(w->item.data + start, w->item.len - start);
    out_puts(&w->item, "\"");
    wrap_item(w, plain + text_cols + 1);
}

/* The 'want' strongest terms pushing towards the label (sign > 0) or away
 * from it (sign < 0), in place at the front of terms. */
static size_t pick_terms(slant_term *terms, size_t nt, size_t want, int sign)
{
    size_t kept = 0;
    for (size_t t = 0; t < nt && kept < want; t++)
        if ((sign > 0) == (terms[t].weight > 0) && terms[t].weight != 0)
            terms[kept++] = terms[t];
    return kept;
}

/* "why": for a predicted label, the phrases that pushed towards it, then
 * those that pushed away, strongest first. */
static void table_evidence(ctx *c, cli_out *o, const slant_result *r, size_t h, size_t l,
                           slant_term *terms, size_t width)
{
    const slant_model *m = c->m;
    wrapper w = {.o = o, .indent = width + 6, .width = c->columns};
    for (int sign = 1; sign >= -1; sign -= 2) {
        size_t nt = slant_result_terms(r, h, l, terms, c->top_pool);
        nt = pick_terms(terms, nt, sign > 0 ? c->top : (c->top + 1) / 2, sign);
        if (sign < 0 && nt == 0)
            break;
        out_printf(o, "  %*s ", (int)width, "");
        w.col = width + 3;
        out_visible(&w.item, sign > 0 ? slant_model_label(m, h, l) : "against");
        out_puts(&w.item, ":");
        wrap_item(&w, columns(w.item.data, w.item.len));
        for (size_t t = 0; t < nt; t++)
            wrap_term(&w, c, &terms[t]);
        if (nt == 0) {
            out_puts(&w.item, "(no matching phrases: the score is the label's prior)");
            wrap_item(&w, w.item.len);
        }
        out_puts(o, "\n");
    }
    out_release(&w.item);
}

/* A head's labels by score: the predicted ones marked with '*' (and bold
 * on a terminal) unless the document abstains, the others up to four in
 * all. */
static void table_scores(ctx *c, cli_out *o, const slant_result *r, size_t h,
                         const struct ranked *rk, size_t width, int abstains)
{
    const slant_model *m = c->m;
    const char *bold = c->color ? "\033[1m" : "", *dim = c->color ? "\033[2m" : "";
    const char *reset = c->color ? "\033[0m" : "";
    wrapper w = {.o = o, .indent = width + 3, .width = c->columns};
    out_puts(o, "  ");
    out_visible(o, slant_model_head_name(m, h));
    out_printf(o, "%*s ", (int)(width - columns(slant_model_head_name(m, h),
                                                 strlen(slant_model_head_name(m, h)))), "");
    w.col = width + 3;
    for (size_t i = 0, shown = 0; i < slant_model_nlabels(m, h); i++, shown++) {
        int pred = slant_result_predicted(r, h, rk[i].label);
        if (!pred && shown >= 4)
            break;
        const char *name = slant_model_label(m, h, rk[i].label);
        pred = pred && !abstains;
        out_printf(&w.item, "%s%s", pred ? bold : dim, pred ? "*" : "");
        size_t start = w.item.len;
        out_visible(&w.item, name);
        size_t cols = (pred ? 1u : 0u) + columns(w.item.data + start, w.item.len - start);
        out_printf(&w.item, " %.2f%s", rk[i].score, reset);
        wrap_item(&w, cols + 5 + (i ? 1 : 0));
    }
    out_puts(o, "\n");
    out_release(&w.item);
}

/* "spin:" and the broken phrases, wrapped as the evidence is. */
static void table_spin(const ctx *c, cli_out *o, const spin_found *sp, size_t width)
{
    wrapper w = {.o = o, .indent = width + 6, .width = c->columns};
    out_printf(o, "  %*s ", (int)width, "");
    w.col = width + 3;
    out_printf(&w.item, "spin (content-farm evidence, not in the score): %zu broken phrase%s",
               sp->n, sp->n == 1 ? "" : "s");
    wrap_item(&w, w.item.len);
    for (size_t k = 0; k < sp->n && k < SPIN_SHOWN; k++) {
        out_puts(&w.item, "\"");
        const slant_spin_hit *hit = slant_result_spin(sp->r, k);
        out_visible(&w.item, hit->found);
        out_puts(&w.item, "\" for \"");
        out_visible(&w.item, hit->collocation);
        out_puts(&w.item, k + 1 < sp->n && k + 1 < SPIN_SHOWN ? "\"," : "\"");
        wrap_item(&w, columns(w.item.data, w.item.len));
    }
    if (sp->n > SPIN_SHOWN) {
        out_printf(&w.item, "and %zu more", sp->n - SPIN_SHOWN);
        wrap_item(&w, w.item.len);
    }
    out_puts(o, "\n");
    out_release(&w.item);
}

static void format_table(ctx *c, cli_out *o, const char *id, const char *abstain,
                         const slant_result *r, slant_term *terms, const spin_found *sp)
{
    const slant_model *m = c->m;
    size_t width = 0;
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        const char *name = slant_model_head_name(m, h);
        if (columns(name, strlen(name)) > width)
            width = columns(name, strlen(name));
    }
    out_puts(o, c->color ? "\033[1m" : "");
    out_visible(o, id);
    size_t nf = slant_result_nfeatures(r);
    out_printf(o, "%s  %s(%zu phrase%s matched)%s\n", c->color ? "\033[0m" : "",
               c->color ? "\033[2m" : "", nf, nf == 1 ? "" : "s", c->color ? "\033[0m" : "");
    if (abstain) {
        out_puts(o, "  abstains: ");
        out_visible(o, abstain);
        out_puts(o, " (the scores below are not to be trusted)\n");
    }
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        size_t nl = slant_model_nlabels(m, h);
        struct ranked *rk = malloc(nl * sizeof *rk);
        if (!rk) {
            o->failed = 1;
            return;
        }
        for (size_t l = 0; l < nl; l++)
            rk[l] = (struct ranked){l, slant_result_score(r, h, l)};
        qsort(rk, nl, sizeof *rk, by_score);
        table_scores(c, o, r, h, rk, width, abstain != NULL);
        for (size_t i = 0; i < nl; i++)
            if (slant_result_predicted(r, h, rk[i].label))
                table_evidence(c, o, r, h, rk[i].label, terms, width);
        if (sp && sp->n && h == c->spin_head)
            table_spin(c, o, sp, width);
        free(rk);
    }
    out_puts(o, "\n");
}

/* ---------------------------------------------------------------- the batch's callbacks */

static void error_record(const ctx *c, cli_out *o, const slant_doc *d, const slant_error *why)
{
    out_puts(o, "{\"id\":");
    out_json_id(o, d);
    out_kept_fields(c, o, d);
    out_puts(o, ",\"source\":");
    out_json_string(o, d->source);
    out_printf(o, ",\"line\":%ld", d->line);
    if (d->offset >= 0)
        out_printf(o, ",\"offset\":%lld", d->offset + c->offset_base);
    out_puts(o, ",\"error\":");
    out_json_string(o, why->text);
    out_puts(o, "}\n");
}

/* On a worker: format the document's result, or its error record. */
static void on_result(void *arg, int worker, const slant_doc *d, const slant_result *r,
                      const slant_error *why, slant_buffer *o)
{
    ctx *c = arg;
    slant_term *terms = c->terms[worker];
    const char *id = d->id ? d->id : d->source;
    /* the batch found the spin hits beside the classification */
    spin_found sp = {r, r ? slant_result_nspin(r) : 0};
    const spin_found *spp = r && c->spin ? &sp : NULL;
    if (!r) {
        if (c->fmt == FMT_JSONL)
            error_record(c, o, d, why);
    } else if (c->fmt == FMT_JSONL) {
        format_jsonl(c, o, d, r, terms, spp);
    } else if (c->fmt == FMT_TSV) {
        format_tsv(c, o, id, d->abstain, r, terms);
    } else {
        format_table(c, o, id, d->abstain, r, terms, spp);
    }
}

/* In input order: report a failure, write the output. A failed write (a
 * closed pipe, a full disk) stops the run at once, reported once by
 * cli_close_stdout. */
static int on_output(void *arg, const slant_doc *d, const slant_error *why, const char *bytes,
                     size_t len)
{
    ctx *c = arg;
    (void)d;
    if (why) {
        cli_report(why);
        c->status = EXIT_DATA;
    }
    fwrite(bytes, 1, len, stdout);
    return ferror(stdout) != 0;
}

/* Per-worker room for the terms of one label: 'all' needs room for every
 * feature a document can hit. */
static int alloc_terms(ctx *c, int nthreads)
{
    size_t n = c->top == (size_t)-1 ? slant_model_nfeatures(c->m) + 1 : c->top_pool + 1;
    if (!(c->terms = calloc((size_t)nthreads, sizeof *c->terms)))
        return -1;
    for (int t = 0; t < nthreads; t++)
        if (!(c->terms[t] = malloc(n * sizeof(slant_term))))
            return -1;
    return 0;
}

static void free_terms(ctx *c, int nthreads)
{
    for (int t = 0; c->terms && t < nthreads; t++)
        free(c->terms[t]);
    free(c->terms);
}

/* Classify every input through a batch of 'nthreads' workers. */
static int run_batch(ctx *c, int nthreads, const slant_batch_options *base, char **files,
                     int nfiles, enum slant_input how)
{
    slant_batch_options o = *base;
    slant_error err;
    o.threads = nthreads;
    o.spin = c->spin;
    o.on_result = on_result;
    o.on_output = on_output;
    o.ctx = c;
    slant_batch *b = slant_batch_new(c->m, &o, &err);
    if (!b) {
        cli_report(&err);
        return EXIT_DATA;
    }
    int rc = SLANT_OK;
    for (int f = 0; f < nfiles && rc == SLANT_OK; f++)
        rc = slant_batch_submit_file(b, files[f], how, &err);
    if (rc == SLANT_OK)
        rc = slant_batch_finish(b, &err);
    if (rc == SLANT_ENOMEM) {
        cli_report(&err);
        c->status = EXIT_DATA;
    }
    slant_batch_free(b);
    return c->status;
}

/* The width the table wraps at: the terminal's, else $COLUMNS, else 80;
 * never under 40. */
static size_t terminal_columns(void)
{
    struct winsize ws;
    long cols = 0;
    if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0)
        cols = ws.ws_col;
    if (cols <= 0 && getenv("COLUMNS"))
        cols = strtol(getenv("COLUMNS"), NULL, 10);
    if (cols <= 0)
        cols = 80;
    return cols < 40 ? 40 : (size_t)cols;
}

/* The field names of --keep, split at commas into 'copy'. Returns
 * EXIT_OK, or the status of the error it reported. */
static int split_keep(const char *list, char **copy, const char ***names, size_t *n)
{
    size_t count = 1;
    for (const char *p = list; *p; p++)
        count += *p == ',';
    *copy = strdup(list);
    *names = calloc(count, sizeof **names);
    *n = 0;
    if (!*copy || !*names) {
        cli_errorf("out of memory");
        return EXIT_DATA;
    }
    for (char *field = *copy, *next; field; field = next) {
        next = strchr(field, ',');
        if (next)
            *next++ = '\0';
        if (!*field)
            return cli_usage_error(usage, "--keep takes field names separated by commas, or "
                                          "'all'");
        (*names)[(*n)++] = field;
    }
    return EXIT_OK;
}

/* What the command line asked for. */
typedef struct classify_args {
    const char *model_path, *mask_field, *mask_names, *keep, *spin_table;
    int spin;                       /* -1: the format's default */
    int fmt, nthreads;
    enum slant_input how;
    size_t top;
    long min_words, min_phrases;    /* -1: the default */
    long long offset;
    int any_language;
    const char *globs[2][64];       /* --include, --exclude */
    size_t nglobs[2];
} classify_args;

/* Parse the options into 'a'; returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, classify_args *a)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'k'},   {"input", required_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"mask-field", required_argument, NULL, 'M'}, {"mask-names", required_argument, NULL, 'N'},
        {"keep", required_argument, NULL, 'K'}, {"include", required_argument, NULL, 'I'},
        {"exclude", required_argument, NULL, 'X'}, {"min-words", required_argument, NULL, 'W'},
        {"min-phrases", required_argument, NULL, 'P'}, {"any-language", no_argument, NULL, 'L'},
        {"no-abstain", no_argument, NULL, 'A'}, {"offset", required_argument, NULL, 'O'},
        {"spin", no_argument, NULL, 'Y'}, {"no-spin", no_argument, NULL, 'S'},
        {"spin-table", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:f:k:i:j:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': a->model_path = optarg; break;
        case 'M': a->mask_field = optarg; break;
        case 'N': a->mask_names = optarg; break;
        case 'K': a->keep = optarg; break;
        case 'Y': a->spin = 1; break;
        case 'S': a->spin = 0; break;
        case 'T': a->spin_table = optarg; break;
        case 'O': {
            char *end;
            errno = 0;
            a->offset = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || a->offset < 0)
                return cli_usage_error(usage, "--offset takes a byte offset, not '%s'", optarg);
            break;
        }
        case 'L': a->any_language = 1; break;
        case 'A': a->any_language = 1; a->min_words = a->min_phrases = 0; break;
        case 'W':
        case 'P': {
            long v = cli_parse_count(optarg);
            if (v < 0)
                return cli_usage_error(usage, "--min-%s takes a number, not '%s'",
                                       opt == 'W' ? "words" : "phrases", optarg);
            *(opt == 'W' ? &a->min_words : &a->min_phrases) = v;
            break;
        }
        case 'I':
        case 'X': {
            int k = opt == 'X';
            if (a->nglobs[k] == 64)
                return cli_usage_error(usage, "at most 64 --include and 64 --exclude patterns");
            a->globs[k][a->nglobs[k]++] = optarg;
            break;
        }
        case 'f':
            if (strcmp(optarg, "table") == 0) a->fmt = FMT_TABLE;
            else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0) a->fmt = FMT_JSONL;
            else if (strcmp(optarg, "tsv") == 0) a->fmt = FMT_TSV;
            else return cli_usage_error(usage, "unknown format '%s'", optarg);
            break;
        case 'k':
            if (strcmp(optarg, "all") == 0) {
                a->top = (size_t)-1;
            } else {
                long v = cli_parse_count(optarg);
                if (v < 0)
                    return cli_usage_error(usage, "--top takes a number or 'all', not '%s'", optarg);
                a->top = (size_t)v;
            }
            break;
        case 'i':
            if (strcmp(optarg, "jsonl") == 0) a->how = SLANT_INPUT_JSONL;
            else if (strcmp(optarg, "text") == 0) a->how = SLANT_INPUT_TEXT;
            else return cli_usage_error(usage, "unknown input format '%s'", optarg);
            break;
        case 'j': {
            long v = cli_parse_count(optarg);
            if (v < 1 || v > SLANT_MAX_THREADS)
                return cli_usage_error(usage, "--threads takes 1 to %d, not '%s'",
                                       SLANT_MAX_THREADS, optarg);
            a->nthreads = (int)v;
            break;
        }
        default:
            return cli_option_fallback(opt, usage, argv);
        }
    }
    return -1;
}

/* The head whose evidence the spin line follows in the table: the one
 * with a content_farm label, else the last. */
static size_t spin_head(const slant_model *m)
{
    size_t nh = slant_model_nheads(m);
    for (size_t h = 0; h < nh; h++)
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
            if (strcmp(slant_model_label(m, h, l), "content_farm") == 0)
                return h;
    return nh ? nh - 1 : 0;
}

int cli_cmd_classify(int argc, char **argv)
{
    classify_args a = {.fmt = -1, .nthreads = 1, .how = SLANT_INPUT_AUTO, .top = 5,
                       .min_words = -1, .min_phrases = -1, .spin = -1};
    int status = parse_options(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.fmt < 0)
        a.fmt = cli_use_color(stdout) || isatty(1) ? FMT_TABLE : FMT_JSONL;
    if (a.keep && a.fmt != FMT_JSONL)
        return cli_usage_error(usage, "--keep copies input fields into JSONL output: add "
                                      "--format jsonl");
    if (a.spin == 1 && a.fmt == FMT_TSV)
        return cli_usage_error(usage, "--spin shows spin evidence in table and JSONL output, "
                                      "not TSV");
    /* spin evidence: in the table unless --no-spin (a reader's few
     * documents); in JSONL only with --spin (a bulk run: found from the
     * classifier's own words it still costs about a fifth more CPU) */
    if (a.spin < 0)
        a.spin = a.fmt == FMT_TABLE;
    char *keep_copy = NULL;
    const char **keep = NULL;
    size_t nkeep = 0;
    int keep_all = a.keep && strcmp(a.keep, "all") == 0;
    if (a.keep && !keep_all &&
        (status = split_keep(a.keep, &keep_copy, &keep, &nkeep)) != EXIT_OK) {
        free(keep_copy);
        free(keep);
        return status;
    }
    cli_names names = {0};
    if (a.mask_names && cli_read_names(a.mask_names, &names) < 0)
        return EXIT_DATA;
    slant_model *m = cli_load_model(a.model_path, a.nthreads);
    if (!m) {
        cli_names_release(&names);
        return EXIT_DATA;
    }
    slant_spin_table *spin = NULL;
    if (a.spin) {
        slant_error err;
        if (!(spin = slant_spin_load(cli_default_spin_table(a.spin_table), &err))) {
            cli_report(&err);
            slant_model_free(m);
            cli_names_release(&names);
            return EXIT_DATA;
        }
    }
    json_object_seed(0);    /* before any thread parses JSON */
    /* results go out a batch at a time: in 1 MB writes, not 4 KB ones */
    static char outbuf[1 << 20];
    if (!isatty(1))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    ctx c = {.m = m, .fmt = (enum fmt)a.fmt, .top = a.top, .top_pool = a.top,
             .columns = terminal_columns(), .offset_base = a.offset, .keep_all = keep_all, .keep = keep, .nkeep = nkeep,
             .color = a.fmt == FMT_TABLE && cli_use_color(stdout), .spin = spin,
             .spin_head = spin_head(m), .status = EXIT_OK};
    if (a.fmt == FMT_TABLE && a.top != (size_t)-1)
        c.top_pool = a.top * 8;
    if (escape_names(&c) < 0 || alloc_terms(&c, a.nthreads) < 0) {
        cli_errorf("out of memory");
        status = EXIT_DATA;
    } else {
        slant_batch_options o;
        slant_batch_options_init(&o);
        o.mask_names = names.v;
        o.nmask_names = names.n;
        o.mask_field = a.mask_field;
        o.include = a.globs[0];
        o.ninclude = a.nglobs[0];
        o.exclude = a.globs[1];
        o.nexclude = a.nglobs[1];
        if (a.min_words >= 0)
            o.min_words = (size_t)a.min_words;
        if (a.min_phrases >= 0)
            o.min_phrases = (size_t)a.min_phrases;
        o.check_language = !a.any_language;
        if (a.fmt == FMT_TSV)
            fputs("id\thead\tlabel\tscore\tpredicted\tterms\tabstain\n", stdout);
        static char dash[] = "-";
        char *stdin_name[] = {dash};
        int given = optind < argc;
        status = run_batch(&c, a.nthreads, &o, given ? argv + optind : stdin_name,
                           given ? argc - optind : 1, a.how);
        if (cli_close_stdout() != EXIT_OK)
            status = EXIT_DATA;
    }
    free_terms(&c, a.nthreads);
    free(keep_copy);
    free(keep);
    release_names(&c);
    slant_spin_free(spin);
    slant_model_free(m);
    cli_names_release(&names);
    return status;
}
