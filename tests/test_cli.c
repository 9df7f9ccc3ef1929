/* test_cli.c - the slant command end to end: every subcommand run as a
 * child process, its output, its errors in the 'slant: file:line:col:'
 * shape, and its exit status (0 ok, 1 data or I/O, 2 usage). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"

static char *dir, *corpus, *model;

/* A trained model shared by the tests of one process (each Criterion test
 * runs in its own process, so each trains once). */
static void setup(void)
{
    dir = th_mkdtemp();
    corpus = th_path(dir, "corpus.jsonl");
    model = th_path(dir, "m.slant");
    th_write_corpus(corpus);
    char *out, *err;
    const char *argv[] = {"train", "--folds", "3", "--min-df", "1", "--c", "0.3,1", "--group",
                          "story", "--out", model, corpus, NULL};
    int st = th_run(argv, NULL, &out, &err);
    cr_assert_eq(st, 0, "train failed: %s", err);
    free(out);
    free(err);
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
    free(corpus);
    free(model);
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, help_goes_to_stdout_with_status_0)
{
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"--help", NULL}, NULL, &out, &err), 0);
    cr_assert(strstr(out, "usage: slant <command>") != NULL);
    cr_assert(strstr(out, "classify") && strstr(out, "train") && strstr(out, "eval") &&
              strstr(out, "inspect"));
    cr_assert_str_eq(err, "");
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"--version", NULL}, NULL, &out, &err), 0);
    cr_assert(strncmp(out, "slant ", 6) == 0);
    free(out);
    free(err);
}

Test(cli, usage_errors_exit_2_with_a_hint)
{
    static const char *const cases[][4] = {
        {NULL, NULL, NULL, "slant: no command given\n"},
        {"frobnicate", NULL, NULL, "slant: unknown command 'frobnicate'\n"},
        {"classify", "--thresold", NULL, "slant: unknown option '--thresold'\n"},
        {"classify", "--format", "xml", "slant: unknown format 'xml'\n"},
        {"classify", "--top", "many", "slant: --top takes a number or 'all', not 'many'\n"},
        {"train", "x.jsonl", NULL, "slant: say where to write the model with --out (or use --cv)\n"},
        {"train", "--out", NULL, "slant: option '--out' needs a value\n"},
        {"eval", NULL, NULL, "slant: no labelled data given\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[4] = {cases[i][0], cases[i][1], cases[i][2], NULL};
        char *out, *err;
        int st = th_run(argv, NULL, &out, &err);
        cr_assert_eq(st, 2, "case %zu: status %d", i, st);
        cr_assert(strncmp(err, cases[i][3], strlen(cases[i][3])) == 0, "case %zu: got '%s'", i,
                  err);
        cr_assert(strstr(err, "usage: slant") && strstr(err, "Try 'slant --help'"));
        cr_assert_str_eq(out, "");
        free(out);
        free(err);
    }
}

Test(cli, missing_input_file_exits_1_and_names_it)
{
    char *out, *err;
    int st = th_run((const char *[]){"classify", "--model", model, "no-such.txt", NULL}, NULL, &out,
                    &err);
    cr_assert_eq(st, 1);
    cr_assert_str_eq(err, "slant: cannot open 'no-such.txt': No such file or directory\n");
    free(out);
    free(err);
}

Test(cli, classify_jsonl_keeps_ids_and_order_and_reports_bad_lines)
{
    char *in = th_path(dir, "in.jsonl");
    const char *data = "{\"id\": \"a\", \"text\": \"Officials said on Tuesday, according to a "
                       "statement.\"}\n"
                       "{\"id\": \"b\", \"text\": oops}\n"
                       "\n"
                       "{\"id\": 7, \"text\": \"They LIED to us! Share this before they delete "
                       "it.\"}\n"
                       "{\"id\": \"d\"}\n";
    th_write(in, data, strlen(data));
    char *out, *err;
    int st = th_run((const char *[]){"classify", "--model", model, "-f", "jsonl", "--no-abstain", in,
                                     NULL},
                    NULL,
                    &out, &err);
    cr_assert_eq(st, 1, "a bad line makes the status 1");
    /* every input line has one output line, in order */
    char *lines[8];
    int n = 0;
    for (char *p = strtok(out, "\n"); p && n < 8; p = strtok(NULL, "\n"))
        lines[n++] = p;
    cr_assert_eq(n, 4, "%s", out);
    json_error_t je;
    json_t *a = json_loads(lines[0], 0, &je), *b = json_loads(lines[1], 0, &je),
           *c = json_loads(lines[2], 0, &je), *d = json_loads(lines[3], 0, &je);
    cr_assert(a && b && c && d);
    cr_assert_str_eq(json_string_value(json_object_get(a, "id")), "a");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "labels"), "outlet_type")),
                     "wire");
    cr_assert(json_is_null(json_object_get(b, "id")));
    cr_assert_eq(json_integer_value(json_object_get(b, "line")), 2);
    cr_assert(json_is_integer(json_object_get(c, "id")), "an integer id stays a number");
    cr_assert_eq(json_integer_value(json_object_get(c, "id")), 7);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "labels"), "outlet_type")),
                     "partisan");
    cr_assert_str_eq(json_string_value(json_object_get(d, "error")), "missing field 'text'");
    cr_assert_str_eq(json_string_value(json_object_get(d, "id")), "d",
                     "an error record keeps the id of its line");
    char want[512];
    snprintf(want, sizeof want, "slant: %s:2:24: invalid token near 'oops'\nslant: %s:5:1: missing "
             "field 'text'\n", in, in);
    cr_assert_str_eq(err, want);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    free(out);
    free(err);
    free(in);
}

