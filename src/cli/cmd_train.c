/* cmd_train.c - `slant train`: labelled data in, a model file out, and
 * with --cv the cross-validated quality of the same procedure: per fold,
 * over all folds, the out-of-fold predictions and the folds themselves.
 *
 * Everything that can be wrong before training is checked before it
 * starts: the options, where the outputs go, that the --group field and
 * the --head exist in the data.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "slant train --out MODEL [--cv K] [--group FIELD] [--mask-field FIELD] [options] DATA...";

void cli_print_metrics(const slant_metrics *mt, int json);
void cli_print_cv(const slant_metrics *mt, int json, const char *title);

typedef struct train_args {
    slant_train_options o;
    slant_read_options r;
    const char *out, *oof, *folds_out, *mask_names;
    long cv;
    int json;
    double grid[16];
} train_args;

static void progress(void *ctx, const char *what, size_t done, size_t total)
{
    (void)ctx;
    fprintf(stderr, "\r\033[Kslant: %s %zu/%zu", what, done, total);
    fflush(stderr);
}

static void warning(void *ctx, const char *text)
{
    if (ctx)
        fputs("\r\033[K", stderr);
    char *v = cli_visible(text);
    fprintf(stderr, "slant: warning: %s\n", v);
    cli_visible_free(v);
}

static void skipped(void *ctx, const slant_error *why)
{
    (void)ctx;
    slant_error e = *why;
    char text[sizeof e.text];
    snprintf(text, sizeof text, "skipped: %.480s", why->text);
    memcpy(e.text, text, sizeof text);
    cli_report(&e);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int parse_grid(const char *s, double *grid, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !(v > 0) || !isfinite(v) || *n == 16)
            return -1;
        grid[(*n)++] = v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return *n ? 0 : -1;
}

static int parse_format(const char *s, enum slant_format *fmt)
{
    static const struct { const char *name; enum slant_format fmt; } names[] = {
        {"auto", SLANT_FORMAT_AUTO}, {"jsonl", SLANT_FORMAT_JSONL},
        {"fasttext", SLANT_FORMAT_FASTTEXT}, {"tsv", SLANT_FORMAT_TSV}, {"dir", SLANT_FORMAT_DIR}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *fmt = names[i].fmt;
            return 0;
        }
    return -1;
}

enum { O_CV = 256, O_GROUP, O_FORMAT, O_HEAD, O_LANG, O_NGRAMS, O_MINDF, O_MAXDF, O_MAXF,
       O_FOLDS, O_C, O_GRAM, O_SEED, O_JSON, O_INNER, O_MASKF, O_MASKN, O_SKIP, O_THR, O_OOF,
       O_FOLDSOUT };

static const struct option opts[] = {
    {"out", required_argument, NULL, 'o'},       {"cv", required_argument, NULL, O_CV},
    {"group", required_argument, NULL, O_GROUP}, {"format", required_argument, NULL, O_FORMAT},
    {"head", required_argument, NULL, O_HEAD},   {"language", required_argument, NULL, O_LANG},
    {"ngrams", required_argument, NULL, O_NGRAMS}, {"min-df", required_argument, NULL, O_MINDF},
    {"max-df", required_argument, NULL, O_MAXDF}, {"max-features", required_argument, NULL, O_MAXF},
    {"folds", required_argument, NULL, O_FOLDS}, {"c", required_argument, NULL, O_C},
    {"gram-mb", required_argument, NULL, O_GRAM}, {"threads", required_argument, NULL, 'j'},
    {"seed", required_argument, NULL, O_SEED},   {"json", no_argument, NULL, O_JSON},
    {"inner-folds", required_argument, NULL, O_INNER},
    {"mask-field", required_argument, NULL, O_MASKF},
    {"mask-names", required_argument, NULL, O_MASKN},
    {"skip-bad", no_argument, NULL, O_SKIP},     {"thresholds", required_argument, NULL, O_THR},
    {"oof", required_argument, NULL, O_OOF},     {"folds-out", required_argument, NULL, O_FOLDSOUT},
    {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};

/* A count option in [lo, hi], or a usage error naming it. */
static int count_option(const char *name, const char *value, long lo, long hi, long *out)
{
    long v = cli_parse_count(value);
    if (v < lo || v > hi) {
        cli_usage_error(usage, "%s takes a whole number from %ld to %ld", name, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* One option into 'a'; returns 0, or the exit status of a usage error. */
static int take_option(train_args *a, int opt)
{
    slant_train_options *o = &a->o;
    long v = 0;
    char *end;
    switch (opt) {
    case 'o': a->out = optarg; return 0;
    case O_CV: return count_option("--cv", optarg, 2, 1000, &a->cv) ? EXIT_USAGE : 0;
    case O_GROUP: a->r.group_field = optarg; return 0;
    case O_FORMAT:
        return parse_format(optarg, &a->r.format)
                   ? cli_usage_error(usage, "unknown data format '%s'", optarg) : 0;
    case O_HEAD: a->r.head = optarg; return 0;
    case O_LANG: o->language = optarg; return 0;
    case O_NGRAMS:
        if (count_option("--ngrams", optarg, 1, 3, &v))
            return EXIT_USAGE;
        o->ngram_max = (int)v;
        return 0;
    case O_MINDF:
        if (count_option("--min-df", optarg, 1, 1000000, &v))
            return EXIT_USAGE;
        o->min_df = (int)v;
        return 0;
    case O_MAXDF:
        o->max_df = strtod(optarg, &end);
        if (end == optarg || *end || !(o->max_df > 0 && o->max_df <= 1))
            return cli_usage_error(usage, "--max-df takes a share in (0, 1]");
        return 0;
    case O_MAXF:
        if (count_option("--max-features", optarg, 1, 0x7fffffff, &v))
            return EXIT_USAGE;
        o->max_features = (size_t)v;
        return 0;
    case O_FOLDS:
        if (count_option("--folds", optarg, 2, 100, &v))
            return EXIT_USAGE;
        o->folds = (int)v;
        return 0;
    case O_C:
        if (parse_grid(optarg, a->grid, &o->c_grid_n) < 0)
            return cli_usage_error(usage, "--c takes up to 16 positive numbers, comma-separated");
        o->c_grid = a->grid;
        return 0;
    case O_GRAM:
        if (count_option("--gram-mb", optarg, 0, 0x7fffffff, &v))
            return EXIT_USAGE;
        o->gram_mb = (size_t)v;
        return 0;
    case 'j':
        if (count_option("--threads", optarg, 1, 64, &v))
            return EXIT_USAGE;
        o->threads = (int)v;
        return 0;
    case O_SEED:
        if (count_option("--seed", optarg, 0, 0x7fffffff, &v))
            return EXIT_USAGE;
        o->seed = (unsigned)v;
        return 0;
    case O_JSON: a->json = 1; return 0;
    case O_INNER:
        if (strcmp(optarg, "grouped") && strcmp(optarg, "stratified"))
            return cli_usage_error(usage, "--inner-folds takes grouped or stratified");
        o->inner_grouped = strcmp(optarg, "grouped") == 0;
        return 0;
    case O_MASKF: a->r.mask_field = optarg; return 0;
    case O_MASKN: a->mask_names = optarg; return 0;
    case O_SKIP: a->r.skip_bad = 1; return 0;
    case O_THR:
        if (strcmp(optarg, "both") == 0) o->threshold_objective = SLANT_THRESHOLD_BOTH;
        else if (strcmp(optarg, "micro") == 0) o->threshold_objective = SLANT_THRESHOLD_MICRO;
        else if (strcmp(optarg, "macro") == 0) o->threshold_objective = SLANT_THRESHOLD_MACRO;
        else return cli_usage_error(usage, "--thresholds takes both, micro or macro");
        return 0;
    case O_OOF: a->oof = optarg; return 0;
    case O_FOLDSOUT: a->folds_out = optarg; return 0;
    default: return -1;
    }
}

static int parse_args(train_args *a, int argc, char **argv)
{
    int opt;
    memset(a, 0, sizeof *a);
    slant_train_options_init(&a->o);
    slant_read_options_init(&a->r);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:j:h", opts, NULL)) != -1) {
        int rc = take_option(a, opt);
        if (rc > 0)
            return rc;
        if (rc < 0)
            return cli_option_fallback(opt, usage, argv);
    }
    if (optind >= argc)
        return cli_usage_error(usage, "no training data given");
    if (!a->out && !a->cv)
        return cli_usage_error(usage, "say where to write the model with --out (or use --cv)");
    if ((a->oof || a->folds_out) && !a->cv)
        return cli_usage_error(usage, "--oof and --folds-out go with --cv");
    if (a->r.head && !*a->r.head)
        return cli_usage_error(usage, "--head takes a non-empty name");
    return -1;
}

static const slant_dataset *sorting;

static int by_id(const void *a, const void *b)
{
    return strcmp(slant_dataset_id(sorting, *(const size_t *)a),
                  slant_dataset_id(sorting, *(const size_t *)b));
}

/* Do records i and j carry the same labels for every head? */
static int same_labels(const slant_dataset *d, size_t i, size_t j)
{
    const char *a[64], *b[64];
    for (size_t h = 0; h < slant_dataset_nheads(d); h++) {
        long na = slant_dataset_labels(d, i, h, a, 64), nb = slant_dataset_labels(d, j, h, b, 64);
        if (na != nb)
            return 0;
        for (long k = 0; k < na && k < 64; k++) {
            long m = 0;
            while (m < nb && m < 64 && strcmp(a[k], b[m]) != 0)
                m++;
            if (m == nb || m == 64)
                return 0;
        }
    }
    return 1;
}

/* Records that share an id but not their labels are usually a merge gone
 * wrong: say how many, and the first. */
static void warn_conflicting_ids(const slant_dataset *d)
{
    size_t n = slant_dataset_size(d), conflicts = 0, first = 0;
    size_t *order = malloc(n * sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sorting = d;
    qsort(order, n, sizeof *order, by_id);
    for (size_t k = 1; k < n; k++) {
        size_t i = order[k - 1], j = order[k];
        if (strcmp(slant_dataset_id(d, i), slant_dataset_id(d, j)) == 0 && !same_labels(d, i, j)) {
            if (!conflicts++)
                first = i;
        }
    }
    if (conflicts)
        cli_errorf("warning: %zu records share an id with another record but not its labels "
                   "(the first: id '%s')", conflicts, slant_dataset_id(d, first));
    free(order);
}

/* The data read and checked against what the options asked of it. */
static int read_data(train_args *a, slant_dataset *d, char **files, int nfiles)
{
    slant_error err;
    a->r.skipped = skipped;
    for (int i = 0; i < nfiles; i++)
        if (slant_dataset_read_with(d, files[i], &a->r, &err) != SLANT_OK) {
            cli_report(&err);
            return err.code == SLANT_EINVAL ? EXIT_USAGE : EXIT_DATA;
        }
    size_t n = slant_dataset_size(d), grouped = slant_dataset_grouped(d);
    if (slant_dataset_skipped(d))
        cli_errorf("skipped %zu malformed records, read %zu", slant_dataset_skipped(d), n);
    if (n == 0) {
        cli_errorf("no documents in the training data");
        return EXIT_DATA;
    }
    if (a->r.head && slant_dataset_nheads(d) == 0)
        return cli_usage_error(usage, "--head '%s': no record has that head", a->r.head);
    if (a->r.group_field && grouped == 0)
        return cli_usage_error(usage, "--group '%s': no record has that field (as a string or "
                                      "an integer)", a->r.group_field);
    if (a->r.group_field && grouped < n)
        cli_errorf("warning: %zu of %zu records have no '%s': each is a group of its own",
                   n - grouped, n, a->r.group_field);
    warn_conflicting_ids(d);
    return EXIT_OK;
}

/* ---------------------------------------------------------------- out-of-fold output */

typedef struct oof_ctx {
    const slant_dataset *d;
    FILE *fp;
    cli_out line;
} oof_ctx;

static void oof_gold(oof_ctx *c, size_t rec)
{
    const char *labels[256];
    out_puts(&c->line, ",\"gold\":{");
    for (size_t h = 0, first = 1; h < slant_dataset_nheads(c->d); h++) {
        long n = slant_dataset_labels(c->d, rec, h, labels, 256);
        if (n < 0)
            continue;
        out_puts(&c->line, first ? "" : ",");
        first = 0;
        out_json_string(&c->line, slant_dataset_head_name(c->d, h));
        out_puts(&c->line, ":");
        /* a record of a multi-label head may have one label: a list is
         * printed when the head's data gave one */
        int list = n != 1;
        out_puts(&c->line, list ? "[" : "");
        for (long i = 0; i < n && i < 256; i++) {
            out_puts(&c->line, i ? "," : "");
            out_json_string(&c->line, labels[i]);
        }
        out_puts(&c->line, list ? "]" : "");
    }
    out_puts(&c->line, "}");
}

static void oof_record(void *vctx, int fold, size_t rec, const slant_model *m,
                       const slant_result *r)
{
    oof_ctx *c = vctx;
    c->line.len = 0;
    out_puts(&c->line, "{\"id\":");
    out_json_string(&c->line, slant_dataset_id(c->d, rec));
    out_printf(&c->line, ",\"fold\":%d", fold + 1);
    if (slant_dataset_group(c->d, rec)) {
        out_puts(&c->line, ",\"group\":");
        out_json_string(&c->line, slant_dataset_group(c->d, rec));
    }
    oof_gold(c, rec);
    out_puts(&c->line, ",\"labels\":{");
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        int ml = slant_model_head_multilabel(m, h), first = 1;
        out_puts(&c->line, h ? "," : "");
        out_json_string(&c->line, slant_model_head_name(m, h));
        out_puts(&c->line, ml ? ":[" : ":");
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
            if (slant_result_predicted(r, h, l)) {
                out_puts(&c->line, first ? "" : ",");
                first = 0;
                out_json_string(&c->line, slant_model_label(m, h, l));
            }
        out_puts(&c->line, ml ? "]" : "");
    }
    out_puts(&c->line, "},\"scores\":{");
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        out_puts(&c->line, h ? "," : "");
        out_json_string(&c->line, slant_model_head_name(m, h));
        out_puts(&c->line, ":{");
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            out_puts(&c->line, l ? "," : "");
            out_json_string(&c->line, slant_model_label(m, h, l));
            out_puts(&c->line, ":");
            out_double_g(&c->line, slant_result_score(r, h, l), 6);
        }
        out_puts(&c->line, "}");
    }
    out_puts(&c->line, "}}\n");
    fwrite(c->line.data, 1, c->line.len, c->fp);
}

