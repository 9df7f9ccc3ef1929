/* test_audit_trace.c - slant trace's families in an audit's report
 * (auditp_trace.c): `slant trace` then `slant audit --trace` end to end on
 * a small corpus with known copies, the counts in summary.json, the cap on
 * families shown, links, adding a trace twice, files in another shape,
 * and the errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slant_audit.h"
#include "helpers.h"

#define SET "tests/data/trace/set.jsonl"

static char *dir;

static void setup(void) { dir = th_mkdtemp(); }

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
}

TestSuite(audit_trace, .init = setup, .fini = teardown, .timeout = 300);

static int run(const char *const *argv, char **err)
{
    char *out;
    int st = th_run(argv, NULL, &out, err);
    free(out);
    return st;
}

/* Records of the test set: two stories of five versions each (an
 * original and its edited, spun or rewritten copies), and three unrelated
 * articles. */
static char *small_corpus(void)
{
    static const char *const stories[] = {
        "h7-s025-wire", "h7-s025-state_media", "h7-s025-wire-rewritten", "h7-s025-wire-spun",
        "h7-s025-wire-edited", "h7-s030-content_farm", "h7-s030-content_farm-edited",
        "h7-s030-state_media", "h7-s030-content_farm-rewritten", "h7-s030-content_farm-spun",
        "h7-s001-wire", "h7-s002-official", "h7-s003-partisan"};
    size_t n;
    char *all = th_read(SET, &n), *path = th_path(dir, "corpus.jsonl");
    cr_assert_not_null(all);
    slant_buffer b = {0};
    for (char *line = all, *nl; line < all + n; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = all + n;
        for (size_t i = 0; i < sizeof stories / sizeof stories[0]; i++)
            if (strncmp(line, "{\"id\": \"", 8) == 0 &&
                strncmp(line + 8, stories[i], strlen(stories[i])) == 0 &&
                line[8 + strlen(stories[i])] == '"') {
                slant_buffer_write(&b, line, (size_t)(nl - line) + 1);
                break;
            }
    }
    th_write(path, b.data, b.len);
    slant_buffer_release(&b);
    free(all);
    return path;
}

