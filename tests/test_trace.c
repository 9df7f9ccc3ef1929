/* test_trace.c - shingle.c, wdiff.c, relation.c and trace.c: signatures,
 * alignment, relations, and families on the planted test set
 * (tests/data/trace/set.jsonl, built by make_set.py from the team's stories). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "trace_private.h"

#ifndef TRACE_SET
#define TRACE_SET "tests/data/trace/set.jsonl"
#endif

/* ---------------------------------------------------------------- units */

static size_t set_of(const char *text, uint64_t **set, size_t *cap)
{
    tracep_words w = {0};
    cr_assert_eq(tracep_words_of(&w, text, strlen(text)), 0);
    size_t n = tracep_shingle_set(&w, set, cap);
    tracep_words_release(&w);
    return n;
}

Test(trace, shingles_see_the_classifiers_normalized_words)
{
    uint64_t *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    size_t na = set_of("The Prime Minister said on Tuesday", &a, &ca);
    size_t nb = set_of("the PRIME minister  said, on tuesday!", &b, &cb);
    cr_assert_eq(na, 3);
    cr_assert_eq(nb, 3);
    cr_assert_eq(tracep_intersect(a, na, b, nb), 3);
    nb = set_of("The Top Minister said on Tuesday", &b, &cb);
    cr_assert_eq(tracep_intersect(a, na, b, nb), 1, "only 'minister said on tuesday' survives");
    cr_assert_eq(set_of("two words", &a, &ca), 1, "short texts give one shingle");
    cr_assert_eq(set_of("  ...  ", &a, &ca), 0);
    free(a);
    free(b);
}

Test(trace, minhash_agreement_estimates_jaccard)
{
    /* two sets sharing half their elements: Jaccard 1/3 */
    enum { N = 3000 };
    uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    for (size_t i = 0; i < N; i++) {
        a[i] = tracep_mix(i + 1);
        b[i] = tracep_mix(i < N / 2 ? i + 1 : i + 1000000);
    }
    uint32_t sa[TRACEP_BINS], sb[TRACEP_BINS], sc[TRACEP_BINS];
    tracep_minhash(a, N, sa);
    tracep_minhash(b, N, sb);
    tracep_minhash(a, N, sc);
    int agree = 0;
    for (int k = 0; k < TRACEP_BINS; k++)
        agree += sa[k] == sb[k];
    cr_assert(agree >= 10 && agree <= 34, "agreement %d of 64 for Jaccard 1/3", agree);
    cr_assert(memcmp(sa, sc, sizeof sa) == 0, "same set, same signature");
    free(a);
    free(b);
}

Test(trace, diff_finds_the_minimal_hunks)
{
    static const struct {
        const char *a, *b;
        size_t nhunks;
        tracep_hunk first;
    } cases[] = {
        {"abcdef", "abcdef", 0, {0, 0, 0, 0}},
        {"abcdef", "abXdef", 1, {2, 1, 2, 1}},
        {"abcdef", "abdef", 1, {2, 1, 2, 0}},
        {"abcdef", "abcXYdef", 1, {3, 0, 3, 2}},
        {"abcdef", "XabcdefY", 2, {0, 0, 0, 1}},
        {"", "abc", 1, {0, 0, 0, 3}},
    };
    tracep_diff d = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t a[16], b[16];
        size_t n = strlen(cases[i].a), m = strlen(cases[i].b);
        for (size_t k = 0; k < n; k++)
            a[k] = (uint64_t)cases[i].a[k];
        for (size_t k = 0; k < m; k++)
            b[k] = (uint64_t)cases[i].b[k];
        cr_assert_eq(tracep_diff_run(&d, a, n, b, m, 100), 0);
        cr_assert_eq(d.n, cases[i].nhunks, "case %zu: %zu hunks", i, d.n);
        if (d.n)
            cr_assert(memcmp(&d.v[0], &cases[i].first, sizeof d.v[0]) == 0,
                      "case %zu: hunk %u+%u %u+%u", i, d.v[0].a_pos, d.v[0].a_len,
                      d.v[0].b_pos, d.v[0].b_len);
    }
    uint64_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {9, 10, 11, 12, 13, 14, 15, 16};
    cr_assert_eq(tracep_diff_run(&d, x, 8, y, 8, 5), 1, "more edits than allowed");
    tracep_diff_release(&d);
}

