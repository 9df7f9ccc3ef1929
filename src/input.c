/* input.c - reading documents from files into a batch
 * (slant_batch_submit_file): a JSONL file gives a document a record, any
 * other file one document; what cannot be read becomes a failed document
 * in its place, so every input keeps its place in the output. */
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "core.h"
#include "io.h"

static int has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcmp(path + n - k, suffix) == 0;
}

static int is_jsonl(const char *path, enum slant_input how)
{
    if (how != SLANT_INPUT_AUTO)
        return how == SLANT_INPUT_JSONL;
    return has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson");
}

static int submit_text_file(slant_batch *b, const char *path, const char *name, slant_error *err)
{
    slantp_buf text = {0};
    slant_error why;
    slantp_error_clear(&why);
    int rc = slantp_read_file(path, SLANTP_MAX_DOC, &text, &why) == SLANT_OK
                 ? slant_batch_submit(b, SLANT_DOC_TEXT, text.data, text.len, name, 0, 0, err)
                 : slant_batch_submit_error(b, &why, name, 0, -1, err);
    slantp_buf_release(&text);
    return rc;
}

/* Each record of a JSONL file; an over-long line is a failed document and
 * the lines after it still count; any other read error ends the file. */
static int submit_jsonl_file(slant_batch *b, const char *path, const char *name, slant_error *err)
{
    slantp_lines lr;
    slant_error why;
    slantp_error_clear(&why);
    if (slantp_lines_open(&lr, path, SLANTP_MAX_LINE, &why) != SLANT_OK)
        return slant_batch_submit_error(b, &why, name, 0, -1, err);
    const char *line;
    size_t len;
    int r, rc = SLANT_OK;
    while (rc == SLANT_OK) {
        r = slantp_records_next(&lr, &line, &len, &why);
        if (r == 1)
            rc = slant_batch_submit(b, SLANT_DOC_JSONL, line, len, name, lr.lineno, -1, err);
        else if (r < 0)
            rc = slant_batch_submit_error(b, &why, name, why.line > 0 ? why.line : lr.lineno, -1, err);
        if (r == 0 || (r < 0 && why.code != SLANT_EFORMAT))
            break;
        slantp_error_clear(&why);
    }
    slantp_lines_close(&lr);
    return rc;
}

int slant_batch_submit_file(slant_batch *b, const char *path, enum slant_input how,
                            slant_error *err)
{
    slantp_error_clear(err);
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    return is_jsonl(path, how) ? submit_jsonl_file(b, path, name, err)
                               : submit_text_file(b, path, name, err);
}
