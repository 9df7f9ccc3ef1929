/* slant.h - news framing and outlet-type classifier: the public C API.
 *
 * slant reads a news article and scores, for every "head" a model was trained
 * on (for the shipped model: outlet_type and frames), every label of that
 * head, and explains each score with the phrases of the document that pushed
 * it, in the document's own words.
 *
 * Usage (error handling shortened):
 *
 *     slant_error err;
 *     slant_model *m = slant_model_load("models/default.slant", &err);
 *     slant_workspace *ws = slant_workspace_new(m, &err);
 *     const slant_result *r;
 *     if (slant_classify(ws, text, len, &r, &err) == SLANT_OK) {
 *         size_t h = 0, best = slant_result_best(r, h);
 *         printf("%s %.3f\n", slant_model_label(m, h, best),
 *                slant_result_score(r, h, best));
 *     }
 *     slant_workspace_free(ws);
 *     slant_model_free(m);
 *
 * Ownership: every _load/_new/_train has one matching _free; every _free
 * accepts NULL. Strings returned by a handle are borrowed and live as long
 * as that handle. No object keeps pointers into caller memory.
 *
 * Threads: a slant_model is immutable once loaded or trained and may be shared
 * by any number of threads. A slant_workspace (stemmer, caches, buffers,
 * the last result) belongs to one thread at a time: make one per thread.
 *
 * The library never prints and never exits: errors go to a caller-owned
 * slant_error (which may be NULL when the caller does not want the details).
 */
#ifndef SLANT_H
#define SLANT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLANT_VERSION "0.1.0"
/* The model file format this library writes and reads. */
#define SLANT_MODEL_FORMAT 1

/* Status codes returned by every operation. */
enum slant_status {
    SLANT_OK = 0,
    SLANT_ENOMEM,    /* out of memory */
    SLANT_EIO,       /* a file could not be opened, read or written */
    SLANT_EFORMAT,   /* malformed input data or model file */
    SLANT_EVERSION,  /* model written by an incompatible slant or stemmer */
    SLANT_EINVAL,    /* the caller passed an invalid argument */
    SLANT_ESTEMMER,  /* no Snowball stemmer for the requested language */
    SLANT_ETRAIN,    /* training could not proceed (too few labels, libsvm) */
    SLANT_ESTOPPED   /* a callback asked to stop (a batch whose output failed) */
};

/* The most worker threads any operation starts. */
#define SLANT_MAX_THREADS 64

/* Details of a failure. line and column are 1-based positions inside
 * 'source' when the error is about a place in a text file, and -1
 * otherwise; offset is a byte offset inside a binary file (model files),
 * or -1. text is lower-case with no trailing period. */
typedef struct slant_error {
    int code;            /* enum slant_status */
    long line, column;
    long offset;
    char source[256];    /* file name, "<stdin>", or "" */
    char text[512];
} slant_error;

/* A static description of a status code. */
const char *slant_strerror(int status);

/* ======================================================== models */

typedef struct slant_model slant_model;

/* Load a model file written by slant_model_save(). The file is read once,
 * its checksum verified, and every field checked; a malformed, truncated or
 * foreign file gives SLANT_EFORMAT or SLANT_EVERSION and NULL. */
slant_model *slant_model_load(const char *path, slant_error *err);
/* The same, on up to 'threads' threads (the checksum is summed beside
 * the parse). */
slant_model *slant_model_load_threads(const char *path, int threads, slant_error *err);

/* Write the model to 'path' atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. On failure the old file,
 * if any, is untouched. Same model, same bytes. */
int slant_model_save(const slant_model *m, const char *path, slant_error *err);

void slant_model_free(slant_model *m);

/* Remove the temporary file slant_model_save is writing, if any. It is
 * async-signal-safe: call it from a SIGINT or SIGTERM handler so that an
 * interrupted save leaves nothing behind (the target file is untouched
 * either way). A save also removes the temporaries that earlier saves of
 * the same file left when they were killed. */
void slant_remove_pending_temporary(void);

