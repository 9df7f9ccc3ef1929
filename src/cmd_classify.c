/* cmd_classify.c - `slant classify`: documents in, scores and the phrases
 * behind them out, in input order.
 *
 * Inputs are gathered into batches (a plain file is one document, a JSONL
 * line is one document). Worker threads, each with its own workspace,
 * parse, classify and format the documents of a batch into per-document
 * buffers, while the main thread writes the batch before in order (with
 * the errors of documents that failed) and reads the next; it then joins
 * in. A bad record never stops the run: it gets an error on stderr (and
 * an error record in JSONL output) and the exit status 1. Errors come in
 * input order, reader errors (a missing file) included.
 */
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slant_private.h"
#include "cli.h"

static const char usage[] =
    "slant classify [-m MODEL] [-f table|jsonl|tsv] [-k K|all] [-i text|jsonl] [-j N] [file ...]";

enum fmt { FMT_TABLE, FMT_JSONL, FMT_TSV };

typedef struct doc_slot {
    size_t off, len;        /* raw bytes in the batch arena */
    const char *source;     /* file name or "<stdin>" */
    long line;              /* JSONL line, or 0 for a whole file */
    cli_out out;
    slant_error err;
    int failed;
} doc_slot;

typedef struct batch {
    slantp_buf arena;
    doc_slot *slots;
    size_t n, cap;
} batch;

