/* audit.h - bulk audits ('slant audit'): what the audit modules share.
 *
 * The pipeline (audit_run.c): a worker classifies a document, packs what
 * the audit needs into a small binary record (audit_record.c) and adds it
 * to an aggregate of its own (audit.c); at checkpoints the workers'
 * aggregates are merged into the run's, which is saved as a partial file
 * and read back, or merged with other shards' (audit_file.c); the renders
 * (summary.json, CSV tables, report.html) are a function of the aggregate
 * and the model alone (audit_report.c, audit_html.c).
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

enum audit_unit { AUDIT_NONE, AUDIT_DAY, AUDIT_WEEK, AUDIT_MONTH, AUDIT_YEAR };

/* What an audit aggregates; saved in every partial, and two partials merge
 * only when theirs are equal. */
typedef struct audit_spec {
    size_t nby;
    char *by[AUDIT_MAX_BY];     /* JSONL field names */
    char *time_field;           /* NULL: no time grouping */
    enum audit_unit unit;
    uint64_t model_sum;         /* checksum of the model file */
    size_t nheads;
    char **head;                /* per head: name */
    int *multilabel;
    size_t *first, *nlabels;    /* per head: its labels in the flat label list */
    size_t nlabels_total;
    char **label;               /* flat: every head's labels in order */
    size_t nfeatures;
} audit_spec;

/* Fill a spec from a model (labels, features) and the options; -1 when
 * out of memory. The strings are copied. */
int audit_spec_init(audit_spec *s, const slant_model *m, uint64_t model_sum,
                    const char *const *by, size_t nby, const char *time_field,
                    enum audit_unit unit);
void audit_spec_release(audit_spec *s);
int audit_spec_equal(const audit_spec *a, const audit_spec *b);
const char *audit_unit_name(enum audit_unit u);
/* "day", "week", "month", "year" -> the unit; AUDIT_NONE if none of them. */
enum audit_unit audit_unit_parse(const char *s);

/* ------------------------------------------------ aggregates (audit.c) */

/* One phrase (model feature) in one group. */
typedef struct audit_entry {
    uint32_t fid;       /* UINT32_MAX: an empty slot */
    uint32_t ex;        /* example document: an index in the id table */
    uint32_t ndocs;     /* documents of the group that use it */
    uint32_t ex_top;    /* the top 32 bits of the example's hash: most documents
                           lose to the example on these, without a look at the
                           id table */
    uint64_t count;     /* occurrences */
} audit_entry;

/* A document id with its hash, and how many references it has. */
typedef struct audit_id {
    uint64_t hash;
    char *id;
    uint32_t refs;      /* 0: a free slot */
} audit_id;

typedef struct audit_cell {
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
    audit_entry *tab;       /* open addressing on fid; NULL if no phrases */
    size_t tab_cap, tab_n;
    struct audit_phrase *top;   /* while rendering: the distinctive phrases */
    size_t ntop;
} audit_cell;

enum audit_dim_kind { AUDIT_DIM_ALL, AUDIT_DIM_BY, AUDIT_DIM_TIME, AUDIT_DIM_CROSS,
                      AUDIT_DIM_PRED };

typedef struct audit_dim {
    char *name;             /* "all", "source", "date:month", "source x date:month",
                               "predicted outlet_type" */
    enum audit_dim_kind kind;
    size_t field;           /* BY/CROSS: which --by field; PRED: which head */
    int phrases;            /* counts phrases per group */
    audit_cell **cells;
    size_t ncells, cells_cap;
    uint32_t *index;        /* open addressing on the key: cell index + 1 */
    size_t index_cap;
} audit_dim;

/* A phrase's surface form in the documents: the one in the document with
 * the smallest id hash that uses it. */
typedef struct audit_surface {
    uint64_t hash;          /* UINT64_MAX: none yet */
    char *text;
} audit_surface;

/* A sample of the failed records: the error text and the id if known. */
typedef struct audit_failure {
    uint64_t hash;
    char *text;
} audit_failure;

/* What a worker needs to know of a feature, in 4 bytes so that the table
 * stays in the caches: 0 for a phrase that is not counted (function words
 * and numbers); else the top 32 bits of its surface's hash plus one
 * (UINT32_MAX while it has none), so that a document whose hash's top
 * bits are not below it cannot give a better surface. */