/* The model to use when the caller names none: the first readable file of
 *   $SLANT_MODEL (when set and not empty: used as it is, even if missing),
 *   EXE/models/default.slant and EXE/../models/default.slant (a checkout),
 *   EXE/../share/slant/default.slant (an install, wherever it was moved),
 *   PREFIX/share/slant/default.slant (the prefix the library was built for),
 *   models/default.slant (in the current directory),
 * where EXE is the directory of the running executable. Writes it into
 * 'path' ('size' bytes) and returns SLANT_OK. When none is readable,
 * returns SLANT_EIO, writes the last place into 'path', and err->text
 * lists every place looked in. */
int slant_model_default_path(char *path, size_t size, slant_error *err);

/* The i-th place slant_model_default_path looks in (from 0), written
 * into 'path'; returns 1, or 0 when there are fewer places. */
int slant_model_search_path(size_t i, char *path, size_t size);

size_t      slant_model_nheads(const slant_model *m);
const char *slant_model_head_name(const slant_model *m, size_t head);
int         slant_model_head_multilabel(const slant_model *m, size_t head);
size_t      slant_model_nlabels(const slant_model *m, size_t head);
const char *slant_model_label(const slant_model *m, size_t head, size_t label);
/* Index of the head called 'name', or (size_t)-1. */
size_t      slant_model_find_head(const slant_model *m, const char *name);
size_t      slant_model_nfeatures(const slant_model *m);
const char *slant_model_language(const slant_model *m);

/* One feature with its weight for a label, as used by slant_model_top_terms
 * and slant_result_terms. 'text' is a surface form: for a model, the form
 * seen most often in training; for a result, the document's own words. */
typedef struct slant_term {
    const char *text;    /* NUL-terminated, borrowed */
    double weight;
} slant_term;

/* The 'max' most positive feature weights of a label (the phrases that most
 * push a document towards it). Returns how many were stored in 'out'. */
size_t slant_model_top_terms(const slant_model *m, size_t head, size_t label,
                             slant_term *out, size_t max);

/* ======================================================== classifying */

typedef struct slant_workspace slant_workspace;
typedef struct slant_result slant_result;

/* Per-thread state for classifying with 'm': a Snowball stemmer, a stem
 * cache, token and feature buffers. 'm' must outlive the workspace. */
slant_workspace *slant_workspace_new(const slant_model *m, slant_error *err);
void slant_workspace_free(slant_workspace *ws);

/* Classify 'len' bytes of text (UTF-8; invalid bytes are read as U+FFFD;
 * need not be NUL-terminated). On success *out points to a result owned by
 * the workspace, valid until the next slant_classify on it. */
int slant_classify(slant_workspace *ws, const char *text, size_t len,
                   const slant_result **out, slant_error *err);

/* Calibrated probability of 'label' (Platt scaling fitted on held-out folds).
 * For a single-label head the probabilities sum to 1. */
double slant_result_score(const slant_result *r, size_t head, size_t label);
/* Raw linear decision value: the sum of every term weight plus the bias. */
double slant_result_decision(const slant_result *r, size_t head, size_t label);
double slant_result_bias(const slant_result *r, size_t head, size_t label);
/* Label with the highest score. */
size_t slant_result_best(const slant_result *r, size_t head);
/* Non-zero when the label is predicted: the best label of a single-label
 * head; for a multi-label head, every label over its threshold, at most as
 * many as a training document had. When no label is over its threshold,
 * the best one is predicted, unless some training documents had no label:
 * then the document gets none. */
int slant_result_predicted(const slant_result *r, size_t head, size_t label);
/* Number of distinct features the document hit. */
size_t slant_result_nfeatures(const slant_result *r);

/* Contributions of the document's features to the decision value of a
 * label, largest absolute weight first; 'max' = (size_t)-1 for all of them.
 * The weights of all terms plus the bias equal the decision value. 'text'
 * is the phrase as first written in the document (white space folded), and
 * lives until the next slant_result_terms or slant_classify on the same
 * workspace. Returns the number stored; NULL 'out' just counts. */
size_t slant_result_terms(const slant_result *r, size_t head, size_t label,
                          slant_term *out, size_t max);

/* The document's features one by one, i < slant_result_nfeatures(r), in
 * the order first met: the model's feature id (0-based, below
 * slant_model_nfeatures), and in *count how often it occurs (count may be
 * NULL). */
size_t slant_result_feature(const slant_result *r, size_t i, size_t *count);
/* The words of feature i as first written in the document (white space
 * folded); lives until the next slant_result_feature_text,
 * slant_result_terms or slant_classify on the same workspace. NULL when
 * out of memory. */
