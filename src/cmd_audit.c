/* cmd_audit.c - 'slant audit': classify a JSONL corpus and aggregate it by
 * group and time (run, --resume), combine shards (merge), re-render
 * (report).
 *
 * A run reads its inputs itself, line by line with byte offsets, and hands
 * each line to a slant_batch: workers classify and pack a small record
 * (audit_record_write); this thread adds the records in input order
 * (audit_add) and every --checkpoint records saves the aggregate with the
 * position of the last record added (audit/partial.slaud, atomically).
 * --resume loads that file, checks that the record at the saved position
 * still has the saved id, and goes on after it: the aggregate is then
 * exactly that of an uninterrupted run, and so are the renders.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "slant_private.h"
#include "audit.h"
#include "cli.h"

#define PARTIAL "partial.slaud"

static const char usage_run[] =
    "slant audit --out DIR [--by FIELD]... [--time FIELD:UNIT] [--resume] [-j N] FILE.jsonl...";
static const char usage_merge[] = "slant audit merge --out DIR SHARD...";
static const char usage_report[] = "slant audit report [--out DIR] AUDIT_DIR";

/* ======================================================== a run's state */

typedef struct run {
    audit *a;
    audit_progress pr;
    char *partial;              /* out/partial.slaud */
    size_t checkpoint;          /* records between saves */
    size_t nshown;              /* failures printed so far */
    int progress;               /* print progress lines */
    int failed;                 /* out of memory or a save failed: stop */
    uint64_t bytes_total, bytes_done, bytes_before;
    struct timespec t0, last_print;
    uint64_t records_at_start;
    uint64_t fault_after;       /* tests: die like a killed process after this record */
} run;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void show_progress(run *r, int final)
{
    if (!r->progress || (!final && seconds_since(&r->last_print) < 0.5))
        return;
    clock_gettime(CLOCK_MONOTONIC, &r->last_print);
    double t = seconds_since(&r->t0);
    double rate = t > 0 ? (double)(r->a->nrecords - r->records_at_start) / t : 0;
    double byte_rate = t > 0 ? (double)(r->bytes_done - r->bytes_before) / t : 0;
    fprintf(stderr, "\rslant audit: %llu records, %.0f/s",
            (unsigned long long)r->a->nrecords, rate);
    if (r->bytes_total && byte_rate > 0 && r->bytes_done <= r->bytes_total) {
        double eta = (double)(r->bytes_total - r->bytes_done) / byte_rate;
        fprintf(stderr, ", %.0f%%, ETA %dm%02ds   ",
                100.0 * (double)r->bytes_done / (double)r->bytes_total, (int)eta / 60,
                (int)eta % 60);
    }
    if (final)
        fputc('\n', stderr);
}

static int save_partial(run *r)
{
    slant_error err;
    if (audit_save(r->a, &r->pr, r->partial, &err) != SLANT_OK) {
        cli_report(&err);
        r->failed = 1;
        return -1;
    }
    return 0;
}

/* ======================================================== batch callbacks */

/* On a worker: pack what the audit needs. */
static void on_result(void *ctx, int worker, const slant_doc *doc, const slant_result *res,
                      const slant_error *why, slant_buffer *out)
{
    const run *r = ctx;
    (void)worker;
    if (res && !why)
        audit_record_write(r->a, res, doc->id, doc->record, doc->record_len, out);
}

/* Which input a document came from: its source, from the current one on
 * (inputs are read in order). */
static void track_input(run *r, const slant_doc *doc)
{
    for (uint64_t f = r->pr.file; f < r->pr.ninputs; f++)
        if (strcmp(r->pr.inputs[f], doc->source) == 0 ||
            (strcmp(r->pr.inputs[f], "-") == 0 && strcmp(doc->source, "<stdin>") == 0)) {
            r->pr.file = f;
            return;
        }
}

