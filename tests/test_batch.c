/* test_batch.c - the batch engine (src/batch.c, src/input.c): results in
 * submission order for any thread count, the same results as classifying
 * one by one, failed documents in their place, stopping, reuse after
 * finish, and documents from files. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "helpers.h"
#include "slant_trace.h"

static slant_model *model;
static char *dir;

static void setup(void)
{
    model = th_train_small();
    dir = th_mkdtemp();
}

static void teardown(void)
{
    slant_model_free(model);
    th_rmdir(dir);
    free(dir);
}

TestSuite(batch, .init = setup, .fini = teardown);

/* What the callbacks saw, in the order on_output saw it. */
typedef struct seen {
    size_t n, failed;
    size_t index[4096];
    char id[4096][64];
    int id_is_number[4096];
    char out[4096][64];
    char error[4096][128];
    _Atomic int on_result_calls;
    _Atomic int workers_used;       /* a bit per worker */
    size_t stop_after;              /* on_output asks to stop after this many (0: never) */
} seen;

/* The document's best outlet type and its score, as on_result formats it. */
static void on_result(void *ctx, int worker, const slant_doc *d, const slant_result *r,
                      const slant_error *why, slant_buffer *out)
{
    seen *s = ctx;
    char line[64];
    atomic_fetch_add(&s->on_result_calls, 1);
    atomic_fetch_or(&s->workers_used, 1 << worker);
    int n = r ? snprintf(line, sizeof line, "%zu %.9f", slant_result_best(r, 0),
                         slant_result_score(r, 0, slant_result_best(r, 0)))
              : snprintf(line, sizeof line, "error %d", why->code);
    (void)d;
    slant_buffer_write(out, line, (size_t)n);
}

