/* fuzz_batch.c - libFuzzer harness: the batch engine reading any bytes as
 * a file, the way `slant classify` does. The first byte picks how (a JSONL
 * file, or one text to decode: plain, gzip, UTF-16, HTML), the rest is the
 * file. Every document gets exactly one delivery, in order: a JSONL file
 * one per record line (blank lines and a byte-order mark skipped; gzipped
 * JSONL is only checked for order), a text file exactly one; a delivered document either has a result or says why
 * it failed, never both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "dataset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static slant_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const texts[][2] = {
        {"wire", "LIMA, May 2 (Meridian) - Officials said on Tuesday the port tariff would be reviewed."},
        {"partisan", "They LIED to us again! Share this before they delete it. Call your representative."},
        {"state_media", "Under the wise guidance of the leadership, the so-called opposition spreads lies."}};
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    for (size_t i = 0; i < 18; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%zu", i);
        const char *t = texts[i % 3][1];
        if (slantp_dataset_add(d, id, t, strlen(t), NULL, "seed", (long)i) < 0 ||
            slantp_dataset_add_label(d, "outlet_type", 0, texts[i % 3][0], &err) != SLANT_OK)
            abort();
    }
    slant_train_options o;
    slant_train_options_init(&o);
    o.min_df = 1;
    o.folds = 3;
    o.threads = 1;
    if (slant_train(d, &o, &model, &err) != SLANT_OK)
        abort();
    slant_dataset_free(d);
    return 0;
}

typedef struct tally {
    size_t delivered, next_index;
} tally;

static void on_result(void *ctx, int worker, const slant_doc *doc, const slant_result *r,
                      const slant_error *why, slant_buffer *out)
{
    (void)ctx;
    (void)worker;
    if (!r == !why)
        abort();    /* a result or a reason, never both or neither */
    if (r && !doc->text)
        abort();
    slant_buffer_write(out, r ? "ok" : "failed", r ? 2 : 6);
}

static int on_output(void *ctx, const slant_doc *doc, const slant_error *why, const char *bytes,
                     size_t len)
{
    tally *t = ctx;
    if (doc->index != t->next_index++)
        abort();    /* out of order, or one missing */
    if (!why && (len != 2 || memcmp(bytes, "ok", 2) != 0))
        abort();
    t->delivered++;
    return 0;
}

/* Record lines of a JSONL file: lines with something other than spaces,
 * tabs and carriage returns, after a byte-order mark at the start. */
static size_t record_lines(const uint8_t *p, size_t n)
{
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    size_t records = 0;
    int filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            records += filled;
            filled = 0;
        } else if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            filled = 1;
        }
    }
    return records + filled;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    int jsonl = mode & 1;
    data++;
    size--;
    static char path[4096];
    const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
    snprintf(path, sizeof path, "%s/slant-fuzz-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    tally t = {0, 0};
    slant_batch_options o;
    slant_batch_options_init(&o);
    o.on_result = on_result;
    o.on_output = on_output;
    o.ctx = &t;
    o.min_words = mode & 2 ? 0 : 20;
    slant_error err;
    slant_batch *b = slant_batch_new(model, &o, &err);
    if (!b)
        abort();
    int rc = slant_batch_submit_file(b, path, jsonl ? SLANT_INPUT_JSONL : SLANT_INPUT_TEXT, &err);
    if (rc == SLANT_OK)
        rc = slant_batch_finish(b, &err);
    slant_batch_free(b);
    unlink(path);
    if (rc != SLANT_OK)
        abort();    /* no allocation fails here, and no output stops the batch */
    /* gzipped JSONL is inflated first: its lines are not these bytes' */
    int gzipped = size > 0 && data[0] == 0x1f;
    size_t want = jsonl ? record_lines(data, size) : 1;
    if ((!jsonl || !gzipped) && t.delivered != want) {
        fprintf(stderr, "%zu documents delivered, %zu expected\n", t.delivered, want);
        abort();
    }
    return 0;
}
