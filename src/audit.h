/* audit.h - bulk audits ('slant audit'): what the audit modules share.
 *
 * The pipeline (auditp_run.c): a worker classifies a document, packs what
 * the audit needs into a small binary record (auditp_record.c) and adds it
 * to an aggregate of its own (audit.c); at checkpoints the workers'
 * aggregates are merged into the run's, which is saved as a partial file
 * and read back, or merged with other shards' (auditp_file.c); the renders
 * (summary.json, CSV tables, report.html) are a function of the aggregate
 * and the model alone (auditp_report.c, auditp_html.c).
 *
 * Everything in an aggregate is an integer count or sum (probabilities in
 * units of 1e-9) or a minimum under a fixed order (example documents are
 * those with the smallest hash of their id), so adding documents in any
 * order, or in shards merged afterwards, gives the same aggregate and the
 * same bytes.
 */
#ifndef SLANT_AUDIT_H
#define SLANT_AUDIT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "core.h"
#include "slant.h"

#define AUDIT_FIXED 1000000000.0  /* probabilities are stored in units of 1e-9 */
#define AUDIT_EXAMPLES 5          /* example documents kept per group */
#define AUDIT_MAX_BY 8            /* --by fields */
#define AUDIT_MISSING "(missing)" /* the group of a record without the field */
#define AUDIT_UNKNOWN "unknown"   /* the time bucket of a missing or bad date */
#define AUDIT_SEP '\x1f'          /* joins the two parts of a cross key */
#define AUDITP_MAX_FEATURES ((size_t)1 << 24)   /* the most a partial file may name */

enum auditp_unit { AUDIT_NONE, AUDIT_DAY, AUDIT_WEEK, AUDIT_MONTH, AUDIT_YEAR };

/* What an audit aggregates; saved in every partial, and two partials merge
 * only when theirs are equal. */
typedef struct auditp_spec {
    size_t nby;
    char *by[AUDIT_MAX_BY];     /* JSONL field names */
    char *time_field;           /* NULL: no time grouping */
    enum auditp_unit unit;
    uint64_t model_sum;         /* checksum of the model file */
    size_t nheads;
    char **head;                /* per head: name */
    int *multilabel;
    size_t *first, *nlabels;    /* per head: its labels in the flat label list */
    size_t nlabels_total;
    char **label;               /* flat: every head's labels in order */
    size_t nfeatures;
} auditp_spec;

/* Fill a spec from a model (labels, features) and the options; -1 when
 * out of memory. The strings are copied. */
int auditp_spec_init(auditp_spec *s, const slant_model *m, uint64_t model_sum,
                    const char *const *by, size_t nby, const char *time_field,
                    enum auditp_unit unit);
void auditp_spec_release(auditp_spec *s);
int auditp_spec_equal(const auditp_spec *a, const auditp_spec *b);
const char *auditp_unit_name(enum auditp_unit u);
/* "day", "week", "month", "year" -> the unit; AUDIT_NONE if none of them. */
enum auditp_unit auditp_unit_parse(const char *s);

/* ------------------------------------------------ aggregates (audit.c) */

/* One phrase (model feature) in one group. */
typedef struct auditp_entry {
    uint32_t fid;       /* UINT32_MAX: an empty slot */
    uint32_t ex;        /* example document: an index in the id table */
    uint32_t ndocs;     /* documents of the group that use it */
    uint32_t ex_top;    /* the top 32 bits of the example's hash: most documents
                           lose to the example on these, without a look at the
                           id table */
    uint64_t count;     /* occurrences */
} auditp_entry;

/* A document id with its hash, and how many references it has. */
typedef struct auditp_id {
    uint64_t hash;
    char *id;
    uint32_t refs;      /* 0: a free slot */
} auditp_id;

