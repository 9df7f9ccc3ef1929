/* test_cmd_trace.c - `slant trace` and `slant spin` end to end, as child
 * processes: help and usage errors, bad input in the 'file:line:col' shape
 * with exit 1 and no output file, every input document in exactly one
 * family, --against, the framing diff, and spin evidence. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

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

TestSuite(cmd_trace, .init = setup, .fini = teardown);

static size_t files_in(const char *path)
{
    DIR *d = opendir(path);
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(cmd_trace, help_goes_to_stdout_and_usage_errors_exit_2)
{
    char *out, *err;
    cr_assert_eq(th_run((const char *[]){"trace", "--help", NULL}, NULL, &out, &err), 0);
    cr_assert(strstr(out, "usage: slant trace --out DIR") != NULL);
    cr_assert_str_eq(err, "");
    free(out);
    free(err);
    static const char *const cases[][4] = {
        {"trace", NULL, NULL, "slant: no corpus given\n"},
        {"trace", SET, NULL, "slant: say where to write the families with --out\n"},
        {"trace", "--threshold", "2", "slant: --threshold takes a number in (0, 1], not '2'\n"},
        {"trace", "--frobnicate", NULL, "slant: unknown option '--frobnicate'\n"},
        {"trace", "--input", "csv", "slant: unknown input format 'csv'\n"},
        {"spin", NULL, NULL, "slant: no files given\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[4] = {cases[i][0], cases[i][1], cases[i][2], NULL};
        int st = th_run(argv, NULL, &out, &err);
        cr_assert_eq(st, 2, "case %zu: status %d", i, st);
        cr_assert(strncmp(err, cases[i][3], strlen(cases[i][3])) == 0, "case %zu: '%s'", i, err);
        cr_assert(strstr(err, "Try 'slant --help'") != NULL);
        free(out);
        free(err);
    }
}

/* The messages are the library reader's, as classify gives them. */
Test(cmd_trace, bad_records_name_file_line_and_column_and_write_nothing)
{
    static const struct {
        const char *data, *want;
    } cases[] = {
        {"{\"id\":\"a\",\"text\":\"one two three four\"}\n\n{\"id\":\"b\",\"text\":\"x\"\n",
         ":3:20: '}' expected near end of file\n"},
        {"{\"id\":\"a\",\"text\":\"one two three four\"}\n{\"id\":\"b\",\"body\":\"x\"}\n",
         ":2:1: missing field 'text'\n"},
        {"[1, 2]\n", ":1:1: expected a JSON object\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *corpus = th_path(dir, "bad.jsonl"), *outdir = th_path(dir, "out");
        th_write(corpus, cases[i].data, strlen(cases[i].data));
        char *out, *err;
        const char *argv[] = {"trace", "--no-frames", "--out", outdir, corpus, NULL};
        int st = th_run(argv, NULL, &out, &err);
        cr_assert_eq(st, 1, "case %zu: status %d (%s)", i, st, err);
        char want[512];
        snprintf(want, sizeof want, "slant: %s%s", corpus, cases[i].want);
        cr_assert(strncmp(err, want, strlen(want)) == 0, "case %zu: got '%s', want '%s'", i, err,
                  want);
        cr_assert_eq(files_in(outdir), 0, "case %zu: no families.jsonl, no temporary", i);
        free(out);
        free(err);
        free(corpus);
        free(outdir);
    }
    char *out, *err;
    const char *argv[] = {"trace", "--out", dir, "/nonexistent/c.jsonl", NULL};
    cr_assert_eq(th_run(argv, NULL, &out, &err), 1);
    cr_assert_str_eq(err, "slant: cannot open '/nonexistent/c.jsonl': No such file or directory\n");
    free(out);
    free(err);
}

/* The ids of every member of every family, and the count of families. */
static json_t *read_families(const char *path, size_t *nfamilies)
{
    size_t len;
    char *text = th_read(path, &len);
    cr_assert(text != NULL, "no %s", path);
    json_t *ids = json_object();
    *nfamilies = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *f = json_loads(line, 0, NULL);
        cr_assert(f != NULL, "not JSON: %.80s", line);
        size_t k;
        json_t *m;
        json_array_foreach(json_object_get(f, "members"), k, m) {
            const char *id = json_string_value(json_object_get(m, "id"));
            cr_assert(json_object_get(ids, id) == NULL, "'%s' in two families", id);
            json_object_set_new(ids, id, json_integer((json_int_t)*nfamilies));
        }
        cr_assert_eq(json_array_size(json_object_get(f, "members")),
                     (size_t)json_integer_value(json_object_get(f, "size")));
        json_decref(f);
        (*nfamilies)++;
    }
    free(text);
    return ids;
}

Test(cmd_trace, every_document_is_in_exactly_one_family)
{
    char *outdir = th_path(dir, "trace"), *fam = th_path(outdir, "families.jsonl");
    char *out, *err;
    const char *argv[] = {"trace", "--no-frames", "-j", "2", "--out", outdir, SET, NULL};
    cr_assert_eq(th_run(argv, NULL, &out, &err), 0, "%s", err);
    cr_assert_str_eq(err, "");
    size_t nfam;
    json_t *ids = read_families(fam, &nfam);
    cr_assert_eq(json_object_size(ids), 432, "%zu documents accounted for",
                 json_object_size(ids));
    cr_assert(nfam > 250 && nfam < 300, "%zu families", nfam);
    cr_assert_eq(files_in(outdir), 1, "only families.jsonl");
    json_decref(ids);
    free(out);
    free(err);
    free(outdir);
    free(fam);
}