const char *slant_result_feature_text(const slant_result *r, size_t i);

/* The weight of 'feature' for a label (its contribution per unit of the
 * document's normalised tf-idf value), the most common surface form seen
 * in training, and whether it is made of function words and numbers only
 * (what slant_result_terms sums as one term). */
double      slant_model_weight(const slant_model *m, size_t head, size_t label, size_t feature);
const char *slant_model_feature_text(const slant_model *m, size_t feature);
int         slant_model_feature_style(const slant_model *m, size_t feature);

/* ======================================================== batches */

/* Many documents on many threads, results in input order: what
 * `slant classify -j N` does, for any program. Documents are submitted one
 * by one (raw text, or a JSONL line that is decoded on the workers) or a
 * file at a time. Each is classified on a worker thread, where on_result
 * turns it into bytes (an output record, formatted in parallel); on_output
 * then receives each document's bytes on the submitting thread, strictly
 * in submission order. Every document submitted reaches on_result and
 * on_output exactly once: those that fail (a malformed line, a file that
 * cannot be read) with their error and no result.
 *
 *     slant_batch_options o;
 *     slant_batch_options_init(&o);
 *     o.threads = 4;
 *     o.on_result = format_one;      // on a worker
 *     o.on_output = write_one;       // on this thread, in order
 *     slant_batch *b = slant_batch_new(model, &o, &err);
 *     slant_batch_submit_file(b, "corpus.jsonl", SLANT_INPUT_AUTO, &err);
 *     slant_batch_finish(b, &err);
 *     slant_batch_free(b);
 */

typedef struct slant_batch slant_batch;

/* A growable byte buffer that on_result writes a document's output into.
 * After a failed allocation 'failed' is set and further writes are
 * ignored. data is NUL-terminated when not NULL. */
typedef struct slant_buffer {
    char *data;
    size_t len, cap;
    int failed;
} slant_buffer;
void slant_buffer_write(slant_buffer *b, const void *bytes, size_t n);
void slant_buffer_release(slant_buffer *b);

/* How a document was given. */
enum slant_doc_kind {
    SLANT_DOC_TEXT,     /* the bytes are the text */
    SLANT_DOC_JSONL,    /* the bytes are a JSONL record: {"id":..., "text":..., ...} */
    SLANT_DOC_ERROR     /* the document could not be read; see the error */
};

/* A document as the callbacks see it. Pointers are borrowed: valid
 * during the callback only. */
typedef struct slant_doc {
    size_t index;           /* 0-based, in submission order */
    enum slant_doc_kind kind;
    const char *source;     /* file name, "<stdin>" */
    long line;              /* 1-based line of a JSONL record; 0 otherwise */
    long long offset;       /* byte offset of the record in its input; -1 if unknown */
    /* The id: a JSONL record's "id" (a string, or an integer written in
     * decimal with id_is_number set), else the line number for a JSONL
     * record and the source name for a text. NULL when the record could
     * not be decoded far enough to find it. */
    const char *id;
    int id_is_number;
    /* The JSONL line as read (NULL for a text), and the decoded text with
     * the names asked for blanked (NULL when the document failed). In
     * on_output, only the fields above are set. */
    const char *record;
    size_t record_len;
    const char *text;
    size_t text_len;
    /* Why the result should not be trusted, when it should not: "too
     * short: 3 words", "not english: ...", "too little evidence: 2
     * phrases". The document is still classified. NULL otherwise. */
    const char *abstain;
} slant_doc;

