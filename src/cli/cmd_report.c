/* cmd_report.c - `slant eval` and `slant inspect`, and the metrics table
 * that `slant train --cv` shares with eval.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_print_metrics(const slant_metrics *mt, int json);
void cli_print_cv(const slant_metrics *mt, int json, const char *title);

static void head_json(cli_out *o, const slant_head_metrics *hm)
{
    out_json_string(o, hm->head);
    out_printf(o, ":{\"multilabel\":%s,\"documents\":%zu,\"micro_f1\":%.6f,"
                  "\"macro_f1\":%.6f,\"accuracy\":%.6f,\"labels\":{",
               hm->multilabel ? "true" : "false", hm->ndocs, hm->micro_f1, hm->macro_f1,
               hm->accuracy);
    for (size_t l = 0; l < hm->nlabels; l++) {
        out_puts(o, l ? "," : "");
        out_json_string(o, hm->labels[l]);
        out_printf(o, ":{\"precision\":%.6f,\"recall\":%.6f,\"f1\":%.6f,\"support\":%zu,"
                      "\"tp\":%zu,\"fp\":%zu,\"fn\":%zu}",
                   hm->precision[l], hm->recall[l], hm->f1[l], hm->support[l], hm->tp[l],
                   hm->fp[l], hm->fn[l]);
    }
    out_puts(o, "}");
    if (hm->confusion) {
        out_puts(o, ",\"confusion\":[");
        for (size_t g = 0; g < hm->nlabels; g++) {
            out_puts(o, g ? ",[" : "[");
            for (size_t p = 0; p < hm->nlabels; p++)
                out_printf(o, "%s%zu", p ? "," : "", hm->confusion[g * hm->nlabels + p]);
            out_puts(o, "]");
        }
        out_puts(o, "]");
    }
    out_puts(o, "}");
}

static void heads_json(cli_out *o, const slant_metrics *mt)
{
    out_puts(o, "\"heads\":{");
    for (size_t h = 0; h < slant_metrics_nheads(mt); h++) {
        out_puts(o, h ? "," : "");
        head_json(o, slant_metrics_head(mt, h));
    }
    out_puts(o, "}");
}

static void write_out(cli_out *o)
{
    if (o->failed)
        cli_errorf("out of memory");
    else
        fwrite(o->data, 1, o->len, stdout);
    out_release(o);
}

typedef struct cell {
    size_t count, gold, pred;
} cell;

static int by_count_desc(const void *x, const void *y)
{
    const cell *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->gold != b->gold)
        return a->gold < b->gold ? -1 : 1;
    return a->pred < b->pred ? -1 : a->pred > b->pred;
}

/* Too many labels for a matrix on a terminal: the 'max' largest cells off
 * the diagonal instead (the JSON output has the whole matrix). */
static void print_top_confusions(const slant_head_metrics *hm, char *const *label, size_t max)
{
    size_t nl = hm->nlabels, n = 0;
    cell *c = malloc(nl * nl * sizeof *c);
    if (!c)
        return;
    for (size_t g = 0; g < nl; g++)
        for (size_t p = 0; p < nl; p++)
            if (g != p && hm->confusion[g * nl + p])
                c[n++] = (cell){hm->confusion[g * nl + p], g, p};
    qsort(c, n, sizeof *c, by_count_desc);
    printf("\n  most confused (gold -> predicted: documents; --json has the whole matrix)\n");
    for (size_t i = 0; i < n && i < max; i++)
        printf("  %s -> %s: %zu\n", label[c[i].gold], label[c[i].pred], c[i].count);
    if (!n)
        printf("  none\n");
    free(c);
}

static void print_confusion(const slant_head_metrics *hm, char *const *label, int w)
{
    size_t nl = hm->nlabels;
    if (nl > 10) {
        print_top_confusions(hm, label, 15);
        return;
    }
    printf("\n  confusion (rows: gold, columns: predicted)\n  %-*s", w, "");
    for (size_t p = 0; p < nl; p++)
        printf(" %*.*s", 6, 6, label[p]);
    printf("\n");
    for (size_t g = 0; g < nl; g++) {
        printf("  %-*s", w, label[g]);
        for (size_t p = 0; p < nl; p++)
            printf(" %6zu", hm->confusion[g * nl + p]);
        printf("\n");
    }
}