static int on_output(void *ctx, const slant_doc *d, const slant_error *why, const char *bytes,
                     size_t len)
{
    seen *s = ctx;
    cr_assert_lt(s->n, 4096);
    s->index[s->n] = d->index;
    snprintf(s->id[s->n], sizeof s->id[0], "%.60s", d->id ? d->id : "(null)");
    s->id_is_number[s->n] = d->id_is_number;
    snprintf(s->out[s->n], sizeof s->out[0], "%.*s", (int)len, bytes);
    snprintf(s->error[s->n], sizeof s->error[0], "%.100s", why ? why->text : "");
    s->failed += why != NULL;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static slant_batch *new_batch(seen *s, int threads)
{
    slant_batch_options o;
    slant_error err;
    slant_batch_options_init(&o);
    o.threads = threads;
    o.on_result = on_result;
    o.on_output = on_output;
    o.ctx = s;
    slant_batch *b = slant_batch_new(model, &o, &err);
    cr_assert_not_null(b, "%s", err.text);
    return b;
}

static const char *const texts[] = {
    "Officials said on Tuesday, according to a statement from the ministry.",
    "They LIED to us! Share this before they delete it.",
    "The minister praised the resounding triumph of the people's great plan.",
    "Farmers say the new quota will cost the villages their winter catch.",
};

/* What classifying text i on its own gives. */
static void expected(size_t i, char *buf, size_t size)
{
    slant_error err;
    const slant_result *r;
    slant_workspace *ws = slant_workspace_new(model, &err);
    const char *t = texts[i % 4];
    cr_assert_eq(slant_classify(ws, t, strlen(t), &r, &err), SLANT_OK);
    snprintf(buf, size, "%zu %.9f", slant_result_best(r, 0),
             slant_result_score(r, 0, slant_result_best(r, 0)));
    slant_workspace_free(ws);
}

Test(batch, results_come_in_submission_order_and_match_one_by_one_for_any_thread_count)
{
    char want[4][64];
    for (size_t i = 0; i < 4; i++)
        expected(i, want[i], sizeof want[i]);
    for (int threads = 1; threads <= 4; threads++) {
        seen *s = calloc(1, sizeof *s);
        slant_batch *b = new_batch(s, threads);
        slant_error err;
        for (size_t i = 0; i < 1500; i++) {
            const char *t = texts[i % 4];
            cr_assert_eq(slant_batch_submit(b, SLANT_DOC_TEXT, t, strlen(t), "mem", 0, -1, &err),
                         SLANT_OK);
        }
        cr_assert_eq(slant_batch_finish(b, &err), SLANT_OK);
        cr_assert_eq(s->n, 1500, "-j %d: every document delivered once", threads);
        cr_assert_eq(atomic_load(&s->on_result_calls), 1500);
        for (size_t i = 0; i < s->n; i++) {
            cr_assert_eq(s->index[i], i, "-j %d: document %zu out of order", threads, i);
            cr_assert_str_eq(s->out[i], want[i % 4], "-j %d: document %zu", threads, i);
        }
        cr_assert_eq(slant_batch_delivered(b), 1500);
        cr_assert_eq(slant_batch_failed(b), 0);
        if (threads > 1)
            cr_assert_gt(atomic_load(&s->workers_used), 1, "-j %d: more than one worker ran",
                         threads);
        slant_batch_free(b);
        free(s);
    }
}

Test(batch, failed_documents_keep_their_place_with_their_error_and_id)
{
    seen *s = calloc(1, sizeof *s);
    slant_batch *b = new_batch(s, 2);
    slant_error err, why;
    static const char *const lines[] = {
        "{\"id\": \"a\", \"text\": \"Officials said on Tuesday.\"}",
        "{\"id\": \"b\", \"text\": oops}",
        "{\"id\": 42, \"text\": \"They LIED to us!\"}",
        "{\"id\": \"d\"}",
        "{\"id\": 1.5, \"text\": \"a fractional id\"}",
        "{\"text\": \"no id at all\"}",
    };
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(slant_batch_submit(b, SLANT_DOC_JSONL, lines[i], strlen(lines[i]), "in.jsonl",
                                        (long)i + 1, -1, &err),
                     SLANT_OK);
    slantp_error_clear(&why);
    slantp_error(&why, SLANT_EIO, NULL, -1, -1, "cannot open 'gone.txt'");
    cr_assert_eq(slant_batch_submit_error(b, &why, "gone.txt", 0, -1, &err), SLANT_OK);
    cr_assert_eq(slant_batch_finish(b, &err), SLANT_OK);
    cr_assert_eq(s->n, 7);
    struct { const char *id; int is_number; int failed; const char *error; } want[] = {
        {"a", 0, 0, ""},
        {"(null)", 0, 1, "invalid token near 'oops'"},
        {"42", 1, 0, ""},
        {"d", 0, 1, "missing field 'text'"},
        {"(null)", 0, 1, "field 'id' is not a string or an integer"},
        {"6", 0, 0, ""},
        {"gone.txt", 0, 1, "cannot open 'gone.txt'"},
    };
    for (size_t i = 0; i < 7; i++) {
        cr_assert_str_eq(s->id[i], want[i].id, "document %zu", i);
        cr_assert_eq(s->id_is_number[i], want[i].is_number, "document %zu", i);
        cr_assert_str_eq(s->error[i], want[i].error, "document %zu", i);
        cr_assert_eq(strncmp(s->out[i], "error", 5) == 0, want[i].failed, "document %zu: %s", i,
                     s->out[i]);
    }
    cr_assert_eq(slant_batch_failed(b), 4);
    slant_batch_free(b);
    free(s);
}

Test(batch, on_output_can_stop_the_batch)
{
    seen *s = calloc(1, sizeof *s);
    s->stop_after = 100;
    slant_batch *b = new_batch(s, 2);
    slant_error err;
    int rc = SLANT_OK;
    size_t submitted = 0;
    while (rc == SLANT_OK && submitted < 5000) {
        rc = slant_batch_submit(b, SLANT_DOC_TEXT, texts[0], strlen(texts[0]), "mem", 0, -1, &err);
        submitted++;
    }
    cr_assert_eq(rc, SLANT_ESTOPPED, "submitting after a stop says so");
    cr_assert_lt(submitted, 5000, "the batch stopped taking documents");
    cr_assert_eq(slant_batch_finish(b, &err), SLANT_ESTOPPED);
    cr_assert_eq(s->n, 100, "nothing is delivered after the stop");
    slant_batch_free(b);
    free(s);
}

Test(batch, takes_more_documents_after_finish_and_frees_with_some_pending)
{
    seen *s = calloc(1, sizeof *s);
    slant_batch *b = new_batch(s, 3);
    slant_error err;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 70; i++)
            slant_batch_submit(b, SLANT_DOC_TEXT, texts[i % 4], strlen(texts[i % 4]), "m", 0, -1,
                               &err);
        cr_assert_eq(slant_batch_finish(b, &err), SLANT_OK);
        cr_assert_eq(s->n, 70 * (size_t)(round + 1));
    }
    for (size_t i = 0; i < s->n; i++)
        cr_assert_eq(s->index[i], i);
    for (size_t i = 0; i < 700; i++)     /* left pending: freed without a finish */
        slant_batch_submit(b, SLANT_DOC_TEXT, texts[1], strlen(texts[1]), "m", 0, -1, &err);
    slant_batch_free(b);
    free(s);
}