typedef struct slant_batch_options {
    int threads;            /* worker threads, 1..SLANT_MAX_THREADS; default 1 */
    /* Names blanked from every text, and a JSONL field whose value (with
     * its short forms) is blanked from its own record's text, as in
     * slant_read_options. */
    const char *const *mask_names;
    size_t nmask_names;
    const char *mask_field;
    /* Files found under a directory: fnmatch(3) patterns tried on the path
     * below the directory and on the base name; a file is taken when it
     * matches an include pattern (or there are none) and no exclude
     * pattern. */
    const char *const *include;
    size_t ninclude;
    const char *const *exclude;
    size_t nexclude;
    /* Abstention (see slant_doc.abstain): fewer words than min_words,
     * fewer of the model's phrases than min_phrases, or, with
     * check_language and an English model, too few English function words
     * or Latin letters. 0 turns a check off; defaults 20, 5 and 1. */
    size_t min_words, min_phrases;
    int check_language;
    /* Spin evidence (slant_trace.h): when not NULL, every document's
     * result carries the table's hits (slant_result_nspin,
     * slant_result_spin). The table is bound to the model once for all
     * workers, and must outlive the batch. Default NULL. */
    const struct slant_spin_table *spin;
    /* On worker 'worker' (0..threads-1): the document and its result, or
     * r == NULL and the error that stopped it. Writes the document's
     * output into 'out' (which starts empty). The result lives until the
     * callback returns. May be NULL: then out stays empty. */
    void (*on_result)(void *ctx, int worker, const slant_doc *doc, const slant_result *r,
                      const slant_error *why, slant_buffer *out);
    /* On the submitting thread, in submission order: the document (its
     * position and id), the error if it failed (NULL otherwise), and the
     * bytes on_result wrote. Return 0 to go on, non-zero to stop the
     * batch: nothing more is classified and submitting returns
     * SLANT_ESTOPPED. May be NULL. */
    int (*on_output)(void *ctx, const slant_doc *doc, const slant_error *why,
                     const char *bytes, size_t len);
    void *ctx;
} slant_batch_options;

void slant_batch_options_init(slant_batch_options *o);

/* A batch classifying with 'm' ('m' must outlive it). Threads start with
 * the first documents; if some cannot start, those that did share the
 * work. */
slant_batch *slant_batch_new(const slant_model *m, const slant_batch_options *o,
                             slant_error *err);

/* Submit one document: 'len' bytes of 'kind' (TEXT or JSONL), copied.
 * 'source', 'line' and 'offset' say where it came from (see slant_doc).
 * Documents are classified a few hundred at a time, so on_output for
 * earlier documents may run inside this call. Returns SLANT_OK,
 * SLANT_ENOMEM or SLANT_ESTOPPED. */
int slant_batch_submit(slant_batch *b, enum slant_doc_kind kind, const char *bytes, size_t len,
                       const char *source, long line, long long offset, slant_error *err);

/* Submit a document that could not be read, so that it still gets its
 * place in the output: 'why' says what went wrong; 'source', 'line' and
 * 'offset' where the document was, as for slant_batch_submit. */
int slant_batch_submit_error(slant_batch *b, const slant_error *why, const char *source,
                             long line, long long offset, slant_error *err);

/* How slant_batch_submit_file reads a file. AUTO: a name ending in
 * .jsonl or .ndjson (gzipped or not) is JSONL (one document a line; blank
 * lines and a byte-order mark skipped), anything else one TEXT document:
 * gzip is inflated, UTF-16 and UTF-32 (with a byte-order mark) and
 * single-byte encodings are converted to UTF-8, an HTML page is reduced
 * to its article's text, and a binary file is refused. TEXT reads any
 * name so, but never as HTML. */
enum slant_input { SLANT_INPUT_AUTO, SLANT_INPUT_TEXT, SLANT_INPUT_JSONL };

/* Submit the documents of 'path' ("-" is standard input; a directory:
 * every file under it, in byte order of their paths). A file that
 * cannot be read, a line over the length limit or a read error part way
 * is submitted as a document that failed (slant_batch_submit_error), in
 * its place; reading goes on where it can. Returns SLANT_OK, SLANT_ENOMEM
 * or SLANT_ESTOPPED: problems with the input itself are never a failure
 * of the call. */
int slant_batch_submit_file(slant_batch *b, const char *path, enum slant_input how,
                            slant_error *err);

/* Classify everything submitted and deliver it; the batch can take more
 * documents afterwards. */
int slant_batch_finish(slant_batch *b, slant_error *err);

/* Documents delivered so far, and how many of them failed. */
size_t slant_batch_delivered(const slant_batch *b);
size_t slant_batch_failed(const slant_batch *b);

/* Stops the threads. Documents submitted since the last finish may be
 * dropped: on_output is not called for them. */
void slant_batch_free(slant_batch *b);

/* ======================================================== training */

typedef struct slant_dataset slant_dataset;

