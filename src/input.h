/* input.h - reading the documents of a file or a directory into a batch
 * (input.c), for slant_batch_submit_file. */
#ifndef SLANT_INPUT_H
#define SLANT_INPUT_H

#include "core.h"

/* Whether 'path' is read as JSONL (a document a record) under 'how': by
 * its name (.jsonl, .ndjson, either gzipped) unless 'how' says. */
int slantp_input_is_jsonl(const char *path, enum slant_input how);

/* Whether 'path' names a directory ("-", standard input, never does). */
int slantp_input_is_directory(const char *path);

/* Submit every document of 'path' to 'b', read as 'o' and 'how' say. */
int slantp_submit_path(slant_batch *b, const slant_batch_options *o, const char *path,
                       enum slant_input how, slant_error *err);

#endif
