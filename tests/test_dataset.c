/* test_dataset.c - dataset.c: slant_dataset_read for JSONL (heads, single-
 * and multi-label, missing heads, duplicates, BOM, blank lines, groups),
 * fastText, TSV and label directories, format auto-detection, and the
 * errors for malformed input with their file, line, column and text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "core.h"
#include "dataset.h"
#include "vocab.h"

/* A temporary directory with one data file in it. */
typedef struct fixture {
    char *dir, *path;
    slant_dataset *d;
    slant_error err;
} fixture;

static void setup(fixture *f, const char *name, const char *content)
{
    f->dir = th_mkdtemp();
    f->path = th_path(f->dir, name);
    if (content)
        th_write(f->path, content, strlen(content));
    f->d = slant_dataset_new();
    cr_assert_not_null(f->d);
    slantp_error_clear(&f->err);
}

static void teardown(fixture *f)
{
    slant_dataset_free(f->d);
    th_rmdir(f->dir);
    free(f->path);
    free(f->dir);
}

static int read_as(fixture *f, enum slant_format fmt, const char *head, const char *group)
{
    slantp_error_clear(&f->err);
    return slant_dataset_read(f->d, f->path, fmt, head, group, &f->err);
}

static size_t head_of(const slant_dataset *d, const char *name)
{
    for (size_t h = 0; h < d->nheads; h++)
        if (strcmp(d->heads[h].name, name) == 0)
            return h;
    cr_assert_fail("no head '%s'", name);
    return 0;
}

static int has_label(const slant_dataset *d, size_t r, const char *head, const char *label)
{
    size_t h = head_of(d, head);
    long l = slantp_strtab_find(&d->heads[h].labels, label, strlen(label));
    return l >= 0 && slantp_record_has_label(d, &d->recs[r], h, (size_t)l);
}

static int has_head(const slant_dataset *d, size_t r, const char *head)
{
    return slantp_record_has_head(d, &d->recs[r], head_of(d, head));
}

/* Labels (not counting an empty-list marker) of record r for a head. */
static size_t nlabels(const slant_dataset *d, size_t r, const char *head)
{
    size_t h = head_of(d, head), n = 0;
    const slantp_record *rec = &d->recs[r];
    for (size_t i = 0; i < rec->lab_n; i++) {
        const slantp_pair *p = &d->pairs[rec->lab_start + i];
        n += p->head == h && p->label != SLANTP_NO_LABEL;
    }
    return n;
}

static void expect_record(const fixture *f, size_t r, const char *id, const char *text,
                          long line)
{
    const slantp_record *rec = &f->d->recs[r];
    cr_assert_str_eq(rec->id, id, "record %zu", r);
    cr_assert_eq(rec->len, strlen(text), "record %zu text '%s'", r, rec->text);
    cr_assert(memcmp(rec->text, text, rec->len) == 0, "record %zu text '%s', expected '%s'", r,
              rec->text, text);
    cr_assert_eq(rec->line, line, "record %zu", r);
}

static void expect_error(const fixture *f, int rc, int code, long line, long column,
                         const char *text)
{
    cr_assert_eq(rc, code, "status %d (%s)", rc, f->err.text);
    cr_assert_eq(f->err.code, code);
    cr_assert_str_eq(f->err.source, f->path);
    cr_assert_eq(f->err.line, line);
    cr_assert_eq(f->err.column, column);
    cr_assert_str_eq(f->err.text, text);
}

/* ------------------------------------------------------------ JSONL */

static const char jsonl[] =
    "{\"id\": \"a1\", \"text\": \"First text.\", \"story\": \"s1\", "
    "\"labels\": {\"outlet_type\": \"wire\", \"frames\": [\"Economic\", \"Political\"]}}\n"
    "{\"id\": 7, \"text\": \"Second\", \"story\": 12, "
    "\"labels\": {\"frames\": [\"Economic\", \"Economic\"], \"outlet_type\": \"partisan\"}}\n"
    "{\"text\": \"Third lacks frames\", \"labels\": {\"outlet_type\": \"wire\"}}\n"
    "{\"id\": \"a4\", \"text\": \"Fourth has no labels at all\"}\n"
    "{\"id\": \"a5\", \"text\": \"Fifth: \\u00e9\\n\", \"labels\": {\"frames\": [], \"outlet_type\": null}}\n";

