/* test_audit.c - bulk audits: the statistics on hand-computed values, date
 * buckets, JSONL fields, the aggregate (merge equals one run, memory
 * bounded by groups, partial files round-trip), and 'slant audit' end to
 * end with the shipped model: shards merged and runs killed then resumed
 * give the same bytes as one uninterrupted run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "audit.h"
#include "slant_audit.h"
#include "helpers.h"

/* ======================================================== statistics */

Test(audit, wilson_intervals_match_hand_computed_values)
{
    static const struct { uint64_t k, n; double lo, hi; } cases[] = {
        {5, 10, 0.236593090512564, 0.763406909487436},
        {0, 10, 0.0, 0.277532799862889},
        {10, 10, 0.722467200137111, 1.0},
        {1, 3, 0.061491944720396, 0.792340399197952},
        {0, 0, 0.0, 1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double lo, hi;
        auditp_wilson(cases[i].k, cases[i].n, &lo, &hi);
        cr_assert_float_eq(lo, cases[i].lo, 1e-9, "case %zu lo %.12f", i, lo);
        cr_assert_float_eq(hi, cases[i].hi, 1e-9, "case %zu hi %.12f", i, hi);
    }
}

Test(audit, mean_interval_comes_from_exact_sums)
{
    /* 0.1, 0.2, 0.3, 0.4 in units of 1e-9: sum 1.0, sum of squares 0.3 */
    double mean, lo, hi;
    auditp_mean_ci(4, 1000000000u, 300000000u, &mean, &lo, &hi);
    cr_assert_float_eq(mean, 0.25, 1e-12);
    cr_assert_float_eq(lo, 0.123484868811834, 1e-9);
    cr_assert_float_eq(hi, 0.376515131188166, 1e-9);
}

Test(audit, log_odds_with_informative_prior_matches_hand_computed_value)
{
    double z;
    /* y_i 10 of 100, y_j 5 of 200, alpha_w 1 of alpha_0 10:
     * ln(11/99) - ln(6/204) = 1.329136, sd sqrt(1/11 + 1/6) */
    double d = auditp_log_odds(10, 100, 5, 200, 1, 10, &z);
    cr_assert_float_eq(d, 1.329135947279942, 1e-12);
    cr_assert_float_eq(z, 2.6188879114797996, 1e-12);
    /* symmetric: swapping the groups flips the sign */
    double d2 = auditp_log_odds(5, 200, 10, 100, 1, 10, &z);
    cr_assert_float_eq(d2, -d, 1e-12);
    cr_assert_lt(z, 0);
}

/* ======================================================== buckets and fields */

struct bucket_case {
    const char *date;
    enum auditp_unit unit;
    const char *want;   /* "" = cannot be read in that unit (unknown) */
};

static const struct bucket_case bucket_cases[] = {
    {"2024-03-05", AUDIT_DAY, "2024-03-05"},
    {"2024-03-05", AUDIT_WEEK, "2024-W10"},
    {"2024-03-05", AUDIT_MONTH, "2024-03"},
    {"2024-03-05", AUDIT_YEAR, "2024"},
    {"2021-01-03", AUDIT_WEEK, "2020-W53"},     /* a Sunday: ISO week of the year before */
    {"2024-12-30", AUDIT_WEEK, "2025-W01"},     /* a Monday: ISO week 1 of the next year */
    {"2008-12-29", AUDIT_WEEK, "2009-W01"},
    {"2010-01-03", AUDIT_WEEK, "2009-W53"},
    {"2020-12-31", AUDIT_WEEK, "2020-W53"},
    {"2026-01-01", AUDIT_WEEK, "2026-W01"},
    {"2024-03-05T10:20:00Z", AUDIT_DAY, "2024-03-05"},
    {"2024-03-05 10:20", AUDIT_MONTH, "2024-03"},
    {"2024/03/05", AUDIT_DAY, "2024-03-05"},
    {"2024-02-29", AUDIT_DAY, "2024-02-29"},
    {"2023-02-29", AUDIT_DAY, ""},
    {"2024-02-30", AUDIT_MONTH, ""},
    {"2024-13-01", AUDIT_YEAR, ""},
    {"2024-03", AUDIT_MONTH, "2024-03"},
    {"2024-03", AUDIT_DAY, ""},
    {"2024", AUDIT_YEAR, "2024"},
    {"2024", AUDIT_MONTH, ""},
    {"20240305", AUDIT_YEAR, ""},
    {"March 5, 2024", AUDIT_YEAR, ""},
    {"", AUDIT_YEAR, ""},
    {"0000-01-01", AUDIT_YEAR, ""},
};

Test(audit, date_buckets_by_unit_and_unreadable_dates)
{
    for (size_t i = 0; i < sizeof bucket_cases / sizeof bucket_cases[0]; i++) {
        const struct bucket_case *c = &bucket_cases[i];
        char out[16];
        size_t n = auditp_bucket(c->date, strlen(c->date), c->unit, out);
        if (!*c->want) {
            cr_expect_eq(n, 0, "'%s' should be unknown, got '%.*s'", c->date, (int)n, out);
        } else {
            cr_expect(n == strlen(c->want) && memcmp(out, c->want, n) == 0,
                      "'%s' in %s gave '%.*s', not '%s'", c->date, auditp_unit_name(c->unit),
                      (int)n, out, c->want);
        }
    }
}

Test(audit, fields_are_decoded_skipping_nested_values_and_escaped_text)
{
    const char *line = "{\"id\":\"a\\\"b\",\"text\":\"x \\\" y \\\\\",\"meta\":{\"source\":\"no\","
                       "\"l\":[1,{\"a\":\"}\"}]},\"so\\u0075rce\":\"Le Monde \\u00e9\\ud83d\\ude00\","
                       "\"n\":42,\"d\":null,\"b\":true}";
    const char *names[] = {"source", "n", "d", "missing", "b", "id"};
    const char *val[6];
    size_t len[6];
    auditp_fieldbuf buf = {0};
    cr_assert_eq(auditp_fields(line, strlen(line), names, 6, &buf, val, len), 0);
    cr_assert_str_eq(val[0], "Le Monde \xc3\xa9\xf0\x9f\x98\x80");
    cr_assert_eq(len[0], strlen("Le Monde \xc3\xa9\xf0\x9f\x98\x80"));
    cr_assert(len[1] == 2 && memcmp(val[1], "42", 2) == 0);
    cr_assert_null(val[2], "null is a missing value");
    cr_assert_null(val[3]);
    cr_assert(len[4] == 4 && memcmp(val[4], "true", 4) == 0);
    cr_assert(len[5] == 3 && memcmp(val[5], "a\"b", 3) == 0);
    static const char *const bad[] = {"", "[]", "{\"a\":", "{\"a\":\"x}", "{\"a\" 1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(auditp_fields(bad[i], strlen(bad[i]), names, 6, &buf, val, len), -1,
                     "'%s' is not an object", bad[i]);
    /* a NUL byte inside a bare value once made the scanner loop forever
     * (found by tests/fuzz/fuzz_audit.c); Criterion's timeout catches it */
    static const char nul[] = "{\"meta\":{\x01\0our\":1},\"source\":\"x\"}";
    cr_assert_eq(auditp_fields(nul, sizeof nul - 1, names, 6, &buf, val, len), 0);
    cr_assert_str_eq(val[0], "x", "the scanner is lenient, and ends");
    free(buf.data);
}

/* ======================================================== aggregates */

/* A spec made by hand: one --by field, a month time field, a single-label
 * head of 3 labels and a multi-label head of 2, 1000 features. */
static void hand_spec(auditp_spec *s)
{
    memset(s, 0, sizeof *s);
    s->nby = 1;
    s->by[0] = strdup("source");
    s->time_field = strdup("date");
    s->unit = AUDIT_MONTH;
    s->model_sum = 42;
    s->nfeatures = 1000;
    s->nheads = 2;
    s->head = calloc(3, sizeof *s->head);
    s->multilabel = calloc(3, sizeof *s->multilabel);
    s->first = calloc(3, sizeof *s->first);
    s->nlabels = calloc(3, sizeof *s->nlabels);
    s->label = calloc(6, sizeof *s->label);
    s->head[0] = strdup("outlet");
    s->head[1] = strdup("frames");
    s->multilabel[1] = 1;
    s->nlabels[0] = 3;
    s->nlabels[1] = 2;
    s->first[1] = 3;
    s->nlabels_total = 5;
    const char *labels[] = {"wire", "state", "farm", "Economic", "Security"};
    for (int i = 0; i < 5; i++)
        s->label[i] = strdup(labels[i]);
}

static auditp *hand_audit(void)
{
    auditp_spec s;
    hand_spec(&s);
    auditp *a = auditp_new(&s);
    cr_assert_not_null(a);
    return a;
}

/* Document i of a synthetic stream, as the record a worker would pack:
 * 'ngroups' sources, 6 months (and some without a date), phrases from a
 * source-dependent slice of the 1000 features. */
static void synth_doc(unsigned i, unsigned ngroups, char *id, char *src, char *month,
                      unsigned char *prob, unsigned char *pred, unsigned char *feat,
                      unsigned char *surf, size_t *surf_len, auditp_doc *d)
{
    memset(d, 0, sizeof *d);
    unsigned x = i * 2654435761u;
    sprintf(id, "doc-%u", i);
    sprintf(src, "src-%u", x % ngroups);
    sprintf(month, "2024-%02u", 1 + (x >> 8) % 6);
    d->id = id;
    d->id_len = strlen(id);
    d->hash = auditp_id_hash(id, d->id_len);
    d->key[0] = src;
    d->key_len[0] = strlen(src);
    if ((x >> 4) % 10) {
        d->bucket = month;
        d->bucket_len = 7;
    }
    uint32_t p[5] = {x % 1000000000u, (x >> 3) % 1000000000u, 0, (x >> 5) % 1000000000u,
                     (x >> 7) % 1000000000u};
    memcpy(prob, p, sizeof p);
    memset(pred, 0, 5);
    pred[x % 3] = 1;
    pred[3] = (x >> 9) & 1;
    d->prob = prob;
    d->pred = pred;
    d->feat = feat;
    for (uint32_t k = 0; k < 20; k++) {
        uint32_t fid = (x % ngroups) * 37 + k * 11 + (x >> 12) % 5, count = 1 + k % 3;
        fid %= 1000;
        memcpy(feat + 8 * k, &fid, 4);
        memcpy(feat + 8 * k + 4, &count, 4);
    }
    /* dedupe: the same fid twice would be two features */
    uint32_t seen[20];
    size_t n = 0;
    for (uint32_t k = 0; k < 20; k++) {
        uint32_t fid;
        memcpy(&fid, feat + 8 * k, 4);
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= seen[j] == fid;
        if (!dup) {
            memmove(feat + 8 * n, feat + 8 * k, 8);
            seen[n++] = fid;
        }
    }
    d->nfeat = n;
    /* one surface: of the first feature */
    uint32_t fid0 = seen[0], len = (uint32_t)sprintf((char *)surf + 8, "Phrase %u", fid0);
    memcpy(surf, &fid0, 4);
    memcpy(surf + 4, &len, 4);
    d->surf = surf;
    d->nsurf = 1;
    *surf_len = 8 + len;
}

static void add_range(auditp *a, unsigned from, unsigned to, unsigned ngroups)
{
    for (unsigned i = from; i < to; i++) {
        char id[32], src[32], month[16];
        unsigned char prob[20], pred[5], feat[160], surf[64];
        size_t sl;
        auditp_doc d;
        synth_doc(i, ngroups, id, src, month, prob, pred, feat, surf, &sl, &d);
        cr_assert_eq(auditp_add(a, &d), 0);
        if (i % 97 == 0)
            cr_assert_eq(auditp_add_failure(a, i % 2 ? id : NULL, "bad line"), 0);
    }
}

static slant_buffer saved(const auditp *a)
{
    auditp_progress pr = {0};
    slant_buffer b = {0};
    cr_assert_eq(auditp_save_bytes(a, &pr, &b), 0);
    return b;
}

Test(audit, three_shards_merged_in_any_order_equal_one_run_byte_for_byte)
{
    auditp *one = hand_audit();
    add_range(one, 0, 3000, 7);
    slant_buffer want = saved(one);
    static const unsigned cuts[][4] = {{0, 1000, 2000, 3000}, {0, 1, 2999, 3000},
                                       {0, 1500, 1501, 3000}};
    for (size_t c = 0; c < 3; c++) {
        auditp *sh[3];
        for (int k = 0; k < 3; k++) {
            sh[k] = hand_audit();
            add_range(sh[k], cuts[c][k], cuts[c][k + 1], 7);
        }
        /* merged as 2, 0, 1: the order of shards must not matter */
        auditp *m = hand_audit();
        int order[3] = {2, 0, 1};
        for (int k = 0; k < 3; k++)
            cr_assert_eq(auditp_merge(m, sh[order[k]]), 0);
        slant_buffer got = saved(m);
        cr_assert_eq(got.len, want.len, "split %zu: %zu bytes, one run %zu", c, got.len, want.len);
        cr_assert(memcmp(got.data, want.data, want.len) == 0, "split %zu differs", c);
        slant_buffer_release(&got);
        for (int k = 0; k < 3; k++)
            auditp_free(sh[k]);
        auditp_free(m);
    }
    slant_buffer_release(&want);
    auditp_free(one);
}

Test(audit, partial_file_round_trips_and_rejects_damage)
{
    auditp *a = hand_audit();
    add_range(a, 0, 500, 5);
    char *dir = th_mkdtemp(), *path = th_path(dir, "p.slaud");
    auditp_progress pr = {0};
    char input[] = "x.jsonl", last[] = "doc-499";
    char *inputs[] = {input};
    pr.ninputs = 1;
    pr.inputs = inputs;
    pr.offset = 1234;
    pr.last_id = last;
    slant_error err;
    cr_assert_eq(auditp_save(a, &pr, path, &err), SLANT_OK);
    auditp_progress back;
    auditp *b = auditp_load(path, &back, &err);
    cr_assert_not_null(b, "%s", err.text);
    cr_assert_eq(back.ninputs, 1);
    cr_assert_str_eq(back.inputs[0], "x.jsonl");
    cr_assert_str_eq(back.last_id, "doc-499");
    cr_assert_eq(back.offset, 1234);
    slant_buffer x = saved(a), y = saved(b);
    cr_assert(x.len == y.len && memcmp(x.data, y.data, x.len) == 0, "reload changed the bytes");
    /* every truncation and a flipped byte are refused, never crash */
    size_t n;
    char *bytes = th_read(path, &n);
    char *cut = th_path(dir, "cut.slaud");
    for (size_t k = 0; k < n; k += 1 + n / 200) {
        th_write(cut, bytes, k);
        cr_assert_null(auditp_load(cut, NULL, &err), "a file cut at %zu loaded", k);
        cr_assert_eq(err.code, SLANT_EFORMAT, "cut at %zu: %s", k, err.text);
    }
    bytes[n / 2] ^= 0x40;
    th_write(cut, bytes, n);
    cr_assert_null(auditp_load(cut, NULL, &err));
    cr_assert(strstr(err.text, "checksum") != NULL, "%s", err.text);
    free(bytes);
    free(cut);
    slant_buffer_release(&x);
    slant_buffer_release(&y);
    auditp_progress_release(&back);
    auditp_free(a);
    auditp_free(b);
    th_rmdir(dir);
    free(path);
    free(dir);
}

Test(audit, memory_is_bounded_by_groups_and_phrases_not_documents)
{
    auditp *a = hand_audit();
    add_range(a, 0, 2000, 4);
    size_t entries = 0, ids = a->ids_live, cells = 0;
    for (size_t i = 0; i < a->ndims; i++) {
        cells += a->dims[i].ncells;
        for (size_t c = 0; c < a->dims[i].ncells; c++)
            entries += a->dims[i].cells[c]->tab_n;
    }
    /* ten times the documents over the same groups and phrases */
    add_range(a, 2000, 20000, 4);
    size_t entries2 = 0, cells2 = 0;
    for (size_t i = 0; i < a->ndims; i++) {
        cells2 += a->dims[i].ncells;
        for (size_t c = 0; c < a->dims[i].ncells; c++)
            entries2 += a->dims[i].cells[c]->tab_n;
    }
    cr_assert_eq(a->ndocs, 20000);
    cr_assert_eq(cells2, cells, "no new group");
    cr_assert_eq(entries2, entries, "no new phrase entry");
    /* ids are kept only as examples: at most one per example slot */
    size_t slots = 0;
    for (size_t i = 0; i < a->ndims; i++)
        for (size_t c = 0; c < a->dims[i].ncells; c++)
            slots += a->dims[i].cells[c]->nex + a->dims[i].cells[c]->tab_n;
    cr_assert_leq(a->ids_live, slots);
    cr_assert_leq(a->ids_live, ids + slots, "ids grow with documents");
    cr_assert_lt(a->ids_live, 2000, "%zu ids kept for 20000 documents", a->ids_live);
    auditp_free(a);
}

/* Documents whose phrases spread over all 1000 features, in 2 groups. */
static void add_wide(auditp *a, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        char id[32], src[32], month[16];
        unsigned char prob[20], pred[5], feat[160], surf[64];
        size_t sl;
        auditp_doc d;
        synth_doc(i, 2, id, src, month, prob, pred, feat, surf, &sl, &d);
        for (uint32_t k = 0; k < 20; k++) {
            uint32_t fid = (i * 131 + k * 47) % 1000, count = 1 + k % 2;  /* 20 distinct */
            memcpy(feat + 8 * k, &fid, 4);
            memcpy(feat + 8 * k + 4, &count, 4);
        }
        d.nfeat = 20;
        cr_assert_eq(auditp_add(a, &d), 0);
    }
}