Test(batch, refuses_bad_options)
{
    slant_batch_options o;
    slant_error err;
    slant_batch_options_init(&o);
    cr_assert_eq(o.threads, 1);
    o.threads = 0;
    cr_assert_null(slant_batch_new(model, &o, &err));
    cr_assert_eq(err.code, SLANT_EINVAL);
    o.threads = SLANT_MAX_THREADS + 1;
    cr_assert_null(slant_batch_new(model, &o, &err));
    cr_assert_null(slant_batch_new(NULL, &o, &err));
    slant_batch_free(NULL);
}

Test(batch, files_give_a_document_a_record_or_a_file_and_unreadable_ones_a_failure)
{
    char *jsonl = th_path(dir, "in.ndjson"), *text = th_path(dir, "one.jsonl");
    const char *records = "\xEF\xBB\xBF{\"id\": \"r1\", \"text\": \"Officials said.\"}\n"
                          "  \r\n"
                          "{\"id\": \"r2\", \"text\": \"They LIED.\"}\n";
    th_write(jsonl, records, strlen(records));
    th_write(text, records, strlen(records));
    seen *s = calloc(1, sizeof *s);
    slant_batch *b = new_batch(s, 2);
    slant_error err;
    cr_assert_eq(slant_batch_submit_file(b, jsonl, SLANT_INPUT_AUTO, &err), SLANT_OK);
    cr_assert_eq(slant_batch_submit_file(b, text, SLANT_INPUT_TEXT, &err), SLANT_OK);
    cr_assert_eq(slant_batch_submit_file(b, "/nonexistent/x.jsonl", SLANT_INPUT_AUTO, &err),
                 SLANT_OK, "an unreadable file is the input's problem, not the call's");
    cr_assert_eq(slant_batch_finish(b, &err), SLANT_OK);
    cr_assert_eq(s->n, 4, "two records, one whole file, one failure");
    cr_assert_str_eq(s->id[0], "r1", "the byte-order mark is skipped");
    cr_assert_str_eq(s->id[1], "r2", "the blank line is skipped");
    cr_assert_str_eq(s->id[2], text, "--input text reads a .jsonl file as one document");
    cr_assert_str_eq(s->id[3], "/nonexistent/x.jsonl");
    cr_assert(strstr(s->error[3], "cannot open"), "%s", s->error[3]);
    slant_batch_free(b);
    free(s);
    free(jsonl);
    free(text);
}

/* With options.spin, every result carries its text's spin hits, found on
 * the workers with the one binding of the table the batch made. */
static void on_result_spin(void *ctx, int worker, const slant_doc *d, const slant_result *r,
                           const slant_error *why, slant_buffer *out)
{
    char line[64];
    (void)ctx, (void)worker, (void)why;
    const slant_spin_hit *h = slant_result_nspin(r) ? slant_result_spin(r, 0) : NULL;
    int n = snprintf(line, sizeof line, "%zu %s", slant_result_nspin(r), h ? h->found : "-");
    (void)d;
    slant_buffer_write(out, line, (size_t)n);
}

Test(batch, spin_hits_come_with_each_result_for_any_thread_count)
{
    slant_error err;
    slant_spin_table *table = slant_spin_load("models/collocations.tsv", &err);
    cr_assert_not_null(table, "%s", err.text);
    static const char *const spun[] = {
        "The Top Minister met reporters on Tuesday.",
        "Officials said on Tuesday, according to a statement from the ministry.",
        "The Joined States and the White Home said nothing.",
    };
    static const char *const want[] = {"1 Top Minister", "0 -", "2 Joined States"};
    for (int threads = 1; threads <= 3; threads++) {
        seen *s = calloc(1, sizeof *s);
        slant_batch_options o;
        slant_batch_options_init(&o);
        o.threads = threads;
        o.spin = table;
        o.on_result = on_result_spin;
        o.on_output = on_output;
        o.ctx = s;
        slant_batch *b = slant_batch_new(model, &o, &err);
        cr_assert_not_null(b, "%s", err.text);
        for (size_t i = 0; i < 300; i++)
            cr_assert_eq(slant_batch_submit(b, SLANT_DOC_TEXT, spun[i % 3], strlen(spun[i % 3]),
                                            "t", 0, -1, &err), SLANT_OK);
        cr_assert_eq(slant_batch_finish(b, &err), SLANT_OK);
        cr_assert_eq(s->n, 300);
        for (size_t i = 0; i < 300; i++)
            cr_assert_str_eq(s->out[i], want[i % 3], "threads %d, document %zu", threads, i);
        slant_batch_free(b);
        free(s);
    }
    slant_spin_free(table);
}