Test(cli, top_all_terms_add_up_to_the_decision_in_json)
{
    char *out, *err;
    const char *text = "WASHINGTON (Meridian) - The measles outbreak spread, officials said. "
                       "Experts say the so-called regime lied to us!";
    int st = th_run((const char *[]){"classify", "--model", model, "-f", "jsonl", "--top", "all",
                                     NULL},
                    text, &out, &err);
    cr_assert_eq(st, 0, "%s", err);
    json_error_t je;
    json_t *r = json_loads(out, 0, &je);
    cr_assert(r, "%s", je.text);
    cr_assert_str_eq(json_string_value(json_object_get(r, "id")), "<stdin>");
    json_t *explain = json_object_get(r, "explain");
    const char *head;
    json_t *labels;
    int checked = 0;
    json_object_foreach(explain, head, labels) {
        const char *label;
        json_t *e;
        json_object_foreach(labels, label, e) {
            double sum = json_real_value(json_object_get(e, "bias"));
            size_t i;
            json_t *t;
            json_array_foreach(json_object_get(e, "terms"), i, t) {
                sum += json_number_value(json_object_get(t, "weight"));
                cr_assert(json_is_string(json_object_get(t, "term")));
            }
            double dec = json_number_value(json_object_get(e, "decision"));
            cr_assert(fabs(sum - dec) < 1e-9, "%s/%s: %.17g vs %.17g", head, label, sum, dec);
            checked++;
        }
    }
    cr_assert_geq(checked, 2);
    json_decref(r);
    free(out);
    free(err);
}

Test(cli, threads_give_the_same_output_as_one)
{
    char *in = th_path(dir, "many.jsonl");
    FILE *f = fopen(in, "w");
    for (int i = 0; i < 1500; i++)
        fprintf(f, "{\"id\": \"d%d\", \"text\": \"%s %d\"}\n", i,
                i % 3 ? "Officials said on Tuesday, according to a statement"
                      : "Share this before they delete it, they LIED",
                i);
    fclose(f);
    char *o1, *o2, *e1, *e2;
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", in, NULL}, NULL,
                        &o1, &e1),
                 0);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-j", "2", in,
                                         NULL},
                        NULL, &o2, &e2),
                 0);
    cr_assert_str_eq(o1, o2);
    cr_assert_gt(strlen(o1), 1500 * 50);
    free(o1);
    free(o2);
    free(e1);
    free(e2);
    free(in);
}

/* Output that cannot be written (a full disk) is an I/O failure: exit 1
 * and one message that says so, on one thread and on two. */
Test(cli, a_full_disk_is_reported_once_with_exit_1)
{
    char *in = th_path(dir, "full.jsonl");
    FILE *f = fopen(in, "w");
    for (int i = 0; i < 1200; i++)
        fprintf(f, "{\"id\": \"d%d\", \"text\": \"Officials said on Tuesday %d\"}\n", i, i);
    fclose(f);
    const char *bin = getenv("SLANT_BIN") ? getenv("SLANT_BIN") : "./slant";
    char *errpath = th_path(dir, "full.err");
    for (int threads = 1; threads <= 2; threads++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' classify -m '%s' -f jsonl -j %d '%s' >/dev/full 2>'%s'",
                 bin, model, threads, in, errpath);
        int st = system(cmd);
        cr_assert(WIFEXITED(st), "%d threads: killed", threads);
        cr_assert_eq(WEXITSTATUS(st), 1, "%d threads", threads);
        size_t n;
        char *err = th_read(errpath, &n);
        cr_assert_str_eq(err, "slant: cannot write output: No space left on device\n",
                         "%d threads", threads);
        free(err);
    }
    free(errpath);
    free(in);
}