typedef struct audit_bar {
    _Atomic uint32_t v;
} audit_bar;

static inline uint32_t audit_bar_of(uint64_t surface_hash)
{
    uint32_t top = (uint32_t)(surface_hash >> 32);
    return top == UINT32_MAX ? top : top + 1;
}

typedef struct audit {
    audit_spec spec;
    uint64_t nrecords;      /* records read, documents and failures */
    uint64_t ndocs;         /* classified */
    uint64_t nfailed;       /* could not be read or classified */
    audit_failure fail[AUDIT_EXAMPLES];
    size_t nfail;
    audit_dim *dims;
    size_t ndims;
    audit_surface *surface;     /* per feature */
    /* per feature, for the workers: whether it is counted, and which
     * surfaces could still win; read and written by the one thread that
     * owns the aggregate (atomic, so that a reader elsewhere is defined) */
    audit_bar *surface_bar;
    audit_id *ids;
    size_t nids, ids_cap;
    uint32_t *ids_index;        /* open addressing on hash: index + 1 */
    size_t ids_index_cap, ids_index_used;
    size_t ids_live;            /* ids with references */
    uint32_t ids_free;          /* head of the free list + 1 (refs = 0 slots) */
    slantp_buf key;             /* scratch: a document's cross key */
} audit;

/* A new empty aggregate for 'spec' (which it takes over; the caller's copy
 * is zeroed). NULL when out of memory. */
audit *audit_new(audit_spec *spec);
void audit_free(audit *a);
/* An empty aggregate with the spec and the workers' bars of 'a' (so the
 * same phrases are counted); NULL when out of memory. */
audit *audit_new_like(const audit *a);
/* Give dst the bars of src (same spec). Neither may be in use by another
 * thread. */
void audit_copy_bars(audit *dst, const audit *src);
/* Take from the model what the workers need (which phrases are counted);
 * -1 when out of memory. */
int audit_use_model(audit *a, const slant_model *m);

/* A decoded per-document record (audit_record.c), pointing into the
 * record's bytes. */
typedef struct audit_doc {
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
} audit_doc;

/* Add a classified document; a failed one. -1 when out of memory (the
 * aggregate is then unusable). */
int audit_add(audit *a, const audit_doc *d);
int audit_add_failure(audit *a, const char *id, const char *text);

/* Add everything of 'src' to 'dst' (equal specs). -1 when out of memory. */
int audit_merge(audit *dst, const audit *src);

/* For readers of partial files: the cell of 'key' (made if new), the
 * entry of a phrase (made with count 0 and no example if new), and a new
 * reference to an interned id; NULL or UINT32_MAX when out of memory. */
audit_cell *audit_dim_cell(audit_dim *d, const audit_spec *s, const char *key, size_t len);
audit_entry *audit_cell_entry(audit_cell *c, uint32_t fid);
/* Room for n more phrases in c's table; -1 when out of memory. */
int audit_cell_reserve(audit_cell *c, size_t n);
uint32_t audit_id_ref(audit *a, uint64_t hash, const char *id, size_t len);

/* The entries of a cell sorted by fid, and the cells of a dimension
 * sorted by key (the canonical orders of files and renders); malloc'd. */
audit_entry *audit_cell_sorted(const audit_cell *c, size_t *n);
audit_cell **audit_dim_sorted(const audit_dim *d);
/* The hash of a document id. */
uint64_t audit_id_hash(const char *id, size_t len);

/* ------------------------------------------------ records (audit_record.c) */

/* The fields of a JSONL line: the value of each name in 'names', decoded
 * when a string, as written otherwise; NULL when absent or null. Values
 * are written into 'buf', each NUL-terminated (the length excludes it). Returns 0, or -1 when the line is not a JSON
 * object or out of memory. */
typedef struct audit_fieldbuf {
    char *data;
    size_t len, cap;
} audit_fieldbuf;
int audit_fields(const char *line, size_t len, const char *const *names, size_t n,
                 audit_fieldbuf *buf, const char **val, size_t *val_len);

/* The bucket of a date (YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by
 * a time; '/' also separates) in 'unit', written into out (at least 16
 * bytes): "2024", "2024-03", "2024-W09", "2024-03-01". Returns its length,
 * or 0 when the date cannot be read in that unit. */
