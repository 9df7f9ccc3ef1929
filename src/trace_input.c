/* trace_input.c - a trace's documents read from files
 * (slant_trace_add_file), through the library's one reader: a directory is
 * walked (walk.c), a JSONL file (gzipped or not) gives a document a record
 * (io.c's line reader, record.c's decoding and id rule), any other file one
 * decoded text (decode.c), as classify reads them.
 *
 * Records are signed a batch at a time (slant_trace_add's threads). What
 * stays of a document is its place: its file, the byte offset and length
 * of its record line (or the whole file), its line; its source and date
 * are interned. Its text is read again by offset (pread, then decoded by
 * the same reader) when the trace verifies a pair or writes a family, and
 * checked against the length it had. What cannot be read again by offset
 * (gzip data, standard input, a text that needed decoding) has its text
 * kept by the trace instead: inflating a gzip stream from its start for
 * each of a document's reads would cost a pass over the file per read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "input.h"
#include "io.h"
#include "record.h"
#include "trace_private.h"
#include "vocab.h"
#include "walk.h"

#define BATCH 512           /* records signed together */
#define FD_CACHE 32         /* files kept open for reading again */
#define NOT_PLACED UINT32_MAX

/* A file documents were read from, and how its records are named. */
typedef struct input_file {
    char *path;
    char *id_field, *text_field;    /* NULL: the usual */
} input_file;

/* Where a document is. line 0: its text is the whole file. */
typedef struct doc_place {
    uint64_t offset;
    uint32_t len;
    uint32_t file;          /* NOT_PLACED: its text is elsewhere */
    uint32_t line;
    uint32_t source, date;  /* interned + 1, 0 = none */
} doc_place;

struct tracep_input {
    input_file *files;
    size_t nfiles, files_cap;
    doc_place *places;
    size_t nplaces, places_cap;
    slantp_strtab strings;          /* sources and dates */
    int fd[FD_CACHE];
    uint32_t fd_file[FD_CACHE];
    slantp_buf raw;                 /* a record read again */
    slantp_jsonl_record rec;
    slant_error failure;            /* why the last read again failed */
    int failed;
};

static tracep_input *input_new(void)
{
    tracep_input *in = calloc(1, sizeof *in);
    if (!in || slantp_strtab_init(&in->strings, 256) < 0) {
        free(in);
        return NULL;
    }
    for (int k = 0; k < FD_CACHE; k++)
        in->fd[k] = -1;
    return in;
}

void tracep_input_free(tracep_input *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->nfiles; i++) {
        free(in->files[i].path);
        free(in->files[i].id_field);
        free(in->files[i].text_field);
    }
    for (int k = 0; k < FD_CACHE; k++)
        if (in->fd[k] >= 0)
            close(in->fd[k]);
    free(in->files);
    free(in->places);
    slantp_strtab_release(&in->strings);
    slantp_buf_release(&in->raw);
    slantp_record_release(&in->rec);
    free(in);
}

/* ======================================================== reading again */

static const doc_place *place_of(const tracep_input *in, size_t doc)
{
    return doc < in->nplaces && in->places[doc].file != NOT_PLACED ? &in->places[doc] : NULL;
}

static int fail(tracep_input *in, const doc_place *p, const char *why)
{
    slantp_error(&in->failure, SLANT_EIO, in->files[p->file].path, p->line ? (long)p->line : -1,
                 p->line ? 1 : -1, "cannot read the document again: %s", why);
    in->failed = 1;
    return -1;
}

/* An open descriptor of file 'file', from the cache. */
static int file_fd(tracep_input *in, uint32_t file)
{
    int k = (int)(file % FD_CACHE);
    if (in->fd[k] >= 0 && in->fd_file[k] == file)
        return in->fd[k];
    if (in->fd[k] >= 0)
        close(in->fd[k]);
    in->fd[k] = open(in->files[file].path, O_RDONLY | O_CLOEXEC);
    in->fd_file[k] = file;
    return in->fd[k];
}