static int any_direct(const auditp *a)
{
    int direct = 0;
    for (size_t i = 0; i < a->ndims; i++)
        for (size_t c = 0; c < a->dims[i].ncells; c++)
            direct |= a->dims[i].cells[c]->direct;
    return direct;
}

Test(audit, groups_using_most_phrases_get_direct_tables_and_the_same_bytes)
{
    auditp *one = hand_audit();
    add_wide(one, 0, 3000);
    cr_assert(any_direct(one), "a group with every phrase should have a direct table");
    slant_buffer want = saved(one);
    auditp *small = hand_audit(), *big = hand_audit();
    add_wide(small, 0, 10);
    add_wide(big, 10, 3000);
    cr_assert(!any_direct(small) && any_direct(big));
    /* hashed into direct, and direct into hashed (which then turns direct) */
    auditp *m1 = hand_audit(), *m2 = hand_audit();
    cr_assert_eq(auditp_merge(m1, small), 0);
    cr_assert_eq(auditp_merge(m1, big), 0);
    cr_assert_eq(auditp_merge(m2, big), 0);
    cr_assert_eq(auditp_merge(m2, small), 0);
    slant_buffer g1 = saved(m1), g2 = saved(m2);
    cr_assert(g1.len == want.len && memcmp(g1.data, want.data, want.len) == 0);
    cr_assert(g2.len == want.len && memcmp(g2.data, want.data, want.len) == 0);
    /* and a direct table read back from a partial file */
    slant_error err;
    auditp *back = auditp_load_bytes(want.data, want.len, NULL, "test", &err);
    cr_assert_not_null(back, "%s", err.text);
    cr_assert(any_direct(back));
    slant_buffer g3 = saved(back);
    cr_assert(g3.len == want.len && memcmp(g3.data, want.data, want.len) == 0);
    slant_buffer_release(&want);
    slant_buffer_release(&g1);
    slant_buffer_release(&g2);
    slant_buffer_release(&g3);
    auditp_free(one);
    auditp_free(small);
    auditp_free(big);
    auditp_free(m1);
    auditp_free(m2);
    auditp_free(back);
}

