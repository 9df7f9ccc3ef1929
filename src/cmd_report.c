/* cmd_report.c - `slant eval` and `slant inspect`, and the metrics table
 * that `slant train --cv` shares with eval.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_print_metrics(const slant_metrics *mt, int json);

static void print_metrics_json(const slant_metrics *mt)
{
    cli_out o = {0};
    out_puts(&o, "{\"heads\":{");
    for (size_t h = 0; h < slant_metrics_nheads(mt); h++) {
        const slant_head_metrics *hm = slant_metrics_head(mt, h);
        out_puts(&o, h ? "," : "");
        out_json_string(&o, hm->head);
        out_printf(&o, ":{\"multilabel\":%s,\"documents\":%zu,\"micro_f1\":%.6f,"
                       "\"macro_f1\":%.6f,\"accuracy\":%.6f,\"labels\":{",
                   hm->multilabel ? "true" : "false", hm->ndocs, hm->micro_f1, hm->macro_f1,
                   hm->accuracy);
        for (size_t l = 0; l < hm->nlabels; l++) {
            out_puts(&o, l ? "," : "");
            out_json_string(&o, hm->labels[l]);
            out_printf(&o, ":{\"precision\":%.6f,\"recall\":%.6f,\"f1\":%.6f,\"support\":%zu,"
                           "\"tp\":%zu,\"fp\":%zu,\"fn\":%zu}",
                       hm->precision[l], hm->recall[l], hm->f1[l], hm->support[l], hm->tp[l],
                       hm->fp[l], hm->fn[l]);
        }
        out_puts(&o, "}");
        if (hm->confusion) {
            out_puts(&o, ",\"confusion\":[");
            for (size_t g = 0; g < hm->nlabels; g++) {
                out_puts(&o, g ? ",[" : "[");
                for (size_t p = 0; p < hm->nlabels; p++)
                    out_printf(&o, "%s%zu", p ? "," : "", hm->confusion[g * hm->nlabels + p]);
                out_puts(&o, "]");
            }
            out_puts(&o, "]");
        }
        out_puts(&o, "}");
    }
    out_puts(&o, "}}\n");
    fwrite(o.p, 1, o.len, stdout);
    out_release(&o);
}

void cli_print_metrics(const slant_metrics *mt, int json)
{
    if (json) {
        print_metrics_json(mt);
        return;
    }
    for (size_t h = 0; h < slant_metrics_nheads(mt); h++) {
        const slant_head_metrics *hm = slant_metrics_head(mt, h);
        int w = 5;
        for (size_t l = 0; l < hm->nlabels; l++)
            if ((int)strlen(hm->labels[l]) > w)
                w = (int)strlen(hm->labels[l]);
        printf("%s (%s, %zu documents)\n", hm->head, hm->multilabel ? "multi-label" : "single-label",
               hm->ndocs);
        printf("  %-*s %9s %9s %9s %8s\n", w, "label", "precision", "recall", "F1", "support");
        for (size_t l = 0; l < hm->nlabels; l++)
            printf("  %-*s %9.3f %9.3f %9.3f %8zu\n", w, hm->labels[l], hm->precision[l],
                   hm->recall[l], hm->f1[l], hm->support[l]);
        printf("  %-*s %9s %9s %9.3f\n", w, "micro-F1", "", "", hm->micro_f1);
        printf("  %-*s %9s %9s %9.3f\n", w, "macro-F1", "", "", hm->macro_f1);
        printf("  %-*s %9s %9s %9.3f\n", w, hm->multilabel ? "exact match" : "accuracy", "", "",
               hm->accuracy);
        if (hm->confusion) {
            printf("\n  confusion (rows: gold, columns: predicted)\n  %-*s", w, "");
            for (size_t p = 0; p < hm->nlabels; p++)
                printf(" %*.*s", 6, 6, hm->labels[p]);
            printf("\n");
            for (size_t g = 0; g < hm->nlabels; g++) {
                printf("  %-*s", w, hm->labels[g]);
                for (size_t p = 0; p < hm->nlabels; p++)
                    printf(" %6zu", hm->confusion[g * hm->nlabels + p]);
                printf("\n");
            }
        }
        printf("\n");
    }
}

/* --format of eval and inspect: 1 for json, 0 for table, -1 otherwise. */
static int report_format(const char *s)
{
    return strcmp(s, "json") == 0 ? 1 : strcmp(s, "table") == 0 ? 0 : -1;
}

int cli_cmd_eval(int argc, char **argv)
{
    static const char usage[] = "slant eval [--model MODEL] [--format table|json] DATA...";
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"head", required_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *model = NULL, *head = NULL;
    int json = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': model = optarg; break;
        case 'H': head = optarg; break;
        case 'f':
            if ((json = report_format(optarg)) < 0)
                return cli_usage_error(usage, "unknown format '%s'", optarg);
            break;
        default: return cli_option_fallback(opt, usage, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "no labelled data given");
    slant_model *m = cli_load_model(model, 1);
    if (!m)
        return EXIT_DATA;
    slant_error err;
    memset(&err, 0, sizeof err);
    slant_dataset *d = slant_dataset_new();
    slant_metrics *mt = NULL;
    int status = EXIT_OK;
    for (int i = optind; d && i < argc; i++)
        if (slant_dataset_read(d, argv[i], SLANT_FORMAT_AUTO, head, NULL, &err) != SLANT_OK) {
            cli_report(&err);
            status = EXIT_DATA;
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
            out_printf(&o, "%s (%s)\n", slant_model_head_name(m, h),
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
                out_printf(&o, "  %s  %zu docs, C %g%s", slant_model_label(m, h, l), nd, c,
                           slant_model_head_multilabel(m, h) ? ", threshold " : "");
                if (slant_model_head_multilabel(m, h))
                    out_printf(&o, "%.2f", thr);
                out_puts(&o, "\n   ");
                for (size_t t = 0; t < nt; t++)
                    out_printf(&o, " \"%s\" %.3f%s", terms[t].text, terms[t].weight,
                               t + 1 < nt ? "," : "");
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
        fwrite(o.p, 1, o.len, stdout);
        status = cli_close_stdout();
    }
    out_release(&o);
    free(terms);
    slant_model_free(m);
    return status;
}
