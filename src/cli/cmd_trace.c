/* cmd_trace.c - `slant trace`: families of copies and rewrites of a story
 * across outlets, each version's relation to the original, and how its
 * framing moved.
 *
 * The corpus (JSONL) is read once: each record is signed by the library
 * (slant_trace_add) and only its file and byte offset are kept here, so the
 * text of a record is read again (pread, then parsed) only when the library
 * verifies a candidate pair or when a family is written. Output is one JSON
 * object per family, written whole to DIR/families.jsonl or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_cli.h"

static const char usage[] =
    "slant trace [--out DIR | --against CORPUS] [options] [file ...]";

static const char help_text[] =
    "usage: slant trace --out DIR [options] CORPUS.jsonl ...\n"
    "       slant trace --against CORPUS.jsonl [options] TEXT ...\n"
    "\n"
    "Find the families of copies and rewrites of a story in a corpus (JSONL: one\n"
    "{\"id\",\"text\"} object a line, with optional \"date\" and \"source\"), name each\n"
    "version's relation to the original (verbatim, furniture, edited, spun,\n"
    "rewritten) and show how its frame and outlet-type scores moved.\n"
    "With --against, say where each TEXT file came from in the corpus.\n"
    "\n"
    "  -o, --out DIR             write DIR/families.jsonl (atomically)\n"
    "  -a, --against CORPUS      trace the TEXT files against this corpus\n"
    "  -t, --threshold F         link pairs sharing F of the smaller text's\n"
    "                            4-word shingles (default 0.2)\n"
    "      --series FIELD        never link records with the same FIELD value\n"
    "      --id FIELD            the id field (default id)\n"
    "      --text FIELD          the text field (default text)\n"
    "      --date FIELD          the date field, YYYY-MM-DD (default date)\n"
    "      --source FIELD        the source field, shown in the output (default source)\n"
    "  -m, --model FILE          model for the framing diff (default: the shipped one)\n"
    "      --no-frames           no framing diff (no classification)\n"
    "      --spin-table FILE     collocations for spin evidence (default: shipped)\n"
    "      --no-spin             no spin evidence\n"
    "  -j, --threads N           threads for signatures and the band join (default 1)\n"
    "  -v, --verbose             counts and stages on stderr\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 success, 1 data or I/O failure, 2 usage error.\n";

enum { O_SERIES = 256, O_ID, O_TEXT, O_DATE, O_SOURCE, O_NOFRAMES, O_SPIN, O_NOSPIN };

typedef struct trace_args {
    const char *out, *against, *model, *spin_table;
    const char *series, *id, *text, *date, *source;
    double threshold;
    int threads, frames, spin, verbose;
} trace_args;

static int take_option(trace_args *a, int opt)
{
    long v;
    char *end;
    switch (opt) {
    case 'o': a->out = optarg; return 0;
    case 'a': a->against = optarg; return 0;
    case 'm': a->model = optarg; return 0;
    case 'v': a->verbose = 1; return 0;
    case 't':
        errno = 0;
        a->threshold = strtod(optarg, &end);
        if (errno || end == optarg || *end || !(a->threshold > 0 && a->threshold <= 1))
            return cli_usage_error(usage, "--threshold takes a number in (0, 1], not '%s'", optarg);
        return 0;
    case 'j':
        v = cli_parse_count(optarg);
        if (v < 1 || v > 64)
            return cli_usage_error(usage, "--threads takes 1 to 64, not '%s'", optarg);
        a->threads = (int)v;
        return 0;
    case O_SERIES: a->series = optarg; return 0;
    case O_ID: a->id = optarg; return 0;
    case O_TEXT: a->text = optarg; return 0;
    case O_DATE: a->date = optarg; return 0;
    case O_SOURCE: a->source = optarg; return 0;
    case O_NOFRAMES: a->frames = 0; return 0;
    case O_SPIN: a->spin_table = optarg; return 0;
    case O_NOSPIN: a->spin = 0; return 0;
    default: return -1;
    }
}

static int parse_args(trace_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"against", required_argument, NULL, 'a'},
        {"threshold", required_argument, NULL, 't'}, {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 'j'},  {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},           {"series", required_argument, NULL, O_SERIES},
        {"id", required_argument, NULL, O_ID},      {"text", required_argument, NULL, O_TEXT},
        {"date", required_argument, NULL, O_DATE},  {"source", required_argument, NULL, O_SOURCE},
        {"no-frames", no_argument, NULL, O_NOFRAMES},
        {"spin-table", required_argument, NULL, O_SPIN},
        {"no-spin", no_argument, NULL, O_NOSPIN},   {NULL, 0, NULL, 0}};
    *a = (trace_args){.id = "id", .text = "text", .date = "date", .source = "source",
                      .threshold = 0.2, .threads = 1, .frames = 1, .spin = 1};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:a:t:m:j:vh", opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(help_text, stdout);
            return cli_close_stdout();
        }
        int rc = take_option(a, opt);
        if (rc > 0)
            return rc;
        if (rc < 0)
            return cli_option_fallback(opt, usage, argv);
    }
    if (optind >= argc)
        return cli_usage_error(usage, a->against ? "no text files to trace" : "no corpus given");
    if (!a->out && !a->against)
        return cli_usage_error(usage, "say where to write the families with --out");
    return -1;
}

/* ======================================================== the corpus */