Test(audit, bad_dates_and_missing_fields_are_counted_not_dropped)
{
    auditp *a = hand_audit();
    add_range(a, 0, 1000, 3);
    const auditp_dim *t = NULL;
    for (size_t i = 0; i < a->ndims; i++)
        if (a->dims[i].kind == AUDIT_DIM_TIME)
            t = &a->dims[i];
    cr_assert_not_null(t);
    uint64_t total = 0, unknown = 0;
    for (size_t c = 0; c < t->ncells; c++) {
        total += t->cells[c]->ndocs;
        if (strcmp(t->cells[c]->key, AUDIT_UNKNOWN) == 0)
            unknown = t->cells[c]->ndocs;
    }
    cr_assert_eq(total, 1000, "every document is in some period");
    cr_assert_gt(unknown, 0);
    cr_assert_eq(a->nfailed, 11);
    cr_assert_eq(a->nrecords, 1011);
    auditp_free(a);
}

/* ======================================================== the command */

static char *cdir;

static void cli_setup(void) { cdir = th_mkdtemp(); }

static void cli_teardown(void)
{
    th_rmdir(cdir);
    free(cdir);
}

TestSuite(audit_cli, .init = cli_setup, .fini = cli_teardown, .timeout = 300);

/* A corpus of n records: four outlets whose wording differs, dates over
 * six months (some missing or unreadable), a few malformed lines when
 * 'bad'. Records [from, to) only, so that shards can be cut from it. */
