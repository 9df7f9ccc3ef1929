/* cmd_trace.c - `slant trace`: families of copies and rewrites of a story
 * across outlets, each version's relation to the original, and how its
 * framing moved.
 *
 * The corpus and the query files are read by the library
 * (slant_trace_add_file), as classify reads its inputs: each record is
 * signed, and its text is read again from its file only when a candidate
 * pair is verified or a family is written. Output is one JSON object per
 * family, written whole to DIR/families.jsonl or not at all.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace_cli.h"

static const char usage[] =
    "slant trace [--out DIR | --against CORPUS] [options] [file ...]";

static const char help_text[] =
    "usage: slant trace --out DIR [options] CORPUS ...\n"
    "       slant trace --against CORPUS [options] TEXT ...\n"
    "\n"
    "Find the families of copies and rewrites of a story in a corpus (JSONL: one\n"
    "{\"id\",\"text\"} object a line, with optional \"date\" and \"source\"), name each\n"
    "version's relation to the original (verbatim, furniture, edited, spun,\n"
    "rewritten) and show how its frame and outlet-type scores moved.\n"
    "With --against, say where each TEXT file came from in the corpus.\n"
    "Inputs are read as classify reads them: .jsonl and .ndjson files (gzipped or\n"
    "not) a document a record, directories every file under them, any other file\n"
    "one document (--input jsonl reads every corpus file as JSONL).\n"
    "\n"
    "  -o, --out DIR             write DIR/families.jsonl (atomically)\n"
    "  -a, --against CORPUS      trace the TEXT files against this corpus\n"
    "  -i, --input FMT           the corpus files: jsonl or text (default: by name)\n"
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
    enum slant_input how;       /* of the corpus files; queries are texts */
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
    case 'i':
        if (strcmp(optarg, "jsonl") == 0) a->how = SLANT_INPUT_JSONL;
        else if (strcmp(optarg, "text") == 0) a->how = SLANT_INPUT_TEXT;
        else return cli_usage_error(usage, "unknown input format '%s'", optarg);
        return 0;
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
        {"no-spin", no_argument, NULL, O_NOSPIN},   {"input", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0}};
    *a = (trace_args){.id = "id", .text = "text", .date = "date", .source = "source",
                      .threshold = 0.2, .threads = 1, .frames = 1, .spin = 1,
                      .how = SLANT_INPUT_AUTO};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:a:i:t:m:j:vh", opts, NULL)) != -1) {
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

/* Every corpus path, then the query paths, through the library's reader. */
static int read_inputs(slant_trace *t, const trace_args *a, const char *const *corpus,
                       size_t ncorpus, char **queries, size_t nqueries)
{
    slant_trace_input_options o;
    slant_trace_input_options_init(&o);
    o.id_field = a->id;
    o.text_field = a->text;
    o.date_field = a->date;
    o.source_field = a->source;
    o.series_field = a->series;
    slant_error err;
    for (size_t i = 0; i < ncorpus + nqueries; i++) {
        o.query = i >= ncorpus;
        o.how = o.query ? SLANT_INPUT_AUTO : a->how;
        if (slant_trace_add_file(t, o.query ? queries[i - ncorpus] : corpus[i], &o, &err) !=
            SLANT_OK) {
            cli_report(&err);
            return -1;
        }
    }
    return 0;
}

/* ======================================================== output */

typedef struct writer {
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
    slant_error err;
    if (slant_trace_text(w->t, doc, &text, &len, &err) != SLANT_OK) {
        cli_report(&err);
        return -1;
    }
    out_puts(o, "{\"id\":");
    out_json_string(o, slant_trace_id(w->t, doc));
    out_puts(o, ",\"relation\":");
    out_json_string(o, slant_trace_relation_name(slant_trace_relation(w->t, doc)));
    const char *source = slant_trace_source(w->t, doc), *date = slant_trace_date(w->t, doc);
    if (source)
        out_puts(o, ",\"source\":"), out_json_string(o, source);
    if (date)
        out_puts(o, ",\"date\":"), out_json_string(o, date);
    if (slant_trace_is_query(w->t, doc))
        out_puts(o, ",\"query\":true");
    if (!original)
        relation_json(w, doc);
    if (w->spin && spin_json(w, text, len) < 0)
        return -1;
    if (w->frames) {
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
        if (slant_trace_is_query(w->t, slant_trace_family_member(w->t, f, k)))
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
    if (n == 1 && !slant_trace_is_query(w->t, orig)) {
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
    writer w = {0};
    slant_model *m = NULL;
    slant_trace_options o;
    slant_trace_options_init(&o);
    o.threshold = a.threshold;
    o.threads = a.threads;
    o.split_series = a.series != NULL;
    slant_error err;
    json_object_seed(0);
    rc = EXIT_DATA;
    if (load_extras(&a, &m, &w) < 0 || !(w.t = slant_trace_new(&o, &err)))
        goto out;
    if (read_inputs(w.t, &a, files, nfiles, a.against ? argv + optind : NULL,
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
    return rc;
}
