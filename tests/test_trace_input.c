/* test_trace_input.c - trace_input.c (slant_trace_add_file): the planted
 * set read as a JSONL file, gzipped, split into a directory and with other
 * field names gives the same documents and families; texts read again by
 * offset are the texts read; malformed records name their file, line and
 * column; a text file is one document; a source and a date per record. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "helpers.h"
#include "slant_trace.h"

#define SET "tests/data/trace/set.jsonl"

static char *dir;

static void setup(void)
{
    dir = th_mkdtemp();
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
}

TestSuite(trace_input, .init = setup, .fini = teardown);

/* The planted set's records, in order. */
static json_t *set_records(void)
{
    size_t len;
    char *text = th_read(SET, &len);
    cr_assert(text != NULL);
    json_t *recs = json_array();
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        json_array_append_new(recs, json_loads(line, 0, NULL));
    free(text);
    return recs;
}

/* Records first..end-1 as JSONL, with the id and text fields renamed. */
static char *jsonl_of(json_t *recs, size_t first, size_t end, const char *id, const char *text)
{
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    for (size_t i = first; i < end; i++) {
        json_t *r = json_deep_copy(json_array_get(recs, i));
        json_object_set(r, id, json_object_get(r, "id"));
        json_object_set(r, text, json_object_get(r, "text"));
        if (strcmp(id, "id") != 0)
            json_object_del(r, "id");
        if (strcmp(text, "text") != 0)
            json_object_del(r, "text");
        char *line = json_dumps(r, JSON_COMPACT);
        size_t n = strlen(line);
        if (len + n + 2 > cap)
            out = realloc(out, cap = 2 * (len + n + 2));
        memcpy(out + len, line, n);
        out[len + n] = '\n';
        len += n + 1;
        free(line);
        json_decref(r);
    }
    out[len] = '\0';
    return out;
}

static void write_gzip(const char *path, const char *data)
{
    gzFile g = gzopen(path, "wb");
    cr_assert(g != NULL);
    cr_assert_eq(gzwrite(g, data, (unsigned)strlen(data)), (int)strlen(data));
    cr_assert_eq(gzclose(g), Z_OK);
}

/* How one variant of the set is laid out on disk; returns the path to read. */
typedef char *(*layout_fn)(json_t *recs, slant_trace_input_options *o);

static char *as_file(json_t *recs, slant_trace_input_options *o)
{
    (void)o;
    char *path = th_path(dir, "set.jsonl");
    char *data = jsonl_of(recs, 0, json_array_size(recs), "id", "text");
    th_write(path, data, strlen(data));
    free(data);
    return path;
}

static char *as_gzip(json_t *recs, slant_trace_input_options *o)
{
    (void)o;
    char *path = th_path(dir, "set.jsonl.gz");
    char *data = jsonl_of(recs, 0, json_array_size(recs), "id", "text");
    write_gzip(path, data);
    free(data);
    return path;
}

/* a.jsonl, then sub/b.jsonl.gz: the walk's byte order is the set's order */
static char *as_directory(json_t *recs, slant_trace_input_options *o)
{
    (void)o;
    char *root = th_path(dir, "corpus"), *sub = th_path(root, "sub");
    char *a = th_path(root, "a.jsonl"), *b = th_path(sub, "b.jsonl.gz");
    cr_assert_eq(mkdir(root, 0777), 0);
    cr_assert_eq(mkdir(sub, 0777), 0);
    char *first = jsonl_of(recs, 0, 150, "id", "text");
    char *rest = jsonl_of(recs, 150, json_array_size(recs), "id", "text");
    th_write(a, first, strlen(first));
    write_gzip(b, rest);
    free(first);
    free(rest);
    free(a);
    free(b);
    free(sub);
    return root;
}

static char *with_other_names(json_t *recs, slant_trace_input_options *o)
{
    o->id_field = "key";
    o->text_field = "body";
    char *path = th_path(dir, "renamed.jsonl");
    char *data = jsonl_of(recs, 0, json_array_size(recs), "key", "body");
    th_write(path, data, strlen(data));
    free(data);
    return path;
}

static slant_trace *trace_path(const char *path, const slant_trace_input_options *o)
{
    slant_error err;
    slant_trace *t = slant_trace_new(NULL, &err);
    cr_assert(t != NULL);
    cr_assert_eq(slant_trace_add_file(t, path, o, &err), SLANT_OK, "%s: %s", path, err.text);
    cr_assert_eq(slant_trace_run(t, &err), SLANT_OK, "%s", err.text);
    return t;
}

static const char *field(json_t *rec, const char *name)
{
    return json_string_value(json_object_get(rec, name));
}

static void same_string(const char *got, const char *want, const char *what, size_t doc)
{
    cr_assert((!got && !want) || (got && want && strcmp(got, want) == 0),
              "%s of document %zu: '%s', not '%s'", what, doc, got ? got : "(none)",
              want ? want : "(none)");
}

/* Every document's id, text (read again), source and date, and the families,
 * are the planted set's and the reference run's. */