/* On this thread, in input order: add the document, save now and then. */
static int on_output(void *ctx, const slant_doc *doc, const slant_error *why, const char *bytes,
                     size_t len)
{
    run *r = ctx;
    audit_doc d;
    int bad;
    if (why) {
        if (r->nshown++ < 10) {
            if (r->progress)
                fputc('\n', stderr);
            cli_report(why);
        }
        bad = audit_add_failure(r->a, doc->id, why->text);
    } else if (audit_record_read(r->a, bytes, len, &d) == 0) {
        bad = audit_add(r->a, &d);
    } else {
        bad = audit_add_failure(r->a, doc->id, len ? "malformed audit record" : "out of memory");
    }
    if (bad) {
        cli_errorf("out of memory while aggregating");
        r->failed = 1;
        return 1;
    }
    track_input(r, doc);
    r->pr.last_offset = doc->offset >= 0 ? (uint64_t)doc->offset : 0;
    r->pr.line = doc->line > 0 ? (uint64_t)doc->line : r->pr.line;
    free(r->pr.last_id);
    r->pr.last_id = slantp_strndup(doc->id ? doc->id : "", doc->id ? strlen(doc->id) : 0);
    if (!r->pr.last_id) {
        r->failed = 1;
        return 1;
    }
    if (r->a->nrecords % r->checkpoint == 0 && save_partial(r) < 0)
        return 1;
    if (r->fault_after && r->a->nrecords == r->fault_after)
        _exit(137);     /* as SIGKILL would: no final save, no cleanup */
    show_progress(r, 0);
    return 0;
}

/* ======================================================== reading inputs */

static int id_matches(const char *line, size_t len, const char *want)
{
    const char *names[1] = {"id"};
    const char *val[1];
    size_t vlen[1];
    audit_fieldbuf buf = {0};
    int ok = audit_fields(line, len, names, 1, &buf, val, vlen) == 0 && val[0] &&
             strlen(want) == vlen[0] && memcmp(val[0], want, vlen[0]) == 0;
    free(buf.data);
    return ok;
}

