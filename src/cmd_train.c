/* cmd_train.c - `slant train`: labelled data in, a model file out, and
 * with --cv the cross-validated quality of the same procedure.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "slant train --out MODEL [--cv K] [--group FIELD] [--format FMT] [options] DATA...";

static void progress(void *ctx, const char *what, size_t done, size_t total)
{
    (void)ctx;
    fprintf(stderr, "\r\033[Kslant: %s %zu/%zu", what, done, total);
    fflush(stderr);
}

void cli_print_metrics(const slant_metrics *mt, int json);

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

int cli_cmd_train(int argc, char **argv)
{
    enum { O_CV = 256, O_GROUP, O_FORMAT, O_HEAD, O_LANG, O_NGRAMS, O_MINDF, O_MAXDF, O_MAXF,
           O_FOLDS, O_C, O_GRAM, O_SEED, O_JSON };
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"cv", required_argument, NULL, O_CV},
        {"group", required_argument, NULL, O_GROUP}, {"format", required_argument, NULL, O_FORMAT},
        {"head", required_argument, NULL, O_HEAD},   {"language", required_argument, NULL, O_LANG},
        {"ngrams", required_argument, NULL, O_NGRAMS}, {"min-df", required_argument, NULL, O_MINDF},
        {"max-df", required_argument, NULL, O_MAXDF}, {"max-features", required_argument, NULL, O_MAXF},
        {"folds", required_argument, NULL, O_FOLDS}, {"c", required_argument, NULL, O_C},
        {"gram-mb", required_argument, NULL, O_GRAM}, {"threads", required_argument, NULL, 'j'},
        {"seed", required_argument, NULL, O_SEED},   {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    slant_train_options o;
    slant_train_options_init(&o);
    const char *out = NULL, *group = NULL, *head = NULL;
    enum slant_format fmt = SLANT_FORMAT_AUTO;
    long cv = 0;
    int json = 0;
    double grid[16];
    size_t ngrid;
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:j:h", opts, NULL)) != -1) {
        long v;
        char *end;
        switch (opt) {
        case 'o': out = optarg; break;
        case O_CV:
            cv = cli_parse_count(optarg);
            if (cv < 2)
                return cli_usage_error(usage, "--cv takes a number of folds of 2 or more");
            break;
        case O_GROUP: group = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "auto") == 0) fmt = SLANT_FORMAT_AUTO;
            else if (strcmp(optarg, "jsonl") == 0) fmt = SLANT_FORMAT_JSONL;
            else if (strcmp(optarg, "fasttext") == 0) fmt = SLANT_FORMAT_FASTTEXT;
            else if (strcmp(optarg, "tsv") == 0) fmt = SLANT_FORMAT_TSV;
            else if (strcmp(optarg, "dir") == 0) fmt = SLANT_FORMAT_DIR;
            else return cli_usage_error(usage, "unknown data format '%s'", optarg);
            break;
        case O_HEAD: head = optarg; break;
        case O_LANG: o.language = optarg; break;
        case O_NGRAMS:
            v = cli_parse_count(optarg);
            if (v < 1 || v > 3)
                return cli_usage_error(usage, "--ngrams takes 1, 2 or 3");
            o.ngram_max = (int)v;
            break;
        case O_MINDF:
            v = cli_parse_count(optarg);
            if (v < 1 || v > 1000000)
                return cli_usage_error(usage, "--min-df takes a positive count");
            o.min_df = (int)v;
            break;
        case O_MAXDF:
            o.max_df = strtod(optarg, &end);
            if (end == optarg || *end || !(o.max_df > 0 && o.max_df <= 1))
                return cli_usage_error(usage, "--max-df takes a share in (0, 1]");
            break;
        case O_MAXF:
            v = cli_parse_count(optarg);
            if (v < 1)
                return cli_usage_error(usage, "--max-features takes a positive count");
            o.max_features = (size_t)v;
            break;
        case O_FOLDS:
            v = cli_parse_count(optarg);
            if (v < 2 || v > 100)
                return cli_usage_error(usage, "--folds takes 2 to 100");
            o.folds = (int)v;
            break;
        case O_C:
            if (parse_grid(optarg, grid, &ngrid) < 0)
                return cli_usage_error(usage, "--c takes up to 16 positive numbers, comma-separated");
            o.c_grid = grid;
            o.c_grid_n = ngrid;
            break;
        case O_GRAM:
            v = cli_parse_count(optarg);
            if (v < 0)
                return cli_usage_error(usage, "--gram-mb takes a size in MiB");
            o.gram_mb = (size_t)v;
            break;
        case 'j':
            v = cli_parse_count(optarg);
            if (v < 1 || v > 16)
                return cli_usage_error(usage, "--threads takes 1 to 16");
            o.threads = (int)v;
            break;
        case O_SEED:
            v = cli_parse_count(optarg);
            if (v < 0 || v > 0x7fffffff)
                return cli_usage_error(usage, "--seed takes a non-negative number");
            o.seed = (unsigned)v;
            break;
        case O_JSON: json = 1; break;
        default:
            return cli_option_fallback(opt, usage, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "no training data given");
    if (!out && !cv)
        return cli_usage_error(usage, "say where to write the model with --out (or use --cv)");
    int tty = isatty(2);
    if (tty) {
        o.progress = progress;
    }

    slant_error err;
    memset(&err, 0, sizeof err);
    slant_dataset *d = slant_dataset_new();
    int status = EXIT_OK;
    slant_model *m = NULL;
    slant_metrics *mt = NULL;
    if (!d) {
        cli_errorf("out of memory");
        return EXIT_DATA;
    }
    for (int i = optind; i < argc; i++)
        if (slant_dataset_read(d, argv[i], fmt, head, group, &err) != SLANT_OK) {
            cli_report(&err);
            status = EXIT_DATA;
            goto done;
        }
    if (slant_dataset_size(d) == 0) {
        cli_errorf("no documents in the training data");
        status = EXIT_DATA;
        goto done;
    }
    struct timespec t0, t1;
    if (cv) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (slant_cross_validate(d, &o, (int)cv, group != NULL, &mt, &err) != SLANT_OK) {
            if (tty)
                fputs("\r\033[K", stderr);
            cli_report(&err);
            status = EXIT_DATA;
            goto done;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (tty)
            fputs("\r\033[K", stderr);
        if (!json)
            printf("%ld-fold cross-validation%s%s%s, %zu documents, %.1f s\n\n", cv,
                   group ? " grouped by '" : "", group ? group : "", group ? "'" : "",
                   slant_dataset_size(d),
                   (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        cli_print_metrics(mt, json);
    }
    if (out) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (slant_train(d, &o, &m, &err) != SLANT_OK) {
            if (tty)
                fputs("\r\033[K", stderr);
            cli_report(&err);
            status = EXIT_DATA;
            goto done;
        }
        if (tty)
            fputs("\r\033[K", stderr);
        if (slant_model_save(m, out, &err) != SLANT_OK) {
            cli_report(&err);
            status = EXIT_DATA;
            goto done;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        fprintf(stderr, "slant: trained %zu heads on %zu documents, %zu phrases, in %.2f s: %s\n",
                slant_model_nheads(m), slant_dataset_size(d), slant_model_nfeatures(m),
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, out);
    }
    if (cli_close_stdout() != EXIT_OK)
        status = EXIT_DATA;
done:
    slant_metrics_free(mt);
    slant_model_free(m);
    slant_dataset_free(d);
    return status;
}