/* Formats slant_dataset_read understands. AUTO picks by content: a
 * directory is DIR, a first line starting with '{' is JSONL, with
 * "__label__" is FASTTEXT, with a tab is TSV. */
enum slant_format { SLANT_FORMAT_AUTO, SLANT_FORMAT_JSONL, SLANT_FORMAT_FASTTEXT,
                    SLANT_FORMAT_TSV, SLANT_FORMAT_DIR };

slant_dataset *slant_dataset_new(void);
void slant_dataset_free(slant_dataset *d);

/* How to read labelled data. */
typedef struct slant_read_options {
    enum slant_format format;     /* default AUTO */
    /* FASTTEXT, TSV, DIR: the name of their one head (NULL = "label").
     * JSONL: read only this head, ignore the others (NULL = every head). */
    const char *head;
    /* A JSONL field kept per record for grouped folds (NULL = none); the
     * other formats have no fields, and asking for one is SLANT_EINVAL. */
    const char *group_field;
    /* A JSONL field whose value, and its short forms ("CNN" of "CNN (Web
     * News)"), is blanked from the record's own text (NULL = none) ... */
    const char *mask_field;
    /* ... and names blanked from every text. Blanking writes spaces over
     * a name found as written or in capitals, at word boundaries. */
    const char *const *mask_names;
    size_t nmask_names;
    /* Skip a malformed record instead of failing: each one is passed to
     * 'skipped' (file, line, column, what was wrong) and counted. */
    int skip_bad;
    void (*skipped)(void *ctx, const slant_error *why);
    void *skipped_ctx;
} slant_read_options;

void slant_read_options_init(slant_read_options *o);

/* Append the records of 'path' ("-" is standard input, a directory is
 * DIR). Text is UTF-8; a NUL in a JSONL string (\u0000) reads as a space.
 * Errors carry the file, line and column. */
int slant_dataset_read_with(slant_dataset *d, const char *path, const slant_read_options *o,
                            slant_error *err);
/* The same with default options but for the format, 'head' and
 * 'group_field'. */
int slant_dataset_read(slant_dataset *d, const char *path, enum slant_format fmt,
                       const char *head, const char *group_field, slant_error *err);
/* Records skipped as malformed (skip_bad), and records that had a value
 * for the group field. */
size_t slant_dataset_skipped(const slant_dataset *d);
size_t slant_dataset_grouped(const slant_dataset *d);
size_t slant_dataset_size(const slant_dataset *d);
/* Record i's id, and its group value (NULL when it has none). */
const char *slant_dataset_id(const slant_dataset *d, size_t i);
const char *slant_dataset_group(const slant_dataset *d, size_t i);
/* Record i's labels of head 'head' (an index below slant_dataset_nheads):
 * up to 'max' stored in 'out', the count returned; -1 when the record
 * does not carry the head at all. */
long slant_dataset_labels(const slant_dataset *d, size_t i, size_t head, const char **out,
                          size_t max);
size_t slant_dataset_nheads(const slant_dataset *d);
const char *slant_dataset_head_name(const slant_dataset *d, size_t head);

/* What the thresholds of a multi-label head are chosen to maximize on
 * out-of-fold predictions: micro-F1 (every label decision counts alike),
 * macro-F1 (every label counts alike: each label's own best F1), or their
 * sum (the default). */
enum slant_threshold_objective { SLANT_THRESHOLD_BOTH, SLANT_THRESHOLD_MICRO,
                                 SLANT_THRESHOLD_MACRO };

typedef struct slant_train_options {
    const char *language;   /* Snowball algorithm name; default "english" */
    int ngram_max;          /* word n-grams 1..ngram_max; default 3 (1..3) */
    int min_df;             /* keep features seen in >= min_df documents; default 2 */
    double max_df;          /* drop features in more than this share of documents; default 1.0 */
    size_t max_features;    /* keep the most frequent; 0 = no cap */
    int folds;              /* inner folds for C, calibration and thresholds; default 5 */
    const double *c_grid;   /* candidate C values; NULL = 0.1 0.3 1 3 10 */
    size_t c_grid_n;
    size_t gram_mb;         /* memory for the shared Gram matrix; past it, train
                               on sparse vectors; default 2048 */
    int threads;            /* worker threads; default 2 */
    unsigned seed;          /* fold shuffling; default 1 */
    /* Inner folds deal every record on its own (0, the default), or keep
     * the records of a group together (1) wherever a label still has
     * 'folds' groups. Either way they are stratified by label. */
    int inner_grouped;
    enum slant_threshold_objective threshold_objective;
    /* Called now and then with a short status line; may be NULL. */
    void (*progress)(void *ctx, const char *what, size_t done, size_t total);
    void *progress_ctx;
    /* Called with each warning (a label with one document, a calibration
     * that had to be refitted); may be NULL. */
    void (*warning)(void *ctx, const char *text);
    void *warning_ctx;
} slant_train_options;