/* Issue 29, defect 6: with SIGPIPE ignored (as a Python or Go parent
 * leaves it), a reader that goes away stopped nothing: the whole input was
 * classified, and a bad line at its end still reported. The first failed
 * write now ends the run. */
Test(cli, a_closed_pipe_stops_the_run_at_the_first_failed_write)
{
    char *in = th_path(dir, "pipe.jsonl");
    FILE *f = fopen(in, "w");
    for (int i = 0; i < 40000; i++)
        fprintf(f, "{\"id\": \"d%d\", \"text\": \"Officials said on Tuesday %d\"}\n", i, i);
    fputs("not json at the very end\n", f);
    fclose(f);
    const char *bin = getenv("SLANT_BIN") ? getenv("SLANT_BIN") : "./slant";
    char *errpath = th_path(dir, "pipe.err"), cmd[4096];
    for (int threads = 1; threads <= 2; threads++) {
        snprintf(cmd, sizeof cmd,
                 "trap '' PIPE; '%s' classify -m '%s' -f jsonl -j %d '%s' 2>'%s' | head -c 100 "
                 ">/dev/null", bin, model, threads, in, errpath);
        cr_assert_eq(system(cmd), 0);
        size_t n;
        char *err = th_read(errpath, &n);
        cr_assert(strstr(err, "slant: cannot write output: Broken pipe"), "%d threads: %s", threads,
                  err);
        cr_assert(!strstr(err, ":40001:"), "%d threads: the whole input was read: %s", threads,
                  err);
        free(err);
    }
    free(errpath);
    free(in);
}

/* Several batches in flight: bad lines early, in the middle and late in a
 * 1,300-line file, a missing file, then a file of its own. Every thread
 * count gives the same output, one record per line, and the same errors
 * in input order. */
Test(cli, errors_across_batches_come_in_input_order_for_any_thread_count)
{
    char *in1 = th_path(dir, "big.jsonl"), *in3 = th_path(dir, "last.jsonl");
    char *missing = th_path(dir, "no-such-file.jsonl");
    FILE *f = fopen(in1, "w");
    for (int i = 1; i <= 1300; i++) {
        if (i == 2 || i == 600 || i == 1200)
            fprintf(f, "{\"id\": \"x%d\", \"text\": nope}\n", i);
        else
            fprintf(f, "{\"id\": \"d%d\", \"text\": \"Officials said on day %d.\"}\n", i, i);
    }
    fclose(f);
    f = fopen(in3, "w");
    for (int i = 1; i <= 9; i++)
        fprintf(f, i == 5 ? "{\"id\": \"z\"}\n" : "{\"id\": \"e%d\", \"text\": \"They LIED.\"}\n", i);
    fclose(f);
    char *out[3], *err[3];
    const char *threads[3] = {"1", "2", "3"};
    for (int t = 0; t < 3; t++) {
        int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-j", threads[t],
                                         in1, missing, in3, NULL},
                        NULL, &out[t], &err[t]);
        cr_assert_eq(st, 1, "-j %s", threads[t]);
    }
    for (int t = 1; t < 3; t++) {
        cr_assert_str_eq(out[t], out[0], "-j %s output differs from -j 1", threads[t]);
        cr_assert_str_eq(err[t], err[0], "-j %s errors differ from -j 1", threads[t]);
    }
    size_t records = 0;
    for (const char *p = out[0]; (p = strchr(p, '\n')); p++)
        records++;
    cr_assert_eq(records, 1300 + 1 + 9, "one record per input line, and one for the missing file");
    char *missing_record = strstr(out[0], "\"error\":\"cannot open");
    cr_assert_not_null(missing_record, "the missing file has an error record:\n%s", out[0]);
    /* the errors, in input order */
    char want[5][512];
    snprintf(want[0], sizeof want[0], "slant: %s:2:", in1);
    snprintf(want[1], sizeof want[1], "slant: %s:600:", in1);
    snprintf(want[2], sizeof want[2], "slant: %s:1200:", in1);
    snprintf(want[3], sizeof want[3], "%s", missing);
    snprintf(want[4], sizeof want[4], "slant: %s:5:1: missing field 'text'", in3);
    const char *at = err[0];
    for (int k = 0; k < 5; k++) {
        const char *hit = strstr(at, want[k]);
        cr_assert_not_null(hit, "error %d (%s) missing or out of order in:\n%s", k, want[k], err[0]);
        at = hit + strlen(want[k]);
    }
    for (int t = 0; t < 3; t++) {
        free(out[t]);
        free(err[t]);
    }
    free(in1);
    free(in3);
    free(missing);
}