typedef struct auditp_cell {
    char *key;
    uint64_t ndocs;
    uint64_t ntokens;       /* phrase occurrences counted (phrase groups) */
    uint64_t *npred;        /* per label: documents it was predicted for */
    uint64_t *sum_p;        /* per label: sum of probabilities, units of 1e-9 */
    uint64_t *sum_p2;       /* per label: sum of squared probabilities, units of 1e-9 */
    uint64_t *nnolabel;     /* per head: documents with no label predicted */
    uint64_t nabstained;    /* documents the classifier abstained on (too short,
                               not its language, too little evidence): counted
                               in the shares all the same, as classify labels them */
    uint32_t ex[AUDIT_EXAMPLES];   /* example documents (id table), by hash */
    size_t nex;
    auditp_entry *tab;       /* open addressing on fid; NULL if no phrases */
    size_t tab_cap, tab_n;
    size_t nfeatures;       /* of the spec: when a table would have as many slots,
                               it becomes direct, entry fid in slot fid (tab_cap is
                               then nfeatures, and empty slots still have fid
                               UINT32_MAX): one look per phrase, no probing, and no
                               more memory than the hash table it replaces */
    int direct;
    struct auditp_phrase *top;   /* while rendering: the distinctive phrases */
    size_t ntop;
} auditp_cell;

enum auditp_dim_kind { AUDIT_DIM_ALL, AUDIT_DIM_BY, AUDIT_DIM_TIME, AUDIT_DIM_CROSS,
                      AUDIT_DIM_PRED };

typedef struct auditp_dim {
    char *name;             /* "all", "source", "date:month", "source x date:month",
                               "predicted outlet_type" */
    enum auditp_dim_kind kind;
    size_t field;           /* BY/CROSS: which --by field; PRED: which head */
    int phrases;            /* counts phrases per group */
    auditp_cell **cells;
    size_t ncells, cells_cap;
    uint32_t *index;        /* open addressing on the key: cell index + 1 */
    size_t index_cap;
} auditp_dim;

/* A phrase's surface form in the documents: the one in the document with
 * the smallest id hash that uses it. */
typedef struct auditp_surface {
    uint64_t hash;          /* UINT64_MAX: none yet */
    char *text;
} auditp_surface;

/* A sample of the failed records: the error text and the id if known. */
typedef struct auditp_failure {
    uint64_t hash;
    char *text;
} auditp_failure;

/* What a worker needs to know of a feature, in 4 bytes so that the table
 * stays in the caches: 0 for a phrase that is not counted (function words
 * and numbers); else the top 32 bits of its surface's hash plus one
 * (UINT32_MAX while it has none), so that a document whose hash's top
 * bits are not below it cannot give a better surface. */
typedef struct auditp_bar {
    _Atomic uint32_t v;
} auditp_bar;

static inline uint32_t auditp_bar_of(uint64_t surface_hash)
{
    uint32_t top = (uint32_t)(surface_hash >> 32);
    return top == UINT32_MAX ? top : top + 1;
}

typedef struct auditp {
    auditp_spec spec;
    uint64_t nrecords;      /* records read, documents and failures */
    uint64_t ndocs;         /* classified */
    uint64_t nfailed;       /* could not be read or classified */
    auditp_failure fail[AUDIT_EXAMPLES];
    size_t nfail;
    auditp_dim *dims;
    size_t ndims;
    auditp_surface *surface;     /* per feature */
    uint32_t *surface_room;      /* per feature: bytes allocated for its text, so that
                                    a better surface is copied over the last one
                                    (0: not known, as after a load) */
    /* per feature, for the workers: whether it is counted, and which
     * surfaces could still win; read and written by the one thread that
     * owns the aggregate (atomic, so that a reader elsewhere is defined) */
    auditp_bar *surface_bar;
    auditp_id *ids;
    size_t nids, ids_cap;
    uint32_t *ids_index;        /* open addressing on hash: index + 1 */
    size_t ids_index_cap, ids_index_used;
    size_t ids_live;            /* ids with references */
    uint32_t ids_free;          /* head of the free list + 1 (refs = 0 slots) */
    slantp_buf key;             /* scratch: a document's cross key */
} auditp;

/* A new empty aggregate for 'spec' (which it takes over; the caller's copy
 * is zeroed). NULL when out of memory. */
auditp *auditp_new(auditp_spec *spec);
void auditp_free(auditp *a);
/* An empty aggregate with the spec and the workers' bars of 'a' (so the
 * same phrases are counted); NULL when out of memory. */
auditp *auditp_new_like(const auditp *a);
/* Give dst the bars of src (same spec). Neither may be in use by another
 * thread. */
void auditp_copy_bars(auditp *dst, const auditp *src);
/* Take from the model what the workers need (which phrases are counted);
 * -1 when out of memory. */
int auditp_use_model(auditp *a, const slant_model *m);

/* A decoded per-document record (auditp_record.c), pointing into the
 * record's bytes. */