#define BATCH 2048
#define QUERY_FILE UINT32_MAX

typedef struct doc_loc {
    uint64_t off;           /* byte offset of the record's line, or query index */
    uint32_t len;
    uint32_t file;          /* index into the corpus files, or QUERY_FILE */
    long line;
} doc_loc;

typedef struct corpus {
    const trace_args *a;
    const char **files;
    int *fds;
    size_t nfiles;
    doc_loc *loc;
    size_t n, cap;
    cli_out *queries;       /* texts of the query files */
    size_t nqueries;
    char *line;             /* pread buffer */
    size_t line_cap;
    json_t *rec;            /* the record last read again */
} corpus;

static void corpus_release(corpus *c)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (c->fds && c->fds[i] >= 0)
            close(c->fds[i]);
    for (size_t i = 0; i < c->nqueries; i++)
        out_release(&c->queries[i]);
    free(c->queries);
    free(c->fds);
    free(c->files);
    free(c->loc);
    free(c->line);
    json_decref(c->rec);
}

static const char *string_field(json_t *rec, const char *name)
{
    return name ? json_string_value(json_object_get(rec, name)) : NULL;
}

/* Read record 'doc' again; it stays in c->rec until the next call. */
static json_t *reread(corpus *c, size_t doc)
{
    const doc_loc *l = &c->loc[doc];
    if (cli_grow(&c->line, &c->line_cap, (size_t)l->len + 1, 1) < 0)
        return NULL;
    ssize_t got = pread(c->fds[l->file], c->line, l->len, (off_t)l->off);
    if (got != (ssize_t)l->len) {
        cli_errorf("%s: cannot read the record at line %ld again: %s", c->files[l->file],
                   l->line, got < 0 ? strerror(errno) : "the file changed");
        return NULL;
    }
    json_decref(c->rec);
    c->rec = json_loadb(c->line, l->len, 0, NULL);
    return c->rec;
}

/* The library's fetch callback: a document's text, read again. */
static int fetch_text(void *ctx, size_t doc, const char **text, size_t *len)
{
    corpus *c = ctx;
    if (c->loc[doc].file == QUERY_FILE) {
        const cli_out *q = &c->queries[c->loc[doc].off];
        *text = q->data ? q->data : "";
        *len = q->len;
        return 0;
    }
    json_t *rec = reread(c, doc);
    json_t *t = rec ? json_object_get(rec, c->a->text) : NULL;
    if (!json_is_string(t))
        return -1;
    *text = json_string_value(t);
    *len = json_string_length(t);
    return 0;
}

typedef struct batch {
    slant_trace_doc docs[BATCH];
    json_t *recs[BATCH];
    char ids[BATCH][48];
    size_t n;
} batch;