Test(cli, tsv_and_table_formats)
{
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "tsv", NULL},
                        "Officials said, according to a statement.", &out, &err),
                 0);
    const char *header = "id\thead\tlabel\tscore\tpredicted\tterms\tabstain\n";
    cr_assert(strncmp(out, header, strlen(header)) == 0);
    cr_assert(strstr(out, "<stdin>\toutlet_type\twire\t") != NULL);
    free(out);
    free(err);
    /* a text too short to trust predicts nothing, in TSV as in JSONL, and
     * says why; the table shows its scores without marking a label */
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "tsv", NULL},
                        "Officials said.", &out, &err),
                 0);
    cr_assert(strstr(out, "\t1\t") == NULL, "%s", out);
    cr_assert(strstr(out, "\ttoo short: 2 words\n") != NULL, "%s", out);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "table", NULL},
                        "Officials said.", &out, &err),
                 0);
    cr_assert(strstr(out, "abstains: too short: 2 words") && !strchr(out, '*'), "%s", out);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "table", NULL},
                        "Officials said, according to a statement.", &out, &err),
                 0);
    cr_assert(strstr(out, "<stdin>") && strstr(out, "outlet_type") && strstr(out, "wire"));
    cr_assert(strstr(out, "\033[") == NULL, "no colour when stdout is not a terminal");
    free(out);
    free(err);
}

/* The terminal table: lines within the width, predicted labels marked
 * without colour, evidence against a label shown, and control characters
 * of an id escaped rather than sent to the terminal. */
Test(cli, table_wraps_marks_predictions_shows_evidence_against_and_escapes_ids)
{
    char *path = th_path(dir, "x\033[2Jy.txt");
    const char *text = "Officials said on Tuesday, according to a statement from the ministry, "
                       "that the plant would open. They LIED to us! Share this before they "
                       "delete it. The people's great plan is a resounding triumph.";
    th_write(path, text, strlen(text));
    setenv("COLUMNS", "60", 1);
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "table", "-k", "6", path, NULL},
                    NULL, &out, &err);
    unsetenv("COLUMNS");
    cr_assert_eq(st, 0, "%s", err);
    cr_assert_null(strchr(out, '\033'), "no raw escape reaches the terminal:\n%s", out);
    cr_assert_not_null(strstr(out, "x\\x1b[2Jy.txt"), "the id is shown escaped:\n%s", out);
    cr_assert_not_null(strstr(out, "*"), "predicted labels are marked:\n%s", out);
    cr_assert_not_null(strstr(out, "against:"), "evidence against is shown:\n%s", out);
    size_t longest = 0, wrapped = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > longest && p != out)
            longest = n;
        wrapped += n > 0 && p[0] == ' ' && strncmp(p, "              ", 14) == 0;
        p += n + (nl != NULL);
    }
    cr_assert_leq(longest, 60, "a line is %zu columns wide:\n%s", longest, out);
    cr_assert_gt(wrapped, 0, "long lines are wrapped:\n%s", out);
    free(out);
    free(err);
    free(path);
}

/* Spin evidence beside the scores: in the table by default, in JSONL with
 * --spin; never in the scores (the same decisions, terms and bias with it
 * and without). */
