/* test_cmd_train.c - `slant train` and `slant eval` end to end on messy
 * data: every mistake a user can make is an error with the right exit
 * status (2 usage, 1 data) before any training, odd records are read or
 * skipped as asked, and cross-validation reports what a user acts on. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static char *dir, *corpus;

static void setup(void)
{
    dir = th_mkdtemp();
    corpus = th_path(dir, "corpus.jsonl");
    th_write_corpus(corpus);
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
    free(corpus);
}

TestSuite(cmd_train, .init = setup, .fini = teardown);

/* Quick training options, then the case's own arguments. */
#define QUICK "--folds", "3", "--min-df", "1", "--c", "0.3,1"

static int run(const char *const *argv, char **out, char **err)
{
    return th_run(argv, NULL, out, err);
}

static char *write_file(const char *name, const char *text)
{
    char *p = th_path(dir, name);
    th_write(p, text, strlen(text));
    return p;
}

/* The corpus with 'extra' lines after it, written as 'name'. */
static char *corpus_with(const char *name, const char *extra)
{
    size_t len;
    char *text = th_read(corpus, &len);
    char *all = malloc(len + strlen(extra) + 1);
    cr_assert_not_null(all);
    memcpy(all, text, len);
    strcpy(all + len, extra);
    char *p = write_file(name, all);
    free(text);
    free(all);
    return p;
}

Test(cmd_train, a_group_field_no_record_has_is_a_usage_error)
{
    char *out, *err;
    const char *argv[] = {"train", "--cv", "3", "--group", "sotry", corpus, NULL};
    cr_assert_eq(run(argv, &out, &err), 2, "%s", err);
    cr_assert(strstr(err, "slant: --group 'sotry': no record has that field"), "%s", err);
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
}

Test(cmd_train, a_group_field_on_data_without_fields_is_a_usage_error)
{
    char *tsv = write_file("d.tsv", "a\tone two\nb\tthree four\n");
    char *out, *err;
    const char *argv[] = {"train", "--cv", "2", "--group", "source", tsv, NULL};
    cr_assert_eq(run(argv, &out, &err), 2, "%s", err);
    cr_assert(strstr(err, "TSV data has no fields: a group or mask field needs JSONL"), "%s", err);
    free(out);
    free(err);
    free(tsv);
}

Test(cmd_train, head_trains_only_that_head_of_multi_head_data)
{
    char *model = th_path(dir, "one.slant"), *out, *err;
    const char *argv[] = {"train", QUICK, "--head", "outlet_type", "--out", model, corpus, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "trained 1 heads"), "%s", err);
    free(out);
    free(err);
    const char *inspect[] = {"inspect", "--model", model, "--format", "json", NULL};
    cr_assert_eq(run(inspect, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "\"outlet_type\"") && !strstr(out, "\"frames\""), "%s", out);
    free(out);
    free(err);
    const char *missing[] = {"train", QUICK, "--head", "bias", "--out", model, corpus, NULL};
    cr_assert_eq(run(missing, &out, &err), 2, "%s", err);
    cr_assert(strstr(err, "--head 'bias': no record has that head"), "%s", err);
    free(out);
    free(err);
    free(model);
}