/* ---------------------------------------------------------------- relations */

#define ORIG                                                                              \
    "LONDON, March 3 (Wire) - Prime Minister Ada Holm said on Tuesday the government "    \
    "would cut fuel duty by 5 pence from April, a move the Treasury said would cost "     \
    "1.2 billion pounds a year.\n"                                                        \
    "Opposition leader Rhys Tamm called the cut a pre-election gimmick and said it "     \
    "would do little for households facing higher energy bills this winter.\n"          \
    "The Office for Budget Responsibility will publish its forecast next week.\n"

static enum slant_relation relate(const char *o, const char *v, size_t *nsubs)
{
    tracep_words ow = {0}, vw = {0};
    tracep_diff d = {0};
    tracep_version out;
    cr_assert_eq(tracep_words_of(&ow, o, strlen(o)), 0);
    cr_assert_eq(tracep_words_of(&vw, v, strlen(v)), 0);
    cr_assert_eq(tracep_relate(o, &ow, v, strlen(v), &vw, 1.0, &d, &out), 0);
    enum slant_relation r = out.info.relation;
    *nsubs = out.info.nsubstitutions;
    for (size_t k = 0; k < *nsubs; k++)
        cr_assert(strcmp(out.subs[k].from, out.subs[k].to) != 0);
    tracep_version_release(&out);
    tracep_words_release(&ow);
    tracep_words_release(&vw);
    tracep_diff_release(&d);
    return r;
}

Test(trace, relations_of_planted_versions)
{
    static const struct {
        const char *version;
        enum slant_relation want;
        size_t nsubs;
    } cases[] = {
        {ORIG, SLANT_REL_VERBATIM, 0},
        {"Share this: Facebook | X | Email\n" ORIG "Read more | Tags: fuel, duty\n"
         "(c) Newzora 2024 | Privacy Policy | Terms of Use\n",
         SLANT_REL_FURNITURE, 0},
        {"LONDON, March 3 (Wire) - Top Minister Ada Holm stated on Tuesday the authority "
         "would cut fuel obligation by 5 pence from April, a move the Exchequer said would cost "
         "1.2 billion pounds a year.\n"
         "Opposition boss Rhys Tamm called the cut a pre-election gimmick and said it "
         "would do little for households facing higher power bills this winter.\n"
         "The Office for Budget Responsibility will publish its forecast next week.\n",
         SLANT_REL_SPUN, 7},
        {"LONDON, March 3 (Wire) - Prime Minister Ada Holm said on Tuesday the government "
         "would cut fuel duty by 5 pence from April, a move the Treasury said would cost "
         "1.2 billion pounds a year.\n"
         "Ada Holm told reporters in London the cut would be reviewed in the autumn budget.\n"
         "The Office for Budget Responsibility will publish its forecast next week.\n",
         SLANT_REL_EDITED, 0},
        {"Fuel Duty Cut: Everything You Need To Know\n"
         "In today's fast-paced world, fuel prices matter. Ada Holm stated the government "
         "would cut fuel duty by 5 pence. Additionally, Rhys Tamm called it a gimmick.\n"
         "Key Takeaways\n- The cut costs 1.2 billion pounds a year.\n"
         "In conclusion, stay tuned for updates on this story.\n",
         SLANT_REL_REWRITTEN, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t nsubs;
        enum slant_relation r = relate(ORIG, cases[i].version, &nsubs);
        cr_assert_eq(r, cases[i].want, "case %zu: %s, want %s", i, slant_trace_relation_name(r),
                     slant_trace_relation_name(cases[i].want));
        if (cases[i].want == SLANT_REL_SPUN)
            cr_assert_eq(nsubs, cases[i].nsubs, "case %zu: %zu substitutions", i, nsubs);
    }
}

/* ---------------------------------------------------------------- the planted set */

typedef struct gold {
    char family[64];
    char relation[16];
} gold;

static slant_trace *trace_set(gold **golds, size_t *n)
{
    FILE *f = fopen(TRACE_SET, "r");
    cr_assert(f != NULL, "cannot open %s", TRACE_SET);
    slant_trace_options o;
    slant_trace_options_init(&o);
    o.threads = 2;
    if (getenv("TRACE_THRESHOLD"))
        o.threshold = atof(getenv("TRACE_THRESHOLD"));
    slant_error err;
    slant_trace *t = slant_trace_new(&o, &err);
    cr_assert(t != NULL);
    char line[1 << 16];
    size_t cap = 0;
    *n = 0;
    *golds = NULL;
    while (fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, NULL);
        cr_assert(r != NULL);
        slant_trace_doc d = {.id = json_string_value(json_object_get(r, "id")),
                             .text = json_string_value(json_object_get(r, "text")),
                             .date = json_string_value(json_object_get(r, "date"))};
        d.len = strlen(d.text);
        cr_assert_eq(slant_trace_add(t, &d, 1, &err), SLANT_OK);
        if (*n == cap)
            *golds = realloc(*golds, (cap = cap ? 2 * cap : 512) * sizeof **golds);
        snprintf((*golds)[*n].family, sizeof (*golds)[*n].family, "%s",
                 json_string_value(json_object_get(r, "family")));
        snprintf((*golds)[*n].relation, sizeof (*golds)[*n].relation, "%s",
                 json_string_value(json_object_get(r, "relation")));
        (*n)++;
        json_decref(r);
    }
    fclose(f);
    cr_assert_eq(slant_trace_run(t, &err), SLANT_OK);
    return t;
}