/* Open input f; on resume, seek past the last record added (checking it). */
static FILE *open_input(run *r, size_t f, int resuming, long *line)
{
    const char *path = r->pr.inputs[f];
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    *line = 0;
    if (!fp) {
        cli_errorf("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (!resuming)
        return fp;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = -1;
    if (fseeko(fp, (off_t)r->pr.last_offset, SEEK_SET) == 0)
        n = getline(&buf, &cap, fp);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    int ok = n >= 0 && r->pr.last_id && id_matches(buf, (size_t)n, r->pr.last_id);
    free(buf);
    if (!ok) {
        cli_errorf("%s: the record at byte %llu is not '%s' as the checkpoint says: the input "
                   "changed; start the audit again without --resume", path,
                   (unsigned long long)r->pr.last_offset, r->pr.last_id ? r->pr.last_id : "");
        if (fp != stdin)
            fclose(fp);
        return NULL;
    }
    *line = (long)r->pr.line;
    return fp;
}

/* Submit the records of input f (after the checkpoint when resuming). */
static int submit_input(run *r, slant_batch *b, size_t f, int resuming)
{
    long line;
    FILE *fp = open_input(r, f, resuming, &line);
    if (!fp)
        return -1;
    const char *path = r->pr.inputs[f];
    const char *source = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    off_t at = ftello(fp);
    int rc = SLANT_OK;
    slant_error err;
    while (rc == SLANT_OK && (n = getline(&buf, &cap, fp)) >= 0) {
        off_t start = at;
        at += n;
        r->bytes_done += (uint64_t)n;
        line++;
        size_t len = (size_t)n;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        const char *p = buf;
        if (start == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3, len -= 3;
        size_t k = 0;
        while (k < len && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k == len)
            continue;   /* blank lines are not records */
        rc = slant_batch_submit(b, SLANT_DOC_JSONL, p, len, source, line, (long long)start, &err);
    }
    if (ferror(fp)) {
        cli_errorf("cannot read '%s': %s", path, strerror(errno));
        rc = -1;
    }
    free(buf);
    if (fp != stdin)
        fclose(fp);
    if (rc == SLANT_ESTOPPED || r->failed)
        return -1;
    if (rc != SLANT_OK) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

/* ======================================================== options */

typedef struct run_opts {
    const char *out, *model, *time, *link;
    const char *by[AUDIT_MAX_BY];
    size_t nby;
    int threads, resume, quiet;
    long checkpoint, top;
} run_opts;

static int parse_time(const char *s, char **field, enum audit_unit *unit)
{
    const char *colon = strrchr(s, ':');
    *unit = colon ? audit_unit_parse(colon + 1) : AUDIT_NONE;
    if (!colon || colon == s || *unit == AUDIT_NONE)
        return -1;
    *field = slantp_strndup(s, (size_t)(colon - s));
    return *field ? 0 : -1;
}

static uint64_t model_checksum(const char *path, int *ok)
{
    slantp_buf b = {0};
    slant_error err;
    *ok = slantp_read_file(path, (size_t)1 << 40, &b, &err) == SLANT_OK;
    if (!*ok)
        cli_report(&err);
    uint64_t h = *ok ? slantp_hash_bytes(b.data, b.len) : 0;
    slantp_buf_release(&b);
    return h;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
    }
    cli_errorf("cannot create directory '%s': %s", dir, strerror(errno));
    return -1;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int parse_run(int argc, char **argv, run_opts *o, int *status)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},    {"by", required_argument, NULL, 'b'},
        {"time", required_argument, NULL, 't'},   {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 'j'}, {"resume", no_argument, NULL, 'r'},
        {"checkpoint", required_argument, NULL, 'c'}, {"top", required_argument, NULL, 'k'},
        {"link", required_argument, NULL, 'l'},   {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int opt;
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->checkpoint = 100000;
    o->top = 20;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":o:b:t:m:j:k:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': o->out = optarg; break;
        case 't': o->time = optarg; break;
        case 'm': o->model = optarg; break;
        case 'l': o->link = optarg; break;
        case 'r': o->resume = 1; break;
        case 'q': o->quiet = 1; break;
        case 'b':
            if (o->nby == AUDIT_MAX_BY) {
                *status = cli_usage_error(usage_run, "at most %d --by fields", AUDIT_MAX_BY);
                return -1;
            }
            o->by[o->nby++] = optarg;
            break;
        case 'j': {
            long v = cli_parse_count(optarg);
            if (v < 1 || v > SLANT_MAX_THREADS) {
                *status = cli_usage_error(usage_run, "--threads must be 1 to %d, not '%s'",
                                          SLANT_MAX_THREADS, optarg);
                return -1;
            }
            o->threads = (int)v;
            break;
        }
        case 'c':
        case 'k':
            if (cli_parse_count(optarg) < 1) {
                *status = cli_usage_error(usage_run, "'%s' needs a positive count, not '%s'",
                                          opt == 'c' ? "--checkpoint" : "--top", optarg);
                return -1;
            }
            *(opt == 'c' ? &o->checkpoint : &o->top) = cli_parse_count(optarg);
            break;
        default:
            *status = cli_option_fallback(opt, usage_run, argv);
            return -1;
        }
    }
    if (!o->out || optind >= argc) {
        *status = cli_usage_error(usage_run, !o->out ? "missing --out DIR" : "no input file");
        return -1;
    }
    return 0;
}

/* The aggregate to continue: the checkpoint's on --resume (checked against
 * the options), else a new one. */
static audit *start_or_resume(run *r, const run_opts *o, audit_spec *spec, char **inputs,
                              size_t ninputs, int *resuming)
{
    *resuming = 0;
    if (access(r->partial, F_OK) != 0) {
        audit *a = audit_new(spec);
        if (!a)
            cli_errorf("out of memory");
        return a;
    }
    if (!o->resume) {
        cli_errorf("'%s' holds an audit already: continue it with --resume, or remove it",
                   o->out);
        return NULL;
    }
    slant_error err;
    audit *a = audit_load(r->partial, &r->pr, &err);
    if (!a) {
        cli_report(&err);
        return NULL;
    }
    int same = audit_spec_equal(&a->spec, spec) && r->pr.ninputs == ninputs && !r->pr.merged;
    for (size_t i = 0; same && i < ninputs; i++)
        same = strcmp(r->pr.inputs[i], inputs[i]) == 0;
    if (!same) {
        cli_errorf("%s: the checkpoint is of another audit (other inputs, --by, --time or "
                   "model); start again in a new directory", r->partial);
        audit_free(a);
        return NULL;
    }
    *resuming = !r->pr.done;
    return a;
}

static uint64_t input_bytes(char **inputs, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(inputs[i], "-") != 0 && stat(inputs[i], &st) == 0)
            total += (uint64_t)st.st_size;
    }
    return total;
}