Test(cmd_train, an_escaped_nul_in_a_text_reads_as_a_space)
{
    size_t len;
    char *text = th_read(corpus, &len);
    /* the first record's text gets a \u0000 after its first word */
    char *at = strstr(text, "\"text\": \"");
    cr_assert_not_null(at);
    at += 9;
    while (*at != ' ')
        at++;
    char *nul = malloc(len + 8);
    memcpy(nul, text, (size_t)(at - text));
    memcpy(nul + (at - text), "\\u0000", 6);
    memcpy(nul + (at - text) + 6, at, len - (size_t)(at - text) + 1);
    char *p = write_file("nul.jsonl", nul);
    char *model = th_path(dir, "nul.slant"), *out, *err;
    const char *argv[] = {"train", QUICK, "--out", model, p, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    free(text);
    free(nul);
    free(p);
    free(model);
}

Test(cmd_train, skip_bad_skips_and_reports_each_malformed_record)
{
    char *p = corpus_with("bad.jsonl",
                          "{\"text\": \"x\", \"labels\": {\"outlet_type\": 3}}\nnot json\n");
    char *model = th_path(dir, "bad.slant"), *out, *err;
    const char *strict[] = {"train", QUICK, "--out", model, p, NULL};
    cr_assert_eq(run(strict, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "bad.jsonl:61:1: head 'outlet_type' must be a string"), "%s", err);
    free(out);
    free(err);
    const char *skip[] = {"train", QUICK, "--skip-bad", "--out", model, p, NULL};
    cr_assert_eq(run(skip, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "bad.jsonl:61:1: skipped: head 'outlet_type' must be a string"), "%s", err);
    cr_assert(strstr(err, "bad.jsonl:62:"), "%s", err);
    cr_assert(strstr(err, "skipped 2 malformed records, read 60"), "%s", err);
    cr_assert(strstr(err, "trained 2 heads on 60 documents"), "%s", err);
    free(out);
    free(err);
    free(p);
    free(model);
}

Test(cmd_train, an_unwritable_out_fails_before_training)
{
    char *out, *err;
    const char *argv[] = {"train", QUICK, "--out", "/nonexistent-dir/m.slant", corpus, NULL};
    cr_assert_eq(run(argv, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "cannot write '/nonexistent-dir/m.slant'"), "%s", err);
    cr_assert(!strstr(err, "trained"), "%s", err);
    free(out);
    free(err);
    const char *oof[] = {"train", QUICK, "--cv", "3", "--oof", dir, corpus, NULL};
    cr_assert_eq(run(oof, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "it is a directory"), "%s", err);
    free(out);
    free(err);
}

Test(cmd_train, a_label_with_one_document_is_warned_about)
{
    char *p = corpus_with("one.jsonl", "{\"text\": \"a lone official notice\", "
                                       "\"labels\": {\"outlet_type\": \"official\"}}\n");
    char *model = th_path(dir, "one.slant"), *out, *err;
    const char *argv[] = {"train", QUICK, "--out", model, p, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "slant: warning: label 'official' of head 'outlet_type' has one "
                          "document"), "%s", err);
    free(out);
    free(err);
    free(p);
    free(model);
}

Test(cmd_train, eval_refuses_data_the_model_cannot_score)
{
    char *model = th_path(dir, "m.slant"), *out, *err;
    const char *train[] = {"train", QUICK, "--out", model, corpus, NULL};
    cr_assert_eq(run(train, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    char *other = write_file("other.jsonl", "{\"text\": \"a b\", \"labels\": {\"bias\": \"left\"}}\n");
    const char *no_head[] = {"eval", "--model", model, other, NULL};
    cr_assert_eq(run(no_head, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "the data has none of the model's heads (frames, outlet_type); its "
                          "heads: bias"), "%s", err);
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    char *unknown = write_file("unknown.jsonl",
                               "{\"text\": \"a b\", \"labels\": {\"outlet_type\": \"blog\"}}\n");
    const char *no_label[] = {"eval", "--model", model, unknown, NULL};
    cr_assert_eq(run(no_label, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "label 'blog' of head 'outlet_type' is not one the model knows"), "%s",
              err);
    free(out);
    free(err);
    free(other);
    free(unknown);
    free(model);
}

Test(cmd_train, cv_reports_folds_and_writes_out_of_fold_predictions_and_folds)
{
    char *oof = th_path(dir, "oof.jsonl"), *folds = th_path(dir, "folds.tsv");
    char *model = th_path(dir, "cv.slant"), *out, *err;
    const char *argv[] = {"train", QUICK, "--cv", "5", "--group", "story", "--oof", oof,
                          "--folds-out", folds, "--out", model, corpus, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "5-fold cross-validation, folds grouped by 'story', 60 documents"), "%s",
              out);
    cr_assert(strstr(out, "outlet_type, per fold") && strstr(out, "frames, per fold"), "%s", out);
    cr_assert(strstr(out, "  mean ") && strstr(out, "  sd "), "%s", out);
    cr_assert(strstr(err, "s in all:") && strstr(err, "reading and cross-validating"), "%s", err);
    size_t len;
    char *text = th_read(oof, &len);
    size_t lines = 0;
    for (char *line = text; line && *line; lines++) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        json_error_t je;
        json_t *r = json_loads(line, 0, &je);
        cr_assert_not_null(r, "%s: %s", line, je.text);
        cr_assert(json_is_string(json_object_get(r, "id")));
        json_int_t f = json_integer_value(json_object_get(r, "fold"));
        cr_assert(f >= 1 && f <= 5);
        cr_assert(json_is_string(json_object_get(json_object_get(r, "gold"), "outlet_type")));
        cr_assert(json_is_array(json_object_get(json_object_get(r, "labels"), "frames")));
        json_decref(r);
        line = nl + 1;
    }
    cr_assert_eq(lines, 60, "one out-of-fold record per document");
    free(text);
    text = th_read(folds, &len);
    cr_assert(strncmp(text, "id\tfold\tgroup\n", 14) == 0);
    size_t rows = 0;
    for (size_t i = 0; i < len; i++)
        rows += text[i] == '\n';
    cr_assert_eq(rows, 61);
    free(text);
    free(out);
    free(err);
    free(oof);
    free(folds);
    free(model);
}