static int flush_batch(slant_trace *t, batch *b)
{
    slant_error err;
    int rc = slant_trace_add(t, b->docs, b->n, &err);
    for (size_t i = 0; i < b->n; i++)
        json_decref(b->recs[i]);
    b->n = 0;
    if (rc != SLANT_OK) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

/* One JSONL record into the batch; reports its own errors. */
static int take_record(corpus *c, batch *b, const char *path, long lineno, const char *line,
                       size_t len)
{
    json_error_t jerr;
    json_t *rec = json_loadb(line, len, 0, &jerr);
    if (!rec) {
        cli_errorf("%s:%ld:%d: invalid JSON: %s", path, lineno, jerr.column > 0 ? jerr.column : 1,
                   jerr.text);
        return -1;
    }
    json_t *text = json_object_get(rec, c->a->text), *id = json_object_get(rec, c->a->id);
    if (!json_is_object(rec) || !json_is_string(text)) {
        cli_errorf("%s:%ld:1: no \"%s\" string in the record", path, lineno, c->a->text);
        json_decref(rec);
        return -1;
    }
    slant_trace_doc *d = &b->docs[b->n];
    if (json_is_string(id))
        d->id = json_string_value(id);
    else if (json_is_integer(id))
        snprintf(b->ids[b->n], sizeof b->ids[b->n], "%" JSON_INTEGER_FORMAT,
                 json_integer_value(id)), d->id = b->ids[b->n];
    else
        snprintf(b->ids[b->n], sizeof b->ids[b->n], "line %ld", lineno), d->id = b->ids[b->n];
    d->text = json_string_value(text);
    d->len = json_string_length(text);
    d->date = string_field(rec, c->a->date);
    d->series = string_field(rec, c->a->series);
    d->query = 0;
    b->recs[b->n++] = rec;
    return 0;
}

static int add_location(corpus *c, uint32_t file, uint64_t off, size_t len, long line)
{
    if (cli_grow(&c->loc, &c->cap, c->n + 1, sizeof *c->loc) < 0)
        return -1;
    c->loc[c->n++] = (doc_loc){off, (uint32_t)len, file, line};
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static int read_file(corpus *c, slant_trace *t, batch *b, uint32_t file)
{
    const char *path = c->files[file];
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_errorf("cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    for (;;) {
        off_t off = ftello(f);
        ssize_t len = getline(&line, &cap, f);
        if (len < 0)
            break;
        lineno++;
        if (is_blank(line, (size_t)len))
            continue;
        if ((size_t)len > CLI_MAX_LINE) {
            cli_errorf("%s:%ld:1: line longer than %zu bytes", path, lineno, CLI_MAX_LINE);
            rc = -1;
            break;
        }
        if (take_record(c, b, path, lineno, line, (size_t)len) < 0 ||
            add_location(c, file, (uint64_t)off, (size_t)len, lineno) < 0 ||
            (b->n == BATCH && flush_batch(t, b) < 0)) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        cli_errorf("cannot read '%s': %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

static void batch_release(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        json_decref(b->recs[i]);
    b->n = 0;
}

static int read_queries(corpus *c, slant_trace *t, char **paths, size_t n)
{
    c->queries = calloc(n ? n : 1, sizeof *c->queries);
    if (!c->queries)
        return -1;
    for (size_t i = 0; i < n; i++) {
        slant_error err;
        size_t len = 0;
        char *text = cli_read_file(paths[i], &len);
        if (!text)
            return -1;
        c->queries[i] = (cli_out){.data = text, .len = len, .cap = len + 1};
        c->nqueries++;
        slant_trace_doc d = {.id = paths[i], .text = c->queries[i].data ? c->queries[i].data : "",
                             .len = c->queries[i].len, .query = 1};
        if (add_location(c, QUERY_FILE, i, c->queries[i].len, 0) < 0 ||
            slant_trace_add(t, &d, 1, &err) != SLANT_OK) {
            cli_errorf("out of memory");
            return -1;
        }
    }
    return 0;
}

/* Read every corpus file (and the query files), signing as we go. */
static int read_corpus(corpus *c, slant_trace *t, const char *const *files, size_t nfiles,
                       char **queries,
                       size_t nqueries)
{
    c->files = calloc(nfiles, sizeof *c->files);
    c->fds = malloc(nfiles * sizeof *c->fds);
    batch *b = calloc(1, sizeof *b);
    int rc = c->files && c->fds && b ? 0 : -1;
    for (size_t i = 0; i < nfiles && rc == 0; i++) {
        c->files[i] = files[i];
        c->fds[i] = -1;
        c->nfiles++;
        if ((rc = read_file(c, t, b, (uint32_t)i)) < 0)
            break;
        if ((c->fds[i] = open(files[i], O_RDONLY)) < 0) {
            cli_errorf("cannot open '%s': %s", files[i], strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && b->n)
        rc = flush_batch(t, b);
    if (b)
        batch_release(b);
    free(b);
    if (rc == 0 && nqueries)
        rc = read_queries(c, t, queries, nqueries);
    return rc;
}

/* ======================================================== output */

typedef struct writer {
    corpus *c;
    slant_trace *t;
    trace_frames *frames;
    slant_spin_table *spin;
    cli_out o;
} writer;

static void relation_json(writer *w, size_t doc)
{
    slant_trace_relation_info in;
    slant_trace_relation_get(w->t, doc, &in);
    cli_out *o = &w->o;
    out_printf(o, ",\"containment\":%.4f,\"kept\":%.4f,\"names_kept\":%.4f,"
                  "\"words_added\":%zu,\"words_removed\":%zu",
               in.containment, in.kept, in.names_kept, in.words_added, in.words_removed);
    if (!in.nsubstitutions)
        return;
    out_puts(o, ",\"substitutions\":[");
    for (size_t k = 0; k < in.nsubstitutions; k++) {
        const slant_trace_subst *s = slant_trace_substitution(w->t, doc, k);
        out_puts(o, k ? ",{\"from\":" : "{\"from\":");
        out_json_string(o, s->from);
        out_puts(o, ",\"to\":");
        out_json_string(o, s->to);
        out_printf(o, ",\"at\":%zu}", s->to_start);
    }
    out_puts(o, "]");
}

static int spin_json(writer *w, const char *text, size_t len)
{
    slant_error err;
    slant_spin_hit hits[64];
    size_t n = slant_spin_scan(w->spin, text, len, hits, 64, &err);
    if (n == (size_t)-1) {
        cli_report(&err);
        return -1;
    }
    out_puts(&w->o, ",\"spin\":[");
    for (size_t k = 0; k < n && k < 64; k++) {
        out_puts(&w->o, k ? ",{\"found\":" : "{\"found\":");
        out_json_string(&w->o, hits[k].found);
        out_puts(&w->o, ",\"collocation\":");
        out_json_string(&w->o, hits[k].collocation);
        out_printf(&w->o, ",\"at\":%zu}", hits[k].start);
    }
    out_printf(&w->o, "],\"spin_count\":%zu", n);
    return 0;
}

/* One member of a family of two or more, with its record read again. */
static int member_json(writer *w, size_t doc, int original)
{
    cli_out *o = &w->o;
    const char *text;
    size_t len;
    if (fetch_text(w->c, doc, &text, &len) < 0) {
        cli_errorf("cannot read document '%s' again", slant_trace_id(w->t, doc));
        return -1;
    }
    json_t *rec = w->c->loc[doc].file == QUERY_FILE ? NULL : w->c->rec;
    out_puts(o, "{\"id\":");
    out_json_string(o, slant_trace_id(w->t, doc));
    out_puts(o, ",\"relation\":");
    out_json_string(o, slant_trace_relation_name(slant_trace_relation(w->t, doc)));
    const char *source = rec ? string_field(rec, w->c->a->source) : NULL;
    const char *date = rec ? string_field(rec, w->c->a->date) : NULL;
    if (source)
        out_puts(o, ",\"source\":"), out_json_string(o, source);
    if (date)
        out_puts(o, ",\"date\":"), out_json_string(o, date);
    if (w->c->loc[doc].file == QUERY_FILE)
        out_puts(o, ",\"query\":true");
    if (!original)
        relation_json(w, doc);
    if (w->spin && spin_json(w, text, len) < 0)
        return -1;
    if (w->frames) {
        slant_error err;
        out_puts(o, ",");
        int rc = original ? trace_frames_original(w->frames, text, len, o, &err)
                          : trace_frames_version(w->frames, text, len, o, &err);
        if (rc != SLANT_OK) {
            cli_report(&err);
            return -1;
        }
    }
    out_puts(o, "}");
    return 0;
}

static int family_has_query(const writer *w, size_t f)
{
    for (size_t k = 0; k < slant_trace_family_size(w->t, f); k++)
        if (w->c->loc[slant_trace_family_member(w->t, f, k)].file == QUERY_FILE)
            return 1;
    return 0;
}

static int family_json(writer *w, size_t f)
{
    size_t n = slant_trace_family_size(w->t, f), orig = slant_trace_family_member(w->t, f, 0);
    cli_out *o = &w->o;
    out_printf(o, "{\"family\":%zu,\"size\":%zu,\"original\":", f, n);
    out_json_string(o, slant_trace_id(w->t, orig));
    out_puts(o, ",\"members\":[");
    if (n == 1 && w->c->loc[orig].file != QUERY_FILE) {
        out_puts(o, "{\"id\":");        /* alone: no need to read it again */
        out_json_string(o, slant_trace_id(w->t, orig));
        out_puts(o, ",\"relation\":\"original\"}");
    } else {
        for (size_t k = 0; k < n; k++) {
            out_puts(o, k ? "," : "");
            if (member_json(w, slant_trace_family_member(w->t, f, k), k == 0) < 0)
                return -1;
        }
    }
    out_puts(o, "]}\n");
    return o->failed ? -1 : 0;
}

static int write_families(writer *w, FILE *fp, int queries_only)
{
    for (size_t f = 0; f < slant_trace_nfamilies(w->t); f++) {
        if (queries_only && !family_has_query(w, f))
            continue;
        w->o.len = 0;
        if (family_json(w, f) < 0) {
            if (w->o.failed)
                cli_errorf("out of memory");
            return -1;
        }
        if (fwrite(w->o.data, 1, w->o.len, fp) != w->o.len) {
            cli_errorf("cannot write the families: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return 0;
    cli_errorf("cannot create '%s': %s", dir, strerror(errno));
    return -1;
}

static int write_output(writer *w, const trace_args *a)
{
    if (!a->out) {
        if (write_families(w, stdout, 1) < 0)
            return EXIT_DATA;
        return cli_close_stdout();
    }
    if (make_dir(a->out) < 0)
        return EXIT_DATA;
    size_t n = strlen(a->out) + sizeof "/families.jsonl";
    char *path = malloc(n);
    if (!path)
        return EXIT_DATA;
    snprintf(path, n, "%s/families.jsonl", a->out);
    cli_outfile f;
    int rc = EXIT_DATA;
    if (cli_outfile_open(&f, path) == 0) {
        mode_t mask = umask(0);     /* the temporary is 0600; the result is a normal file */
        umask(mask);
        fchmod(fileno(f.fp), 0666 & ~mask);
        if (write_families(w, f.fp, a->against != NULL) == 0 && cli_outfile_commit(&f) == 0)
            rc = EXIT_OK;
        else
            cli_outfile_abort(&f);
    }
    free(path);
    return rc;
}

/* ======================================================== the command */

static void say_counts(const slant_trace *t)
{
    size_t linked = 0, big = 0;
    for (size_t f = 0; f < slant_trace_nfamilies(t); f++)
        if (slant_trace_family_size(t, f) > 1)
            big++, linked += slant_trace_family_size(t, f);
    cli_errorf("traced %zu documents: %zu candidate pairs, %zu links, %zu families of two "
               "or more holding %zu documents", slant_trace_ndocs(t), slant_trace_ncandidates(t),
               slant_trace_nlinks(t), big, linked);
}

/* The classifier and the spin table, when asked for. */
static int load_extras(const trace_args *a, slant_model **m, writer *w)
{
    slant_error err;
    if (a->frames) {
        if (!(*m = cli_load_model(a->model, 1)))
            return -1;
        if (!(w->frames = trace_frames_new(*m, &err))) {
            cli_report(&err);
            return -1;
        }
    }
    if (a->spin) {
        const char *path = cli_default_spin_table(a->spin_table);
        if (!(w->spin = slant_spin_load(path, &err))) {
            cli_report(&err);
            return -1;
        }
    }
    return 0;
}

int cli_cmd_trace(int argc, char **argv)
{
    trace_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc >= 0)
        return rc;
    const char *one[1] = {a.against};
    const char *const *files = a.against ? one : (const char *const *)(argv + optind);
    size_t nfiles = a.against ? 1 : (size_t)(argc - optind);
    corpus c = {.a = &a};
    writer w = {.c = &c};
    slant_model *m = NULL;
    slant_trace_options o;
    slant_trace_options_init(&o);
    o.threshold = a.threshold;
    o.threads = a.threads;
    o.split_series = a.series != NULL;
    o.fetch = fetch_text;
    o.fetch_ctx = &c;
    slant_error err;
    json_object_seed(0);
    rc = EXIT_DATA;
    if (load_extras(&a, &m, &w) < 0 || !(w.t = slant_trace_new(&o, &err)))
        goto out;
    if (read_corpus(&c, w.t, files, nfiles, a.against ? argv + optind : NULL,
                    a.against ? (size_t)(argc - optind) : 0) < 0)
        goto out;
    if (slant_trace_run(w.t, &err) != SLANT_OK) {
        cli_report(&err);
        goto out;
    }
    if (a.verbose)
        say_counts(w.t);
    rc = write_output(&w, &a);
out:
    out_release(&w.o);
    slant_trace_free(w.t);
    trace_frames_free(w.frames);
    slant_spin_free(w.spin);
    slant_model_free(m);
    corpus_release(&c);
    return rc;
}