typedef struct auditp_doc {
    uint64_t hash;
    const char *id;
    size_t id_len;
    const char *key[AUDIT_MAX_BY];      /* NULL: field missing */
    size_t key_len[AUDIT_MAX_BY];
    const char *bucket;                 /* time bucket; NULL without time */
    size_t bucket_len;
    const unsigned char *prob;          /* per label: a u32 in units of 1e-9, unaligned */
    const unsigned char *pred;          /* per label, 0 or 1 */
    size_t nfeat;
    const unsigned char *feat;          /* nfeat x (u32 fid, u32 count) */
    size_t nsurf;
    const unsigned char *surf;          /* nsurf x (u32 fid, u32 len, bytes) */
    int abstained;                      /* slant_doc.abstain was set */
} auditp_doc;

/* Add a classified document; a failed one. -1 when out of memory (the
 * aggregate is then unusable). */
int auditp_add(auditp *a, const auditp_doc *d);
int auditp_add_failure(auditp *a, const char *id, const char *text);

/* Add everything of 'src' to 'dst' (equal specs). -1 when out of memory. */
int auditp_merge(auditp *dst, const auditp *src);

/* For readers of partial files: the cell of 'key' (made if new), the
 * entry of a phrase (made with count 0 and no example if new), and a new
 * reference to an interned id; NULL or UINT32_MAX when out of memory. */
auditp_cell *auditp_dim_cell(auditp_dim *d, const auditp_spec *s, const char *key, size_t len);
auditp_entry *auditp_cell_entry(auditp_cell *c, uint32_t fid);
/* Room for n more phrases in c's table; -1 when out of memory. */
int auditp_cell_reserve(auditp_cell *c, size_t n);
uint32_t auditp_id_ref(auditp *a, uint64_t hash, const char *id, size_t len);

/* The entries of a cell sorted by fid, and the cells of a dimension
 * sorted by key (the canonical orders of files and renders); malloc'd. */
auditp_entry *auditp_cell_sorted(const auditp_cell *c, size_t *n);
auditp_cell **auditp_dim_sorted(const auditp_dim *d);
/* The hash of a document id. */
uint64_t auditp_id_hash(const char *id, size_t len);

/* ------------------------------------------------ records (auditp_record.c) */

/* The fields of a JSONL line: the value of each name in 'names', decoded
 * when a string, as written otherwise; NULL when absent or null. Values
 * are written into 'buf', each NUL-terminated (the length excludes it). Returns 0, or -1 when the line is not a JSON
 * object or out of memory. */
typedef struct auditp_fieldbuf {
    char *data;
    size_t len, cap;
} auditp_fieldbuf;
int auditp_fields(const char *line, size_t len, const char *const *names, size_t n,
                 auditp_fieldbuf *buf, const char **val, size_t *val_len);

/* The bucket of a date (YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by
 * a time; '/' also separates) in 'unit', written into out (at least 16
 * bytes): "2024", "2024-03", "2024-W09", "2024-03-01". Returns its length,
 * or 0 when the date cannot be read in that unit. */
size_t auditp_bucket(const char *date, size_t len, enum auditp_unit unit, char out[16]);

/* Pack a classified document into 'out' (the worker side). 'record' is its
 * JSONL line (NULL for a text document), 'id' its id. */
void auditp_record_write(const auditp *a, const slant_result *r, const char *id,
                        const char *record, size_t record_len, int abstained,
                        slant_buffer *out);
/* Unpack; -1 when the bytes are not a record. */
int auditp_record_read(const auditp *a, const char *p, size_t n, auditp_doc *d);

/* ------------------------------------------------ partial files (auditp_file.c) */

/* Where a run stands in its inputs, saved with the aggregate. */
typedef struct auditp_progress {
    int merged;                 /* a merge of partials: cannot be resumed */
    size_t ninputs;
    char **inputs;              /* the input paths */
    uint64_t file;              /* the input being read */
    uint64_t offset;            /* byte offset of its next record */
    uint64_t line;              /* lines of it read */
    uint64_t last_offset;       /* the last record added, and its id, to check */
    char *last_id;              /* on resume; NULL before any */
    int done;                   /* every input was read */
} auditp_progress;

void auditp_progress_release(auditp_progress *p);

