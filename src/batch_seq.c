/* batch_seq.c - TEMPORARY: the slant_batch API of slant.h on one thread,
 * so that 'slant audit' can be written against it before src/batch.c
 * lands. Delete this file (and its Makefile entry) when batch.c is on
 * main: the callers do not change.
 *
 * Each submitted document is classified at once on the calling thread:
 * on_result (worker 0), then on_output, in submission order. Masking is
 * not supported here (SLANT_EINVAL).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slant_private.h"

struct slant_batch {
    slant_batch_options o;
    slant_workspace *ws;
    slantp_buf text, id;
    slant_buffer out;
    size_t delivered, failed;
    int stopped;
};

void slant_buffer_write(slant_buffer *b, const void *bytes, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void slant_buffer_release(slant_buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void slant_batch_options_init(slant_batch_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
}

slant_batch *slant_batch_new(const slant_model *m, const slant_batch_options *o, slant_error *err)
{
    slantp_error_clear(err);
    if (o->threads < 1 || o->threads > SLANT_MAX_THREADS || o->nmask_names || o->mask_field) {
        slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "unsupported batch options");
        return NULL;
    }
    slant_batch *b = calloc(1, sizeof *b);
    if (!b || !(b->ws = slant_workspace_new(m, err))) {
        free(b);
        if (!b)
            slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return NULL;
    }
    b->o = *o;
    return b;
}

/* Deliver one document: on_result, then on_output. */
static int deliver(slant_batch *b, slant_doc *d, const slant_result *r, const slant_error *why,
                   slant_error *err)
{
    b->out.len = 0;
    if (b->o.on_result)
        b->o.on_result(b->o.ctx, 0, d, r, why, &b->out);
    b->delivered++;
    b->failed += why != NULL;
    d->record = d->text = NULL;
    d->record_len = d->text_len = 0;
    if (b->o.on_output && b->o.on_output(b->o.ctx, d, why, b->out.data ? b->out.data : "", b->out.len)) {
        b->stopped = 1;
        return slantp_error(err, SLANT_ESTOPPED, NULL, -1, -1, "stopped by the output callback");
    }
    return SLANT_OK;
}

/* The text and id of a JSONL line: the fast reader, else jansson. */
static int decode(slant_batch *b, slant_doc *d, const char *bytes, size_t len, slant_error *why)
{
    int have_id = 0;
    int fast = slantp_jsonl_doc(bytes, len, &b->text, &b->id, &have_id);
    if (fast == SLANTP_JSONL_NOMEM)
        return slantp_error(why, SLANT_ENOMEM, d->source, d->line, 1, "out of memory");
    if (fast != 0) {
        json_error_t je;
        json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        if (!root)
            return slantp_error(why, SLANT_EFORMAT, d->source, d->line,
                                je.column > 0 ? je.column : 1, "%s", je.text);
        json_t *jt = json_object_get(root, "text"), *ji = json_object_get(root, "id");
        int rc = SLANT_OK;
        b->text.len = b->id.len = 0;
        char num[32];
        if (!json_is_object(root) || !json_is_string(jt)) {
            rc = slantp_error(why, SLANT_EFORMAT, d->source, d->line, 1,
                              !json_is_object(root) ? "expected a JSON object"
                              : jt                  ? "field 'text' is not a string"
                                                    : "missing field 'text'");
        } else if (slantp_buf_append(&b->text, json_string_value(jt), json_string_length(jt)) < 0 ||
                   slantp_buf_append(&b->text, "", 1) < 0) {
            rc = slantp_error(why, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        } else {
            b->text.len--;
            have_id = json_is_string(ji) || json_is_integer(ji);
            if (json_is_integer(ji))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(ji));
            const char *s = json_is_string(ji) ? json_string_value(ji) : num;
            if (have_id && slantp_buf_append(&b->id, s, strlen(s) + 1) < 0)
                rc = slantp_error(why, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        }
        json_decref(root);
        if (rc != SLANT_OK)
            return rc;
    }
    d->text = b->text.data;
    d->text_len = b->text.len;
    return SLANT_OK;
}

int slant_batch_submit(slant_batch *b, enum slant_doc_kind kind, const char *bytes, size_t len,
                       const char *source, long line, long long offset, slant_error *err)
{
    slantp_error_clear(err);
    if (b->stopped)
        return slantp_error(err, SLANT_ESTOPPED, NULL, -1, -1, "the batch was stopped");
    char idbuf[32];
    slant_doc d = {b->delivered, kind, source ? source : "", line, offset, NULL, 0,
                   bytes, len, bytes, len};
    slant_error why;
    slantp_error_clear(&why);
    if (kind == SLANT_DOC_JSONL) {
        if (decode(b, &d, bytes, len, &why) != SLANT_OK)
            return deliver(b, &d, NULL, &why, err);
        snprintf(idbuf, sizeof idbuf, "%ld", line);
        d.id = b->id.len ? b->id.data : idbuf;
    } else {
        d.id = d.source;
        d.record = NULL;
        d.record_len = 0;
    }
    const slant_result *r;
    if (slant_classify(b->ws, d.text, d.text_len, &r, &why) != SLANT_OK)
        return deliver(b, &d, NULL, &why, err);
    return deliver(b, &d, r, NULL, err);
}

int slant_batch_submit_error(slant_batch *b, const slant_error *why, slant_error *err)
{
    slantp_error_clear(err);
    slant_doc d = {b->delivered, SLANT_DOC_ERROR, why->source, why->line, -1, NULL, 0,
                   NULL, 0, NULL, 0};
    return deliver(b, &d, NULL, why, err);
}

int slant_batch_submit_file(slant_batch *b, const char *path, enum slant_input how,
                            slant_error *err)
{
    slantp_error_clear(err);
    (void)how;
    slantp_lines lr;
    slant_error why;
    slantp_error_clear(&why);
    if (slantp_lines_open(&lr, path, SLANTP_MAX_DOC, &why) != SLANT_OK)
        return slant_batch_submit_error(b, &why, err);
    int rc = SLANT_OK;
    for (;;) {
        const char *line;
        size_t len;
        int got = slantp_lines_next(&lr, &line, &len, &why);
        if (got == 0)
            break;
        if (got < 0)
            rc = slant_batch_submit_error(b, &why, err);
        else if (len > 0)
            rc = slant_batch_submit(b, SLANT_DOC_JSONL, line, len, lr.name, lr.lineno, -1, err);
        if (rc != SLANT_OK)
            break;
    }
    slantp_lines_close(&lr);
    return rc;
}

int slant_batch_finish(slant_batch *b, slant_error *err)
{
    slantp_error_clear(err);
    return b->stopped ? SLANT_ESTOPPED : SLANT_OK;
}

size_t slant_batch_delivered(const slant_batch *b) { return b->delivered; }
size_t slant_batch_failed(const slant_batch *b) { return b->failed; }

void slant_batch_free(slant_batch *b)
{
    if (!b)
        return;
    slant_workspace_free(b->ws);
    slantp_buf_release(&b->text);
    slantp_buf_release(&b->id);
    slant_buffer_release(&b->out);
    free(b);
}
