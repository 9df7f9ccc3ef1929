/* cmd_classify.c - `slant classify`: documents in, scores and the phrases
 * behind them out, in input order.
 *
 * The library's batch engine reads the inputs and classifies them on -j
 * worker threads; here, each result is formatted on its worker (JSONL,
 * TSV or a table for the terminal) and written to stdout in input order.
 * A bad document never stops the run: it gets an error on stderr (and an
 * error record in JSONL output) and the exit status 1.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "slant classify [-m MODEL] [-f table|jsonl|tsv] [-k K|all] [-i text|jsonl] [-j N] [file ...]";

enum fmt { FMT_TABLE, FMT_JSONL, FMT_TSV };

typedef struct ctx {
    const slant_model *m;
    enum fmt fmt;
    size_t top;
    size_t top_pool;        /* terms fetched to find 'top' positive ones */
    int color;
    slant_term **terms;     /* per worker */
    cli_out names;          /* JSON string literals of head and label names */
    size_t *head_name;      /* head h -> offset in names (NUL-terminated) */
    size_t *label_name;     /* label_first[h] + l -> offset in names */
    size_t *label_first;
    int status;
} ctx;

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

static void format_jsonl(ctx *c, cli_out *o, const slant_doc *d, const slant_result *r,
                         slant_term *terms)
{
    const slant_model *m = c->m;
    size_t nh = slant_model_nheads(m);
    out_puts(o, "{\"id\":");
    out_json_id(o, d);
    out_puts(o, ",\"labels\":{");
    for (size_t h = 0; h < nh; h++) {
        out_puts(o, h ? "," : "");
        out_puts(o, head_json(c, h));
        out_puts(o, ":");
        if (slant_model_head_multilabel(m, h)) {
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
    out_puts(o, "},\"scores\":{");
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
    out_puts(o, "}}\n");
}

static void tsv_field(cli_out *o, const char *s)
{
    for (; *s; s++)
        out_write(o, (*s == '\t' || *s == '\n' || *s == '\r') ? " " : s, 1);
}

static void format_tsv(ctx *c, cli_out *o, const char *id, const slant_result *r,
                       slant_term *terms)
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
            out_printf(o, "\t%.6f\t%d\t", slant_result_score(r, h, l), pred);
            if (pred) {
                size_t nt = slant_result_terms(r, h, l, terms, c->top);
                for (size_t t = 0; t < nt; t++) {
                    out_puts(o, t ? "; " : "");
                    tsv_field(o, terms[t].text);
                    out_printf(o, " %+.4f", terms[t].weight);
                }
            }
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

static void format_table(ctx *c, cli_out *o, const char *id, const slant_result *r,
                         slant_term *terms)
{
    const slant_model *m = c->m;
    const char *bold = c->color ? "\033[1m" : "", *dim = c->color ? "\033[2m" : "";
    const char *green = c->color ? "\033[32m" : "", *red = c->color ? "\033[31m" : "";
    const char *reset = c->color ? "\033[0m" : "";
    size_t width = 0;
    for (size_t h = 0; h < slant_model_nheads(m); h++)
        if (strlen(slant_model_head_name(m, h)) > width)
            width = strlen(slant_model_head_name(m, h));
    out_printf(o, "%s%s%s  %s(%zu phrases matched)%s\n", bold, id, reset, dim,
               slant_result_nfeatures(r), reset);
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
        out_printf(o, "  %-*s ", (int)width, slant_model_head_name(m, h));
        size_t shown = 0;
        for (size_t i = 0; i < nl; i++) {
            int pred = slant_result_predicted(r, h, rk[i].label);
            if (!pred && shown >= 4)
                break;
            out_printf(o, "%s%s%s %.2f%s", i ? "  " : "", pred ? bold : dim,
                       slant_model_label(m, h, rk[i].label), rk[i].score, reset);
            shown++;
        }
        out_puts(o, "\n");
        for (size_t i = 0; i < nl; i++) {
            size_t l = rk[i].label;
            if (!slant_result_predicted(r, h, l))
                continue;
            /* "why": the phrases that pushed towards the label, strongest first */
            size_t want = c->top, nt = slant_result_terms(r, h, l, terms, c->top_pool);
            size_t kept = 0;
            for (size_t t = 0; t < nt && kept < want; t++)
                if (terms[t].weight > 0)
                    terms[kept++] = terms[t];
            nt = kept;
            out_printf(o, "  %*s %s:", (int)width, "", slant_model_label(m, h, l));
            for (size_t t = 0; t < nt; t++)
                out_printf(o, "%s %s%+.3f%s \"%s\"", t ? " " : "",
                           terms[t].weight >= 0 ? green : red, terms[t].weight, reset,
                           terms[t].text);
            if (nt == 0)
                out_puts(o, " (no matching phrases: the score is the label's prior)");
            out_puts(o, "\n");
        }
        free(rk);
    }
    out_puts(o, "\n");
}

/* ---------------------------------------------------------------- the batch's callbacks */

static void error_record(cli_out *o, const slant_doc *d, const slant_error *why)
{
    out_puts(o, "{\"id\":");
    out_json_id(o, d);
    out_puts(o, ",\"source\":");
    out_json_string(o, d->source);
    out_printf(o, ",\"line\":%ld,\"error\":", d->line);
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
    if (!r) {
        if (c->fmt == FMT_JSONL)
            error_record(o, d, why);
    } else if (c->fmt == FMT_JSONL) {
        format_jsonl(c, o, d, r, terms);
    } else if (c->fmt == FMT_TSV) {
        format_tsv(c, o, id, r, terms);
    } else {
        format_table(c, o, id, r, terms);
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

/* What the command line asked for. */
typedef struct classify_args {
    const char *model_path, *mask_field, *mask_names;
    int fmt, nthreads;
    enum slant_input how;
    size_t top;
} classify_args;

/* Parse the options into 'a'; returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, classify_args *a)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'k'},   {"input", required_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"mask-field", required_argument, NULL, 'M'}, {"mask-names", required_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:f:k:i:j:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': a->model_path = optarg; break;
        case 'M': a->mask_field = optarg; break;
        case 'N': a->mask_names = optarg; break;
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

int cli_cmd_classify(int argc, char **argv)
{
    classify_args a = {.fmt = -1, .nthreads = 1, .how = SLANT_INPUT_AUTO, .top = 5};
    int status = parse_options(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.fmt < 0)
        a.fmt = cli_use_color(stdout) || isatty(1) ? FMT_TABLE : FMT_JSONL;
    cli_names names = {0};
    if (a.mask_names && cli_read_names(a.mask_names, &names) < 0)
        return EXIT_DATA;
    slant_model *m = cli_load_model(a.model_path, a.nthreads);
    if (!m) {
        cli_names_release(&names);
        return EXIT_DATA;
    }
    json_object_seed(0);    /* before any thread parses JSON */
    /* results go out a batch at a time: in 1 MB writes, not 4 KB ones */
    static char outbuf[1 << 20];
    if (!isatty(1))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    ctx c = {.m = m, .fmt = (enum fmt)a.fmt, .top = a.top, .top_pool = a.top,
             .color = a.fmt == FMT_TABLE && cli_use_color(stdout), .status = EXIT_OK};
    if (a.fmt == FMT_TABLE && a.top != (size_t)-1)
        c.top_pool = a.top * 4;
    if (escape_names(&c) < 0 || alloc_terms(&c, a.nthreads) < 0) {
        cli_errorf("out of memory");
        status = EXIT_DATA;
    } else {
        slant_batch_options o;
        slant_batch_options_init(&o);
        o.mask_names = names.v;
        o.nmask_names = names.n;
        o.mask_field = a.mask_field;
        if (a.fmt == FMT_TSV)
            fputs("id\thead\tlabel\tscore\tpredicted\tterms\n", stdout);
        static char dash[] = "-";
        char *stdin_name[] = {dash};
        int given = optind < argc;
        status = run_batch(&c, a.nthreads, &o, given ? argv + optind : stdin_name,
                           given ? argc - optind : 1, a.how);
        if (cli_close_stdout() != EXIT_OK)
            status = EXIT_DATA;
    }
    free_terms(&c, a.nthreads);
    release_names(&c);
    slant_model_free(m);
    cli_names_release(&names);
    return status;
}