Test(dataset, reads_jsonl_records_heads_and_labels)
{
    fixture f;
    setup(&f, "data.jsonl", jsonl);
    cr_assert_eq(read_as(&f, SLANT_FORMAT_JSONL, NULL, "story"), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(f.err.code, SLANT_OK);
    cr_assert_eq(slant_dataset_size(f.d), 5);
    cr_assert_eq(slant_dataset_nheads(f.d), 2);
    /* the keys of a record are taken in sorted order, whatever the file says */
    cr_assert_str_eq(slant_dataset_head_name(f.d, 0), "frames");
    cr_assert_str_eq(slant_dataset_head_name(f.d, 1), "outlet_type");
    cr_assert_null(slant_dataset_head_name(f.d, 2));
    cr_assert_eq(f.d->heads[0].multilabel, 1, "a list makes the head multi-label");
    cr_assert_eq(f.d->heads[1].multilabel, 0, "strings keep the head single-label");

    expect_record(&f, 0, "a1", "First text.", 1);
    expect_record(&f, 1, "7", "Second", 2);
    expect_record(&f, 2, "3", "Third lacks frames", 3); /* no id: the line number */
    expect_record(&f, 3, "a4", "Fourth has no labels at all", 4);
    expect_record(&f, 4, "a5", "Fifth: \xc3\xa9\n", 5);
    for (size_t r = 0; r < 5; r++)
        cr_assert_str_eq(f.d->recs[r].source, f.path);

    cr_assert(has_label(f.d, 0, "outlet_type", "wire"));
    cr_assert(has_label(f.d, 0, "frames", "Economic"));
    cr_assert(has_label(f.d, 0, "frames", "Political"));
    cr_assert_eq(nlabels(f.d, 0, "frames"), 2);
    cr_assert(has_label(f.d, 1, "outlet_type", "partisan"));
    cr_assert(!has_label(f.d, 1, "outlet_type", "wire"));
    cr_assert_eq(nlabels(f.d, 1, "frames"), 1, "a label repeated in a list counts once");
    cr_assert(has_label(f.d, 1, "frames", "Economic"));
    cr_assert(has_head(f.d, 2, "outlet_type"));
    cr_assert(!has_head(f.d, 2, "frames"), "a record may lack a head");
    cr_assert_eq(f.d->recs[3].lab_n, 0);
    cr_assert(has_head(f.d, 4, "frames"), "an empty list still carries the head");
    cr_assert_eq(nlabels(f.d, 4, "frames"), 0);
    cr_assert(!has_head(f.d, 4, "outlet_type"), "null is like a missing head");

    /* label ids are dense in first-seen order */
    const slantp_strtab *ot = &f.d->heads[1].labels;
    cr_assert_eq(ot->n, 2);
    cr_assert_str_eq(slantp_strtab_key(ot, 0), "wire");
    cr_assert_str_eq(slantp_strtab_key(ot, 1), "partisan");

    /* the group field: strings and integers are kept, absence is NULL */
    cr_assert_str_eq(f.d->recs[0].group, "s1");
    cr_assert_str_eq(f.d->recs[1].group, "12");
    cr_assert_null(f.d->recs[2].group);
    teardown(&f);
}

Test(dataset, keeps_no_group_without_a_group_field)
{
    fixture f;
    setup(&f, "data.jsonl", jsonl);
    cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 5);
    for (size_t r = 0; r < 5; r++)
        cr_assert_null(f.d->recs[r].group);
    teardown(&f);
}

Test(dataset, skips_a_bom_and_blank_lines)
{
    fixture f;
    setup(&f, "bom.jsonl",
          "\xEF\xBB\xBF{\"text\": \"one\", \"labels\": {\"h\": \"x\"}}\r\n"
          "\n"
          "   \t \r\n"
          "{\"text\": \"two\", \"labels\": {\"h\": \"y\"}}\n"
          "\n");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 2);
    expect_record(&f, 0, "1", "one", 1);
    expect_record(&f, 1, "4", "two", 4);
    cr_assert(has_label(f.d, 0, "h", "x"));
    cr_assert(has_label(f.d, 1, "h", "y"));
    teardown(&f);
}