Test(cli, spin_evidence_is_shown_beside_the_scores_in_table_and_jsonl)
{
    const char *text = "The Top Minister said on Tuesday that the government would send more "
                       "aid after the strikes. Officials in the Joined States said talks would "
                       "continue next week, and prices of food and fuel rose again.";
    char *out, *err, *plain;
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-k", "all",
                                         NULL}, text, &plain, &err), 0, "%s", err);
    cr_assert_null(strstr(plain, "\"spin\""), "JSONL has no spin without --spin");
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-k", "all",
                                         "--spin", NULL}, text, &out, &err), 0, "%s", err);
    const char *sp = strstr(out, ",\"spin\":[");
    cr_assert_not_null(sp, "%s", out);
    cr_assert(strstr(sp, "{\"found\":\"Top Minister\",\"collocation\":\"prime minister\","
                         "\"at\":4}") != NULL, "%s", sp);
    cr_assert(strstr(sp, "\"Joined States\",\"collocation\":\"united states\"") != NULL, "%s",
              sp);
    cr_assert(strstr(sp, "],\"spin_count\":2}\n") != NULL, "%s", sp);
    /* everything before it is the record without spin, byte for byte */
    size_t before = (size_t)(sp - out);
    cr_assert(strlen(plain) == before + 2 && strncmp(out, plain, before) == 0 &&
              strcmp(plain + before, "}\n") == 0, "spin changes no score:\n%s\n%s", plain, out);
    free(out), free(err), free(plain);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "table", NULL}, text,
                        &out, &err), 0, "%s", err);
    const char *line = strstr(out, "spin (content-farm evidence, not in the score): 2 broken "
                                   "phrases");
    cr_assert_not_null(line, "%s", out);
    cr_assert(strstr(line, "\"Top Minister\" for \"prime minister\"") != NULL, "%s", out);
    cr_assert(strstr(out, "outlet_type") < line, "under the outlet type's evidence:\n%s", out);
    free(out), free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "table", "--no-spin",
                                         NULL}, text, &out, &err), 0, "%s", err);
    cr_assert_null(strstr(out, "spin ("), "%s", out);
    free(out), free(err);
    /* a document without spin: an empty list */
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "--spin", NULL},
                        "Officials said, according to a statement.", &out, &err), 0);
    cr_assert(strstr(out, ",\"spin\":[],\"spin_count\":0}\n") != NULL, "%s", out);
    free(out), free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "tsv", "--spin", NULL},
                        text, &out, &err), 2);
    cr_assert(strstr(err, "not TSV") != NULL, "%s", err);
    free(out), free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "--spin", "--spin-table",
                                         "no/such.tsv", NULL}, text, &out, &err), 1);
    cr_assert(strstr(err, "no/such.tsv") != NULL, "%s", err);
    free(out), free(err);
}

Test(cli, keep_copies_input_fields_into_every_record_good_or_bad)
{
    char *in = th_path(dir, "keep.jsonl");
    const char *data = "{\"id\": 7, \"source\": \"Ledger\", \"date\": \"2026-01-02\", \"n\": 2, "
                       "\"text\": \"Officials said on Tuesday.\"}\n"
                       "{\"id\": \"b\", \"source\": \"Courier\"}\n";
    th_write(in, data, strlen(data));
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "--keep", "source,date,nope",
                                     in, NULL},
                    NULL, &out, &err);
    cr_assert_eq(st, 1, "the second record has no text");
    char *second = strchr(out, '\n');
    cr_assert_not_null(second);
    *second++ = '\0';
    json_t *a = json_loads(out, 0, NULL), *b = json_loads(second, 0, NULL);
    cr_assert(a && b, "%s", out);
    json_t *fa = json_object_get(a, "fields"), *fb = json_object_get(b, "fields");
    cr_assert_str_eq(json_string_value(json_object_get(fa, "source")), "Ledger");
    cr_assert_str_eq(json_string_value(json_object_get(fa, "date")), "2026-01-02");
    cr_assert_null(json_object_get(fa, "nope"), "a field the record lacks is left out");
    cr_assert_null(json_object_get(fa, "n"), "only the fields asked for");
    cr_assert_str_eq(json_string_value(json_object_get(fb, "source")), "Courier",
                     "an error record keeps its fields too");
    json_decref(a);
    json_decref(b);
    free(out);
    free(err);
    st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "--keep", "all", in, NULL},
                NULL, &out, &err);
    a = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    fa = json_object_get(a, "fields");
    cr_assert_eq(json_integer_value(json_object_get(fa, "n")), 2);
    cr_assert_null(json_object_get(fa, "text"), "all means every field but the text and id");
    cr_assert_null(json_object_get(fa, "id"));
    json_decref(a);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "-f", "table", "--keep", "source",
                                         in, NULL},
                        NULL, &out, &err),
                 2, "--keep needs JSONL output");
    free(out);
    free(err);
    free(in);
}

/* Real-world inputs (tests/data): a directory is walked in order; a
 * saved page, its gzip, a UTF-16 copy and the plain text read as the same
 * article; a binary and an empty file are refused with a clear error;
 * texts in other languages abstain. One record for every file. */
