/* input.c - reading documents from files into a batch
 * (slant_batch_submit_file): a directory is walked for its files, a JSONL
 * file (.jsonl, .ndjson, or either gzipped) gives a document a record, and
 * any other file one document, decoded to UTF-8 text (gzip, encodings,
 * HTML) or refused as binary. What cannot be read becomes a failed
 * document in its place, so every input keeps its place in the output. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "input.h"
#include "decode.h"
#include "io.h"
#include "record.h"
#include "walk.h"

typedef struct input {
    slant_batch *b;
    enum slant_input how;
    slant_error *err;
    int rc;                 /* the first SLANT_ENOMEM or SLANT_ESTOPPED */
} input;

/* A document that could not be read takes its place as a failed one; but
 * running out of memory is the call's failure, not the document's: the
 * documents after it would be lost without a trace. */
static int submit_failure(input *in, const slant_error *why, const char *name, long line,
                          long long offset)
{
    if (why->code == SLANT_ENOMEM)
        return slantp_error(in->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return slant_batch_submit_error(in->b, why, name, line, offset, in->err);
}

static int submit_text_file(input *in, const char *path, const char *name)
{
    slantp_buf text = {0};
    slantp_decode_options d;
    slant_error why;
    slantp_error_clear(&why);
    slantp_decode_options_init(&d);
    if (in->how == SLANT_INPUT_TEXT)
        d.html = SLANTP_HTML_NEVER;
    int rc = slantp_decode_file(path, &d, &text, NULL, &why) == SLANT_OK
                 ? slant_batch_submit(in->b, SLANT_DOC_TEXT, text.data, text.len, name, 0, 0,
                                      in->err)
                 : submit_failure(in, &why, name, 0, -1);
    slantp_buf_release(&text);
    return rc;
}

/* Each record of a JSONL file; an over-long line is a failed document and
 * the lines after it still count; any other read error ends the file. */
static int submit_jsonl_file(input *in, const char *path, const char *name)
{
    slantp_lines lr;
    slant_error why;
    slantp_error_clear(&why);
    if (slantp_lines_open(&lr, path, SLANTP_MAX_LINE, &why) != SLANT_OK)
        return submit_failure(in, &why, name, 0, -1);
    const char *line;
    size_t len;
    int r, rc = SLANT_OK;
    while (rc == SLANT_OK) {
        r = slantp_records_next(&lr, &line, &len, &why);
        if (r == 1)
            rc = slant_batch_submit(in->b, SLANT_DOC_JSONL, line, len, name, lr.lineno,
                                    lr.offset, in->err);
        else if (r < 0)
            rc = submit_failure(in, &why, name, why.line > 0 ? why.line : lr.lineno, lr.offset);
        if (r == 0 || (r < 0 && why.code != SLANT_EFORMAT))
            break;
        slantp_error_clear(&why);
    }
    slantp_lines_close(&lr);
    return rc;
}

int slantp_input_is_jsonl(const char *path, enum slant_input how)
{
    return how == SLANT_INPUT_JSONL || (how == SLANT_INPUT_AUTO && slantp_is_jsonl_name(path));
}

static int submit_one(input *in, const char *path)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    return slantp_input_is_jsonl(path, in->how) ? submit_jsonl_file(in, path, name)
                                                : submit_text_file(in, path, name);
}

/* One file found under a directory, or an entry that could not be read. */
static int walked(void *ctx, const char *path, const slant_error *why)
{
    input *in = ctx;
    in->rc = why ? submit_failure(in, why, path, 0, -1) : submit_one(in, path);
    return in->rc != SLANT_OK;
}

int slantp_input_is_directory(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int slantp_submit_path(slant_batch *b, const slant_batch_options *o, const char *path,
                       enum slant_input how, slant_error *err)
{
    input in = {b, how, err, SLANT_OK};
    slantp_error_clear(err);
    if (!slantp_input_is_directory(path))
        return submit_one(&in, path);
    slantp_walk_options w = {.include = o->include, .ninclude = o->ninclude,
                             .exclude = o->exclude, .nexclude = o->nexclude};
    slant_error why;
    slantp_error_clear(&why);
    int rc = slantp_walk(path, &w, walked, &in, &why);
    if (in.rc != SLANT_OK)
        return in.rc;
    if (rc == SLANT_ENOMEM)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    if (rc != SLANT_OK)
        return slant_batch_submit_error(b, &why, path, 0, -1, err);
    return SLANT_OK;
}