Test(dataset, appends_the_records_of_several_files)
{
    fixture f;
    setup(&f, "a.jsonl", "{\"text\": \"one\", \"labels\": {\"h\": \"x\"}}\n");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL), SLANT_OK);
    char *second = th_path(f.dir, "b.tsv");
    th_write(second, "y\ttwo\n", 6);
    slantp_error_clear(&f.err);
    cr_assert_eq(slant_dataset_read(f.d, second, SLANT_FORMAT_AUTO, "h", NULL, &f.err), SLANT_OK,
                 "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 2);
    cr_assert_eq(slant_dataset_nheads(f.d), 1, "the same head name is the same head");
    cr_assert(has_label(f.d, 0, "h", "x"));
    cr_assert(has_label(f.d, 1, "h", "y"));
    cr_assert_str_eq(f.d->recs[0].source, f.path);
    cr_assert_str_eq(f.d->recs[1].source, second);
    free(second);
    teardown(&f);
}

/* ------------------------------------------------------------ fastText, TSV */

Test(dataset, reads_fasttext_with_several_labels_as_multilabel)
{
    fixture f;
    setup(&f, "train.ft",
          "__label__a __label__b some text here\n"
          "__label__c\tother  text\n");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_FASTTEXT, NULL, NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 2);
    cr_assert_eq(slant_dataset_nheads(f.d), 1);
    cr_assert_str_eq(slant_dataset_head_name(f.d, 0), "label", "the default head name");
    cr_assert_eq(f.d->heads[0].multilabel, 1);
    expect_record(&f, 0, "1", "some text here", 1);
    expect_record(&f, 1, "2", "other  text", 2);
    cr_assert(has_label(f.d, 0, "label", "a"));
    cr_assert(has_label(f.d, 0, "label", "b"));
    cr_assert_eq(nlabels(f.d, 0, "label"), 2);
    cr_assert(has_label(f.d, 1, "label", "c"));
    cr_assert_eq(nlabels(f.d, 1, "label"), 1);
    teardown(&f);
}

Test(dataset, reads_fasttext_with_one_label_as_single_label)
{
    fixture f;
    setup(&f, "train.ft", "__label__pos good film\n__label__neg bad film\n");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, "sentiment", NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 2);
    cr_assert_str_eq(slant_dataset_head_name(f.d, 0), "sentiment");
    cr_assert_eq(f.d->heads[0].multilabel, 0);
    expect_record(&f, 0, "1", "good film", 1);
    cr_assert(has_label(f.d, 0, "sentiment", "pos"));
    cr_assert(has_label(f.d, 1, "sentiment", "neg"));
    teardown(&f);
}

Test(dataset, reads_tsv_label_then_text)
{
    fixture f;
    setup(&f, "train.tsv", "pos\tgood film\nneg\tbad\tfilm\r\n");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_TSV, NULL, NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 2);
    cr_assert_str_eq(slant_dataset_head_name(f.d, 0), "label");
    cr_assert_eq(f.d->heads[0].multilabel, 0);
    expect_record(&f, 0, "1", "good film", 1);
    expect_record(&f, 1, "2", "bad\tfilm", 2); /* only the first tab separates */
    cr_assert(has_label(f.d, 0, "label", "pos"));
    cr_assert(has_label(f.d, 1, "label", "neg"));
    teardown(&f);
}

/* ------------------------------------------------------------ directories */

static void put(const char *dir, const char *rel, const char *text)
{
    char *p = th_path(dir, rel);
    th_write(p, text, strlen(text));
    free(p);
}

static void mk(const char *dir, const char *rel)
{
    char *p = th_path(dir, rel);
    cr_assert_eq(mkdir(p, 0700), 0);
    free(p);
}