static char *corpus_text(unsigned from, unsigned to, int bad)
{
    static const char *const outlets[] = {"Daily Courier", "State Voice", "Farm Wire", "Metro Post"};
    static const char *const phrases[] = {
        "the Israeli regime and its occupation forces attacked",
        "Israel said the military operation would continue",
        "ten shocking facts doctors do not want you to know about vaccines",
        "the city council voted on the new budget for schools and hospitals"};
    static const char *const common[] = {
        "officials said on Tuesday", "the economy grew faster than expected",
        "prices of food and fuel rose again", "police arrested two suspects after the attack",
        "the court ruled against the government", "voters will go to the polls next month"};
    slant_buffer b = {0};
    char line[2048];
    for (unsigned i = from; i < to; i++) {
        unsigned x = i * 2654435761u, o = (x >> 5) % 4;
        const char *date = (x >> 9) % 17 == 0 ? "someday" : NULL;
        char d[16];
        if (!date) {
            snprintf(d, sizeof d, "2024-%02u-%02u", 1 + (x >> 11) % 6, 1 + (x >> 15) % 28);
            date = d;
        }
        int n = snprintf(line, sizeof line,
                         "{\"id\":\"n%u\",\"source\":\"%s\",\"date\":\"%s\",\"text\":\"%s. %s. "
                         "%s, and %s. %s.\"}\n",
                         i, outlets[o], date, phrases[o], common[x % 6], common[(x >> 3) % 6],
                         phrases[o], common[(x >> 7) % 6]);
        slant_buffer_write(&b, line, (size_t)n);
        if (bad && i % 50 == 7)
            slant_buffer_write(&b, "{\"id\":\"broken\",\"text\":\n", 23);
    }
    slant_buffer_write(&b, "", 1);
    return b.data;
}