Test(cmd_train, a_confusion_of_many_labels_lists_the_largest_cells)
{
    /* twelve labels, each a story's register: too wide for a matrix */
    char *p = th_path(dir, "many.jsonl");
    FILE *f = fopen(p, "w");
    static const char *const words[] = {"harbour", "ferry", "tariff", "census", "orchard", "glacier",
                                        "ballot", "quarry", "lantern", "mosaic", "meadow", "canal"};
    for (int i = 0; i < 72; i++)
        fprintf(f, "{\"text\": \"%s %s %s\", \"labels\": {\"topic\": \"t%02d\"}}\n",
                words[i % 12], words[(i * 5) % 12], words[(i * 7 + 1) % 12], i % 12);
    fclose(f);
    char *out, *err;
    const char *argv[] = {"train", QUICK, "--cv", "3", p, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "most confused (gold -> predicted: documents"), "%s", out);
    cr_assert(!strstr(out, "confusion (rows: gold"), "%s", out);
    free(out);
    free(err);
    free(p);
}

Test(cmd_train, mask_options_blank_names_at_training_and_classify_time)
{
    char *names = write_file("names.txt", "# outlets\nMeridian\n\n");
    char *model = th_path(dir, "masked.slant"), *out, *err;
    const char *plain[] = {"train", QUICK, "--out", model, corpus, NULL};
    cr_assert_eq(run(plain, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    /* the agency's name is a feature of the wire register ... */
    const char *doc = "{\"id\": 1, \"text\": \"Lima, May 2 (Meridian) - Officials said.\", "
                      "\"source\": \"Meridian\"}\n";
    char *p = write_file("doc.jsonl", doc);
    const char *classify[] = {"classify", "--model", model, "--format", "jsonl", "--top", "all",
                              p, NULL};
    cr_assert_eq(run(classify, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "\"Meridian\""), "%s", out);
    free(out);
    free(err);
    /* ... and gone when masked, by field or by list */
    const char *by_field[] = {"classify", "--model", model, "--format", "jsonl", "--top", "all",
                              "--mask-field", "source", p, NULL};
    cr_assert_eq(run(by_field, &out, &err), 0, "%s", err);
    cr_assert(!strstr(out, "\"Meridian\""), "%s", out);
    cr_assert(strstr(out, "\"Officials said\""), "%s", out);
    free(out);
    free(err);
    const char *by_list[] = {"classify", "--model", model, "--format", "jsonl", "--top", "all",
                             "--mask-names", names, p, NULL};
    cr_assert_eq(run(by_list, &out, &err), 0, "%s", err);
    cr_assert(!strstr(out, "\"Meridian\""), "%s", out);
    free(out);
    free(err);
    /* a model trained with the names masked never learns them */
    const char *masked[] = {"train", QUICK, "--mask-names", names, "--out", model, corpus, NULL};
    cr_assert_eq(run(masked, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    const char *inspect[] = {"inspect", "--model", model, "--top", "100000", NULL};
    cr_assert_eq(run(inspect, &out, &err), 0, "%s", err);
    cr_assert(!strstr(out, "Meridian"), "%s", out);
    free(out);
    free(err);
    free(names);
    free(model);
    free(p);
}

/* Issue 29, defects 1 and 2: a document without a feature among others
 * (the sanitizer build stopped on a memcpy from NULL), and heads a model
 * file cannot hold, refused before anything is written. */
Test(cmd_train, odd_training_data_trains_or_is_refused_before_writing)
{
    char *tsv = write_file("empty.tsv", "a\tx y\nb\t\na\tx z\nb\ty z\na\tx w\nb\ty w\n");
    char *model = th_path(dir, "odd.slant"), *out, *err;
    const char *argv[] = {"train", "--folds", "2", "--min-df", "1", "--out", model, tsv, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    size_t before_len;
    char *before = th_read(model, &before_len);
    char *empty_head = write_file("eh.jsonl", "{\"text\": \"a b\", \"labels\": {\"\": \"x\"}}\n");
    const char *eh[] = {"train", "--out", model, empty_head, NULL};
    cr_assert_eq(run(eh, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "eh.jsonl:1:1: a head has an empty name"), "%s", err);
    free(out);
    free(err);
    const char *eh2[] = {"train", "--head", "", "--out", model, tsv, NULL};
    cr_assert_eq(run(eh2, &out, &err), 2, "%s", err);
    free(out);
    free(err);
    char *lists = write_file("lists.jsonl", "{\"text\": \"a b\", \"labels\": {\"frames\": []}}\n"
                                            "{\"text\": \"c d\", \"labels\": {\"frames\": []}}\n"
                                            "{\"text\": \"a c\", \"labels\": {\"frames\": []}}\n");
    const char *el[] = {"train", "--folds", "2", "--out", model, lists, NULL};
    cr_assert_eq(run(el, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "head 'frames' has no labels to learn"), "%s", err);
    size_t after_len;
    char *after = th_read(model, &after_len);
    cr_assert(before_len == after_len && memcmp(before, after, before_len) == 0,
              "the model at --out was replaced");
    free(out);
    free(err);
    free(before);
    free(after);
    free(tsv);
    free(empty_head);
    free(lists);
    free(model);
}

/* Issue 29: duplicate ids with conflicting labels trained silently. */
Test(cmd_train, records_sharing_an_id_but_not_labels_are_warned_about)
{
    char *p = corpus_with("dup.jsonl", "{\"id\": \"t0-wire-0\", \"text\": \"the same id again\", "
                                       "\"labels\": {\"outlet_type\": \"partisan\"}}\n");
    char *model = th_path(dir, "dup.slant"), *out, *err;
    const char *argv[] = {"train", QUICK, "--out", model, p, NULL};
    cr_assert_eq(run(argv, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "warning: 1 records share an id with another record but not its labels "
                          "(the first: id 't0-wire-0')"), "%s", err);
    free(out);
    free(err);
    const char *clean[] = {"train", QUICK, "--out", model, corpus, NULL};
    cr_assert_eq(run(clean, &out, &err), 0, "%s", err);
    cr_assert(!strstr(err, "share an id"), "%s", err);
    free(out);
    free(err);
    free(p);
    free(model);
}

/* No raw control byte in 's' but newlines (and tabs where 'tabs'). */
static int has_raw_control(const char *s, int tabs)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch < 0x20 || ch == 0x7f) && ch != '\n' && !(tabs && ch == '\t'))
            return 1;
    }
    return 0;
}

/* Issue 29: label names holding control characters (an escape sequence
 * that recolours a terminal, a tab, a newline) were printed raw by the
 * reports of train --cv, eval and inspect, and by TSV output and
 * warnings. Each is now written as \xHH wherever a person reads it. */
Test(cmd_train, control_characters_in_label_names_are_escaped_wherever_printed)
{
    static const char *const labels[] = {"esc\\u001b[2Jred", "tab\\there", "new\\nline"};
    char *p = th_path(dir, "ctl.jsonl");
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 60; i++)
        fprintf(f, "{\"id\": \"d%d\", \"text\": \"word%d filler text number %d here\", "
                   "\"labels\": {\"kind\": \"%s\"}}\n",
                i, i % 3, i, labels[i % 3]);
    fprintf(f, "{\"id\": \"d60\", \"text\": \"lonely\", \"labels\": {\"kind\": \"one\\u0007bell\"}}\n");
    fclose(f);
    char *model = th_path(dir, "ctl.slant"), *out, *err;
    const char *train[] = {"train", QUICK, "--cv", "2", "--out", model, p, NULL};
    cr_assert_eq(run(train, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "esc\\x1b[2Jred") && strstr(out, "tab\\x09here") &&
              strstr(out, "new\\x0aline"), "%s", out);
    cr_assert(strstr(err, "one\\x07bell"), "the warning about a one-document label: %s", err);
    cr_assert(!has_raw_control(out, 0) && !has_raw_control(err, 0), "%s%s", out, err);
    free(out);
    free(err);
    const char *eval[] = {"eval", "--model", model, p, NULL};
    const char *inspect[] = {"inspect", "--model", model, NULL};
    const char *tsv[] = {"classify", "--model", model, "-f", "tsv", "--no-abstain", p, NULL};
    const char *const *runs[] = {eval, inspect, tsv};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        cr_assert_eq(run(runs[r], &out, &err), 0, "%s: %s", runs[r][0], err);
        cr_assert(strstr(out, "esc\\x1b[2Jred"), "%s: %s", runs[r][0], out);
        cr_assert(!has_raw_control(out, runs[r] == tsv) && !has_raw_control(err, 0), "%s: %s",
                  runs[r][0], out);
        free(out);
        free(err);
    }
    free(p);
    free(model);
}