static int write_folds(const slant_dataset *d, const int *fold, cli_outfile *f)
{
    fputs("id\tfold\tgroup\n", f->fp);
    for (size_t i = 0; i < slant_dataset_size(d); i++) {
        const char *g = slant_dataset_group(d, i);
        fprintf(f->fp, "%s\t%d\t%s\n", slant_dataset_id(d, i), fold[i] + 1, g ? g : "");
    }
    return cli_outfile_commit(f);
}

/* ---------------------------------------------------------------- the command */

static int cross_validate(train_args *a, const slant_dataset *d, int tty)
{
    cli_outfile oof_file = {0}, folds_file = {0};
    oof_ctx oc = {d, NULL, {0}};
    int *fold = NULL, status = EXIT_DATA;
    slant_metrics *mt = NULL;
    slant_error err;
    struct timespec t0;
    if ((a->oof && cli_outfile_open(&oof_file, a->oof) < 0) ||
        (a->folds_out && cli_outfile_open(&folds_file, a->folds_out) < 0))
        goto out;
    if (a->folds_out && !(fold = malloc(slant_dataset_size(d) * sizeof *fold))) {
        cli_errorf("out of memory");
        goto out;
    }
    oc.fp = oof_file.fp;
    slant_cv_options cv = {(int)a->cv, a->r.group_field != NULL, a->oof ? oof_record : NULL, &oc,
                           fold};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = slant_cross_validate_with(d, &a->o, &cv, &mt, &err);
    if (tty)
        fputs("\r\033[K", stderr);
    if (rc != SLANT_OK) {
        cli_report(&err);
        goto out;
    }
    if (oc.line.failed) {
        cli_errorf("out of memory");
        goto out;
    }
    if ((a->oof && cli_outfile_commit(&oof_file) < 0) ||
        (a->folds_out && write_folds(d, fold, &folds_file) < 0))
        goto out;
    char title[512];
    snprintf(title, sizeof title, "%ld-fold cross-validation%s%s%s, %zu documents, %.1f s", a->cv,
             a->r.group_field ? ", folds grouped by '" : "",
             a->r.group_field ? a->r.group_field : "", a->r.group_field ? "'" : "",
             slant_dataset_size(d), seconds_since(&t0));
    cli_print_cv(mt, a->json, title);
    status = EXIT_OK;
out:
    cli_outfile_abort(&oof_file);
    cli_outfile_abort(&folds_file);
    out_release(&oc.line);
    free(fold);
    slant_metrics_free(mt);
    return status;
}

