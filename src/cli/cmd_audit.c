/* cmd_audit.c - 'slant audit': classify a JSONL corpus and aggregate it by
 * group and time (run, --resume), combine shards (merge), render again
 * (report), each with slant trace's families when --trace is given.
 * Options and messages only: the work is slant_audit_run,
 * slant_audit_merge, slant_audit_report and slant_audit_add_trace
 * (slant_audit.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slant_audit.h"
#include "cli.h"

static const char usage_run[] =
    "slant audit --out DIR [--by FIELD]... [--time FIELD:UNIT] [--resume] [--trace TRACE_DIR] "
    "[-j N] FILE.jsonl...";
static const char usage_merge[] = "slant audit merge --out DIR [--trace TRACE_DIR] SHARD...";
static const char usage_report[] = "slant audit report [--out DIR] [--trace TRACE_DIR] AUDIT_DIR";

/* ======================================================== progress */

typedef struct shown {
    int tty;                    /* progress lines on a terminal */
    size_t nfail;               /* failures printed so far */
    struct timespec t0, last;
    /* where this run started: a resumed run's first report is the
     * checkpoint, so that its rate and ETA are of this run alone */
    int started;
    unsigned long long records0, bytes0;
    struct timespec t1;
} shown;

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* "slant audit: 120000 records, 2400/s, 31%, ETA 2m10s", twice a second */
static void on_progress(void *ctx, const slant_audit_progress *p)
{
    shown *s = ctx;
    if (!s->started) {
        s->started = 1;
        s->records0 = p->records;
        s->bytes0 = p->bytes_done;
        clock_gettime(CLOCK_MONOTONIC, &s->t1);
    }
    if (!s->tty || since(&s->last) < 0.5)
        return;
    clock_gettime(CLOCK_MONOTONIC, &s->last);
    double t = since(&s->t1);
    unsigned long long done = p->records - s->records0;
    fprintf(stderr, "\rslant audit: %llu records, %.0f/s", p->records,
            t > 0 ? (double)done / t : 0.0);
    if (p->bytes_total && p->bytes_done > s->bytes0 && p->bytes_done <= p->bytes_total) {
        double eta = t * (double)(p->bytes_total - p->bytes_done) /
                     (double)(p->bytes_done - s->bytes0);
        fprintf(stderr, ", %.0f%%, ETA %dm%02ds",
                100.0 * (double)p->bytes_done / (double)p->bytes_total, (int)eta / 60,
                (int)eta % 60);
    }
    fputs("\033[K", stderr);  /* the rest of a longer line before */
}

/* The first ten failed records in full; then only their count at the end. */
static void on_failure(void *ctx, const slant_error *why)
{
    shown *s = ctx;
    if (s->nfail++ >= 10)
        return;
    if (s->tty)
        fputc('\n', stderr);
    cli_report(why);
}

/* ======================================================== options */

typedef struct opts {
    slant_audit_options o;
    const char *by[8];
    char *time_field;
    const char *out, *model;
    const char *trace;          /* slant trace's directory (or families.jsonl) */
    size_t trace_families;      /* families shown; 0: the library's default */
    int quiet;
} opts;

enum { O_TRACE = 256, O_TRACE_FAMILIES };

static int parse_time(opts *p, const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1])
        return -1;
    free(p->time_field);
    p->time_field = strndup(s, (size_t)(colon - s));
    p->o.time_field = p->time_field;
    p->o.time_unit = colon + 1;
    return strcmp(colon + 1, "day") && strcmp(colon + 1, "week") && strcmp(colon + 1, "month") &&
                   strcmp(colon + 1, "year")
               ? -1 : 0;
}