Test(dataset, reads_a_directory_of_label_directories_in_sorted_order)
{
    fixture f;
    setup(&f, "corpus", NULL);
    mk(f.dir, "corpus");
    mk(f.dir, "corpus/wire");
    mk(f.dir, "corpus/partisan");
    mk(f.dir, "corpus/empty");
    /* created out of order, plus files that are not data */
    put(f.dir, "corpus/wire/b.txt", "wire b");
    put(f.dir, "corpus/wire/a.txt", "wire a");
    put(f.dir, "corpus/wire/notes.md", "not data");
    put(f.dir, "corpus/wire/.hidden.txt", "hidden");
    put(f.dir, "corpus/partisan/z.txt", "partisan z\n");
    put(f.dir, "corpus/README.txt", "a loose file");
    cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, "outlet_type", NULL), SLANT_OK, "%s", f.err.text);
    cr_assert_eq(slant_dataset_size(f.d), 3);
    cr_assert_eq(slant_dataset_nheads(f.d), 1);
    cr_assert_str_eq(slant_dataset_head_name(f.d, 0), "outlet_type");
    cr_assert_eq(f.d->heads[0].multilabel, 0);
    expect_record(&f, 0, "partisan/z.txt", "partisan z\n", -1);
    expect_record(&f, 1, "wire/a.txt", "wire a", -1);
    expect_record(&f, 2, "wire/b.txt", "wire b", -1);
    cr_assert(has_label(f.d, 0, "outlet_type", "partisan"));
    cr_assert(has_label(f.d, 1, "outlet_type", "wire"));
    cr_assert(has_label(f.d, 2, "outlet_type", "wire"));
    char *src = th_path(f.path, "wire/a.txt");
    cr_assert_str_eq(f.d->recs[1].source, src);
    free(src);
    /* the same tree read again gives the same dataset */
    slant_dataset *again = slant_dataset_new();
    slantp_error_clear(&f.err);
    cr_assert_eq(slant_dataset_read(again, f.path, SLANT_FORMAT_DIR, "outlet_type", NULL, &f.err),
                 SLANT_OK);
    cr_assert_eq(again->n, f.d->n);
    for (size_t r = 0; r < again->n; r++)
        cr_assert_str_eq(again->recs[r].id, f.d->recs[r].id);
    slant_dataset_free(again);
    teardown(&f);
}

/* ------------------------------------------------------------ auto-detection */

Test(dataset, auto_detects_each_format)
{
    struct {
        const char *name, *content, *label, *text;
        int multilabel;
    } cases[] = {
        {"a.jsonl", "\n{\"text\": \"t\", \"labels\": {\"label\": [\"x\"]}}\n", "x", "t", 1},
        {"b.jsonl", "  {\"text\": \"t\", \"labels\": {\"label\": \"x\"}}\n", "x", "t", 0},
        {"c.txt", "__label__x t\n", "x", "t", 0},
        {"d.txt", "x\tt\n", "x", "t", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        setup(&f, cases[i].name, cases[i].content);
        cr_assert_eq(read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL), SLANT_OK, "%s: %s",
                     cases[i].name, f.err.text);
        cr_assert_eq(slant_dataset_size(f.d), 1, "%s", cases[i].name);
        cr_assert_str_eq(f.d->recs[0].text, cases[i].text, "%s", cases[i].name);
        cr_assert(has_label(f.d, 0, "label", cases[i].label), "%s", cases[i].name);
        cr_assert_eq(f.d->heads[0].multilabel, cases[i].multilabel, "%s", cases[i].name);
        teardown(&f);
    }
}

/* ------------------------------------------------------------ errors */

Test(dataset, invalid_json_names_its_line_and_column)
{
    fixture f;
    setup(&f, "bad.jsonl",
          "{\"text\": \"ok\"}\n"
          "{\"text\": \"ok too\"}\n"
          "{\"text\": \"a\",}\n"
          "{\"text\": \"never read\"}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 3, 14, "string or '}' expected near '}'");
    teardown(&f);
}

Test(dataset, missing_text_field_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"id\": \"x\", \"labels\": {\"h\": \"a\"}}\n");
    int rc = read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 1, "missing field 'text'");
    teardown(&f);
}

Test(dataset, text_that_is_not_a_string_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "\n{\"text\": [\"a\"]}\n");
    int rc = read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 2, 1, "field 'text' is not a string");
    teardown(&f);
}

Test(dataset, json_line_that_is_not_an_object_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\"}\n[1, 2]\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 2, 1, "expected a JSON object");
    teardown(&f);
}