/* Serialize to bytes (caller frees out->data); -1 when out of memory. */
int auditp_save_bytes(const auditp *a, const auditp_progress *pr, slant_buffer *out);
/* Write atomically to 'path'. */
int auditp_save(const auditp *a, const auditp_progress *pr, const char *path, slant_error *err);
/* Read a partial file, or 'n' bytes of one ('source' names them in
 * errors); pr may be NULL. */
auditp *auditp_load_bytes(const char *p, size_t n, auditp_progress *pr, const char *source,
                          slant_error *err);
auditp *auditp_load(const char *path, auditp_progress *pr, slant_error *err);

/* ------------------------------------------------ statistics and renders */

/* The Wilson score interval of k successes in n at z = 1.96. */
void auditp_wilson(uint64_t k, uint64_t n, double *lo, double *hi);
/* The mean of a probability and its normal 95% interval, from n, the sum
 * and the sum of squares (units of 1e-9). */
void auditp_mean_ci(uint64_t n, uint64_t sum, uint64_t sum2, double *mean, double *lo,
                   double *hi);
/* Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and
 * Quinn 2008) of a phrase in a group against the rest: y_i of n_i phrase
 * occurrences in the group, y_j of n_j elsewhere, prior alpha_w of
 * alpha_0 in all. Returns delta; *z gets delta over its standard error. */
double auditp_log_odds(double y_i, double n_i, double y_j, double n_j, double alpha_w,
                      double alpha_0, double *z);

/* Options of the renders. */
typedef struct auditp_render_options {
    size_t top_phrases;         /* per group; default 20 */
    size_t max_groups;          /* groups drawn per chart in the report; default 12 */
    double prior;               /* alpha_0 of the log-odds; default 1000 */
    size_t min_count;           /* phrases used fewer times in a group are not ranked; 3 */
    const char *link;           /* example links: "{id}" is replaced; NULL: no links */
    int threads;                /* files made side by side; default 1 */
} auditp_render_options;
void auditp_render_options_init(auditp_render_options *o);

/* Write summary.json, groups.csv, labels.csv, phrases.csv, examples.csv
 * and report.html into 'dir', each atomically, and first partial.slaud
 * with 'pr' when that is not NULL. 'm' gives the phrases' weights: it
 * must be the model of the audit (same checksum). */
int auditp_render(auditp *a, const slant_model *m, const auditp_render_options *o,
                 const auditp_progress *pr, const char *dir, slant_error *err);

/* The distinctive phrases of one cell (auditp_report.c), best first. */
typedef struct auditp_phrase {
    uint32_t fid;
    double z, delta;
    uint64_t count, rest;   /* in the group, in the other groups */
    uint32_t ndocs, ex;
} auditp_phrase;
/* Phrase occurrences of every feature over all the groups of d (malloc'd;
 * NULL when out of memory), and their sum in *n. */
uint64_t *auditp_dim_totals(const auditp *a, const auditp_dim *d, uint64_t *n);
/* The best o->top_phrases phrases of cell c (out has room for them),
 * given its dimension's totals. */
size_t auditp_top_phrases(const auditp_cell *c, const uint64_t *tot, uint64_t ntot,
                         const auditp_render_options *o, auditp_phrase *out);

/* summary.json (auditp_json.c) and report.html (auditp_html.c) into a
 * buffer, once auditp_render has found each cell's top phrases. */
int auditp_summary_json(const auditp *a, const slant_model *m, const auditp_render_options *o,
                       slant_buffer *out);
int auditp_html(const auditp *a, const slant_model *m, const auditp_render_options *o,
               slant_buffer *out);

/* ------------------------------------------------ provenance (auditp_trace.c) */

/* Where report.html takes the provenance section of slant trace: the
 * section goes between the marker and its end, the same for the link in
 * the navigation line. An audit rendered without a trace has the markers
 * alone. */
#define AUDITP_TRACE_NAV "<!--slant:trace-nav-->"
#define AUDITP_TRACE_SECTION "<!--slant:trace-->"

/* Helpers of report.html shared with the provenance section: formatted
 * text (up to 1 KB a call), text escaped for HTML, a group's anchor in the
 * examples table, and a document's URL from a --link template ("{id}"
 * replaced, escaped for an attribute). */
void auditp_putf(slant_buffer *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void auditp_html_esc(slant_buffer *b, const char *s);
void auditp_html_anchor(slant_buffer *b, const char *dim, const char *key);
void auditp_html_url(slant_buffer *b, const char *link, const char *id);

#endif