/* A positive count for option 'name', or a usage error. */
static int count_arg(const char *usage, const char *name, const char *v, long max, long *out)
{
    long n = cli_parse_count(v);
    if (n < 1 || n > max) {
        cli_usage_error(usage, "%s needs a count from 1 to %ld, not '%s'", name, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse(int argc, char **argv, const char *usage, opts *p, int *status)
{
    static const struct option lopts[] = {
        {"out", required_argument, NULL, 'o'},    {"by", required_argument, NULL, 'b'},
        {"time", required_argument, NULL, 't'},   {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 'j'}, {"resume", no_argument, NULL, 'r'},
        {"checkpoint", required_argument, NULL, 'c'}, {"top", required_argument, NULL, 'k'},
        {"link", required_argument, NULL, 'l'},   {"quiet", no_argument, NULL, 'q'},
        {"trace", required_argument, NULL, O_TRACE},
        {"trace-families", required_argument, NULL, O_TRACE_FAMILIES},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int opt;
    long n;
    optind = 1;
    *status = EXIT_USAGE;
    while ((opt = getopt_long(argc, argv, ":o:b:t:m:j:k:qh", lopts, NULL)) != -1) {
        switch (opt) {
        case 'o': p->out = optarg; break;
        case 'm': p->model = optarg; break;
        case 'l': p->o.link = optarg; break;
        case 'r': p->o.resume = 1; break;
        case 'q': p->quiet = 1; break;
        case O_TRACE: p->trace = optarg; break;
        case O_TRACE_FAMILIES:
            if (count_arg(usage, "--trace-families", optarg, 1000, &n) < 0)
                return -1;
            p->trace_families = (size_t)n;
            break;
        case 'b':
            if (p->o.nby == 8) {
                cli_usage_error(usage, "at most 8 --by fields");
                return -1;
            }
            p->by[p->o.nby++] = optarg;
            break;
        case 't':
            if (parse_time(p, optarg) < 0) {
                cli_usage_error(usage, "--time needs FIELD:UNIT with UNIT day, week, month or "
                                       "year, not '%s'", optarg);
                return -1;
            }
            break;
        case 'j':
            if (count_arg(usage, "--threads", optarg, SLANT_MAX_THREADS, &n) < 0)
                return -1;
            p->o.threads = (int)n;
            break;
        case 'c':
        case 'k':
            if (count_arg(usage, opt == 'c' ? "--checkpoint" : "--top", optarg, 1L << 40, &n) < 0)
                return -1;
            *(opt == 'c' ? &p->o.checkpoint : &p->o.top_phrases) = (size_t)n;
            break;
        default:
            *status = cli_option_fallback(opt, usage, argv);
            return -1;
        }
    }
    p->o.by = p->by;
    if (!p->out && usage != usage_report) {
        cli_usage_error(usage, "missing --out DIR");
        return -1;
    }
    if (optind >= argc) {
        cli_usage_error(usage, usage == usage_run ? "no input file" : "no audit given");
        return -1;
    }
    if (p->trace_families && !p->trace) {
        cli_usage_error(usage, "--trace-families needs --trace");
        return -1;
    }
    return 0;
}

/* ======================================================== commands */

static void final_line(const char *what, const slant_audit_summary *s, const shown *sh,
                       const char *out)
{
    double t = since(&sh->t0);
    if (sh->tty)
        fputc('\n', stderr);
    fprintf(stderr, "slant %s: %llu documents, %llu failed; %llu records in %.1f s (%.0f/s); "
                    "%zu groups by %s; wrote %s/report.html\n",
            what, s->documents, s->failed, s->records_this_run, t,
            t > 0 ? (double)s->records_this_run / t : 0.0, s->groups, s->grouping, out);
}

int cli_cmd_audit(int argc, char **argv)
{
    const char *what = "audit", *usage = usage_run;
    if (argc >= 2 && (strcmp(argv[1], "merge") == 0 || strcmp(argv[1], "report") == 0)) {
        what = strcmp(argv[1], "merge") == 0 ? "audit merge" : "audit report";
        usage = what[6] == 'm' ? usage_merge : usage_report;
        argc--, argv++;
    }
    opts p;
    memset(&p, 0, sizeof p);
    slant_audit_options_init(&p.o);
    int status;
    if (parse(argc, argv, usage, &p, &status) < 0) {
        free(p.time_field);
        return status;
    }
    if (usage == usage_report && optind + 1 != argc) {
        free(p.time_field);
        return cli_usage_error(usage, "give one audit directory");
    }
    shown sh = {0};
    sh.tty = !p.quiet && isatty(2);
    clock_gettime(CLOCK_MONOTONIC, &sh.t0);
    p.o.progress = on_progress;
    p.o.failure = on_failure;
    p.o.ctx = &sh;
    p.o.model_path = cli_default_model(p.model);
    const char *fault = getenv("SLANT_AUDIT_FAULT_AFTER");
    p.o.fault_after = fault ? strtoull(fault, NULL, 10) : 0;
    cli_remove_temporaries_on_signals();
    status = EXIT_DATA;
    /* a trace that is not there fails now, not after hours of auditing */
    if (p.trace && access(p.trace, R_OK) != 0) {
        cli_errorf("cannot read the trace '%s': %s", p.trace, strerror(errno));
        free(p.time_field);
        return EXIT_DATA;
    }
    slant_model *m = cli_load_model(p.model, p.o.threads);
    if (!m)
        goto out;
    const char *const *files = (const char *const *)(argv + optind);
    size_t nfiles = (size_t)(argc - optind);
    slant_audit_summary s;
    slant_error err;
    int rc;
    if (usage == usage_run)
        rc = slant_audit_run(m, files, nfiles, p.out, &p.o, &s, &err);
    else if (usage == usage_merge)
        rc = slant_audit_merge(m, files, nfiles, p.out, &p.o, &s, &err);
    else
        rc = slant_audit_report(m, files[0], p.out, &p.o, &err);
    if (rc == SLANT_OK && p.trace)
        rc = slant_audit_add_trace(usage == usage_report && !p.out ? files[0] : p.out, p.trace,
                                   p.trace_families, p.o.link, &err);
    if (rc != SLANT_OK) {
        cli_report(&err);
        goto out;
    }
    if (usage != usage_report)
        final_line(what, &s, &sh, p.out);
    /* records a run could not read are data failures: say so in its status
     * (a merge or a report has nothing new to say about them) */
    status = usage == usage_run && s.failed ? EXIT_DATA : EXIT_OK;
out:
    slant_model_free(m);
    free(p.time_field);
    return status;
}