/* trace and audit the small corpus; returns the audit directory */
static char *trace_and_audit(const char *extra)
{
    char *corpus = small_corpus(), *tr = th_path(dir, "trace"), *au = th_path(dir, "audit");
    char *err;
    int st = run((const char *[]){"trace", "--out", tr, corpus, NULL}, &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    const char *argv[12] = {"audit", "-q", "--by", "source", "--out", au, "--trace", tr};
    size_t k = 8;
    if (extra)
        argv[k++] = "--link", argv[k++] = extra;
    argv[k++] = corpus;
    argv[k] = NULL;
    st = run(argv, &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    free(corpus);
    free(tr);
    return au;
}

static char *read_in(const char *d, const char *name, size_t *n)
{
    char *p = th_path(d, name), *s = th_read(p, n);
    cr_assert_not_null(s, "no %s", p);
    free(p);
    return s;
}

/* the text of family section 'f' of report.html (up to the next one) */
static char *family_html(const char *html, const char *id)
{
    const char *at = strstr(html, id), *end;
    cr_assert_not_null(at, "no section %s", id);
    end = strstr(at + 1, "<h3 id=family-");
    if (!end)
        end = strstr(at, "<!--/slant:trace-->");
    cr_assert_not_null(end);
    char *s = malloc((size_t)(end - at) + 1);
    memcpy(s, at, (size_t)(end - at));
    s[end - at] = '\0';
    return s;
}

Test(audit_trace, the_report_shows_the_known_families_with_their_versions)
{
    char *au = trace_and_audit(NULL);
    size_t n;
    char *html = read_in(au, "report.html", &n);
    cr_assert(strstr(html, "<a href=\"#provenance\">Copies and rewrites</a>") != NULL);
    cr_assert(strstr(html, "<h2 id=provenance>Copies and rewrites</h2>") != NULL);
    cr_assert(strstr(html, "10 of 13 documents are in 2 families of two or more") != NULL,
              "the counts over the whole trace");
    /* the wire story: dated, so its original is the earliest version */
    const char *fam = strstr(html, "Likely original: <a class=doc href=\"#g-source--wire_2ddesk\">"
                                   "h7-s025-wire</a>");
    cr_assert_not_null(fam, "the wire original, linked to its outlet's examples");
    char *h = NULL;
    for (int f = 0; f < 2 && !h; f++) {
        char id[32];
        snprintf(id, sizeof id, "<h3 id=family-%d>", f);
        char *s = family_html(html, id);
        if (strstr(s, "h7-s025-wire</a>"))
            h = s;
        else
            free(s);
    }
    cr_assert_not_null(h);
    cr_assert(strstr(h, "(5 versions)") != NULL, "%s", h);
    static const char *const versions[] = {"h7-s025-state_media", "h7-s025-wire-rewritten",
                                           "h7-s025-wire-spun", "h7-s025-wire-edited"};
    for (size_t i = 0; i < 4; i++)
        cr_assert(strstr(h, versions[i]) != NULL, "%s is in the family", versions[i]);
    cr_assert(strstr(h, "h7-s030-") == NULL, "nothing of the other story");
    cr_assert(strstr(h, "h7-s001-wire") == NULL, "nor an unrelated article");
    cr_assert(strstr(h, "<span class=\"rel r-spun\">spun</span>") != NULL);
    cr_assert(strstr(h, "swapped:") != NULL, "the spun copy's substitutions are listed");
    cr_assert(strstr(h, "Largest framing move:") != NULL);
    cr_assert(strstr(h, "&rarr;") != NULL, "scores before and after");
    cr_assert(strstr(html, "<script") == NULL && strstr(html, " src=") == NULL &&
              strstr(html, "<link") == NULL, "self-contained: nothing fetched");
    free(h);
    /* summary.json: the counts, the families shown */
    char *js = read_in(au, "summary.json", &n);
    cr_assert(strstr(js, "\n\"trace\":{\"families\":5,\"documents\":13,\"linked_families\":2,"
                         "\"linked_documents\":10,\"largest\":5,\"relations\":{") != NULL,
              "%s", strstr(js, "\"trace\"") ? strstr(js, "\"trace\"") : "no trace");
    cr_assert(strstr(js, "\"omitted\":0}}\n") != NULL);
    free(js);
    free(html);
    free(au);
}

Test(audit_trace, versions_link_to_the_link_template)
{
    char *au = trace_and_audit("https://example.org/doc/{id}");
    size_t n;
    char *html = read_in(au, "report.html", &n);
    cr_assert(strstr(html, "<a class=doc href=\"https://example.org/doc/h7-s025-wire-spun\">"
                           "h7-s025-wire-spun</a>") != NULL);
    free(html);
    free(au);
}

Test(audit_trace, families_shown_are_capped_and_a_second_add_replaces_the_first)
{
    char *au = trace_and_audit(NULL), *tr = th_path(dir, "trace");
    size_t n1, n2, j1, j2;
    char *once = read_in(au, "report.html", &n1), *jonce = read_in(au, "summary.json", &j1);
    slant_error err;
    cr_assert_eq(slant_audit_add_trace(au, tr, 0, NULL, &err), SLANT_OK, "%s", err.text);
    char *twice = read_in(au, "report.html", &n2), *jtwice = read_in(au, "summary.json", &j2);
    cr_assert(n1 == n2 && memcmp(once, twice, n1) == 0, "the same report");
    cr_assert(j1 == j2 && memcmp(jonce, jtwice, j1) == 0, "the same summary");
    free(twice), free(jtwice);
    cr_assert_eq(slant_audit_add_trace(au, tr, 1, NULL, &err), SLANT_OK, "%s", err.text);
    twice = read_in(au, "report.html", &n2);
    jtwice = read_in(au, "summary.json", &j2);
    cr_assert(strstr(twice, "The 1 largest families are shown; 1 more are in "
                            "families.jsonl.") != NULL);
    cr_assert(strstr(twice, "<h3 id=family-1>") == NULL);
    cr_assert(strstr(jtwice, "\"omitted\":1}}\n") != NULL);
    const char *first = strstr(twice, "<!--slant:trace-->");
    cr_assert(first && !strstr(first + 1, "<!--slant:trace-->"), "one section");
    free(once), free(jonce), free(twice), free(jtwice);
    free(tr);
    free(au);
}

Test(audit_trace, a_report_rendered_again_takes_the_trace_and_reformatted_files_are_read)
{
    char *au = trace_and_audit(NULL), *tr = th_path(dir, "trace");
    char *fam = th_path(tr, "families.jsonl"), *out = th_path(dir, "again"), *err;
    /* the same families with other spacing and key order: read by parsing */
    size_t n;
    char *text = th_read(fam, &n), *spaced = th_path(dir, "spaced.jsonl");
    slant_buffer b = {0};
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        const char *size = strstr(line, ",\"size\":");
        slant_buffer_write(&b, "{ \"size\" : ", 11);
        const char *v = size + 8, *e = strchr(v, ',');
        slant_buffer_write(&b, v, (size_t)(e - v));
        slant_buffer_write(&b, ", ", 2);
        slant_buffer_write(&b, line + 1, (size_t)(size - line - 1));
        slant_buffer_write(&b, e, (size_t)(nl - e) + 1);
    }
    th_write(spaced, b.data, b.len);
    slant_buffer_release(&b);
    int st = run((const char *[]){"audit", "report", "--out", out, "--trace", spaced, au, NULL},
                 &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    size_t n1, n2;
    char *a = read_in(au, "summary.json", &n1), *c = read_in(out, "summary.json", &n2);
    const char *ta = strstr(a, "\"trace\":"), *tc = strstr(c, "\"trace\":");
    cr_assert(ta && tc && strcmp(ta, tc) == 0, "the same counts from either shape:\n%s\n%s", ta,
              tc);
    free(a), free(c), free(text), free(spaced), free(fam), free(out), free(tr), free(au);
}

Test(audit_trace, errors_name_the_file_and_line_and_exit_1)
{
    char *au = trace_and_audit(NULL), *bad = th_path(dir, "bad.jsonl"), *err;
    int st = run((const char *[]){"audit", "report", "--trace", "no/such/trace", au, NULL}, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "slant: cannot read the trace 'no/such/trace'") != NULL, "%s", err);
    free(err);
    const char lines[] = "{\"family\":0,\"size\":1,\"original\":\"a\",\"members\":[]}\n"
                         "{\"family\": 1, \"size\": \"two\"}\n";
    th_write(bad, lines, sizeof lines - 1);
    st = run((const char *[]){"audit", "report", "--trace", bad, au, NULL}, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "bad.jsonl:2:1: not a family written by slant trace") != NULL, "%s",
              err);
    free(err);
    th_write(bad, "{\"family\":0,\"size\":2,\n", 22);
    st = run((const char *[]){"audit", "report", "--trace", bad, au, NULL}, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "bad.jsonl:1:") != NULL, "%s", err);
    free(err);
    st = run((const char *[]){"audit", "report", "--trace-families", "3", au, NULL}, &err);
    cr_assert_eq(st, 2, "--trace-families without --trace");
    free(err);
    /* a report from before the section had a place */
    char *rp = th_path(au, "report.html");
    th_write(rp, "<html></html>\n", 14);
    slant_error e;
    char *tr = th_path(dir, "trace");
    cr_assert_eq(slant_audit_add_trace(au, tr, 0, NULL, &e), SLANT_EINVAL);
    cr_assert(strstr(e.text, "render it again") != NULL, "%s", e.text);
    free(tr), free(rp), free(bad), free(au);
}