static void check_same(slant_trace *t, slant_trace *ref, json_t *recs, const char *what)
{
    slant_error err;
    cr_assert_eq(slant_trace_ndocs(t), json_array_size(recs), "%s", what);
    for (size_t d = 0; d < slant_trace_ndocs(t); d++) {
        json_t *rec = json_array_get(recs, d);
        const char *text;
        size_t len;
        same_string(slant_trace_id(t, d), field(rec, "id"), "id", d);
        cr_assert_eq(slant_trace_text(t, d, &text, &len, &err), SLANT_OK, "%s", err.text);
        cr_assert(len == strlen(field(rec, "text")) && memcmp(text, field(rec, "text"), len) == 0,
                  "%s: the text of document %zu read again", what, d);
        same_string(slant_trace_source(t, d), field(rec, "source"), "source", d);
        same_string(slant_trace_date(t, d), field(rec, "date"), "date", d);
        cr_assert_not(slant_trace_is_query(t, d));
        cr_assert_eq(slant_trace_family_of(t, d), slant_trace_family_of(ref, d), "%s: %zu", what,
                     d);
        cr_assert_eq(slant_trace_relation(t, d), slant_trace_relation(ref, d), "%s: %zu", what, d);
    }
}

Test(trace_input, the_set_as_a_file_gzipped_a_directory_or_renamed_reads_the_same, .timeout = 120)
{
    static const struct {
        const char *what;
        layout_fn layout;
    } cases[] = {
        {"a JSONL file", as_file},
        {"a gzipped JSONL file", as_gzip},
        {"a directory", as_directory},
        {"other field names", with_other_names},
    };
    json_t *recs = set_records();
    slant_trace_input_options o;
    slant_trace_input_options_init(&o);
    slant_trace *ref = trace_path(SET, &o);
    cr_assert(slant_trace_nlinks(ref) > 100, "the planted families are found");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        slant_trace_input_options_init(&o);
        char *path = cases[i].layout(recs, &o);
        slant_trace *t = trace_path(path, &o);
        check_same(t, ref, recs, cases[i].what);
        slant_trace_free(t);
        free(path);
    }
    slant_trace_free(ref);
    json_decref(recs);
}

/* A plain file's texts are read again from it by offset (so a change to
 * the file shows); a gzipped file's are kept. */