Test(cli, a_folder_of_real_world_inputs_gives_one_honest_record_per_file)
{
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-k", "all", "--exclude",
                                     "trace", "tests/data", NULL},
                    NULL, &out, &err);
    cr_assert_eq(st, 1, "two files are refused: %s", err);
    static const struct {
        const char *id, *error, *abstain;
    } want[] = {
        {"tests/data/article-utf16le.txt", NULL, NULL},
        {"tests/data/article.txt", NULL, NULL},
        {"tests/data/elf.bin", "binary file (ELF executable), not text", NULL},
        {"tests/data/empty.txt", "no text", NULL},
        {"tests/data/french-latin1.txt", NULL, "not english"},
        {"tests/data/lang/de.txt", NULL, "not english"},
        {"tests/data/lang/es.txt", NULL, "not english"},
        {"tests/data/lang/fr.txt", NULL, "not english"},
        {"tests/data/lang/ru.txt", NULL, "not english"},
        {"tests/data/lang/zh.txt", NULL, "not english"},
        {"tests/data/page.html", NULL, NULL},
        {"tests/data/page.html.gz", NULL, NULL},
    };
    size_t n = 0;
    char *scores[12] = {0};
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
        cr_assert_lt(n, 12, "more records than files");
        json_t *r = json_loads(line, 0, NULL);
        cr_assert_not_null(r, "%s", line);
        cr_assert_str_eq(json_string_value(json_object_get(r, "id")), want[n].id);
        json_t *e = json_object_get(r, "error");
        cr_assert_eq(e != NULL, want[n].error != NULL, "%s: %s", want[n].id, line);
        if (want[n].error)
            cr_assert_str_eq(json_string_value(e), want[n].error);
        json_t *ab = json_object_get(json_object_get(r, "abstain"), "outlet_type");
        cr_assert_eq(ab != NULL, want[n].abstain != NULL, "%s: %s", want[n].id, line);
        if (want[n].abstain)
            cr_assert(strstr(json_string_value(ab), want[n].abstain), "%s", line);
        cr_assert_null(strstr(line, "\"term\":\"class\""), "markup is not evidence: %s", line);
        cr_assert_null(strstr(line, "\"term\":\"Home\""), "navigation is not evidence: %s", line);
        json_t *sc = json_object_get(r, "scores");
        scores[n] = sc ? json_dumps(sc, JSON_COMPACT) : NULL;
        json_decref(r);
    }
    cr_assert_eq(n, 12, "one record per file");
    cr_assert_str_eq(scores[0], scores[1], "UTF-16 reads as the UTF-8 text");
    cr_assert_str_eq(scores[10], scores[11], "a gzipped page reads as the page");
    for (size_t i = 0; i < 12; i++)
        free(scores[i]);
    free(out);
    free(err);
}

Test(cli, gzipped_jsonl_is_read_as_jsonl_and_include_filters_a_folder)
{
    char *gz = th_path(dir, "corpus.jsonl.gz");
    gzFile f = gzopen(gz, "wb");
    for (int i = 1; i <= 50; i++)
        gzprintf(f, "{\"id\": %d, \"text\": \"Officials said on Tuesday, according to a statement "
                    "from the ministry, that the plant would open next year as planned.\"}\n", i);
    gzclose(f);
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "--include", "*.gz", dir,
                                     NULL},
                    NULL, &out, &err);
    cr_assert_eq(st, 0, "%s", err);
    size_t records = 0;
    for (const char *p = out; (p = strchr(p, '\n')); p++)
        records++;
    cr_assert_eq(records, 50, "one record per line of the gzipped file, and no other file:\n%s", out);
    cr_assert(strncmp(out, "{\"id\":1,", 8) == 0, "%s", out);
    free(out);
    free(err);
    free(gz);
}

/* A folder whose directories are reached through links too: each one is
 * read once, by the first path in the walk's order, and every other path
 * gets an error record saying which path it was read as. */
Test(cli, a_directory_reached_through_a_link_is_classified_once)
{
    char *root = th_path(dir, "linked"), *year = th_path(dir, "linked/2026");
    cr_assert_eq(mkdir(root, 0755), 0);
    cr_assert_eq(mkdir(year, 0755), 0);
    char *article = th_path(dir, "linked/2026/a.txt"), *latest = th_path(dir, "linked/latest"),
         *back = th_path(dir, "linked/2026/all");
    const char *text = "Officials said on Tuesday, according to a statement from the ministry, "
                       "that the plant would open next year as planned after a long delay.\n";
    th_write(article, text, strlen(text));
    cr_assert_eq(symlink("2026", latest), 0);
    cr_assert_eq(symlink("..", back), 0);
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", root, NULL}, NULL, &out,
                    &err);
    cr_assert_eq(st, 1, "the second path is an error: %s", err);
    char want[2048];
    snprintf(want, sizeof want,
             "%s/2026/a.txt\n"
             "%s/2026/all: cannot read '%s/2026/all': symbolic link loop\n"
             "%s/latest: cannot read '%s/latest': directory already read as '%s/2026'\n",
             root, root, root, root, root, root);
    char got[2048] = "";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *r = json_loads(line, 0, NULL);
        cr_assert_not_null(r, "%s", line);
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *why = json_string_value(json_object_get(r, "error"));
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, why ? "%s: %s\n" : "%s\n", id, why);
        json_decref(r);
    }
    cr_assert_str_eq(got, want);
    free(out);
    free(err);
    free(back);
    free(latest);
    free(article);
    free(year);
    free(root);
}