static int read_bytes(tracep_input *in, const doc_place *p)
{
    int fd = file_fd(in, p->file);
    if (fd < 0)
        return fail(in, p, strerror(errno));
    in->raw.len = 0;
    if (slantp_buf_reserve(&in->raw, (size_t)p->len + 1) < 0)
        return fail(in, p, "out of memory");
    ssize_t got = pread(fd, in->raw.data, p->len, (off_t)p->offset);
    if (got < 0)
        return fail(in, p, strerror(errno));
    if ((size_t)got != p->len)
        return fail(in, p, "the file changed since it was read");
    in->raw.len = p->len;
    return 0;
}

int tracep_input_text(tracep_input *in, size_t doc, size_t expect, const char **text, size_t *len)
{
    const doc_place *p = place_of(in, doc);
    in->failed = 0;
    if (!p)
        return 0;
    if (read_bytes(in, p) < 0)
        return -1;
    if (p->line == 0) {
        *text = in->raw.data;
        *len = in->raw.len;
    } else {
        const input_file *f = &in->files[p->file];
        slantp_record_names names = {f->id_field, f->text_field};
        if (slantp_record_decode_named(&in->rec, in->raw.data, in->raw.len, &names, 0, f->path,
                                       (long)p->line, &in->failure) != SLANT_OK) {
            in->failed = 1;
            return -1;
        }
        *text = in->rec.text.data;
        *len = in->rec.text.len;
    }
    if (*len != expect)
        return fail(in, p, "the file changed since it was read");
    return 1;
}

int tracep_input_error(const tracep_input *in, slant_error *err)
{
    if (!in->failed)
        return 0;
    *err = in->failure;
    return 1;
}

static const char *interned(const tracep_input *in, uint32_t id)
{
    return id ? slantp_strtab_key(&in->strings, id - 1) : NULL;
}

const char *tracep_input_source(const tracep_input *in, size_t doc)
{
    return doc < in->nplaces ? interned(in, in->places[doc].source) : NULL;
}

const char *tracep_input_date(const tracep_input *in, size_t doc)
{
    return doc < in->nplaces ? interned(in, in->places[doc].date) : NULL;
}

/* ======================================================== reading a path */

/* One document waiting in the batch: its record, or its decoded text in
 * rec.text and its path in rec.id. */
typedef struct pending {
    slantp_jsonl_record rec;
    char line_id[32];
} pending;

typedef struct reader {
    slant_trace *t;
    tracep_input *in;
    const slant_trace_input_options *o;
    slant_error *err;
    pending *wait;          /* BATCH of them */
    slant_trace_doc docs[BATCH];
    doc_place places[BATCH];
    unsigned char keep[BATCH];
    size_t n;
} reader;

static int out_of_memory(slant_error *err)
{
    return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
}

static int dup_name(char **to, const char *name, const char *usual)
{
    *to = NULL;
    if (!name || strcmp(name, usual) == 0)
        return 0;
    return (*to = strdup(name)) ? 0 : -1;
}

/* Register 'path' as the next file; its index, or -1 on memory. */
static long add_input_file(reader *r, const char *path)
{
    tracep_input *in = r->in;
    if (in->nfiles >= NOT_PLACED ||
        slantp_grow(&in->files, &in->files_cap, in->nfiles + 1, sizeof *in->files) < 0)
        return -1;
    input_file *f = &in->files[in->nfiles];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path)) || dup_name(&f->id_field, r->o->id_field, "id") < 0 ||
        dup_name(&f->text_field, r->o->text_field, "text") < 0) {
        free(f->path);
        free(f->id_field);
        return -1;
    }
    return (long)in->nfiles++;
}