Test(dataset, labels_that_are_not_an_object_are_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\", \"labels\": [\"x\"]}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 1, "field 'labels' is not an object");
    teardown(&f);
}

Test(dataset, head_value_that_is_a_number_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\", \"labels\": {\"h\": \"x\"}}\n"
                           "{\"text\": \"b\", \"labels\": {\"h\": 3}}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 2, 1, "head 'h' must be a string or a list of strings");
    teardown(&f);
}

Test(dataset, list_holding_a_number_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\", \"labels\": {\"frames\": [\"x\", 1]}}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 1, "labels of head 'frames' must be strings");
    teardown(&f);
}

Test(dataset, empty_label_is_an_error)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\", \"labels\": {\"h\": \"\"}}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 1, "empty label for head 'h'");
    teardown(&f);
}

Test(dataset, duplicate_keys_are_rejected)
{
    fixture f;
    setup(&f, "bad.jsonl", "{\"text\": \"a\", \"text\": \"b\"}\n");
    int rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 20, "duplicate object key near '\"text\"'");
    teardown(&f);

    setup(&f, "bad2.jsonl", "{\"text\": \"a\", \"labels\": {\"x\": \"y\", \"x\": \"z\"}}\n");
    rc = read_as(&f, SLANT_FORMAT_JSONL, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 38, "duplicate object key near '\"x\"'");
    teardown(&f);
}

Test(dataset, tsv_line_without_a_tab_is_an_error)
{
    fixture f;
    setup(&f, "bad.tsv", "pos\tgood\nno tab here\n");
    int rc = read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 2, 12, "expected 'label<TAB>text'");
    teardown(&f);
}

Test(dataset, tsv_line_with_an_empty_label_is_an_error)
{
    fixture f;
    setup(&f, "bad.tsv", "\tno label\n");
    int rc = read_as(&f, SLANT_FORMAT_TSV, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 1, 1, "empty label");
    teardown(&f);
}

Test(dataset, fasttext_line_without_a_label_is_an_error)
{
    fixture f;
    setup(&f, "bad.ft", "__label__a text\n\nplain text\n");
    int rc = read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL);
    expect_error(&f, rc, SLANT_EFORMAT, 3, 1, "expected '__label__' at the start");
    teardown(&f);
}

Test(dataset, missing_file_is_an_io_error)
{
    fixture f;
    setup(&f, "missing.jsonl", NULL);
    int rc = read_as(&f, SLANT_FORMAT_AUTO, NULL, NULL);
    cr_assert_eq(rc, SLANT_EIO);
    cr_assert_eq(f.err.code, SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", f.path);
    cr_assert_str_eq(f.err.text, want);
    teardown(&f);
}

/* A line over SLANTP_MAX_LINE (64 MiB) must stop the read with an error,
 * not end it quietly as if the file ended there. */
Test(dataset, over_long_line_is_an_error_not_the_end_of_the_file)
{
    fixture f;
    setup(&f, "huge.tsv", NULL);
    FILE *fp = fopen(f.path, "wb");
    cr_assert_not_null(fp);
    fputs("a\tfirst\n", fp);
    size_t chunk = 1 << 20;
    char *buf = malloc(chunk);
    memset(buf, 'x', chunk);
    for (size_t i = 0; i < (SLANTP_MAX_LINE / chunk) + 1; i++)
        cr_assert_eq(fwrite(buf, 1, chunk, fp), chunk);
    fputs("\nb\tlast\n", fp);
    cr_assert_eq(fclose(fp), 0);
    free(buf);
    int rc = read_as(&f, SLANT_FORMAT_TSV, NULL, NULL);
    char want[64];
    snprintf(want, sizeof want, "line longer than %zu bytes", SLANTP_MAX_LINE);
    /* expect, not assert, so every detail is reported and nothing leaks */
    cr_expect_eq(rc, SLANT_EFORMAT, "status %d (%s)", rc, f.err.text);
    cr_expect_eq(f.err.code, SLANT_EFORMAT);
    cr_expect_str_eq(f.err.source, f.path);
    cr_expect_eq(f.err.line, 2);
    cr_expect_eq(f.err.column, 1);
    cr_expect_str_eq(f.err.text, want);
    teardown(&f);
}