/* A shard says where its bad records are in the whole input. */
Test(cli, error_records_give_the_byte_offset_of_their_line_plus_the_shards)
{
    const char *in = "{\"id\": 1, \"text\": \"Officials said on Tuesday.\"}\n"
                     "\n"
                     "{\"id\": 2, \"text\": oops}\n";
    char *out, *err;
    int st = th_run((const char *[]){"classify", "-m", model, "-f", "jsonl", "-i", "jsonl", "--offset",
                                     "5000", NULL},
                    in, &out, &err);
    cr_assert_eq(st, 1);
    char want[64];
    snprintf(want, sizeof want, "\"offset\":%zu,", 5000 + strlen(in) - strlen("{\"id\": 2, \"text\": oops}\n"));
    cr_assert_not_null(strstr(out, want), "%s in\n%s", want, out);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", model, "--offset", "-3", NULL}, "x", &out,
                        &err),
                 2);
    free(out);
    free(err);
}

Test(cli, slant_model_environment_variable_selects_the_model)
{
    setenv("SLANT_MODEL", model, 1);
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"classify", "-f", "jsonl", NULL}, "said", &out, &err), 0,
                 "%s", err);
    cr_assert(strstr(out, "\"outlet_type\"") != NULL);
    free(out);
    free(err);
    setenv("SLANT_MODEL", "/nonexistent/model.slant", 1);
    cr_assert_eq(th_run((const char *[]){"classify", NULL}, "said", &out, &err), 1);
    cr_assert_str_eq(err, "slant: cannot open '/nonexistent/model.slant': No such file or directory\n");
    free(out);
    free(err);
    unsetenv("SLANT_MODEL");
}

Test(cli, corrupt_model_is_refused_with_its_offset)
{
    size_t len;
    char *bytes = th_read(model, &len);
    bytes[len / 2] ^= 0x40;
    char *bad = th_path(dir, "bad.slant");
    th_write(bad, bytes, len);
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"classify", "-m", bad, NULL}, "text", &out, &err), 1);
    char want[512];
    snprintf(want, sizeof want, "slant: %s: byte %zu: checksum mismatch (file corrupted)\n", bad,
             len - 12);
    cr_assert_str_eq(err, want);
    cr_assert_str_eq(out, "");
    free(bytes);
    free(bad);
    free(out);
    free(err);
}

Test(cli, bad_training_data_names_file_line_and_column_and_writes_no_model)
{
    char *data = th_path(dir, "bad.jsonl"), *out_model = th_path(dir, "new.slant");
    const char *text = "{\"text\": \"a b\", \"labels\": {\"k\": \"x\"}}\n"
                       "{\"text\": \"c d\", \"labels\": {\"k\": 5}}\n";
    th_write(data, text, strlen(text));
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"train", "--out", out_model, data, NULL}, NULL, &out, &err),
                 1);
    char want[512];
    snprintf(want, sizeof want, "slant: %s:2:1: head 'k' must be a string or a list of strings\n",
             data);
    cr_assert_str_eq(err, want);
    cr_assert_null(th_read(out_model, NULL), "no model file may be written");
    free(out);
    free(err);
    free(data);
    free(out_model);
}