Test(trace_input, plain_texts_are_read_again_by_offset_and_gzipped_ones_kept)
{
    static const char data[] =
        "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"first text here\"}\r\n"
        "\r\n"
        "{\"id\":7,\"text\":\"second text\",\"source\":\"wire\",\"date\":\"2024-03-01\"}\r\n"
        "{\"text\":\"third \\u00e9t\\u00e9\"}";
    static const char *const texts[] = {"first text here", "second text",
                                        "third \xC3\xA9t\xC3\xA9"};
    static const char *const ids[] = {"a", "7", "line 4"};
    char *plain = th_path(dir, "c.jsonl"), *gz = th_path(dir, "c.jsonl.gz");
    th_write(plain, data, sizeof data - 1);
    write_gzip(gz, data);
    slant_error err;
    slant_trace *t = slant_trace_new(NULL, &err);
    cr_assert_eq(slant_trace_add_file(t, plain, NULL, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_trace_add_file(t, gz, NULL, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_trace_ndocs(t), 6);
    for (size_t d = 0; d < 6; d++) {
        const char *text;
        size_t len;
        cr_assert_eq(slant_trace_text(t, d, &text, &len, &err), SLANT_OK, "%s", err.text);
        cr_assert(len == strlen(texts[d % 3]) && memcmp(text, texts[d % 3], len) == 0,
                  "document %zu: '%.*s'", d, (int)len, text);
        cr_assert_str_eq(slant_trace_id(t, d), ids[d % 3]);
    }
    cr_assert_str_eq(slant_trace_source(t, 1), "wire");
    cr_assert_str_eq(slant_trace_date(t, 4), "2024-03-01");
    cr_assert_null(slant_trace_source(t, 0));
    cr_assert_null(slant_trace_date(t, 2));
    /* the first record changed in place: its new words are read */
    char *changed = strdup(data);
    memcpy(strstr(changed, "first text"), "first, text", 11);
    th_write(plain, changed, sizeof data - 1);
    const char *text;
    size_t len;
    cr_assert_eq(slant_trace_text(t, 0, &text, &len, &err), SLANT_OK, "%s", err.text);
    cr_assert(len == 15 && memcmp(text, "first, texthere", 15) == 0, "read again, not kept");
    cr_assert_eq(slant_trace_text(t, 3, &text, &len, &err), SLANT_OK, "%s", err.text);
    cr_assert(len == 15 && memcmp(text, "first text here", 15) == 0, "gzipped: kept");
    /* cut short: the records are no longer there */
    th_write(plain, changed, 40);
    cr_assert_eq(slant_trace_text(t, 1, &text, &len, &err), SLANT_EIO);
    cr_assert_str_eq(err.source, plain);
    cr_assert_eq(err.line, 3);
    cr_assert(strstr(err.text, "changed") != NULL, "%s", err.text);
    cr_assert_eq(slant_trace_text(t, 4, &text, &len, &err), SLANT_OK, "gzipped: kept");
    cr_assert_eq(slant_trace_run(t, &err), SLANT_EIO, "verification reads the file again");
    cr_assert_str_eq(err.source, plain, "%s", err.text);
    free(changed);
    free(plain);
    free(gz);
    slant_trace_free(t);
}

Test(trace_input, malformed_records_name_file_line_and_column)
{
    static const struct {
        const char *data, *text_field, *want;
        long line, column;
        size_t added;       /* the records before it */
    } cases[] = {
        {"{\"id\":\"a\",\"text\":\"one\"}\n\n{\"id\":\"b\",\"text\":\"x\"\n", NULL,
         "'}' expected near end of file", 3, 20, 1},
        {"{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"body\":\"x\"}\n", NULL,
         "missing field 'text'", 2, 1, 1},
        {"{\"id\":\"a\",\"text\":\"one\"}\n", "body", "missing field 'body'", 1, 1, 0},
        {"[1, 2]\n", NULL, "expected a JSON object", 1, 1, 0},
        {"{\"id\":1.5,\"text\":\"one\"}\n", NULL, "field 'id' is not a string or an integer", 1, 1,
         0},
        {"{\"id\":\"a\",\"text\":3}\n", NULL, "field 'text' is not a string", 1, 1, 0},
    };
    char *path = th_path(dir, "bad.jsonl");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_write(path, cases[i].data, strlen(cases[i].data));
        slant_trace_input_options o;
        slant_trace_input_options_init(&o);
        if (cases[i].text_field)
            o.text_field = cases[i].text_field;
        slant_error err;
        slant_trace *t = slant_trace_new(NULL, &err);
        cr_assert_eq(slant_trace_add_file(t, path, &o, &err), SLANT_EFORMAT, "case %zu", i);
        cr_assert_str_eq(err.source, path, "case %zu", i);
        cr_assert_eq(err.line, cases[i].line, "case %zu: line %ld", i, err.line);
        cr_assert_eq(err.column, cases[i].column, "case %zu: column %ld", i, err.column);
        cr_assert_str_eq(err.text, cases[i].want, "case %zu", i);
        cr_assert_eq(slant_trace_ndocs(t), cases[i].added, "case %zu: the ones before are added",
                     i);
        slant_trace_free(t);
    }
    slant_error err;
    slant_trace *t = slant_trace_new(NULL, &err);
    cr_assert_eq(slant_trace_add_file(t, "/nonexistent/c.jsonl", NULL, &err), SLANT_EIO);
    cr_assert_str_eq(err.text, "cannot open '/nonexistent/c.jsonl': No such file or directory");
    slant_trace_free(t);
    free(path);
}

/* A text file is one document named by its path; queries are marked; a
 * document given to slant_trace_add keeps its text and has no source. */
Test(trace_input, a_text_file_is_one_document_and_queries_are_marked)
{
    static const char story[] = "Prime Minister Ana Lopes said on Tuesday that the port of Vigo "
                                "would reopen in March after 14 months of repairs.\n";
    char *txt = th_path(dir, "story.txt"), *html = th_path(dir, "page.html");
    th_write(txt, story, sizeof story - 1);
    static const char page[] = "<html><body><article><p>Prime Minister Ana Lopes said on Tuesday "
                               "that the port of Vigo would reopen in March after 14 months of "
                               "repairs.</p></article></body></html>";
    th_write(html, page, sizeof page - 1);
    slant_error err;
    slant_trace *t = slant_trace_new(NULL, &err);
    slant_trace_doc d = {.id = "given", .text = story, .len = sizeof story - 1};
    cr_assert_eq(slant_trace_add(t, &d, 1, &err), SLANT_OK);
    slant_trace_input_options o;
    slant_trace_input_options_init(&o);
    o.query = 1;
    cr_assert_eq(slant_trace_add_file(t, txt, &o, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_trace_add_file(t, html, &o, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_trace_ndocs(t), 3);
    cr_assert_str_eq(slant_trace_id(t, 1), txt);
    cr_assert_str_eq(slant_trace_id(t, 2), html);
    cr_assert_not(slant_trace_is_query(t, 0));
    cr_assert(slant_trace_is_query(t, 1) && slant_trace_is_query(t, 2));
    cr_assert_null(slant_trace_source(t, 0));
    const char *text;
    size_t len;
    cr_assert_eq(slant_trace_text(t, 1, &text, &len, &err), SLANT_OK);
    cr_assert(len == sizeof story - 1 && memcmp(text, story, len) == 0, "the file's bytes");
    cr_assert_eq(slant_trace_text(t, 2, &text, &len, &err), SLANT_OK);
    cr_assert(strstr(text, "<") == NULL && strstr(text, "port of Vigo") != NULL,
              "the page's text: '%.*s'", (int)len, text);
    cr_assert_eq(slant_trace_text(t, 0, &text, &len, &err), SLANT_OK, "kept");
    cr_assert_eq(slant_trace_run(t, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_trace_family_size(t, slant_trace_family_of(t, 0)), 3);
    slant_trace_free(t);
    free(txt);
    free(html);
}