typedef struct ctx {
    const slant_model *m;
    enum fmt fmt;
    size_t top;
    size_t top_pool;        /* terms fetched to find 'top' positive ones */
    int color;
    batch *b;
    cli_out names;          /* JSON string literals of head and label names */
    size_t *head_name;      /* head h -> offset in names (NUL-terminated) */
    size_t *label_name;     /* label_first[h] + l -> offset in names */
    size_t *label_first;
    /* names blanked from every text, and a JSONL field whose value is
     * blanked from its own record's text */
    const char *const *mask_names;
    size_t nmask_names;
    const char *mask_field;
    /* the next document of b to classify; on a cache line of its own, as
     * every document writes it and the fields above are read throughout */
    alignas(64) _Atomic size_t next;
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

static const char *head_json(const ctx *c, size_t h) { return c->names.p + c->head_name[h]; }

static const char *label_json(const ctx *c, size_t h, size_t l)
{
    return c->names.p + c->label_name[c->label_first[h] + l];
}

/* ---------------------------------------------------------------- formatting */

static void format_jsonl(ctx *c, doc_slot *s, const char *id, const slant_result *r,
                         slant_term *terms)
{
    const slant_model *m = c->m;
    size_t nh = slant_model_nheads(m);
    cli_out *o = &s->out;
    out_puts(o, "{\"id\":");
    out_json_string(o, id);
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

static void format_tsv(ctx *c, doc_slot *s, const char *id, const slant_result *r,
                       slant_term *terms)
{
    const slant_model *m = c->m;
    cli_out *o = &s->out;
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

static void format_table(ctx *c, doc_slot *s, const char *id, const slant_result *r,
                         slant_term *terms)
{
    const slant_model *m = c->m;
    cli_out *o = &s->out;
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

/* ---------------------------------------------------------------- work */

/* One per thread, each on cache lines of its own: the buffers' lengths
 * change all through a document. */
struct worker {
    alignas(64) ctx *c;
    struct pipeline *pipe;
    slant_workspace *ws;
    slant_term *terms;
    slantp_buf text, id;    /* decoded fields of the current JSONL line */
    slantp_buf masked;      /* the text with names blanked */
};

/* The text with the names asked for blanked, in the worker's buffer. */
static int mask_text(const ctx *c, struct worker *w, const char **text, size_t len, json_t *root)
{
    json_t *v = root && c->mask_field ? json_object_get(root, c->mask_field) : NULL;
    w->masked.len = 0;
    if (slantp_buf_append(&w->masked, *text, len) < 0 || slantp_buf_append(&w->masked, "", 1) < 0)
        return -1;
    if (slantp_mask_names(w->masked.data, len, json_is_string(v) ? json_string_value(v) : NULL,
                          c->mask_names, c->nmask_names) == (size_t)-1)
        return -1;
    *text = w->masked.data;
    return 0;
}

static void work_one(ctx *c, struct worker *w, doc_slot *s)
{
    slant_workspace *ws = w->ws;
    slant_term *terms = w->terms;
    int have_id = 0;
    const char *raw = c->b->arena.data + s->off;
    const char *text = raw, *id = s->source;
    size_t len = s->len;
    json_t *root = NULL;
    char idbuf[64];
    s->out.len = 0;
    s->failed = 0;
    slantp_error_clear(&s->err);
    int fast = s->line > 0 && !c->mask_field
                   ? slantp_jsonl_doc(raw, s->len, &w->text, &w->id, &have_id)
                   : SLANTP_JSONL_DECLINED;
    if (fast == SLANTP_JSONL_NOMEM) {
        /* never a reason to try jansson, whose lexer ignores allocation failures */
        slantp_error(&s->err, SLANT_ENOMEM, s->source, s->line, 1, "out of memory");
        goto bad;
    }
    if (fast == 0) {
        text = w->text.data;
        len = w->text.len;
        if (have_id) {
            id = w->id.data;
        } else {
            snprintf(idbuf, sizeof idbuf, "%ld", s->line);
            id = idbuf;
        }
    } else if (s->line > 0) {
        json_error_t je;
        root = json_loadb(raw, s->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        if (!root) {
            slantp_error(&s->err, SLANT_EFORMAT, s->source, s->line, je.column > 0 ? je.column : 1,
                         "%s", je.text);
            goto bad;
        }
        json_t *jt = json_object_get(root, "text");
        json_t *ji = json_object_get(root, "id");
        if (!json_is_object(root) || !json_is_string(jt)) {
            slantp_error(&s->err, SLANT_EFORMAT, s->source, s->line, 1,
                         !json_is_object(root) ? "expected a JSON object"
                         : jt                  ? "field 'text' is not a string"
                                               : "missing field 'text'");
            goto bad;
        }
        text = json_string_value(jt);
        len = json_string_length(jt);
        if (json_is_string(ji)) {
            id = json_string_value(ji);
        } else if (json_is_integer(ji)) {
            snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(ji));
            id = idbuf;
        } else {
            snprintf(idbuf, sizeof idbuf, "%ld", s->line);
            id = idbuf;
        }
    }
    if ((c->mask_field || c->nmask_names) && mask_text(c, w, &text, len, root) < 0) {
        slantp_error(&s->err, SLANT_ENOMEM, s->source, s->line, 1, "out of memory");
        goto bad;
    }
    const slant_result *r;
    if (slant_classify(ws, text, len, &r, &s->err) != SLANT_OK) {
        if (s->err.line < 0 && s->line > 0) {
            s->err.line = s->line;
            s->err.column = 1;
        }
        snprintf(s->err.source, sizeof s->err.source, "%s", s->source);
        goto bad;
    }
    if (c->fmt == FMT_JSONL)
        format_jsonl(c, s, id, r, terms);
    else if (c->fmt == FMT_TSV)
        format_tsv(c, s, id, r, terms);
    else
        format_table(c, s, id, r, terms);
    json_decref(root);
    return;
bad:
    s->failed = 1;
    if (c->fmt == FMT_JSONL) {
        out_puts(&s->out, "{\"id\":null,\"source\":");
        out_json_string(&s->out, s->source);
        out_printf(&s->out, ",\"line\":%ld,\"error\":", s->line);
        out_json_string(&s->out, s->err.text);
        out_puts(&s->out, "}\n");
    }
    json_decref(root);
}

static void *work_batch(void *arg)
{
    struct worker *w = arg;
    ctx *c = w->c;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (i >= c->b->n)
            return NULL;
        work_one(c, w, &c->b->slots[i]);
    }
}

#define BATCH_DOCS 512
#define FIRST_BATCH_DOCS 64
#define BATCH_BYTES ((size_t)8 << 20)

/* Batches in flight: while the helper threads (workers 1..n-1) classify
 * one batch, the main thread writes out the one before and reads the
 * next into its place, then joins in on the first and waits for it.
 * Writing and reading thus overlap classification; with one thread there
 * are no helpers, and each batch is classified and written as soon as it
 * is read.
 *
 * The helpers start with the first batch and live to the end, waiting
 * for each next round. A thread per batch meant a start and an exit per
 * 512 documents, and each exit handed the thread's stack back to the
 * kernel (madvise), a TLB shootdown to the other core. */
typedef struct pipeline {
    batch b[2];
    int cur;                /* the batch being filled */
    int running;            /* b[!cur] has been started */
    pthread_t tid[64];
    int nhelpers;           /* helpers running: workers 1..nhelpers */
    int tried;              /* helpers were started (as many as could be) */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    /* written under mu; atomic so that a thread about to sleep can first
     * watch them for a moment without it */
    _Atomic unsigned long round;    /* batches started: each helper works once a round */
    _Atomic int busy;               /* helpers not yet done with this round */
    _Atomic int quit;
} pipeline;

/* How long a thread watches for the next round (or the helpers' end)
 * before it sleeps on the condition variable: about 100 microseconds of
 * pause instructions. Both threads end a batch within a document of each
 * other, so the wait is usually shorter than that, and far shorter than a
 * wake-up: on 64 MB with -j 2 the helper waited 1.7 to 5.3 ms in all (70
 * to 200 microseconds a batch) and the main thread 0.6 to 1.6 ms when they
 * slept at once; watching first, 0.2 ms each. */
enum { SPIN_BEFORE_SLEEP = 4096 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *helper_main(void *arg)
{
    struct worker *w = arg;
    pipeline *p = w->pipe;
    unsigned long seen = 0;
    for (;;) {
        for (int i = 0; i < SPIN_BEFORE_SLEEP && atomic_load(&p->round) == seen &&
                        !atomic_load(&p->quit); i++)
            cpu_relax();
        pthread_mutex_lock(&p->mu);
        while (p->round == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->round == seen) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->round;
        pthread_mutex_unlock(&p->mu);
        work_batch(w);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Start workers 1..nthreads-1; if one cannot start, the rest are not
 * tried and the threads that did start share the work. */
static void start_helpers(struct worker *w, int nthreads, pipeline *p)
{
    p->tried = 1;
    for (int t = 1; t < nthreads; t++) {
        w[t].pipe = p;
        if (pthread_create(&p->tid[t], NULL, helper_main, &w[t]) != 0)
            break;
        p->nhelpers = t;
    }
}

static void stop_helpers(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int t = 1; t <= p->nhelpers; t++)
        pthread_join(p->tid[t], NULL);
    p->nhelpers = 0;
}

static void start_batch(ctx *c, struct worker *w, int nthreads, pipeline *p, batch *b)
{
    c->b = b;
    atomic_store_explicit(&c->next, 0, memory_order_relaxed);
    if (!p->tried && nthreads > 1)
        start_helpers(w, nthreads, p);
    /* the helpers see b and next = 0 through the mutex */
    pthread_mutex_lock(&p->mu);
    p->busy = p->nhelpers;
    p->round++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    p->running = 1;
}

/* Finish classifying the running batch, if any: returns it, or NULL. */
static batch *join_batch(ctx *c, struct worker *w, pipeline *p)
{
    if (!p->running)
        return NULL;
    p->running = 0;
    work_batch(&w[0]);
    for (int i = 0; i < SPIN_BEFORE_SLEEP && atomic_load(&p->busy); i++)
        cpu_relax();
    /* and the main thread sees the helpers' slots through it too */
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return c->b;
}

/* Write a classified batch out in order, report its failures, and empty it. */
static int write_batch(batch *b)
{
    int status = EXIT_OK;
    if (!b)
        return status;
    for (size_t i = 0; i < b->n; i++) {
        doc_slot *s = &b->slots[i];
        if (s->out.failed) {
            cli_errorf("out of memory formatting a result");
            status = EXIT_DATA;
            continue;
        }
        if (s->failed) {
            cli_report(&s->err);
            status = EXIT_DATA;
        }
        fwrite(s->out.p ? s->out.p : "", 1, s->out.len, stdout);
    }
    b->n = 0;
    b->arena.len = 0;
    return status;
}

/* Finish the running batch, if any, and write it out in order. */
static int finish_batch(ctx *c, struct worker *w, pipeline *p)
{
    return write_batch(join_batch(c, w, p));
}

/* The batch being filled is full (or the input ended): finish the one
 * running, start this one, write the finished one out while the helpers
 * work on the new one, and fill the finished one again. */
static int pass_batch(ctx *c, struct worker *w, int nthreads, pipeline *p)
{
    batch *done = join_batch(c, w, p);
    int status = EXIT_OK;
    if (p->b[p->cur].n) {
        start_batch(c, w, nthreads, p, &p->b[p->cur]);
        if (nthreads == 1) {
            /* no helper to overlap with: classify it now, and refill the
             * same batch (the other one is never allocated) */
            status = finish_batch(c, w, p);
        } else {
            p->cur ^= 1;
        }
    }
    return write_batch(done) != EXIT_OK ? EXIT_DATA : status;
}

/* Classify and write out everything read so far: before a reader error
 * is reported, so errors come in input order. */
static int drain_batches(ctx *c, struct worker *w, int nthreads, pipeline *p)
{
    int status = pass_batch(c, w, nthreads, p);
    return finish_batch(c, w, p) != EXIT_OK ? EXIT_DATA : status;
}

/* The batch being filled is full. The first one is small, so the helpers
 * start after 64 documents are read rather than 512 (0.5 ms rather than
 * 2.3, page faults included). They do not run dry: the first documents
 * are the slowest, as most of their words are new and get stemmed, and
 * 64 of them keep a helper busy until the main thread has read the next
 * 512 and joins in. */
static int batch_full(const pipeline *p)
{
    const batch *b = &p->b[p->cur];
    return b->n >= (p->round ? BATCH_DOCS : FIRST_BATCH_DOCS) || b->arena.len >= BATCH_BYTES;
}

static int add_doc(batch *b, const char *p, size_t n, const char *source, long line)
{
    size_t oldcap = b->cap;
    if (slantp_grow(&b->slots, &b->cap, b->n + 1, sizeof *b->slots) < 0)
        return -1;
    memset(b->slots + oldcap, 0, (b->cap - oldcap) * sizeof *b->slots);
    doc_slot *s = &b->slots[b->n];
    size_t off = b->arena.len;
    if (slantp_buf_append(&b->arena, p, n) < 0)
        return -1;
    cli_out keep = s->out;          /* reuse the slot's output buffer */
    memset(s, 0, sizeof *s);
    s->out = keep;
    s->off = off;
    s->len = n;
    s->source = source;
    s->line = line;
    b->n++;
    return 0;
}

int cli_cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'k'},   {"input", required_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"mask-field", required_argument, NULL, 'M'}, {"mask-names", required_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    const char *model_path = NULL, *mask_field = NULL, *mask_names = NULL;
    int fmt = -1, input_jsonl = 0, nthreads = 1;
    size_t top = 5;
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:f:k:i:j:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model_path = optarg; break;
        case 'M': mask_field = optarg; break;
        case 'N': mask_names = optarg; break;
        case 'f':
            if (strcmp(optarg, "table") == 0) fmt = FMT_TABLE;
            else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0) fmt = FMT_JSONL;
            else if (strcmp(optarg, "tsv") == 0) fmt = FMT_TSV;
            else return cli_usage_error(usage, "unknown format '%s'", optarg);
            break;
        case 'k':
            if (strcmp(optarg, "all") == 0) {
                top = (size_t)-1;
            } else {
                long v = cli_parse_count(optarg);
                if (v < 0)
                    return cli_usage_error(usage, "--top takes a number or 'all', not '%s'", optarg);
                top = (size_t)v;
            }
            break;
        case 'i':
            if (strcmp(optarg, "jsonl") == 0) input_jsonl = 1;
            else if (strcmp(optarg, "text") == 0) input_jsonl = 0;
            else return cli_usage_error(usage, "unknown input format '%s'", optarg);
            break;
        case 'j': {
            long v = cli_parse_count(optarg);
            if (v < 1 || v > 64)
                return cli_usage_error(usage, "--threads takes 1 to 64, not '%s'", optarg);
            nthreads = (int)v;
            break;
        }
        default:
            return cli_option_fallback(opt, usage, argv);
        }
    }
    if (fmt < 0)
        fmt = cli_use_color(stdout) || isatty(1) ? FMT_TABLE : FMT_JSONL;

    cli_names names = {0};
    if (mask_names && cli_read_names(mask_names, &names) < 0)
        return EXIT_DATA;
    slant_model *m = cli_load_model(model_path, nthreads);
    if (!m) {
        cli_names_release(&names);
        return EXIT_DATA;
    }
    json_object_seed(0);    /* before any thread parses JSON */
    /* results go out a batch at a time: in 1 MB writes, not 4 KB ones */
    static char outbuf[1 << 20];
    if (!isatty(1))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    ctx c = {.m = m, .fmt = (enum fmt)fmt, .top = top, .top_pool = top,
             .color = fmt == FMT_TABLE && cli_use_color(stdout), .mask_names = names.v,
             .nmask_names = names.n, .mask_field = mask_field};
    if (fmt == FMT_TABLE && top != (size_t)-1)
        c.top_pool = top * 4;
    if (escape_names(&c) < 0) {
        cli_errorf("out of memory");
        release_names(&c);
        slant_model_free(m);
        cli_names_release(&names);
        return EXIT_DATA;
    }
    pipeline pipe = {.mu = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER,
                     .done = PTHREAD_COND_INITIALIZER};
    struct worker *w = aligned_alloc(alignof(struct worker), (size_t)nthreads * sizeof *w);
    if (w)
        memset(w, 0, (size_t)nthreads * sizeof *w);
    int status = EXIT_OK;
    slant_error err;
    slantp_error_clear(&err);
    if (!w) {
        cli_errorf("out of memory");
        slant_model_free(m);
        return EXIT_DATA;
    }
    for (int t = 0; t < nthreads; t++) {
        w[t].c = &c;
        w[t].ws = slant_workspace_new(m, &err);
        w[t].terms = malloc(sizeof(slant_term) * (top == (size_t)-1 ? 1 : c.top_pool + 1));
        if (!w[t].ws) {
            cli_report(&err);
            status = EXIT_DATA;
            goto done;
        }
        if (!w[t].terms) {
            cli_errorf("out of memory");
            status = EXIT_DATA;
            goto done;
        }
    }
    if (top == (size_t)-1) {
        /* 'all' needs room for every feature a document can hit */
        size_t nf = slant_model_nfeatures(m) + 1;
        for (int t = 0; t < nthreads; t++) {
            free(w[t].terms);
            if (!(w[t].terms = malloc(sizeof(slant_term) * nf))) {
                cli_errorf("out of memory");
                status = EXIT_DATA;
                goto done;
            }
        }
    }
    if (fmt == FMT_TSV)
        fputs("id\thead\tlabel\tscore\tpredicted\tterms\n", stdout);

    static char dash[] = "-";
    char *stdin_name[] = {dash};
    char **files = optind < argc ? argv + optind : stdin_name;
    int nfiles = optind < argc ? argc - optind : 1;
    for (int f = 0; f < nfiles; f++) {
        const char *path = files[f];
        const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
        size_t pl = strlen(path);
        int jsonl = input_jsonl || (pl > 6 && strcmp(path + pl - 6, ".jsonl") == 0);
        slantp_error_clear(&err);
        if (!jsonl) {
            slantp_buf text = {0};
            if (slantp_read_file(path, SLANTP_MAX_DOC, &text, &err) != SLANT_OK) {
                if (drain_batches(&c, w, nthreads, &pipe) != EXIT_OK)   /* earlier errors first */
                    status = EXIT_DATA;
                cli_report(&err);
                status = EXIT_DATA;
            } else if (add_doc(&pipe.b[pipe.cur], text.data ? text.data : "", text.len, name, 0) < 0) {
                cli_errorf("out of memory");
                slantp_buf_release(&text);
                status = EXIT_DATA;
                goto done;
            }
            slantp_buf_release(&text);
        } else {
            slantp_lines lr;
            if (slantp_lines_open(&lr, path, SLANTP_MAX_LINE, &err) != SLANT_OK) {
                if (drain_batches(&c, w, nthreads, &pipe) != EXIT_OK)
                    status = EXIT_DATA;
                cli_report(&err);
                status = EXIT_DATA;
                continue;
            }
            const char *line;
            size_t len;
            int r;
            for (;;) {
                r = slantp_lines_next(&lr, &line, &len, &err);
                if (r < 0 && err.code == SLANT_EFORMAT) {
                    /* an over-long line is skipped; the lines after it still count */
                    if (drain_batches(&c, w, nthreads, &pipe) != EXIT_OK)
                        status = EXIT_DATA;
                    cli_report(&err);
                    slantp_error_clear(&err);
                    status = EXIT_DATA;
                    continue;
                }
                if (r != 1)
                    break;
                if (lr.lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
                    line += 3;
                    len -= 3;
                }
                size_t k = 0;
                while (k < len && (line[k] == ' ' || line[k] == '\t'))
                    k++;
                if (k == len)
                    continue;
                if (add_doc(&pipe.b[pipe.cur], line, len, name, lr.lineno) < 0) {
                    cli_errorf("out of memory");
                    status = EXIT_DATA;
                    slantp_lines_close(&lr);
                    goto done;
                }
                if (batch_full(&pipe) && pass_batch(&c, w, nthreads, &pipe) != EXIT_OK)
                    status = EXIT_DATA;
                if (ferror(stdout))
                    break;      /* the reader has gone: classify no more */
            }
            if (r < 0) {
                if (drain_batches(&c, w, nthreads, &pipe) != EXIT_OK)
                    status = EXIT_DATA;
                cli_report(&err);
                status = EXIT_DATA;
            }
            slantp_lines_close(&lr);
        }
        if (batch_full(&pipe) && pass_batch(&c, w, nthreads, &pipe) != EXIT_OK)
            status = EXIT_DATA;
        if (ferror(stdout))
            break;
    }
    /* a failed write (a closed pipe, a full disk) stops the run at once,
     * reported once by cli_close_stdout */
    if (!ferror(stdout) && drain_batches(&c, w, nthreads, &pipe) != EXIT_OK)
        status = EXIT_DATA;
    if (cli_close_stdout() != EXIT_OK)
        status = EXIT_DATA;
done:
    if (finish_batch(&c, w, &pipe) != EXIT_OK)     /* helpers must stop before their memory goes */
        status = EXIT_DATA;
    stop_helpers(&pipe);
    for (int t = 0; t < nthreads; t++) {
        slant_workspace_free(w[t].ws);
        free(w[t].terms);
        slantp_buf_release(&w[t].text);
        slantp_buf_release(&w[t].id);
        slantp_buf_release(&w[t].masked);
    }
    free(w);
    for (int k = 0; k < 2; k++) {
        batch *b = &pipe.b[k];
        for (size_t i = 0; b->slots && i < b->cap; i++)
            out_release(&b->slots[i].out);
        free(b->slots);
        slantp_buf_release(&b->arena);
    }
    release_names(&c);
    slant_model_free(m);
    cli_names_release(&names);
    return status;
}