/* A corpus file is read as classify reads it: by its name, or as --input
 * says. The test set under another name is one text document, and with
 * --input jsonl the same families as under its own name. */
Test(cmd_trace, input_says_how_a_corpus_file_of_another_name_is_read)
{
    size_t len;
    char *set = th_read(SET, &len), *renamed = th_path(dir, "set.json");
    th_write(renamed, set, len);
    char *by_name = th_path(dir, "by-name"), *as_jsonl = th_path(dir, "as-jsonl"),
         *as_text = th_path(dir, "as-text");
    const char *const runs[][8] = {
        {"trace", "--no-frames", "--out", by_name, SET, NULL},
        {"trace", "--no-frames", "--input", "jsonl", "--out", as_jsonl, renamed, NULL},
        {"trace", "--no-frames", "--out", as_text, renamed, NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        char *out, *err;
        cr_assert_eq(th_run(runs[i], NULL, &out, &err), 0, "run %zu: %s", i, err);
        free(out);
        free(err);
    }
    char *f1 = th_path(by_name, "families.jsonl"), *f2 = th_path(as_jsonl, "families.jsonl"),
         *f3 = th_path(as_text, "families.jsonl");
    size_t n1, n2, nfam;
    char *a = th_read(f1, &n1), *b = th_read(f2, &n2);
    cr_assert(n1 == n2 && memcmp(a, b, n1) == 0, "--input jsonl reads the set as its name does");
    json_t *ids = read_families(f3, &nfam);
    cr_assert_eq(json_object_size(ids), 1, "without --input, set.json is one text document");
    json_decref(ids);
    free(a);
    free(b);
    free(f1);
    free(f2);
    free(f3);
    free(by_name);
    free(as_jsonl);
    free(as_text);
    free(renamed);
    free(set);
}

Test(cmd_trace, against_finds_where_a_text_came_from, .timeout = 120)
{
    /* a copy of one wire story with a line of furniture above it */
    size_t len;
    char *set = th_read(SET, &len);
    json_t *rec = NULL;
    for (char *line = strtok(set, "\n"); line && !rec; line = strtok(NULL, "\n")) {
        json_t *r = json_loads(line, 0, NULL);
        if (strcmp(json_string_value(json_object_get(r, "id")), "h7-s001-wire") == 0)
            rec = r;
        else
            json_decref(r);
    }
    cr_assert(rec != NULL);
    const char *text = json_string_value(json_object_get(rec, "text"));
    char *query = th_path(dir, "query.txt");
    size_t n = strlen(text) + 64;
    char *page = malloc(n);
    snprintf(page, n, "Share this: Facebook | X | Email\n%s", text);
    th_write(query, page, strlen(page));
    char *out, *err;
    const char *argv[] = {"trace", "--against", SET, query, NULL};
    cr_assert_eq(th_run(argv, NULL, &out, &err), 0, "%s", err);
    json_t *fam = json_loads(out, 0, NULL);
    cr_assert(fam != NULL, "one family on stdout: %s", out);
    json_t *members = json_object_get(fam, "members"), *q = NULL, *m;
    size_t k;
    cr_assert_str_eq(json_string_value(json_object_get(fam, "original")), "h7-s001-wire");
    json_array_foreach(members, k, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        cr_assert(strncmp(id, "h7-s001-wire", 12) == 0 || strcmp(id, query) == 0,
                  "only the wire story's versions and the query: '%s'", id);
        if (json_is_true(json_object_get(m, "query")))
            q = m;
    }
    cr_assert(q != NULL);
    cr_assert_str_eq(json_string_value(json_object_get(q, "relation")), "furniture");
    cr_assert(json_is_array(json_object_get(q, "framing_diff")), "scores moved: %s", out);
    json_decref(fam);
    json_decref(rec);
    free(out);
    free(err);
    free(page);
    free(query);
    free(set);
}

Test(cmd_trace, spin_points_at_the_broken_phrase)
{
    static const char text[] =
        "Spread the love\n"
        "The Top Minister said the deal would stand.\n";
    static const char clean[] = "The Prime Minister said the Top Minister joke was old.\n";
    char *a = th_path(dir, "a.txt"), *b = th_path(dir, "b.txt");
    th_write(a, text, strlen(text));
    th_write(b, clean, strlen(clean));
    char *out, *err;
    const char *argv[] = {"spin", a, b, NULL};
    cr_assert_eq(th_run(argv, NULL, &out, &err), 0, "%s", err);
    char want[512];
    snprintf(want, sizeof want, "%s:2:5: 'Top Minister' breaks 'prime minister'\n", a);
    cr_assert_str_eq(out, want, "the phrase itself in b.txt clears it");
    free(out);
    free(err);
    free(a);
    free(b);
}