Test(trace, planted_families_are_found_with_precision_and_recall_over_095)
{
    gold *g;
    size_t n;
    slant_trace *t = trace_set(&g, &n);
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            int same = strcmp(g[i].family, g[j].family) == 0;
            int found = slant_trace_family_of(t, i) == slant_trace_family_of(t, j);
            tp += same && found;
            fp += !same && found;
            fn += same && !found;
        }
    double precision = (double)tp / (double)(tp + fp), recall = (double)tp / (double)(tp + fn);
    for (size_t i = 0; getenv("TRACE_DEBUG") && i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            int same = strcmp(g[i].family, g[j].family) == 0;
            int found = slant_trace_family_of(t, i) == slant_trace_family_of(t, j);
            if (same != found)
                cr_log_info("%s %s: %s %s", same ? "missed" : "false", slant_trace_id(t, i),
                            slant_trace_id(t, j), g[i].relation);
        }
    cr_log_info("trace families: precision %.4f recall %.4f (%zu docs, %zu families, "
                "%zu candidates, %zu links)", precision, recall, n, slant_trace_nfamilies(t),
                slant_trace_ncandidates(t), slant_trace_nlinks(t));
    cr_assert(precision >= 0.95, "family precision %.4f", precision);
    cr_assert(recall >= 0.95, "family recall %.4f", recall);
    slant_trace_free(t);
    free(g);
}

/* Relation of each non-original member of a found family against the gold
 * relation. A verbatim copy and its original cannot be told apart without
 * dates: either may be called the original. */
Test(trace, relations_on_the_planted_set_are_right_90_percent)
{
    gold *g;
    size_t n;
    slant_trace *t = trace_set(&g, &n);
    size_t right = 0, total = 0;
    size_t confusion[6][6] = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (strcmp(g[i].relation, "original") == 0)
            continue;
        total++;
        size_t f = slant_trace_family_of(t, i);
        size_t orig = slant_trace_family_member(t, f, 0);
        enum slant_relation got = slant_trace_relation(t, i);
        int want = 0;
        while (want < 6 && strcmp(slant_trace_relation_name((enum slant_relation)want),
                                  g[i].relation) != 0)
            want++;
        if (got == SLANT_REL_ORIGINAL && want == SLANT_REL_VERBATIM)
            got = SLANT_REL_VERBATIM;       /* it was picked, its twin is called verbatim */
        int orig_right = strcmp(g[orig].relation, "original") == 0 ||
                         (strcmp(g[orig].relation, "verbatim") == 0 &&
                          strcmp(g[orig].family, g[i].family) == 0);
        confusion[want][got]++;
        if (getenv("TRACE_DEBUG") && (int)got != want) {
            slant_trace_relation_info in;
            slant_trace_relation_get(t, i, &in);
            cr_log_info("%s want %s got %s: orig %s (%s) kept %.2f cont %.2f names %.2f "
                        "+%zu -%zu subs %zu", slant_trace_id(t, i), g[i].relation,
                        slant_trace_relation_name(got), slant_trace_id(t, orig),
                        g[orig].relation, in.kept, in.containment, in.names_kept,
                        in.words_added, in.words_removed, in.nsubstitutions);
        }
        right += orig_right && (int)got == want;
    }
    for (int w = 1; w < 6; w++)
        cr_log_info("trace relation %-10s -> %zu %zu %zu %zu %zu %zu",
                    slant_trace_relation_name((enum slant_relation)w), confusion[w][0],
                    confusion[w][1], confusion[w][2], confusion[w][3], confusion[w][4],
                    confusion[w][5]);
    double acc = (double)right / (double)total;
    cr_log_info("trace relations: accuracy %.4f (%zu of %zu)", acc, right, total);
    cr_assert(acc >= 0.9, "relation accuracy %.4f", acc);
    slant_trace_free(t);
    free(g);
}

