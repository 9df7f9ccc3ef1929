/* test_oom.c - every allocation failure handled, in the style of SQLite's
 * fault injection: the n-th allocation fails, for every n a run makes,
 * while loading a model and while classifying with it. Each run must end
 * with success or an out-of-memory error, never a crash or another error.
 * (Training is left out: libsvm does not check its own allocations.) */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "classify.h"
#include "model.h"

static const char *const texts[] = {
    "",
    "LIMA, May 2 (Meridian) - Officials said on Tuesday that the port tariff would be reviewed.",
    "They LIED to us again!! Share this before they delete it. caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d"};

Test(oom, loading_a_model_survives_every_failed_allocation)
{
    slant_model *m = th_train_small();
    slantp_buf bytes = {0};
    slant_error err;
    cr_assert_eq(slantp_model_serialize(m, &bytes, &err), SLANT_OK);
    slant_model_free(m);
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        memset(&err, 0, sizeof err);
        slant_model *got = slantp_model_parse(bytes.data, bytes.len, "m", 0, &err);
        int hit = th_alloc_fail_stop();
        if (!hit) {
            cr_assert_not_null(got, "no allocation failed, yet: %s", err.text);
            slant_model_free(got);
            break;
        }
        cr_assert(got || err.code == SLANT_ENOMEM, "allocation %lu: %s", n, err.text);
        slant_model_free(got);
    }
    cr_assert_gt(n, 5, "loading made only %lu allocations", n);
    slantp_buf_release(&bytes);
}

Test(oom, classifying_survives_every_failed_allocation)
{
    slant_model *m = th_train_small();
    slant_error err;
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        int rc = SLANT_OK;
        memset(&err, 0, sizeof err);
        slant_workspace *ws = slant_workspace_new(m, &err);
        if (!ws)
            rc = err.code;
        for (size_t t = 0; ws && rc == SLANT_OK && t < sizeof texts / sizeof texts[0]; t++) {
            const slant_result *r;
            rc = slant_classify(ws, texts[t], strlen(texts[t]), &r, &err);
            if (rc == SLANT_OK) {
                slant_term terms[64];
                for (size_t h = 0; h < slant_model_nheads(m); h++)
                    slant_result_terms(r, h, slant_result_best(r, h), terms, 64);
            }
        }
        int hit = th_alloc_fail_stop();
        slant_workspace_free(ws);
        if (!hit) {
            cr_assert_eq(rc, SLANT_OK, "no allocation failed, yet: %s", err.text);
            break;
        }
        cr_assert(rc == SLANT_OK || rc == SLANT_ENOMEM, "allocation %lu: %d %s", n, rc, err.text);
    }
    cr_assert_gt(n, 5, "classifying made only %lu allocations", n);
    slant_model_free(m);
}

static void count_warning(void *ctx, const char *text)
{
    (void)text;
    ++*(int *)ctx;
}

/* Training data read and a model trained on it, one thread, few folds:
 * the status of the whole run; *warnings counts the warnings given. */
static int read_and_train(const char *path, slant_model **model, int *warnings,
                          slant_error *err)
{
    slant_dataset *d = slant_dataset_new();
    if (!d)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    int rc = slant_dataset_read(d, path, SLANT_FORMAT_AUTO, NULL, "story", err);
    if (rc == SLANT_OK) {
        slant_train_options o;
        slant_train_options_init(&o);
        o.folds = 2;
        o.threads = 1;
        o.min_df = 1;
        static const double grid[] = {1.0};
        o.c_grid = grid;
        o.c_grid_n = 1;
        o.warning = count_warning;
        o.warning_ctx = warnings;
        rc = slant_train(d, &o, model, err);
    }
    slant_dataset_free(d);
    return rc;
}

/* libsvm does not check its own allocations, so those are neither counted
 * nor failed (th_alloc_exempt_libsvm); every allocation of slant's, from
 * reading the JSONL training data to the finished model, is. */