void slant_train_options_init(slant_train_options *o);

/* Train one model with every head found in 'd'. Deterministic: the same
 * data and options give a byte-identical saved model. */
int slant_train(const slant_dataset *d, const slant_train_options *o,
                slant_model **out, slant_error *err);

/* ======================================================== evaluation */

/* Metrics of one head: per label counts, precision, recall and F1, micro and
 * macro F1, accuracy (exact match of the predicted label set) and, for
 * single-label heads, a confusion matrix gold x predicted. */
typedef struct slant_head_metrics {
    const char *head;
    int multilabel;
    size_t nlabels;
    const char *const *labels;
    size_t ndocs;          /* documents that carry this head */
    size_t *tp, *fp, *fn, *support;
    double *precision, *recall, *f1;
    double micro_f1, macro_f1, accuracy;
    size_t *confusion;     /* nlabels x nlabels, row = gold; NULL if multilabel */
} slant_head_metrics;

typedef struct slant_metrics slant_metrics;

/* Classify every record of 'd' with 'm' and compare with its labels.
 * Heads are matched by name; the model's heads the data lacks are left
 * out. Data with none of the model's heads, or with a label the model
 * does not know, is SLANT_EFORMAT. */
int slant_evaluate(const slant_model *m, const slant_dataset *d,
                   slant_metrics **out, slant_error *err);

typedef struct slant_cv_options {
    int k;              /* folds, 2 or more */
    int grouped;        /* records sharing their group value stay in one fold */
    /* Each held-out record (its index in the dataset) with the model of
     * its fold and its result, fold by fold; may be NULL. */
    void (*heldout)(void *ctx, int fold, size_t record, const slant_model *m,
                    const slant_result *r);
    void *ctx;
    int *fold_of;       /* when not NULL: slant_dataset_size() entries, each
                           record's fold */
} slant_cv_options;

/* K-fold cross-validation: train on K-1 folds with the full procedure
 * (vocabulary included), classify the held-out one. Folds are stratified
 * by label and, when grouped, keep groups whole. The metrics are of all
 * folds' predictions together; slant_metrics_fold gives each fold's. */
int slant_cross_validate_with(const slant_dataset *d, const slant_train_options *o,
                              const slant_cv_options *cv, slant_metrics **out, slant_error *err);
int slant_cross_validate(const slant_dataset *d, const slant_train_options *o,
                         int k, int grouped, slant_metrics **out, slant_error *err);
size_t slant_metrics_nheads(const slant_metrics *mt);
const slant_head_metrics *slant_metrics_head(const slant_metrics *mt, size_t i);
/* Cross-validation: the number of folds and one fold's metrics (owned by
 * 'mt'); 0 and NULL for an evaluation. */
size_t slant_metrics_nfolds(const slant_metrics *mt);
const slant_metrics *slant_metrics_fold(const slant_metrics *mt, size_t fold);
void slant_metrics_free(slant_metrics *mt);

/* A short summary of how a model was trained, for 'slant inspect'. */
typedef struct slant_model_info {
    int format_version;
    int ngram_max, min_df;
    double max_df;
    size_t max_features;
    size_t ndocs;              /* training documents */
    size_t nstems;
    int folds;
    int used_gram;             /* trained from a precomputed Gram matrix */
} slant_model_info;
void slant_model_get_info(const slant_model *m, slant_model_info *info);
/* Per label: chosen C, Platt A and B, threshold, training documents. */
void slant_model_label_info(const slant_model *m, size_t head, size_t label,
                            double *c, double *platt_a, double *platt_b,
                            double *threshold, size_t *ndocs);

#ifdef __cplusplus
}
#endif
#endif /* SLANT_H */