size_t audit_bucket(const char *date, size_t len, enum audit_unit unit, char out[16]);

/* Pack a classified document into 'out' (the worker side). 'record' is its
 * JSONL line (NULL for a text document), 'id' its id. */
void audit_record_write(const audit *a, const slant_result *r, const char *id,
                        const char *record, size_t record_len, int abstained,
                        slant_buffer *out);
/* Unpack; -1 when the bytes are not a record. */
int audit_record_read(const audit *a, const char *p, size_t n, audit_doc *d);

/* ------------------------------------------------ partial files (audit_file.c) */

/* Where a run stands in its inputs, saved with the aggregate. */
typedef struct audit_progress {
    int merged;                 /* a merge of partials: cannot be resumed */
    size_t ninputs;
    char **inputs;              /* the input paths */
    uint64_t file;              /* the input being read */
    uint64_t offset;            /* byte offset of its next record */
    uint64_t line;              /* lines of it read */
    uint64_t last_offset;       /* the last record added, and its id, to check */
    char *last_id;              /* on resume; NULL before any */
    int done;                   /* every input was read */
} audit_progress;

void audit_progress_release(audit_progress *p);

/* Serialize to bytes (caller frees out->data); -1 when out of memory. */
int audit_save_bytes(const audit *a, const audit_progress *pr, slant_buffer *out);
/* Write atomically to 'path'. */
int audit_save(const audit *a, const audit_progress *pr, const char *path, slant_error *err);
/* Read a partial file; *pr may be NULL. */
audit *audit_load(const char *path, audit_progress *pr, slant_error *err);

/* ------------------------------------------------ statistics and renders */

/* The Wilson score interval of k successes in n at z = 1.96. */
void audit_wilson(uint64_t k, uint64_t n, double *lo, double *hi);
/* The mean of a probability and its normal 95% interval, from n, the sum
 * and the sum of squares (units of 1e-9). */
void audit_mean_ci(uint64_t n, uint64_t sum, uint64_t sum2, double *mean, double *lo,
                   double *hi);
/* Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and
 * Quinn 2008) of a phrase in a group against the rest: y_i of n_i phrase
 * occurrences in the group, y_j of n_j elsewhere, prior alpha_w of
 * alpha_0 in all. Returns delta; *z gets delta over its standard error. */
double audit_log_odds(double y_i, double n_i, double y_j, double n_j, double alpha_w,
                      double alpha_0, double *z);

/* Options of the renders. */
typedef struct audit_render_options {
    size_t top_phrases;         /* per group; default 20 */
    size_t max_groups;          /* groups drawn per chart in the report; default 12 */
    double prior;               /* alpha_0 of the log-odds; default 1000 */
    size_t min_count;           /* phrases used fewer times in a group are not ranked; 3 */
    const char *link;           /* example links: "{id}" is replaced; NULL: no links */
} audit_render_options;
void audit_render_options_init(audit_render_options *o);

/* Write summary.json, groups.csv, labels.csv, phrases.csv and report.html
 * into 'dir', each atomically. 'm' gives the phrases' weights: it must be
 * the model of the audit (same checksum). */
int audit_render(audit *a, const slant_model *m, const audit_render_options *o,
                 const char *dir, slant_error *err);

/* The distinctive phrases of one cell (audit_report.c), best first. */
typedef struct audit_phrase {
    uint32_t fid;
    double z, delta;
    uint64_t count, rest;   /* in the group, in the other groups */
    uint32_t ndocs, ex;
} audit_phrase;
/* Phrase occurrences of every feature over all the groups of d (malloc'd;
 * NULL when out of memory), and their sum in *n. */
uint64_t *audit_dim_totals(const audit *a, const audit_dim *d, uint64_t *n);
/* The best o->top_phrases phrases of cell c (out has room for them),
 * given its dimension's totals. */
size_t audit_top_phrases(const audit_cell *c, const uint64_t *tot, uint64_t ntot,
                         const audit_render_options *o, audit_phrase *out);

/* report.html into a buffer (audit_html.c), once audit_render has found
 * each cell's top phrases. */
int audit_html(const audit *a, const slant_model *m, const audit_render_options *o,
               slant_buffer *out);

#endif