/* ---------------------------------------------------------------- spin */

Test(trace, spin_flags_a_collocation_broken_by_a_synonym_only_where_the_phrase_is_absent)
{
    slant_error err;
    slant_spin_table *s = slant_spin_load("models/collocations.tsv", &err);
    cr_assert(s != NULL, "%s", err.text);
    cr_assert(slant_spin_ncollocations(s) > 1000);
    static const struct {
        const char *text;
        size_t hits;
        const char *found, *collocation;
    } cases[] = {
        {"The Top Minister met reporters.", 1, "Top Minister", "prime minister"},
        {"The Prime Minister met reporters; the Top Minister joke is old.", 0, NULL, NULL},
        {"A top official said the Prime Minister would stay.", 0, NULL, NULL},
        {"The Joined States and the White Home.", 2, "Joined States", "united states"},
        {"Top. Minister of nothing.", 0, NULL, NULL},          /* across a sentence end */
        {"", 0, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        slant_spin_hit hits[4];
        size_t n = slant_spin_scan(s, cases[i].text, strlen(cases[i].text), hits, 4, &err);
        cr_assert_eq(n, cases[i].hits, "case %zu: %zu hits", i, n);
        if (n) {
            cr_assert_str_eq(hits[0].found, cases[i].found, "case %zu", i);
            cr_assert_str_eq(hits[0].collocation, cases[i].collocation, "case %zu", i);
            cr_assert_eq(hits[0].end - hits[0].start, strlen(cases[i].found));
        }
    }
    slant_spin_free(s);
}

Test(trace, spin_table_errors_name_the_file_and_line)
{
    char *dir = th_mkdtemp(), *path = th_path(dir, "spin.tsv");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    static const char bad[] = "# slant collocations 1\nprime minister\t5\ttop\n";
    cr_assert_eq(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
    close(fd);
    slant_error err;
    cr_assert_null(slant_spin_load(path, &err));
    cr_assert_eq(err.code, SLANT_EFORMAT);
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(err.text, "malformed collocation line");
    FILE *f = fopen(path, "w");
    fputs("prime minister\t5\ttop\tpriest\n", f);
    fclose(f);
    cr_assert_null(slant_spin_load(path, &err));
    cr_assert_str_eq(err.text, "not a slant collocation table");
    th_rmdir(dir);
    free(path);
    free(dir);
}

/* A query is traced against the set: only its own family is formed. */
Test(trace, queries_pair_only_with_the_set)
{
    slant_error err;
    slant_trace *t = slant_trace_new(NULL, &err);
    slant_trace_doc d[4] = {
        {.id = "a", .text = ORIG, .len = sizeof ORIG - 1},
        {.id = "b", .text = ORIG, .len = sizeof ORIG - 1},
        {.id = "c", .text = "Something else entirely, about the weather in Lyon today.",
         .len = 57},
        {.id = "q", .text = "Share | Tweet\n" ORIG, .len = sizeof ORIG - 1 + 14, .query = 1},
    };
    cr_assert_eq(slant_trace_add(t, d, 4, &err), SLANT_OK);
    cr_assert_eq(slant_trace_run(t, &err), SLANT_OK);
    size_t f = slant_trace_family_of(t, 3);
    cr_assert_eq(slant_trace_family_size(t, f), 3, "a, b and the query");
    cr_assert_eq(slant_trace_relation(t, 3), SLANT_REL_FURNITURE);
    cr_assert_neq(slant_trace_family_of(t, 2), f);
    cr_assert_eq(slant_trace_run(t, &err), SLANT_EINVAL, "run once");
    slant_trace_free(t);
}

/* The hits slant_classify finds beside a classification against those
 * slant_spin_scan finds in the same text, and the scores with spin and
 * without, for one model. */
static void compare_spin(const slant_model *m, const slant_spin_table *s, const char *text,
                         const char *what)
{
    slant_error err;
    slant_workspace *ws = slant_workspace_new(m, &err), *plain = slant_workspace_new(m, &err);
    cr_assert(ws && plain, "%s", err.text);
    cr_assert_eq(slant_workspace_set_spin(ws, s, &err), SLANT_OK, "%s", err.text);
    const slant_result *r, *q;
    size_t len = strlen(text);
    cr_assert_eq(slant_classify(ws, text, len, &r, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slant_classify(plain, text, len, &q, &err), SLANT_OK, "%s", err.text);
    size_t max = len / 2 + 1;
    slant_spin_hit *want = calloc(max, sizeof *want);
    size_t n = slant_spin_scan(s, text, len, want, max, &err);
    cr_assert_eq(slant_result_nspin(r), n, "%s: %zu hits beside the classification, %zu scanned",
                 what, slant_result_nspin(r), n);
    for (size_t k = 0; k < n; k++) {
        const slant_spin_hit *got = slant_result_spin(r, k);
        cr_assert(got && got->start == want[k].start && got->end == want[k].end &&
                  strcmp(got->found, want[k].found) == 0 &&
                  strcmp(got->collocation, want[k].collocation) == 0,
                  "%s: hit %zu differs (%s)", what, k, want[k].found);
    }
    cr_assert_null(slant_result_spin(r, n));
    cr_assert_eq(slant_result_nspin(q), 0, "no table, no hits");
    for (size_t h = 0; h < slant_model_nheads(m); h++)
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++)
            cr_assert(slant_result_decision(r, h, l) == slant_result_decision(q, h, l) &&
                      slant_result_score(r, h, l) == slant_result_score(q, h, l),
                      "%s: spin changes no score", what);
    free(want);
    slant_workspace_free(ws);
    slant_workspace_free(plain);
}

/* Spin found from the classifier's own tokens and stem ids is the scan's,
 * hit for hit, on the planted set (spun copies and their originals) and
 * on texts made for the corners: case, sentence ends, words the model
 * does not know, non-ASCII words, URLs, the phrase itself elsewhere. Both
 * with the shipped model and a small one that knows few words. */
Test(trace, spin_beside_a_classification_is_the_scan_hit_for_hit)
{
    slant_error err;
    slant_spin_table *s = slant_spin_load("models/collocations.tsv", &err);
    cr_assert(s != NULL, "%s", err.text);
    slant_model *models[2] = {slant_model_load("models/default.slant", &err), th_train_small()};
    cr_assert(models[0] && models[1], "%s", err.text);
    static const char *const corners[] = {
        "The Top Minister met reporters.",
        "THE TOP MINISTER MET REPORTERS IN THE JOINED STATES.",
        "The Prime Minister met reporters; the Top Minister joke is old.",
        "Top. Minister of nothing. Joined\n\nStates.",
        "The Joined States and the White Home, the Whiteness House and the white house.",
        "Gaza Town and Gaza City; the Excellent Court and the Supreme Tribunal.",
        "The Tóp Minister, the Top Mínister, the Top Minister\xcc\x81 and the Top-Minister.",
        "See https://example.com/top Minister and www.top.example minister.",
        "Top Ministers, top ministerial, topped ministers, 1990 Joined 2020 States.",
        "",
        "Top",
    };
    size_t len;
    char *set = th_read(TRACE_SET, &len);
    cr_assert_not_null(set);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof corners / sizeof corners[0]; i++)
            compare_spin(models[k], s, corners[i], corners[i]);
        char *line = set;
        for (int count = 0; line && *line && count < 200; count++) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            json_t *rec = json_loads(line, 0, NULL);
            cr_assert(json_is_object(rec));
            compare_spin(models[k], s, json_string_value(json_object_get(rec, "text")),
                         json_string_value(json_object_get(rec, "id")));
            json_decref(rec);
            if (nl)
                *nl = '\n';
            line = nl ? nl + 1 : NULL;
        }
    }
    free(set);
    slant_model_free(models[0]);
    slant_model_free(models[1]);
    slant_spin_free(s);
}
