/* jsonl.h - the fast path of JSONL decoding: the id and text of a
 * simple record without building a JSON tree. */
#ifndef SLANT_JSONL_H
#define SLANT_JSONL_H

#include "core.h"

/* Decode the "text" and "id" fields of a JSONL document line (fast path).
 * Returns 0 with text (and id, when *have_id) NUL-terminated; *have_id is
 * SLANTP_JSONL_ID_STRING or SLANTP_JSONL_ID_NUMBER for an id, 0 without;
 * SLANTP_JSONL_DECLINED when the line is anything but simple (parse it
 * with jansson then); SLANTP_JSONL_NOMEM when out of memory. */
#define SLANTP_JSONL_DECLINED (-1)
#define SLANTP_JSONL_NOMEM (-2)
#define SLANTP_JSONL_ID_STRING 1
#define SLANTP_JSONL_ID_NUMBER 2
int slantp_jsonl_doc(const char *line, size_t len, slantp_buf *text, slantp_buf *id, int *have_id);

#endif