static char *write_corpus(const char *name, unsigned from, unsigned to, int bad)
{
    char *path = th_path(cdir, name), *text = corpus_text(from, to, bad);
    th_write(path, text, strlen(text));
    free(text);
    return path;
}

static int run_slant(const char *const *argv, char **err)
{
    char *out;
    int st = th_run(argv, NULL, &out, err);
    free(out);
    return st;
}

static const char *const outputs[] = {"summary.json", "groups.csv", "labels.csv", "phrases.csv",
                                      "examples.csv", "report.html"};

static void assert_same_outputs(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        char *pa = th_path(a, outputs[i]), *pb = th_path(b, outputs[i]);
        size_t na, nb;
        char *x = th_read(pa, &na), *y = th_read(pb, &nb);
        cr_assert(x && y, "%s missing", outputs[i]);
        cr_assert(na == nb && memcmp(x, y, na) == 0, "%s differs between %s and %s", outputs[i],
                  a, b);
        free(x);
        free(y);
        free(pa);
        free(pb);
    }
}

static char *out_dir(const char *name)
{
    return th_path(cdir, name);
}

Test(audit_cli, three_shards_merged_give_the_bytes_of_one_run)
{
    char *all = write_corpus("all.jsonl", 0, 600, 1);
    char *part[3] = {write_corpus("p1.jsonl", 0, 130, 1), write_corpus("p2.jsonl", 130, 131, 1),
                     write_corpus("p3.jsonl", 131, 600, 1)};
    char *one = out_dir("one"), *s[3] = {out_dir("s1"), out_dir("s2"), out_dir("s3")};
    char *merged = out_dir("merged"), *err;
    int st = run_slant((const char *[]){"audit", "-j", "2", "--by", "source", "--time",
                                        "date:month", "--out", one, all, NULL}, &err);
    cr_assert_eq(st, 1, "bad lines make the status 1: %s", err);
    cr_assert(strstr(err, "documents, 12 failed") != NULL, "%s", err);
    free(err);
    for (int k = 0; k < 3; k++) {
        st = run_slant((const char *[]){"audit", "--by", "source", "--time", "date:month",
                                        "--out", s[k], part[k], NULL}, &err);
        cr_assert(st == 0 || st == 1, "%s", err);
        free(err);
    }
    /* in another order than the input's */
    st = run_slant((const char *[]){"audit", "merge", "--out", merged, s[2], s[0], s[1], NULL},
                   &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    assert_same_outputs(one, merged);
    /* and 'audit report' renders the same bytes again */
    char *again = out_dir("again");
    st = run_slant((const char *[]){"audit", "report", "--out", again, one, NULL}, &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    assert_same_outputs(one, again);
    free(again);
    for (int k = 0; k < 3; k++)
        free(part[k]), free(s[k]);
    free(all);
    free(one);
    free(merged);
}

Test(audit_cli, a_run_killed_then_resumed_gives_the_bytes_of_an_uninterrupted_one)
{
    char *in = write_corpus("c.jsonl", 0, 500, 1);
    char *one = out_dir("one"), *err;
    int st = run_slant((const char *[]){"audit", "--by", "source", "--time", "date:week",
                                        "--out", one, in, NULL}, &err);
    cr_assert_eq(st, 1, "%s", err);
    free(err);
    /* killed at several places: before the first checkpoint, between
     * checkpoints, right on one; then resumed, once or twice */
    static const char *const kill_at[][2] = {{"7", NULL}, {"130", "333"}, {"100", NULL},
                                             {"499", NULL}};
    for (size_t k = 0; k < sizeof kill_at / sizeof kill_at[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "r%zu", k);
        char *dir = out_dir(name);
        for (int step = 0; step < 2 && kill_at[k][step]; step++) {
            setenv("SLANT_AUDIT_FAULT_AFTER", kill_at[k][step], 1);
            st = run_slant((const char *[]){"audit", "--resume", "--checkpoint", "50", "--by",
                                            "source", "--time", "date:week", "--out", dir, in,
                                            NULL}, &err);
            unsetenv("SLANT_AUDIT_FAULT_AFTER");
            cr_assert_eq(st, 137, "the fault hook did not fire at %s: %s", kill_at[k][step], err);
            free(err);
        }
        st = run_slant((const char *[]){"audit", "--resume", "--checkpoint", "50", "--by",
                                        "source", "--time", "date:week", "--out", dir, in,
                                        NULL}, &err);
        cr_assert_eq(st, 1, "%s", err);
        free(err);
        assert_same_outputs(one, dir);
        free(dir);
    }
    /* without --resume an audit in place is refused */
    st = run_slant((const char *[]){"audit", "--by", "source", "--out", one, in, NULL}, &err);
    cr_assert_eq(st, 1);
    cr_assert(strstr(err, "--resume") != NULL, "%s", err);
    free(err);
    free(in);
    free(one);
}

/* Checkpoints are merged and saved on a thread of their own while the
 * workers go on: many of them, on two workers, give the bytes of a run
 * with none. */
Test(audit_cli, many_checkpoints_on_two_workers_give_the_bytes_of_one_run)
{
    char *in = write_corpus("c.jsonl", 0, 500, 1);
    char *one = out_dir("one"), *many = out_dir("many"), *err;
    int st = run_slant((const char *[]){"audit", "-j", "1", "--by", "source", "--time",
                                        "date:week", "--out", one, in, NULL}, &err);
    cr_assert_eq(st, 1, "%s", err);
    free(err);
    st = run_slant((const char *[]){"audit", "-j", "2", "--checkpoint", "7", "--by", "source",
                                    "--time", "date:week", "--out", many, in, NULL}, &err);
    cr_assert_eq(st, 1, "%s", err);
    free(err);
    assert_same_outputs(one, many);
    free(in);
    free(one);
    free(many);
}

typedef struct progress_seen {
    int calls;
    slant_audit_progress first, last;
} progress_seen;

static void note_progress(void *ctx, const slant_audit_progress *p)
{
    progress_seen *s = ctx;
    if (!s->calls++)
        s->first = *p;
    s->last = *p;
}

/* A resumed run reports the inputs before its checkpoint as read, so that
 * its share done and ETA are right (they counted from zero). */
Test(audit_cli, a_resumed_run_reports_progress_from_its_checkpoint)
{
    char *in = write_corpus("c.jsonl", 0, 300, 0), *dir = out_dir("r"), *err;
    setenv("SLANT_AUDIT_FAULT_AFTER", "120", 1);
    int st = run_slant((const char *[]){"audit", "--checkpoint", "50", "--by", "source", "--time",
                                        "date:month", "--out", dir, in, NULL}, &err);
    unsetenv("SLANT_AUDIT_FAULT_AFTER");
    cr_assert_eq(st, 137, "%s", err);
    free(err);
    size_t n, upto = 0;
    char *bytes = th_read(in, &n);
    for (int lines = 0; lines < 100; upto++)     /* the checkpoint is after record 100 */
        lines += bytes[upto] == '\n';
    free(bytes);
    slant_error e;
    slant_model *m = slant_model_load("models/default.slant", &e);
    cr_assert_not_null(m, "%s", e.text);
    slant_audit_options o;
    slant_audit_options_init(&o);
    const char *by[] = {"source"};
    o.by = by, o.nby = 1;
    o.time_field = "date", o.time_unit = "month";
    o.model_path = "models/default.slant";
    o.resume = 1;
    o.checkpoint = 50;
    progress_seen seen = {0};
    o.progress = note_progress;
    o.ctx = &seen;
    slant_audit_summary s;
    cr_assert_eq(slant_audit_run(m, (const char *[]){in}, 1, dir, &o, &s, &e), SLANT_OK, "%s",
                 e.text);
    cr_assert_eq(s.records_this_run, 200);
    cr_assert_eq(seen.first.records, 100, "first report: %llu records", seen.first.records);
    cr_assert_eq(seen.first.bytes_done, upto, "first report: %llu bytes done, the checkpoint is "
                 "at %zu", seen.first.bytes_done, upto);
    cr_assert_eq(seen.last.bytes_done, n, "last report: %llu of %zu bytes", seen.last.bytes_done, n);
    cr_assert_eq(seen.last.bytes_total, n);
    slant_model_free(m);
    free(in);
    free(dir);
}

Test(audit_cli, usage_errors_exit_2)
{
    char *in = write_corpus("c.jsonl", 0, 5, 0), *out = out_dir("o");
    const char *const *cases[] = {
        (const char *[]){"audit", in, NULL},
        (const char *[]){"audit", "--out", out, NULL},
        (const char *[]){"audit", "--out", out, "--time", "date", in, NULL},
        (const char *[]){"audit", "--out", out, "--time", "date:fortnight", in, NULL},
        (const char *[]){"audit", "--out", out, "-j", "0", in, NULL},
        (const char *[]){"audit", "--out", out, "--checkpoint", "x", in, NULL},
        (const char *[]){"audit", "--out", out, "--frobnicate", in, NULL},
        (const char *[]){"audit", "merge", "s1", NULL},
        (const char *[]){"audit", "report", NULL},
        (const char *[]){"audit", "report", "a", "b", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err;
        int st = run_slant(cases[i], &err);
        cr_expect_eq(st, 2, "case %zu: status %d, %s", i, st, err);
        cr_expect(strstr(err, "usage: slant audit") != NULL, "case %zu: %s", i, err);
        free(err);
    }
    free(in);
    free(out);
}

Test(audit_cli, bad_lines_are_counted_and_outputs_are_complete_files)
{
    char *in = write_corpus("c.jsonl", 0, 120, 1), *out = out_dir("o"), *err;
    int st = run_slant((const char *[]){"audit", "--by", "source", "--by", "nosuchfield",
                                        "--time", "date:day", "--out", out, in, NULL}, &err);
    cr_assert_eq(st, 1, "%s", err);
    cr_assert(strstr(err, "c.jsonl:9:") != NULL, "the bad line is named: %s", err);
    free(err);
    char *sp = th_path(out, "summary.json");
    size_t n;
    char *summary = th_read(sp, &n);
    cr_assert(strstr(summary, "\"records\":123") != NULL, "120 documents and 3 bad lines");
    cr_assert(strstr(summary, "\"failed\":3") != NULL);
    cr_assert(strstr(summary, "\"group\":\"(missing)\"") != NULL, "a missing field is a group");
    cr_assert(strstr(summary, "\"period\":\"unknown\"") != NULL, "bad dates are a period");
    free(summary);
    free(sp);
    /* only the finished files: no temporary left behind */
    DIR *d = opendir(out);
    struct dirent *e;
    size_t nfiles = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            cr_assert(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0,
                      "left behind: %s", e->d_name);
        else
            nfiles++;
    }
    closedir(d);
    cr_assert_eq(nfiles, 7, "partial.slaud and six renders");
    free(in);
    free(out);
}

static const char *chromium(void)
{
    static const char *const names[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                        "/usr/bin/google-chrome"};
    for (size_t i = 0; i < 3; i++)
        if (access(names[i], X_OK) == 0)
            return names[i];
    return NULL;
}

/* Render report.html in 'out' to a PNG of 'height' pixels with headless
 * Chromium, and keep a copy at 'keep' (beside the build, for eyes). */
static void screenshot(const char *browser, const char *out, int height, const char *keep)
{
    char *png = th_path(cdir, "report.png"), cmd[8192];
    snprintf(cmd, sizeof cmd, "timeout 120 %s --headless --no-sandbox --disable-gpu "
             "--hide-scrollbars --screenshot='%s' --window-size=1200,%d 'file://%s/report.html' "
             ">/dev/null 2>&1", browser, png, height, out);
    cr_assert_eq(system(cmd), 0, "chromium failed: %s", cmd);
    size_t n;
    char *bytes = th_read(png, &n);
    cr_assert(bytes && n > 20000 && memcmp(bytes, "\x89PNG", 4) == 0, "no screenshot (%zu bytes)", n);
    mkdir("build", 0777);
    th_write(keep, bytes, n);
    free(bytes);
    free(png);
}

/* report.html opened in a real browser: headless Chromium renders it to
 * a PNG (look at build/audit-report.png). Skipped without chromium. */
Test(audit_cli, the_report_renders_in_headless_chromium)
{
    const char *browser = chromium();
    if (!browser)
        cr_skip_test("no chromium (apt-get install chromium)");
    char *in = write_corpus("c.jsonl", 0, 400, 1), *out = out_dir("o"), *err;
    int st = run_slant((const char *[]){"audit", "--by", "source", "--time", "date:month",
                                        "--out", out, in, NULL}, &err);
    cr_assert_eq(st, 1, "%s", err);
    free(err);
    screenshot(browser, out, 2400, "build/audit-report.png");
    free(in);
    free(out);
}

/* The same with slant trace's families (the test set of copies and
 * rewrites): the whole page, its provenance section near the end (look
 * at build/audit-report-trace.png). */
Test(audit_cli, the_report_with_a_trace_renders_in_headless_chromium)
{
    const char *browser = chromium();
    if (!browser)
        cr_skip_test("no chromium (apt-get install chromium)");
    char *tr = out_dir("trace"), *out = out_dir("o"), *err;
    const char *set = "tests/data/trace/set.jsonl";
    int st = run_slant((const char *[]){"trace", "--out", tr, set, NULL}, &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    st = run_slant((const char *[]){"audit", "-q", "--by", "source", "--trace", tr, "--out", out,
                                    set, NULL}, &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    char *rp = th_path(out, "report.html");
    size_t n;
    char *html = th_read(rp, &n);
    cr_assert(html && strstr(html, "<h2 id=provenance>") != NULL);
    free(html);
    free(rp);
    screenshot(browser, out, 14000, "build/audit-report-trace.png");
    free(tr);
    free(out);
}

/* The public API of slant_audit.h as its usage comment shows it: runs,
 * a refused second run in place, a merge and a report, in process. */
Test(audit_cli, the_public_api_runs_merges_and_reports)
{
    slant_error err;
    slant_model *m = slant_model_load("models/default.slant", &err);
    cr_assert_not_null(m, "%s", err.text);
    char *a = write_corpus("a.jsonl", 0, 80, 0), *b = write_corpus("b.jsonl", 80, 200, 0);
    char *da = out_dir("da"), *db = out_dir("db"), *dm = out_dir("merged");
    slant_audit_options o;
    slant_audit_options_init(&o);
    const char *by[] = {"source"};
    o.by = by, o.nby = 1;
    o.time_field = "date", o.time_unit = "year";
    o.model_path = "models/default.slant";
    slant_audit_summary s;
    cr_assert_eq(slant_audit_run(m, (const char *[]){a}, 1, da, &o, &s, &err), SLANT_OK, "%s",
                 err.text);
    cr_assert_eq(s.documents, 80);
    cr_assert_eq(s.groups, 4);
    cr_assert_str_eq(s.grouping, "source");
    cr_assert_eq(slant_audit_run(m, (const char *[]){a}, 1, da, &o, &s, &err), SLANT_EINVAL);
    cr_assert(strstr(err.text, "resume") != NULL, "%s", err.text);
    cr_assert_eq(slant_audit_run(m, (const char *[]){b}, 1, db, &o, &s, &err), SLANT_OK);
    cr_assert_eq(slant_audit_merge(m, (const char *[]){da, db}, 2, dm, &o, &s, &err), SLANT_OK,
                 "%s", err.text);
    cr_assert_eq(s.documents, 200);
    cr_assert_eq(slant_audit_report(m, dm, NULL, &o, &err), SLANT_OK, "%s", err.text);
    o.time_unit = "fortnight";
    char *dx = out_dir("x");
    cr_assert_eq(slant_audit_run(m, (const char *[]){a}, 1, dx, &o, &s, &err), SLANT_EINVAL);
    slant_model_free(m);
    free(a), free(b), free(da), free(db), free(dm), free(dx);
}
