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
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static slant_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    model = fuzz_small_model();
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
    if (fuzz_write_temp(data, size, path, sizeof path) < 0)
        return 0;
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