/* A head's label names as a terminal may show them (cli_visible). */
static char **visible_labels(const slant_head_metrics *hm)
{
    char **v = malloc((hm->nlabels ? hm->nlabels : 1) * sizeof *v);
    for (size_t l = 0; v && l < hm->nlabels; l++)
        v[l] = cli_visible(hm->labels[l]);
    return v;
}

static void free_labels(char **v, size_t n)
{
    for (size_t l = 0; l < n; l++)
        cli_visible_free(v[l]);
    free(v);
}

void cli_print_metrics(const slant_metrics *mt, int json)
{
    if (json) {
        cli_out o = {0};
        out_puts(&o, "{");
        heads_json(&o, mt);
        out_puts(&o, "}\n");
        write_out(&o);
        return;
    }
    for (size_t h = 0; h < slant_metrics_nheads(mt); h++) {
        const slant_head_metrics *hm = slant_metrics_head(mt, h);
        char **label = visible_labels(hm);
        if (!label) {
            cli_errorf("out of memory");
            return;
        }
        int w = 8;
        for (size_t l = 0; l < hm->nlabels; l++)
            if ((int)strlen(label[l]) > w)
                w = (int)strlen(label[l]);
        char *head = cli_visible(hm->head);
        printf("%s (%s, %zu documents)\n", head, hm->multilabel ? "multi-label" : "single-label",
               hm->ndocs);
        cli_visible_free(head);
        printf("  %-*s %9s %9s %9s %8s\n", w, "label", "precision", "recall", "F1", "support");
        for (size_t l = 0; l < hm->nlabels; l++)
            printf("  %-*s %9.3f %9.3f %9.3f %8zu\n", w, label[l], hm->precision[l],
                   hm->recall[l], hm->f1[l], hm->support[l]);
        printf("  %-*s %9s %9s %9.3f\n", w, "micro-F1", "", "", hm->micro_f1);
        printf("  %-*s %9s %9s %9.3f\n", w, "macro-F1", "", "", hm->macro_f1);
        printf("  %-*s %9s %9s %9.3f\n", w, hm->multilabel ? "exact match" : "accuracy", "", "",
               hm->accuracy);
        if (hm->confusion)
            print_confusion(hm, label, w);
        printf("\n");
        free_labels(label, hm->nlabels);
    }
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = n ? s / (double)n : 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

static void print_folds_table(const slant_metrics *mt, size_t h)
{
    size_t k = slant_metrics_nfolds(mt);
    double v[3][1000];
    char *head = cli_visible(slant_metrics_head(mt, h)->head);
    printf("%s, per fold\n  %4s %9s %9s %9s %9s\n", head, "fold", "documents", "micro-F1",
           "macro-F1", "accuracy");
    cli_visible_free(head);
    for (size_t f = 0; f < k && f < 1000; f++) {
        const slant_head_metrics *hm = slant_metrics_head(slant_metrics_fold(mt, f), h);
        v[0][f] = hm->micro_f1;
        v[1][f] = hm->macro_f1;
        v[2][f] = hm->accuracy;
        printf("  %4zu %9zu %9.3f %9.3f %9.3f\n", f + 1, hm->ndocs, hm->micro_f1, hm->macro_f1,
               hm->accuracy);
    }
    double mean[3], sd[3];
    for (int i = 0; i < 3; i++)
        mean_sd(v[i], k < 1000 ? k : 1000, &mean[i], &sd[i]);
    printf("  %-14s %9.3f %9.3f %9.3f\n  %-14s %9.3f %9.3f %9.3f\n\n", "mean", mean[0], mean[1],
           mean[2], "sd", sd[0], sd[1], sd[2]);
}

void cli_print_cv(const slant_metrics *mt, int json, const char *title)
{
    if (json) {
        cli_out o = {0};
        out_puts(&o, "{\"cross_validation\":");
        out_json_string(&o, title);
        out_puts(&o, ",");
        heads_json(&o, mt);
        out_puts(&o, ",\"folds\":[");
        for (size_t f = 0; f < slant_metrics_nfolds(mt); f++) {
            out_puts(&o, f ? ",{" : "{");
            heads_json(&o, slant_metrics_fold(mt, f));
            out_puts(&o, "}");
        }
        out_puts(&o, "]}\n");
        write_out(&o);
        return;
    }
    printf("%s\n\n", title);
    for (size_t h = 0; h < slant_metrics_nheads(mt); h++)
        print_folds_table(mt, h);
    printf("all folds' predictions together\n\n");
    cli_print_metrics(mt, 0);
}

/* --format of eval and inspect: 1 for json, 0 for table, -1 otherwise. */
static int report_format(const char *s)
{
    return strcmp(s, "json") == 0 ? 1 : strcmp(s, "table") == 0 ? 0 : -1;
}

int cli_cmd_eval(int argc, char **argv)
{
    static const char usage[] = "slant eval [--model MODEL] [--format table|json] "
                                "[--mask-field FIELD] [--mask-names FILE] DATA...";
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"head", required_argument, NULL, 'H'},
                                         {"mask-field", required_argument, NULL, 'M'},
                                         {"mask-names", required_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *model = NULL, *mask_names = NULL;
    slant_read_options ro;
    slant_read_options_init(&ro);
    int json = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model = optarg; break;
        case 'H': ro.head = optarg; break;
        case 'M': ro.mask_field = optarg; break;
        case 'N': mask_names = optarg; break;
        case 'f':
            if ((json = report_format(optarg)) < 0)
                return cli_usage_error(usage, "unknown format '%s'", optarg);
            break;
        default: return cli_option_fallback(opt, usage, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "no labelled data given");
    cli_names names = {0};
    if (mask_names && cli_read_names(mask_names, &names) < 0)
        return EXIT_DATA;
    ro.mask_names = names.v;
    ro.nmask_names = names.n;
    slant_model *m = cli_load_model(model, 1);
    if (!m) {
        cli_names_release(&names);
        return EXIT_DATA;
    }
    slant_error err;
    memset(&err, 0, sizeof err);
    slant_dataset *d = slant_dataset_new();
    slant_metrics *mt = NULL;
    int status = EXIT_OK;
    for (int i = optind; d && i < argc; i++)
        if (slant_dataset_read_with(d, argv[i], &ro, &err) != SLANT_OK) {
            cli_report(&err);
            status = err.code == SLANT_EINVAL ? EXIT_USAGE : EXIT_DATA;
            goto done;
        }
    if (!d || slant_evaluate(m, d, &mt, &err) != SLANT_OK) {
        cli_report(&err);
        status = EXIT_DATA;
        goto done;
    }
    cli_print_metrics(mt, json);
    status = cli_close_stdout();
done:
    slant_metrics_free(mt);
    slant_dataset_free(d);
    slant_model_free(m);
    cli_names_release(&names);
    return status;
}

int cli_cmd_inspect(int argc, char **argv)
{
    static const char usage[] = "slant inspect [--model MODEL] [--top K] [--format table|json]";
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"top", required_argument, NULL, 'k'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *model = NULL;
    long top = 10;
    int json = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:k:f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model = optarg; break;
        case 'k':
            top = cli_parse_count(optarg);
            if (top < 0 || top > 100000)
                return cli_usage_error(usage, "--top takes a count");
            break;
        case 'f':
            if ((json = report_format(optarg)) < 0)
                return cli_usage_error(usage, "unknown format '%s'", optarg);
            break;
        default: return cli_option_fallback(opt, usage, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    const char *path = cli_default_model(model);
    slant_model *m = cli_load_model(model, 1);
    if (!m)
        return EXIT_DATA;
    slant_model_info info;
    slant_model_get_info(m, &info);
    slant_term *terms = malloc(sizeof *terms * (size_t)(top ? top : 1));
    if (!terms) {
        slant_model_free(m);
        cli_errorf("out of memory");
        return EXIT_DATA;
    }
    cli_out o = {0};
    if (json) {
        out_puts(&o, "{\"model\":");
        out_json_string(&o, path);
        out_printf(&o, ",\"format_version\":%d,\"language\":", info.format_version);
        out_json_string(&o, slant_model_language(m));
        out_printf(&o, ",\"ngram_max\":%d,\"min_df\":%d,\"max_df\":%g,\"max_features\":%zu,"
                       "\"features\":%zu,\"stems\":%zu,\"training_documents\":%zu,\"folds\":%d,"
                       "\"kernel\":\"%s\",\"heads\":{",
                   info.ngram_max, info.min_df, info.max_df, info.max_features,
                   slant_model_nfeatures(m), info.nstems, info.ndocs, info.folds,
                   info.used_gram ? "precomputed" : "linear");
    } else {
        out_printf(&o, "model        %s\n", path);
        out_printf(&o, "format       %d, stemmer '%s'\n", info.format_version,
                   slant_model_language(m));
        out_printf(&o, "features     %zu word 1-%d-grams (min_df %d, max_df %g%s), %zu stems\n",
                   slant_model_nfeatures(m), info.ngram_max, info.min_df, info.max_df,
                   info.max_features ? ", capped" : "", info.nstems);
        out_printf(&o, "training     %zu documents, %d inner folds, %s kernel\n\n", info.ndocs,
                   info.folds, info.used_gram ? "precomputed Gram" : "sparse linear");
    }
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        if (json) {
            out_puts(&o, h ? "," : "");
            out_json_string(&o, slant_model_head_name(m, h));
            out_printf(&o, ":{\"multilabel\":%s,\"labels\":{",
                       slant_model_head_multilabel(m, h) ? "true" : "false");
        } else {
            out_visible(&o, slant_model_head_name(m, h));
            out_printf(&o, " (%s)\n",
                       slant_model_head_multilabel(m, h) ? "multi-label" : "single-label");
        }
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            double c, a, b, thr;
            size_t nd;
            slant_model_label_info(m, h, l, &c, &a, &b, &thr, &nd);
            size_t nt = slant_model_top_terms(m, h, l, terms, (size_t)top);
            if (json) {
                out_puts(&o, l ? "," : "");
                out_json_string(&o, slant_model_label(m, h, l));
                out_printf(&o, ":{\"documents\":%zu,\"C\":%g,\"platt_a\":%.6g,\"platt_b\":%.6g,"
                               "\"threshold\":%.6g,\"top_terms\":[",
                           nd, c, a, b, thr);
                for (size_t t = 0; t < nt; t++) {
                    out_puts(&o, t ? ",{\"term\":" : "{\"term\":");
                    out_json_string(&o, terms[t].text);
                    out_printf(&o, ",\"weight\":%.6g}", terms[t].weight);
                }
                out_puts(&o, "]}");
            } else {
                out_puts(&o, "  ");
                out_visible(&o, slant_model_label(m, h, l));
                out_printf(&o, "  %zu docs, C %g%s", nd, c,
                           slant_model_head_multilabel(m, h) ? ", threshold " : "");
                if (slant_model_head_multilabel(m, h))
                    out_printf(&o, "%.2f", thr);
                out_puts(&o, "\n   ");
                for (size_t t = 0; t < nt; t++) {
                    out_puts(&o, " \"");
                    out_visible(&o, terms[t].text);
                    out_printf(&o, "\" %.3f%s", terms[t].weight, t + 1 < nt ? "," : "");
                }
                out_puts(&o, "\n");
            }
        }
        out_puts(&o, json ? "}}" : "\n");
    }
    if (json)
        out_puts(&o, "}}\n");
    int status = EXIT_OK;
    if (o.failed) {
        cli_errorf("out of memory");
        status = EXIT_DATA;
    } else {
        fwrite(o.data, 1, o.len, stdout);
        status = cli_close_stdout();
    }
    out_release(&o);
    free(terms);
    slant_model_free(m);
    return status;
}