Test(oom, reading_and_training_survive_every_failed_allocation)
{
    char *dir = th_mkdtemp();
    char *path = th_path(dir, "corpus.jsonl");
    th_write_corpus(path);
    slant_error err;
    slant_model *warm = NULL;
    int warnings = 0;
    cr_assert_eq(read_and_train(path, &warm, &warnings, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(warnings, 0);
    slantp_buf want = {0}, got = {0};
    cr_assert_eq(slantp_model_serialize(warm, &want, &err), SLANT_OK);
    slant_model_free(warm);
    th_alloc_exempt_libsvm(1);
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        slant_model *m = NULL;
        memset(&err, 0, sizeof err);
        warnings = 0;
        int rc = read_and_train(path, &m, &warnings, &err);
        int hit = th_alloc_fail_stop();
        if (rc == SLANT_OK && warnings == 0) {
            /* a failure worked around in silence (stdio unbuffered) must
             * not change a byte; the one fallback that may (no room for
             * the kernel matrix) says so */
            got.len = 0;
            cr_assert_eq(slantp_model_serialize(m, &got, &err), SLANT_OK);
            cr_assert(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
                      "allocation %lu failed, and training went on to another model", n);
        }
        slant_model_free(m);
        if (!hit)
            break;
        cr_assert(rc == SLANT_OK || rc == SLANT_ENOMEM, "allocation %lu: %d %s", n, rc, err.text);
    }
    th_alloc_exempt_libsvm(0);
    slantp_buf_release(&want);
    slantp_buf_release(&got);
    cr_assert_gt(n, 100, "reading and training made only %lu allocations", n);
    th_rmdir(dir);
    free(path);
    free(dir);
}

/* A JSONL input as classify reads it: a plain record (the fast scanner),
 * one the scanner leaves to jansson (escapes, nested fields, an integer
 * id), a malformed line and a text too short to trust. */
static const char batch_input[] =
    "{\"id\": \"plain\", \"text\": \"LIMA, May 2 (Meridian) - Officials said on Tuesday that "
    "the port tariff would be reviewed after the strike.\"}\n"
    "{\"meta\": {\"tags\": [1, 2, {\"x\": null}]}, \"id\": 7, \"text\": \"They LIED to us "
    "\\u201cagain\\u201d!! Share this before they delete it.\\n caf\\u00e9\"}\n"
    "{\"id\": \"broken\", \"text\": \"no end\n"
    "{\"id\": \"short\", \"text\": \"Ceasefire holds.\"}\n";

typedef struct batch_log {
    const slant_model *m;
    slantp_buf lines;
} batch_log;

static void log_result(void *ctx, int worker, const slant_doc *doc, const slant_result *r,
                       const slant_error *why, slant_buffer *out)
{
    (void)worker;
    (void)doc;
    const batch_log *log = ctx;
    const char *label = r ? slant_model_label(log->m, 0, slant_result_best(r, 0)) : "-";
    slant_buffer_write(out, label, strlen(label));
    if (why)
        slant_buffer_write(out, why->code == SLANT_ENOMEM ? " nomem" : " error", 6);
}

static int log_output(void *ctx, const slant_doc *doc, const slant_error *why, const char *bytes,
                      size_t len)
{
    batch_log *log = ctx;
    char head[160];
    int n = snprintf(head, sizeof head, "%s %d:", doc->id ? doc->id : "?",
                     why ? (int)why->code : 0);
    if (slantp_buf_append(&log->lines, head, (size_t)n) < 0 ||
        slantp_buf_append(&log->lines, bytes, len) < 0 ||
        slantp_buf_append(&log->lines, "\n", 1) < 0)
        return 1;
    return 0;
}

/* Classify the file at 'path' with a one-thread batch; the log of what
 * was delivered goes to log->lines. */
static int run_batch(const slant_model *m, const char *path, batch_log *log, slant_error *err)
{
    slant_batch_options o;
    slant_batch_options_init(&o);
    o.on_result = log_result;
    o.on_output = log_output;
    o.ctx = log;
    log->lines.len = 0;
    slant_batch *b = slant_batch_new(m, &o, err);
    if (!b)
        return err->code;
    int rc = slant_batch_submit_file(b, path, SLANT_INPUT_JSONL, err);
    if (rc == SLANT_OK)
        rc = slant_batch_finish(b, err);
    slant_batch_free(b);
    return rc;
}

/* Each delivered line is the one of the run without failures, or that
 * document failing for want of memory; a whole run either ends out of
 * memory or delivers every document. */
Test(oom, batches_of_jsonl_survive_every_failed_allocation)
{
    slant_model *m = th_train_small();
    char *dir = th_mkdtemp();
    char *path = th_path(dir, "in.jsonl");
    th_write(path, batch_input, sizeof batch_input - 1);
    slant_error err;
    batch_log want = {m, {0}}, got = {m, {0}};
    cr_assert_eq(run_batch(m, path, &want, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(slantp_buf_append(&want.lines, "", 0), 0);
    cr_assert(strstr(want.lines.data, "? 3:- error") && strstr(want.lines.data, "7 0:"),
              "%s", want.lines.data);
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        memset(&err, 0, sizeof err);
        int rc = run_batch(m, path, &got, &err);
        int hit = th_alloc_fail_stop();
        if (!hit) {
            cr_assert_eq(rc, SLANT_OK, "%s", err.text);
            break;
        }
        cr_assert(rc == SLANT_OK || rc == SLANT_ENOMEM, "allocation %lu: %d %s", n, rc, err.text);
        cr_assert_eq(slantp_buf_append(&got.lines, "", 0), 0);
        size_t lines = 0;
        for (char *line = got.lines.data, *end; line && *line; line = end + 1, lines++) {
            end = strchr(line, '\n');
            cr_assert_not_null(end);
            *end = '\0';
            int same = strstr(want.lines.data, line) != NULL;
            int short_of_memory = strstr(line, " 1:") != NULL;   /* SLANT_ENOMEM */
            cr_assert(same || short_of_memory, "allocation %lu: delivered \"%s\"", n, line);
        }
        cr_assert(rc == SLANT_ENOMEM || lines == 4, "allocation %lu: %zu documents delivered", n,
                  lines);
    }
    cr_assert_gt(n, 20, "the batch made only %lu allocations", n);
    slantp_buf_release(&want.lines);
    slantp_buf_release(&got.lines);
    th_rmdir(dir);
    free(path);
    free(dir);
    slant_model_free(m);
}
