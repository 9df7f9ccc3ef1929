/* record.c - JSONL records: finding them among the lines, and decoding
 * their id and text (see record.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "record.h"

int slantp_records_next(slantp_lines *lr, const char **line, size_t *len, slant_error *err)
{
    for (;;) {
        int r = slantp_lines_next(lr, line, len, err);
        if (r != 1)
            return r;
        if (lr->lineno == 1 && *len >= 3 && memcmp(*line, "\xEF\xBB\xBF", 3) == 0) {
            *line += 3;
            *len -= 3;
        }
        for (size_t k = 0; k < *len; k++)
            if ((*line)[k] != ' ' && (*line)[k] != '\t' && (*line)[k] != '\r')
                return 1;
    }
}

void slantp_record_clear(slantp_jsonl_record *rec)
{
    json_decref(rec->root);
    rec->root = NULL;
    rec->text.len = rec->id.len = 0;
    rec->has_id = rec->id_is_number = 0;
}

void slantp_record_release(slantp_jsonl_record *rec)
{
    slantp_record_clear(rec);
    slantp_buf_release(&rec->text);
    slantp_buf_release(&rec->id);
}

static int set_id(slantp_jsonl_record *rec, const char *s, size_t n, int is_number)
{
    rec->id.len = 0;
    if (slantp_buf_append(&rec->id, s, n) < 0 || slantp_buf_append(&rec->id, "", 0) < 0)
        return -1;
    rec->has_id = 1;
    rec->id_is_number = is_number;
    return 0;
}

/* The id of a record parsed by jansson, by the rule in record.h. */
static int jansson_id(slantp_jsonl_record *rec, const char *name, const char *source, long lineno,
                      slant_error *err)
{
    json_t *v = json_object_get(rec->root, name);
    char num[32];
    int rc = 0;
    if (json_is_string(v)) {
        rc = set_id(rec, json_string_value(v), json_string_length(v), 0);
    } else if (json_is_integer(v)) {
        int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        rc = set_id(rec, num, (size_t)n, 1);
    } else if (v && !json_is_null(v)) {
        return slantp_error(err, SLANT_EFORMAT, source, lineno, 1,
                            "field '%s' is not a string or an integer", name);
    }
    return rc < 0 ? slantp_error(err, SLANT_ENOMEM, source, lineno, 1, "out of memory") : 0;
}

/* jansson 2.14 does not report every allocation that fails (its lexer
 * ignores some, and then calls the line malformed), so its allocator is
 * wrapped once to remember a failure on this thread: a record that met one
 * is out of memory, never malformed. The wrapper passes every call on to
 * the allocator that was set before, the application's own if it set one. */
static json_malloc_t prior_malloc;
static _Thread_local int jansson_failed;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

static void *watched_malloc(size_t n)
{
    void *p = prior_malloc(n);
    if (!p)
        jansson_failed = 1;
    return p;
}

static void watch_jansson(void)
{
    json_free_t prior_free;
    json_get_alloc_funcs(&prior_malloc, &prior_free);
    json_set_alloc_funcs(watched_malloc, prior_free);
}

static int jansson_decode(slantp_jsonl_record *rec, const char *line, size_t len,
                          const slantp_record_names *names, const char *source, long lineno,
                          slant_error *err)
{
    json_error_t je;
    pthread_once(&watch_once, watch_jansson);
    jansson_failed = 0;
    rec->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (jansson_failed) {
        json_decref(rec->root);
        rec->root = NULL;
        return slantp_error(err, SLANT_ENOMEM, source, lineno, 1, "out of memory");
    }
    if (!rec->root)
        return slantp_error(err, SLANT_EFORMAT, source, lineno, je.column > 0 ? je.column : 1,
                            "%s", je.text);
    if (!json_is_object(rec->root))
        return slantp_error(err, SLANT_EFORMAT, source, lineno, 1, "expected a JSON object");
    int rc = jansson_id(rec, names->id, source, lineno, err);
    if (rc != SLANT_OK)
        return rc;
    json_t *text = json_object_get(rec->root, names->text);
    if (!json_is_string(text))
        return slantp_error(err, SLANT_EFORMAT, source, lineno, 1,
                            text ? "field '%s' is not a string" : "missing field '%s'",
                            names->text);
    if (slantp_buf_append(&rec->text, json_string_value(text), json_string_length(text)) < 0 ||
        slantp_buf_append(&rec->text, "", 0) < 0)
        return slantp_error(err, SLANT_ENOMEM, source, lineno, 1, "out of memory");
    return SLANT_OK;
}

int slantp_record_decode(slantp_jsonl_record *rec, const char *line, size_t len, int want_fields,
                         const char *source, long lineno, slant_error *err)
{
    return slantp_record_decode_named(rec, line, len, NULL, want_fields, source, lineno, err);
}

/* The names asked for, the usual ones filled in; 1 when they are the usual. */
static int usual_names(const slantp_record_names *asked, slantp_record_names *names)
{
    names->id = asked && asked->id ? asked->id : "id";
    names->text = asked && asked->text ? asked->text : "text";
    return strcmp(names->id, "id") == 0 && strcmp(names->text, "text") == 0;
}

int slantp_record_decode_named(slantp_jsonl_record *rec, const char *line, size_t len,
                               const slantp_record_names *asked, int want_fields,
                               const char *source, long lineno, slant_error *err)
{
    slantp_record_names names;
    slantp_record_clear(rec);
    if (usual_names(asked, &names) && !want_fields) {
        int have_id = 0;
        int fast = slantp_jsonl_doc(line, len, &rec->text, &rec->id, &have_id);
        if (fast == SLANTP_JSONL_NOMEM)
            /* never a reason to try jansson, whose lexer ignores allocation failures */
            return slantp_error(err, SLANT_ENOMEM, source, lineno, 1, "out of memory");
        if (fast == 0) {
            rec->has_id = have_id != 0;
            rec->id_is_number = have_id == SLANTP_JSONL_ID_NUMBER;
            return SLANT_OK;
        }
        rec->text.len = rec->id.len = 0;
    }
    int rc = jansson_decode(rec, line, len, &names, source, lineno, err);
    if (rc != SLANT_OK) {
        /* the id, when one was read, still names the record that failed */
        json_decref(rec->root);
        rec->root = NULL;
        rec->text.len = 0;
    }
    return rc;
}

const char *slantp_record_field(const slantp_jsonl_record *rec, const char *name, char *buf,
                                size_t size)
{
    json_t *v = name && rec->root ? json_object_get(rec->root, name) : NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}