/* Classify and aggregate every input not yet done. */
static int audit_inputs(run *r, const slant_model *m, int threads, int resuming)
{
    slant_batch_options bo;
    slant_batch_options_init(&bo);
    bo.threads = threads;
    bo.on_result = on_result;
    bo.on_output = on_output;
    bo.ctx = r;
    slant_error err;
    slant_batch *b = slant_batch_new(m, &bo, &err);
    if (!b) {
        cli_report(&err);
        return -1;
    }
    int rc = 0;
    for (size_t f = r->pr.file; f < r->pr.ninputs && rc == 0; f++) {
        rc = submit_input(r, b, f, resuming && f == r->pr.file);
        r->bytes_before += 0;
    }
    if (rc == 0 && slant_batch_finish(b, &err) != SLANT_OK) {
        if (!r->failed)
            cli_report(&err);
        rc = -1;
    }
    slant_batch_free(b);
    return rc || r->failed ? -1 : 0;
}

static void final_line(const run *r, const char *out)
{
    double t = seconds_since(&r->t0);
    uint64_t n = r->a->nrecords - r->records_at_start;
    size_t ngroups = r->a->ndims > 1 ? r->a->dims[1].ncells : 0;
    fprintf(stderr, "slant audit: %llu documents, %llu failed; %llu records in %.1f s "
                    "(%.0f/s); %zu groups by %s; wrote %s/report.html\n",
            (unsigned long long)r->a->ndocs, (unsigned long long)r->a->nfailed,
            (unsigned long long)n, t, t > 0 ? (double)n / t : 0.0, ngroups,
            r->a->ndims > 1 ? r->a->dims[1].name : "all", out);
}

static int render(audit *a, const slant_model *m, const char *out, const char *link,
                  long top)
{
    audit_render_options ro;
    audit_render_options_init(&ro);
    ro.link = link;
    ro.top_phrases = (size_t)top;
    slant_error err;
    if (audit_render(a, m, &ro, out, &err) != SLANT_OK) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    run_opts o;
    int status = EXIT_DATA, ok, resuming;
    if (parse_run(argc, argv, &o, &status) < 0)
        return status;
    char *time_field = NULL;
    enum audit_unit unit = AUDIT_NONE;
    if (o.time && parse_time(o.time, &time_field, &unit) < 0)
        return cli_usage_error(usage_run, "--time needs FIELD:UNIT with UNIT day, week, month "
                                          "or year, not '%s'", o.time);
    run r = {0};
    audit_spec spec = {0};
    slant_model *m = NULL;
    r.checkpoint = (size_t)o.checkpoint;
    const char *fault = getenv("SLANT_AUDIT_FAULT_AFTER");
    r.fault_after = fault ? (uint64_t)strtoull(fault, NULL, 10) : 0;
    r.progress = !o.quiet && isatty(2);
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    cli_remove_temporaries_on_signals();
    if (make_dir(o.out) < 0 || !(r.partial = join(o.out, PARTIAL)) ||
        !(m = cli_load_model(o.model, o.threads)))
        goto out;
    uint64_t sum = model_checksum(cli_default_model(o.model), &ok);
    if (!ok || audit_spec_init(&spec, m, sum, o.by, o.nby, time_field, unit) < 0)
        goto out;
    if (!(r.a = start_or_resume(&r, &o, &spec, argv + optind, (size_t)(argc - optind), &resuming)) ||
        audit_use_model(r.a, m) < 0)
        goto out;
    if (!resuming && !r.pr.done) {
        audit_progress_release(&r.pr);
        r.pr.ninputs = (size_t)(argc - optind);
        r.pr.inputs = argv + optind;    /* borrowed: not released below */
    }
    r.records_at_start = r.a->nrecords;
    r.bytes_total = input_bytes(r.pr.inputs, r.pr.ninputs);
    if (!r.pr.done && audit_inputs(&r, m, o.threads, resuming) < 0)
        goto out;
    show_progress(&r, 1);
    r.pr.done = 1;
    if (save_partial(&r) < 0 || render(r.a, m, o.out, o.link, o.top) < 0)
        goto out;
    final_line(&r, o.out);
    status = r.a->nfailed ? EXIT_DATA : EXIT_OK;
out:
    if (r.pr.inputs == argv + optind)
        r.pr.inputs = NULL, r.pr.ninputs = 0;
    audit_progress_release(&r.pr);
    audit_spec_release(&spec);
    audit_free(r.a);
    slant_model_free(m);
    free(r.partial);
    free(time_field);
    return status;
}

/* ======================================================== merge and report */

/* A partial file given as itself or as the directory holding it. */
static char *partial_path(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return join(arg, PARTIAL);
    return slantp_strndup(arg, strlen(arg));
}