Test(cli, train_cv_eval_and_inspect_report_metrics)
{
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"train", "--cv", "3", "--group", "story", "--folds", "3",
                                         "--min-df", "1", corpus, NULL},
                        NULL, &out, &err),
                 0, "%s", err);
    cr_assert(strstr(out, "3-fold cross-validation, folds grouped by 'story', 60 documents"));
    cr_assert(strstr(out, "outlet_type (single-label, 60 documents)"));
    cr_assert(strstr(out, "frames (multi-label, 60 documents)"));
    cr_assert(strstr(out, "macro-F1") && strstr(out, "confusion"));
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"eval", "--model", model, "--format", "json", corpus, NULL},
                        NULL, &out, &err),
                 0, "%s", err);
    json_error_t je;
    json_t *r = json_loads(out, 0, &je);
    cr_assert(r, "%s", je.text);
    json_t *ot = json_object_get(json_object_get(r, "heads"), "outlet_type");
    cr_assert_eq(json_integer_value(json_object_get(ot, "documents")), 60);
    cr_assert_gt(json_real_value(json_object_get(ot, "accuracy")), 0.9,
                 "the model should fit its own training data");
    json_decref(r);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"inspect", "--model", model, NULL}, NULL, &out, &err), 0);
    cr_assert(strstr(out, "outlet_type (single-label)") && strstr(out, "state_media"));
    free(out);
    free(err);
}

Test(cli, other_input_formats_train)
{
    char *ft = th_path(dir, "d.txt"), *m2 = th_path(dir, "m2.slant");
    FILE *f = fopen(ft, "w");
    for (int i = 0; i < 30; i++)
        fprintf(f, "__label__%s %s %d\n", i % 2 ? "sport" : "money",
                i % 2 ? "the match ended with a late goal" : "the bank raised interest rates", i);
    fclose(f);
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"train", "--head", "topic", "--out", m2, ft, NULL}, NULL,
                        &out, &err),
                 0, "%s", err);
    free(out);
    free(err);
    cr_assert_eq(th_run((const char *[]){"classify", "-m", m2, "-f", "jsonl", "--no-abstain", NULL},
                        "a late goal won the match", &out, &err),
                 0);
    cr_assert(strstr(out, "\"labels\":{\"topic\":\"sport\"}"), "%s", out);
    free(out);
    free(err);
    free(ft);
    free(m2);
}

/* models/default.slant is built by 'make model'; retraining must give the
 * same bytes (run from the repository root, as 'make check' does). It
 * needs the real corpus ($SLANT_CORPUS, which 'make check' sets to CORPUS),
 * which a fresh clone does not have. */
Test(cli, shipped_model_is_reproducible_from_training_data, .timeout = 1500)
{
    const char *real_dir = getenv("SLANT_CORPUS") ? getenv("SLANT_CORPUS") : "../shared/corpus";
    char real[4096];
    snprintf(real, sizeof real, "%s/real.jsonl", real_dir);
    if (getenv("SLANT_SANITIZED"))
        cr_skip_test("retraining the shipped model under a sanitizer takes too long; "
                     "make check runs it");
    if (access(real, R_OK) != 0)
        cr_skip_test("%s is missing (training/SOURCES.md says how to assemble it): "
                     "the shipped model cannot be retrained here", real);
    size_t shipped_len;
    char *shipped = th_read("models/default.slant", &shipped_len);
    cr_assert(shipped, "models/default.slant is missing: run 'make model'");
    char *rebuilt_path = th_path(dir, "default.slant");
    /* the same command as the Makefile's 'model' target */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "training/retrain.sh '%s' '%s' '%s' 2>/dev/null", real_dir,
             rebuilt_path, getenv("SLANT_BIN") ? getenv("SLANT_BIN") : "./slant");
    cr_assert_eq(system(cmd), 0, "retraining failed: %s", cmd);
    size_t len;
    char *rebuilt = th_read(rebuilt_path, &len);
    cr_assert(rebuilt);
    cr_assert_eq(len, shipped_len, "rebuilt model has %zu bytes, shipped %zu: run 'make model'",
                 len, shipped_len);
    cr_assert(memcmp(rebuilt, shipped, len) == 0, "rebuilt model differs from the shipped one");
    free(shipped);
    free(rebuilt);
    free(rebuilt_path);
}

Test(cli, shipped_model_classifies_the_examples)
{
    static const char *const cases[][2] = {
        {"examples/wire-desalination.txt", "wire"},
        {"examples/state-media-satellite.txt", "state_media"},
        {"examples/partisan-chess.txt", "partisan"},
        {"examples/official-dam-inspection.txt", "official"},
    };
    unsetenv("SLANT_MODEL");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        cr_assert_eq(th_run((const char *[]){"classify", "-f", "jsonl", cases[i][0], NULL}, NULL,
                            &out, &err),
                     0, "%s", err);
        char want[128];
        snprintf(want, sizeof want, "\"outlet_type\":\"%s\"", cases[i][1]);
        cr_assert(strstr(out, want), "%s: %s", cases[i][0], out);
        free(out);
        free(err);
    }
}