/* Sign the waiting documents, then note where they are. */
static int flush(reader *r)
{
    tracep_input *in = r->in;
    size_t first = slant_trace_ndocs(r->t);
    if (r->n == 0)
        return SLANT_OK;
    if (slantp_grow(&in->places, &in->places_cap, first + r->n, sizeof *in->places) < 0)
        return out_of_memory(r->err);
    int rc = tracep_add(r->t, r->docs, r->n, r->keep, r->err);
    if (rc != SLANT_OK)
        return rc;
    while (in->nplaces < first)     /* documents given to slant_trace_add */
        in->places[in->nplaces++] = (doc_place){.file = NOT_PLACED};
    memcpy(in->places + first, r->places, r->n * sizeof *r->places);
    in->nplaces = first + r->n;
    for (size_t i = 0; i < r->n; i++)
        slantp_record_clear(&r->wait[i].rec);
    r->n = 0;
    return SLANT_OK;
}

/* A string field of the record, interned: its id + 1, 0 when it has none,
 * -1 on memory. */
static long intern_field(reader *r, const json_t *root, const char *name, const char **value)
{
    *value = name ? json_string_value(json_object_get(root, name)) : NULL;
    if (!*value)
        return 0;
    long id = slantp_strtab_intern(&r->in->strings, *value, strlen(*value));
    return id < 0 ? -1 : id + 1;
}

/* The waiting document just decoded into slot r->n: its trace fields. */
static int take_record(reader *r, long file, long long offset, size_t len, long line, int keep)
{
    pending *w = &r->wait[r->n];
    slant_trace_doc *d = &r->docs[r->n];
    const char *source;
    long src = intern_field(r, w->rec.root, r->o->source_field, &source);
    long date = intern_field(r, w->rec.root, r->o->date_field, &d->date);
    if (src < 0 || date < 0)
        return out_of_memory(r->err);
    if (!w->rec.has_id)
        snprintf(w->line_id, sizeof w->line_id, "line %ld", line);
    d->id = w->rec.has_id ? w->rec.id.data : w->line_id;
    d->text = w->rec.text.data ? w->rec.text.data : "";
    d->len = w->rec.text.len;
    d->series = r->o->series_field
                    ? json_string_value(json_object_get(w->rec.root, r->o->series_field))
                    : NULL;
    d->query = r->o->query;
    r->places[r->n] = (doc_place){(uint64_t)offset, (uint32_t)len,
                                  keep ? NOT_PLACED : (uint32_t)file, (uint32_t)line,
                                  (uint32_t)src, (uint32_t)date};
    r->keep[r->n] = (unsigned char)keep;
    return ++r->n == BATCH ? flush(r) : SLANT_OK;
}

/* The byte offset of 'line' in the file: the reader's offset of the line,
 * plus the byte-order mark it may have dropped from the first. */
static long long line_offset(const slantp_lines *lr, const char *line)
{
    const char *start = lr->buf + (lr->offset - lr->base);
    return lr->offset + (long long)(line - start);
}

static int too_many_lines(slant_error *err, const char *name, long line)
{
    return slantp_error(err, SLANT_EFORMAT, name, line, 1, "more than %lu lines",
                        (unsigned long)UINT32_MAX);
}

static int read_records(reader *r, slantp_lines *lr, long file, int keep)
{
    const slantp_record_names names = {r->o->id_field, r->o->text_field};
    const char *line;
    size_t len;
    int got, rc = SLANT_OK;
    while (rc == SLANT_OK && (got = slantp_records_next(lr, &line, &len, r->err)) == 1) {
        long long at = line_offset(lr, line);
        if (lr->lineno > (long)UINT32_MAX)
            return too_many_lines(r->err, lr->name, lr->lineno);
        rc = slantp_record_decode_named(&r->wait[r->n].rec, line, len, &names, 1, lr->name,
                                        lr->lineno, r->err);
        if (rc == SLANT_OK)
            rc = take_record(r, file, at, len, lr->lineno, keep);
    }
    if (rc == SLANT_OK && got < 0)
        rc = r->err->code;
    return rc;
}

