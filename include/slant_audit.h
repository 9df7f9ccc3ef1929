/* slant_audit.h - bulk audits: classify a JSONL corpus and aggregate it by
 * group (any JSONL field), by period (a date field per day, week, month or
 * year) and by predicted outlet type, into exact, mergeable partial
 * aggregates and renders a researcher reads: summary.json, CSV tables and
 * a self-contained report.html.
 *
 * Usage (error handling shortened):
 *
 *     slant_audit_options o;
 *     slant_audit_options_init(&o);
 *     const char *by[] = {"source"};
 *     o.by = by, o.nby = 1;
 *     o.time_field = "date", o.time_unit = "month";
 *     o.model_path = path;                 // its checksum is recorded
 *     const char *inputs[] = {"corpus.jsonl"};
 *     slant_audit_run(model, inputs, 1, "audit", &o, &summary, &err);
 *
 * An audit directory holds partial.slaud (the aggregate and the position
 * reached in the inputs, saved atomically every o.checkpoint records) and
 * the renders. A run killed part way continues with o.resume set, and ends
 * with the same bytes as an uninterrupted run; runs over parts of a corpus
 * (shards) merge into the same bytes as one run over all of it, provided
 * the records have ids (examples are chosen by the hash of the id).
 *
 * The aggregate holds counts and integer sums only, so memory grows with
 * the number of groups and the phrases they use, not with the documents.
 * Functions return a status and fill 'err'; they never print.
 */
#ifndef SLANT_AUDIT_H_PUBLIC
#define SLANT_AUDIT_H_PUBLIC

#include "slant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a run stands, for a progress line. */
typedef struct slant_audit_progress {
    unsigned long long records;     /* records added (documents and failures) */
    unsigned long long failed;
    unsigned long long bytes_done;  /* of the inputs, read so far */
    unsigned long long bytes_total; /* 0 when unknown (standard input) */
} slant_audit_progress;

typedef struct slant_audit_options {
    const char *const *by;      /* JSONL fields to group by, at most 8 */
    size_t nby;
    const char *time_field;     /* a date field to group by, or NULL */
    const char *time_unit;      /* "day", "week" (ISO 8601), "month" or "year" */
    int threads;                /* worker threads; default 1 */
    int resume;                 /* continue the audit already in the directory */
    size_t checkpoint;          /* records between saves; default 100000 */
    size_t top_phrases;         /* distinctive phrases per group; default 20 */
    const char *link;           /* example ids link to this URL with "{id}"
                                   replaced; NULL: to the report's own list */
    const char *model_path;     /* the model's file: its checksum ties the
                                   audit to the model; NULL: not checked */
    /* Called after every record on the submitting thread (throttle in the
     * callee), and once before the first when resuming, with the records
     * and bytes of the inputs the checkpoint covers; 'failure' with each
     * record that could not be read or classified. Either may be NULL. */
    void (*progress)(void *ctx, const slant_audit_progress *p);
    void (*failure)(void *ctx, const slant_error *why);
    void *ctx;
    /* For crash tests: end the process with status 137, as SIGKILL would,
     * right after adding this record (0: never). */
    unsigned long long fault_after;
} slant_audit_options;

void slant_audit_options_init(slant_audit_options *o);

/* What a run or merge ended with. */
typedef struct slant_audit_summary {
    unsigned long long records, documents, failed;
    unsigned long long records_this_run;    /* not counting those resumed from */
    size_t groups;              /* groups of the first --by field (or outlet types) */
    char grouping[256];         /* that grouping's name */
} slant_audit_summary;

/* Audit the JSONL files 'inputs' ("-" is standard input, which cannot be
 * resumed) with model 'm' into directory 'out' (made if missing). A
 * directory that holds an audit already is continued when o->resume is
 * set (the inputs, fields and model must be the same), else refused with
 * SLANT_EINVAL. Records that cannot be read or classified are counted
 * (and passed to o->failure), never a failure of the call. */
int slant_audit_run(const slant_model *m, const char *const *inputs, size_t ninputs,
                    const char *out, const slant_audit_options *o, slant_audit_summary *sum,
                    slant_error *err);

/* Merge finished audits ('shards': directories or partial files) made with
 * the same fields and model into 'out', and render it. */
int slant_audit_merge(const slant_model *m, const char *const *shards, size_t nshards,
                      const char *out, const slant_audit_options *o, slant_audit_summary *sum,
                      slant_error *err);

/* Render the audit in directory 'dir' again, into 'out' (NULL: 'dir'). */
int slant_audit_report(const slant_model *m, const char *dir, const char *out,
                       const slant_audit_options *o, slant_error *err);

/* Add the families of copies and rewrites that `slant trace --out` wrote
 * to the renders of the audit in 'dir' (made by one of the calls above):
 * report.html gets a section "Copies and rewrites" with the largest
 * families (at most 'max_families'; 0: 20), each version's relation,
 * outlet and framing moves; summary.json gets a member "trace" with
 * counts over all the families. 'trace' is that directory or its
 * families.jsonl. Versions link to 'link' with "{id}" replaced, else to
 * their outlet's group in the report. The file is read once and only the
 * families shown are kept, so memory does not grow with the corpus.
 * Adding a trace again replaces the one there. */
int slant_audit_add_trace(const char *dir, const char *trace, size_t max_families,
                          const char *link, slant_error *err);

#ifdef __cplusplus
}
#endif
#endif