static int parse_simple(int argc, char **argv, const char *usage, const char **out,
                        const char **model, const char **link, long *top, int *status)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'}, {"model", required_argument, NULL, 'm'},
        {"link", required_argument, NULL, 'l'}, {"top", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":o:m:k:h", opts, NULL)) != -1) {
        if (opt == 'o')
            *out = optarg;
        else if (opt == 'm')
            *model = optarg;
        else if (opt == 'l')
            *link = optarg;
        else if (opt == 'k' && cli_parse_count(optarg) >= 1)
            *top = cli_parse_count(optarg);
        else if (opt == 'k') {
            *status = cli_usage_error(usage, "--top needs a positive count, not '%s'", optarg);
            return -1;
        } else {
            *status = cli_option_fallback(opt, usage, argv);
            return -1;
        }
    }
    if (optind >= argc) {
        *status = cli_usage_error(usage, "no audit given");
        return -1;
    }
    return 0;
}

/* The model of an audit: loaded, and checked to be the one it was made with. */
static slant_model *audit_model(const audit *a, const char *given)
{
    int ok;
    slant_model *m = cli_load_model(given, 1);
    if (!m)
        return NULL;
    uint64_t sum = model_checksum(cli_default_model(given), &ok);
    if (!ok || sum != a->spec.model_sum) {
        if (ok)
            cli_errorf("'%s' is not the model this audit was made with (pass it with --model)",
                       cli_default_model(given));
        slant_model_free(m);
        return NULL;
    }
    return m;
}

static int cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *model = NULL, *link = NULL;
    long top = 20;
    int status = EXIT_DATA;
    if (parse_simple(argc, argv, usage_merge, &out, &model, &link, &top, &status) < 0)
        return status;
    if (!out)
        return cli_usage_error(usage_merge, "missing --out DIR");
    audit *all = NULL;
    slant_model *m = NULL;
    audit_progress pr = {0};
    pr.merged = pr.done = 1;
    char *dst = NULL;
    for (int i = optind; i < argc; i++) {
        char *path = partial_path(argv[i]);
        slant_error err;
        audit_progress sp;
        audit *a = path ? audit_load(path, &sp, &err) : NULL;
        if (!a) {
            cli_report(&err);
            free(path);
            goto out;
        }
        int bad = !sp.done ? 1 : all && !audit_spec_equal(&all->spec, &a->spec) ? 2 : 0;
        if (bad)
            cli_errorf(bad == 1 ? "%s: this shard is not finished (resume it first)"
                                : "%s: this shard was made with other options or model", path);
        else if (all && audit_merge(all, a) < 0)
            cli_errorf("out of memory"), bad = 1;
        audit_progress_release(&sp);
        free(path);
        if (bad) {
            audit_free(a);
            goto out;
        }
        if (!all)
            all = a;
        else
            audit_free(a);
    }
    if (make_dir(out) < 0 || !(m = audit_model(all, model)) || audit_use_model(all, m) < 0 ||
        !(dst = join(out, PARTIAL)))
        goto out;
    slant_error err;
    if (audit_save(all, &pr, dst, &err) != SLANT_OK) {
        cli_report(&err);
        goto out;
    }
    if (render(all, m, out, link, top) < 0)
        goto out;
    fprintf(stderr, "slant audit merge: %d shards, %llu documents, %llu failed; wrote "
                    "%s/report.html\n", argc - optind, (unsigned long long)all->ndocs,
            (unsigned long long)all->nfailed, out);
    status = EXIT_OK;
out:
    free(dst);
    audit_free(all);
    slant_model_free(m);
    return status;
}

static int cmd_report(int argc, char **argv)
{
    const char *out = NULL, *model = NULL, *link = NULL;
    long top = 20;
    int status = EXIT_DATA;
    if (parse_simple(argc, argv, usage_report, &out, &model, &link, &top, &status) < 0)
        return status;
    if (optind + 1 != argc)
        return cli_usage_error(usage_report, "give one audit directory");
    char *path = partial_path(argv[optind]);
    slant_error err;
    audit *a = path ? audit_load(path, NULL, &err) : NULL;
    slant_model *m = NULL;
    if (!a)
        cli_report(&err);
    else if (!out)
        out = argv[optind];
    if (a && make_dir(out) == 0 && (m = audit_model(a, model)) && render(a, m, out, link, top) == 0)
        status = EXIT_OK;
    free(path);
    audit_free(a);
    slant_model_free(m);
    return status;
}

int cli_cmd_audit(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    return cmd_run(argc, argv);
}