static int train_and_save(train_args *a, const slant_dataset *d, int tty, double *seconds)
{
    slant_model *m = NULL;
    slant_error err;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = slant_train(d, &a->o, &m, &err);
    if (tty)
        fputs("\r\033[K", stderr);
    if (rc == SLANT_OK)
        rc = slant_model_save(m, a->out, &err);
    if (rc != SLANT_OK) {
        cli_report(&err);
        slant_model_free(m);
        return EXIT_DATA;
    }
    *seconds = seconds_since(&t0);
    fprintf(stderr, "slant: trained %zu heads on %zu documents, %zu phrases, in %.2f s: %s\n",
            slant_model_nheads(m), slant_dataset_size(d), slant_model_nfeatures(m), *seconds,
            a->out);
    slant_model_free(m);
    return EXIT_OK;
}

int cli_cmd_train(int argc, char **argv)
{
    train_args a;
    int status = parse_args(&a, argc, argv);
    if (status >= 0)
        return status;
    cli_remove_temporaries_on_signals();
    /* a path that cannot be written fails now, not after training */
    if (a.out && cli_check_writable(a.out) < 0)
        return EXIT_DATA;
    cli_names names = {0};
    if (a.mask_names && cli_read_names(a.mask_names, &names) < 0)
        return EXIT_DATA;
    a.r.mask_names = names.v;
    a.r.nmask_names = names.n;
    int tty = isatty(2);
    if (tty)
        a.o.progress = progress;
    a.o.warning = warning;
    a.o.warning_ctx = tty ? &a : NULL;
    slant_dataset *d = slant_dataset_new();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!d) {
        cli_errorf("out of memory");
        status = EXIT_DATA;
    } else {
        status = read_data(&a, d, argv + optind, argc - optind);
    }
    double cv_seconds = 0, train_seconds = 0;
    if (status == EXIT_OK && a.cv) {
        status = cross_validate(&a, d, tty);
        cv_seconds = seconds_since(&t0);
    }
    if (status == EXIT_OK && a.out)
        status = train_and_save(&a, d, tty, &train_seconds);
    if (status == EXIT_OK && a.cv && a.out)
        fprintf(stderr, "slant: %.1f s in all: %.1f s reading and cross-validating, %.1f s "
                        "training the model\n", seconds_since(&t0), cv_seconds, train_seconds);
    if (status == EXIT_OK && cli_close_stdout() != EXIT_OK)
        status = EXIT_DATA;
    cli_names_release(&names);
    slant_dataset_free(d);
    return status;
}
