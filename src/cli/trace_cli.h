/* trace_cli.h - what `slant trace` shares between its files: the framing
 * diff (trace_frames.c), the one place that calls the classifier. */
#ifndef SLANT_TRACE_CLI_H
#define SLANT_TRACE_CLI_H

#include "cli.h"
#include "slant_trace.h"

/* The collocation table: 'given', else $SLANT_SPIN_TABLE, else the shipped
 * one beside the executable or under its prefix. */
const char *cli_default_spin_table(const char *given);

typedef struct trace_frames trace_frames;

/* Scores documents with 'm' (borrowed; must outlive the object). */
trace_frames *trace_frames_new(const slant_model *m, slant_error *err);
void trace_frames_free(trace_frames *tf);

/* Classify a family's original and keep its scores and phrase weights;
 * then write its scores as a JSON member ("scores":{...}). */
int trace_frames_original(trace_frames *tf, const char *text, size_t len, cli_out *o,
                          slant_error *err);
/* Classify a version and write its scores and the framing diff against
 * the last original: "scores":{...},"framing_diff":[...]. */
int trace_frames_version(trace_frames *tf, const char *text, size_t len, cli_out *o,
                         slant_error *err);

#endif