static int read_jsonl(reader *r, const char *path)
{
    slantp_lines lr;
    int rc = slantp_lines_open(&lr, path, SLANTP_MAX_LINE, r->err);
    if (rc != SLANT_OK)
        return rc;
    int keep = lr.gzip || lr.f == stdin;     /* no reading again by offset */
    long file = add_input_file(r, path);
    rc = file < 0 ? out_of_memory(r->err) : read_records(r, &lr, file, keep);
    if (rc == SLANT_EFORMAT && r->err->line <= 0)
        r->err->line = lr.lineno;
    slantp_lines_close(&lr);
    return rc;
}

/* A whole file as one document: kept when decoding changed its bytes. */
static int read_text(reader *r, const char *path)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    pending *w = &r->wait[r->n];
    slantp_decode_options d;
    slantp_decode_options_init(&d);
    if (r->o->how == SLANT_INPUT_TEXT)
        d.html = SLANTP_HTML_NEVER;
    slantp_buf raw = {0};
    int rc = slantp_read_file(path, SLANTP_MAX_DOC, &raw, r->err);
    if (rc == SLANT_OK)
        rc = slantp_decode(name, raw.data, raw.len, &d, &w->rec.text, NULL, r->err);
    int same = rc == SLANT_OK && raw.len == w->rec.text.len &&
               (raw.len == 0 || memcmp(raw.data, w->rec.text.data, raw.len) == 0);
    slantp_buf_release(&raw);
    if (rc != SLANT_OK)
        return rc;
    /* gzip data never decodes to the same bytes */
    int keep = !same || strcmp(path, "-") == 0 || w->rec.text.len > UINT32_MAX;
    long file = add_input_file(r, path);
    w->rec.id.len = 0;
    if (file < 0 || slantp_buf_append(&w->rec.id, name, strlen(name) + 1) < 0)
        return out_of_memory(r->err);
    w->rec.has_id = 1;
    return take_record(r, file, 0, w->rec.text.len, 0, keep);
}

static int read_one(reader *r, const char *path)
{
    return slantp_input_is_jsonl(path, r->o->how) ? read_jsonl(r, path) : read_text(r, path);
}

/* One file found under a directory; an entry that could not be read
 * stops the reading, as a file that cannot be read does. */
static int walked(void *ctx, const char *path, const slant_error *why)
{
    reader *r = ctx;
    if (why) {
        *r->err = *why;
        return 1;
    }
    return read_one(r, path) != SLANT_OK;
}

static int read_path(reader *r, const char *path)
{
    if (!slantp_input_is_directory(path))
        return read_one(r, path);
    slant_error why;
    slantp_error_clear(&why);
    int rc = slantp_walk(path, NULL, walked, r, &why);
    if (rc == SLANT_EINVAL)         /* stopped: r->err says why */
        return r->err->code != SLANT_OK ? r->err->code : SLANT_EIO;
    if (rc != SLANT_OK)
        *r->err = why;
    return rc;
}

void slant_trace_input_options_init(slant_trace_input_options *o)
{
    memset(o, 0, sizeof *o);
    o->how = SLANT_INPUT_AUTO;
    o->id_field = "id";
    o->text_field = "text";
    o->date_field = "date";
    o->source_field = "source";
}

int slant_trace_add_file(slant_trace *t, const char *path, const slant_trace_input_options *o,
                         slant_error *err)
{
    slant_trace_input_options dflt;
    slantp_error_clear(err);
    if (!o) {
        slant_trace_input_options_init(&dflt);
        o = &dflt;
    }
    if (!path)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "no path");
    tracep_input **in = tracep_trace_input(t);
    if (!*in && !(*in = input_new()))
        return out_of_memory(err);
    reader r = {.t = t, .in = *in, .o = o, .err = err, .wait = calloc(BATCH, sizeof *r.wait)};
    if (!r.wait)
        return out_of_memory(err);
    int rc = read_path(&r, path);
    slant_error ignored;
    if (rc != SLANT_OK)
        r.err = &ignored;       /* the documents before the failure are still added */
    int flushed = flush(&r);
    for (size_t i = 0; i < BATCH; i++)
        slantp_record_release(&r.wait[i].rec);
    free(r.wait);
    return rc != SLANT_OK ? rc : flushed;
}
