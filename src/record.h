/* record.h - the one JSONL document reader: which lines of a JSONL input
 * are records (a byte-order mark and blank lines are skipped) and what a
 * record's id and text are (one id rule). Training data and classify
 * input alike go through it. */
#ifndef SLANT_RECORD_H
#define SLANT_RECORD_H

#include <jansson.h>

#include "core.h"
#include "io.h"

/* The next record line of 'lr': a UTF-8 byte-order mark at the start of
 * the input is dropped, and lines of nothing but spaces, tabs and a
 * carriage return are skipped. Returns as slantp_lines_next does: 1, 0
 * at the end, -1 on an error (an over-long line is SLANT_EFORMAT, and the
 * next call goes on after it). */
int slantp_records_next(slantp_lines *lr, const char **line, size_t *len, slant_error *err);

/* A decoded record. The id rule: "id" is a string, or an integer (kept in
 * decimal, with id_is_number set); a record with no id, or a null one,
 * takes its line number (has_id is 0 then); any other id is malformed. */
typedef struct slantp_jsonl_record {
    slantp_buf text;        /* the "text" field, NUL-terminated (NULs inside are kept) */
    slantp_buf id;          /* NUL-terminated */
    int has_id, id_is_number;
    json_t *root;           /* the whole object when fields were asked for; else NULL */
} slantp_jsonl_record;

/* Decode the record 'line' (line 'lineno' of 'source'). With 'want_fields'
 * the object is kept in rec->root for its other fields; without, a plain
 * record is read by a fast scanner and only unusual ones by jansson.
 * Errors say where the record went wrong. */
int slantp_record_decode(slantp_jsonl_record *rec, const char *line, size_t len, int want_fields,
                         const char *source, long lineno, slant_error *err);

/* The fields a record's id and text are read from; NULL (or a NULL name)
 * is the usual "id" and "text". */
typedef struct slantp_record_names {
    const char *id, *text;
} slantp_record_names;

/* slantp_record_decode with the id and text read from the fields 'names'
 * gives, by the same id rule; other names than the usual ones are read by
 * jansson alone. */
int slantp_record_decode_named(slantp_jsonl_record *rec, const char *line, size_t len,
                               const slantp_record_names *names, int want_fields,
                               const char *source, long lineno, slant_error *err);

/* Forget the last record's object (its buffers are kept for the next). */
void slantp_record_clear(slantp_jsonl_record *rec);
void slantp_record_release(slantp_jsonl_record *rec);

/* The string value of field 'name' of the record (an integer in decimal
 * into buf), or NULL when it has none of these. */
const char *slantp_record_field(const slantp_jsonl_record *rec, const char *name, char *buf,
                                size_t size);

#endif
