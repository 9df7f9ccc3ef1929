/* auditp_run.c - the public audit API (slant_audit.h): a run over JSONL
 * inputs with checkpoints and --resume, merges of finished shards, and
 * re-rendering.
 *
 * A run reads its inputs itself, line by line with byte offsets, and hands
 * each line to a slant_batch. Each worker classifies its documents and adds
 * them to an aggregate of its own (auditp_record_write, auditp_add): the
 * aggregate is made of sums and minima, so which worker counts a document
 * does not matter, and counting on the workers leaves no serial stage
 * behind the classification. The submitting thread only follows the
 * position, in input order. Every o->checkpoint records it lets the batch
 * finish what was submitted, so that the workers' aggregates hold exactly
 * the records up to the last one delivered, gives the workers fresh ones,
 * and, on a thread of its own while the workers go on, merges the retired
 * ones into the run's aggregate and saves that with the position
 * (partial.slaud, atomically); the next checkpoint waits for that first.
 * Resuming loads that file, checks that the record at the saved position
 * still has the saved id, and goes on after it: the aggregate is then
 * exactly that of an uninterrupted run, and so are the renders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core.h"
#include "io.h"
#include "threads.h"
#include "audit.h"
#include "slant_audit.h"

#define PARTIAL "partial.slaud"

void slant_audit_options_init(slant_audit_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->checkpoint = 100000;
    o->top_phrases = 20;
}

/* ======================================================== a run's state */

typedef struct run {
    auditp *a;                   /* everything up to the last checkpoint */
    auditp **local;              /* per worker: what it counted since */
    slant_buffer *scratch;      /* per worker: a document's record */
    int *local_failed;          /* per worker: out of memory */
    int nlocal;
    auditp_progress pr;
    const slant_audit_options *o;
    char *partial;              /* out/partial.slaud */
    slant_error fail;           /* why the run stopped (a save, memory) */
    int failed;
    uint64_t submitted;         /* records submitted, with those of the resumed checkpoint */
    uint64_t checkpointed;      /* submitted at the last checkpoint */
    uint64_t delivered;         /* records delivered by this run */
    uint64_t records_before;    /* records of the resumed checkpoint */
    slant_audit_progress shown;
    /* the checkpoint being merged and saved in the background */
    slantp_threads saver;
    auditp **retired;           /* per worker: its aggregate up to the checkpoint */
    auditp_progress saved_pr;   /* the position of the checkpoint */
    int saving;
    int saver_failed;
    slant_error saver_fail;
} run;

static int wait_saver(run *r);

/* On worker 'worker': count the document in the worker's own aggregate. */
static void on_result(void *ctx, int worker, const slant_doc *doc, const slant_result *res,
                      const slant_error *why, slant_buffer *out)
{
    run *r = ctx;
    auditp *l = r->local[worker];
    slant_buffer *s = &r->scratch[worker];
    auditp_doc d;
    (void)out;
    if (why || !res) {
        if (auditp_add_failure(l, doc->id, why ? why->text : "not classified") < 0)
            r->local_failed[worker] = 1;
        return;
    }
    s->len = 0;
    s->failed = 0;
    auditp_record_write(l, res, doc->id, doc->record, doc->record_len, doc->abstain != NULL, s);
    if (s->failed || auditp_record_read(l, s->data, s->len, &d) < 0 || auditp_add(l, &d) < 0)
        r->local_failed[worker] = 1;
}

/* Which input a document came from: its source, from the current one on
 * (inputs are read in order). */
static void track_input(run *r, const slant_doc *doc)
{
    for (uint64_t f = r->pr.file; f < r->pr.ninputs; f++)
        if (strcmp(r->pr.inputs[f], doc->source) == 0 ||
            (strcmp(r->pr.inputs[f], "-") == 0 && strcmp(doc->source, "<stdin>") == 0)) {
            r->pr.file = f;
            return;
        }
}

static int note_position(run *r, const slant_doc *doc)
{
    track_input(r, doc);
    r->pr.last_offset = doc->offset >= 0 ? (uint64_t)doc->offset : 0;
    r->pr.line = doc->line > 0 ? (uint64_t)doc->line : r->pr.line;
    free(r->pr.last_id);
    r->pr.last_id = slantp_strndup(doc->id ? doc->id : "", doc->id ? strlen(doc->id) : 0);
    return r->pr.last_id ? 0 : -1;
}

/* On the submitting thread, in input order: follow the position. */
static int on_output(void *ctx, const slant_doc *doc, const slant_error *why, const char *bytes,
                     size_t len)
{
    run *r = ctx;
    (void)bytes;
    (void)len;
    if (why && r->o->failure)
        r->o->failure(r->o->ctx, why);
    if (note_position(r, doc) < 0) {
        slantp_error(&r->fail, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        r->failed = 1;
        return 1;
    }
    r->delivered++;
    r->shown.failed += why != NULL;
    if (r->o->fault_after && r->records_before + r->delivered == r->o->fault_after) {
        wait_saver(r);  /* a kill can come in the middle of a save as well, but the
                           tests that kill need to know which checkpoint is saved */
        _exit(137);     /* as SIGKILL would: no final save, no cleanup */
    }
    if (r->o->progress) {
        r->shown.records = r->records_before + r->delivered;
        r->o->progress(r->o->ctx, &r->shown);
    }
    return 0;
}

/* Merge the aggregates of 'from' (one per worker) into the run's, and free
 * them. An empty run's aggregate is replaced by the first rather than
 * merged into. -1 when out of memory. */
static int merge_into_run(run *r, auditp **from)
{
    int rc = 0;
    for (int w = 0; w < r->nlocal; w++) {
        if (rc == 0 && r->a->nrecords == 0 && r->a->ndims == from[w]->ndims) {
            auditp_free(r->a);
            r->a = from[w];
        } else {
            if (rc == 0 && auditp_merge(r->a, from[w]) < 0)
                rc = -1;
            auditp_free(from[w]);
        }
        from[w] = NULL;
    }
    return rc;
}

/* The workers' aggregates into the run's, at the end. Only while the
 * batch is idle. */
static int gather(run *r)
{
    for (int w = 0; w < r->nlocal; w++)
        if (r->local_failed[w])
            goto oom;
    if (merge_into_run(r, r->local) == 0)
        return 0;
oom:
    slantp_error(&r->fail, SLANT_ENOMEM, NULL, -1, -1, "out of memory while aggregating");
    r->failed = 1;
    return -1;
}

/* On the saver thread: the retired aggregates into the run's, and the
 * run's saved at the checkpoint's position. */
static void *merge_and_save(void *arg)
{
    run *r = arg;
    if (merge_into_run(r, r->retired) < 0) {
        slantp_error(&r->saver_fail, SLANT_ENOMEM, NULL, -1, -1, "out of memory while aggregating");
        r->saver_failed = 1;
    } else if (auditp_save(r->a, &r->saved_pr, r->partial, &r->saver_fail) != SLANT_OK) {
        r->saver_failed = 1;
    }
    free(r->saved_pr.last_id);
    r->saved_pr.last_id = NULL;
    return NULL;
}

/* Wait for the checkpoint being saved; -1 when it failed (r->fail says
 * why). */
static int wait_saver(run *r)
{
    if (r->saving) {
        slantp_threads_join(&r->saver);
        r->saving = 0;
    }
    if (r->saver_failed && !r->failed) {
        r->fail = r->saver_fail;
        r->failed = 1;
    }
    return r->saver_failed ? -1 : 0;
}

/* Let the batch deliver everything submitted, then hand the workers
 * fresh aggregates and merge and save the retired ones on the saver
 * thread while the workers go on (on this thread when it cannot start).
 * A fresh aggregate takes the bars of the one it replaces, not the merged
 * ones: a surface the merge would have barred is then sent and loses,
 * which costs a little and changes nothing. */
static int checkpoint(run *r, slant_batch *b, slant_error *err)
{
    if (slant_batch_finish(b, err) != SLANT_OK || wait_saver(r) < 0)
        return -1;
    r->checkpointed = r->submitted;
    for (int w = 0; w < r->nlocal; w++) {
        if (r->local_failed[w])
            goto oom;
        r->retired[w] = r->local[w];
        if (!(r->local[w] = auditp_new_like(r->retired[w])))
            goto oom;
    }
    r->saved_pr = r->pr;
    r->saved_pr.last_id = NULL;
    if (r->pr.last_id && !(r->saved_pr.last_id = slantp_strndup(r->pr.last_id, strlen(r->pr.last_id))))
        goto oom;
    if (slantp_thread_start(&r->saver, merge_and_save, r, 0) == 0)
        r->saving = 1;
    else
        merge_and_save(r);
    return r->saving ? 0 : wait_saver(r);
oom:
    slantp_error(&r->fail, SLANT_ENOMEM, NULL, -1, -1, "out of memory while aggregating");
    r->failed = 1;
    return -1;
}

static int make_locals(run *r, int n)
{
    r->nlocal = n;
    r->local = calloc((size_t)n, sizeof *r->local);
    r->scratch = calloc((size_t)n, sizeof *r->scratch);
    r->local_failed = calloc((size_t)n, sizeof *r->local_failed);
    r->retired = calloc((size_t)n, sizeof *r->retired);
    if (!r->local || !r->scratch || !r->local_failed || !r->retired)
        return -1;
    for (int w = 0; w < n; w++)
        if (!(r->local[w] = auditp_new_like(r->a)))
            return -1;
    return 0;
}

static void free_locals(run *r)
{
    for (int w = 0; r->local && w < r->nlocal; w++)
        auditp_free(r->local[w]);
    for (int w = 0; r->retired && w < r->nlocal; w++)
        auditp_free(r->retired[w]);
    free(r->retired);
    for (int w = 0; r->scratch && w < r->nlocal; w++)
        slant_buffer_release(&r->scratch[w]);
    free(r->local);
    free(r->scratch);
    free(r->local_failed);
}

/* ======================================================== reading inputs */

static unsigned long long input_bytes(const char *const *inputs, size_t n);

static int id_matches(const char *line, size_t len, const char *want)
{
    const char *names[1] = {"id"};
    const char *val[1];
    size_t vlen[1];
    auditp_fieldbuf buf = {0};
    int ok = auditp_fields(line, len, names, 1, &buf, val, vlen) == 0 && val[0] &&
             strlen(want) == vlen[0] && memcmp(val[0], want, vlen[0]) == 0;
    free(buf.data);
    return ok;
}

/* Open input f; when resuming, seek past the last record added, after
 * checking that it is still there. */
static FILE *open_input(run *r, size_t f, int resuming, long *line, slant_error *err)
{
    const char *path = r->pr.inputs[f];
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    *line = 0;
    if (!fp) {
        slantp_error(err, SLANT_EIO, path, -1, -1, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (!resuming)
        return fp;
    if (fp == stdin) {
        slantp_error(err, SLANT_EINVAL, "<stdin>", -1, -1,
                     "standard input cannot be resumed: audit a file");
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = -1;
    if (fseeko(fp, (off_t)r->pr.last_offset, SEEK_SET) == 0)
        n = getline(&buf, &cap, fp);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    int ok = n >= 0 && r->pr.last_id && id_matches(buf, (size_t)n, r->pr.last_id);
    free(buf);
    if (ok) {
        /* the inputs before the checkpoint were read by the run that made
         * it: they count as done, and a progress line starts from there */
        off_t at = ftello(fp);
        r->shown.bytes_done = input_bytes((const char *const *)r->pr.inputs, f) +
                              (at > 0 ? (unsigned long long)at : 0);
        r->shown.records = r->records_before;
        if (r->o->progress)
            r->o->progress(r->o->ctx, &r->shown);
    }
    if (!ok) {
        slantp_error(err, SLANT_EINVAL, path, -1, -1,
                     "the record at byte %llu is not '%s' as the checkpoint says: the input "
                     "changed; start the audit again without resuming",
                     (unsigned long long)r->pr.last_offset, r->pr.last_id ? r->pr.last_id : "");
        if (fp != stdin)
            fclose(fp);
        return NULL;
    }
    *line = (long)r->pr.line;
    return fp;
}

/* A line's record: without its line end, a byte-order mark at the start
 * of the file, and NULL when blank (blank lines are not records). */
static const char *record_of(char *buf, size_t n, off_t start, size_t *len)
{
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    const char *p = buf;
    if (start == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3, n -= 3;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
        k++;
    *len = n;
    return k == n ? NULL : p;
}

/* Submit the records of input f (after the checkpoint when resuming). */
static int submit_input(run *r, slant_batch *b, size_t f, int resuming, slant_error *err)
{
    long line;
    FILE *fp = open_input(r, f, resuming, &line, err);
    if (!fp)
        return -1;
    const char *path = r->pr.inputs[f];
    const char *source = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *buf = NULL;
    size_t cap = 0, len;
    ssize_t n;
    off_t at = fp == stdin ? 0 : ftello(fp);
    int rc = SLANT_OK;
    while (rc == SLANT_OK && (n = getline(&buf, &cap, fp)) >= 0) {
        off_t start = at;
        at += n;
        r->shown.bytes_done += (unsigned long long)n;
        line++;
        const char *p = record_of(buf, (size_t)n, start, &len);
        if (!p)
            continue;
        /* a checkpoint falls after every o->checkpoint records, but is made
         * only once another record follows: the end saves the last one */
        if (r->submitted % r->o->checkpoint == 0 && r->submitted != r->checkpointed &&
            checkpoint(r, b, err) < 0) {
            rc = SLANT_ESTOPPED;
            break;
        }
        rc = slant_batch_submit(b, SLANT_DOC_JSONL, p, len, source, line, (long long)start, err);
        r->submitted += rc == SLANT_OK;
    }
    if (rc == SLANT_OK && ferror(fp)) {
        slantp_error(err, SLANT_EIO, path, -1, -1, "cannot read: %s", strerror(errno));
        rc = SLANT_EIO;
    }
    free(buf);
    if (fp != stdin)
        fclose(fp);
    return rc == SLANT_OK ? 0 : -1;
}

/* ======================================================== helpers */

/* mkdir -p: the directory and any missing parents. */
static int make_dir(const char *dir, slant_error *err)
{
    char *p = slantp_strndup(dir, strlen(dir));
    if (!p)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory"), -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = -1, errno = ENOTDIR;
        *s = c;
        if (rc < 0 || !c)
            break;
    }
    if (rc < 0)
        slantp_error(err, SLANT_EIO, dir, -1, -1, "cannot create directory: %s", strerror(errno));
    free(p);
    return rc;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int model_checksum(const char *path, uint64_t *sum, slant_error *err)
{
    *sum = 0;
    if (!path)
        return 0;
    slantp_buf b = {0};
    if (slantp_read_file(path, (size_t)1 << 40, &b, err) != SLANT_OK)
        return -1;
    *sum = slantp_hash_bytes(b.data, b.len);
    slantp_buf_release(&b);
    return 0;
}

static void summarize(const auditp *a, uint64_t before, slant_audit_summary *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    s->records = a->nrecords;
    s->documents = a->ndocs;
    s->failed = a->nfailed;
    s->records_this_run = a->nrecords - before;
    const auditp_dim *d = a->ndims > 1 ? &a->dims[1] : &a->dims[0];
    s->groups = d->ncells;
    snprintf(s->grouping, sizeof s->grouping, "%s", d->name);
}

/* The renders, and the partial file first when 'pr' is given. */
static int render(auditp *a, const slant_model *m, const slant_audit_options *o,
                  const auditp_progress *pr, const char *out, slant_error *err)
{
    auditp_render_options ro;
    auditp_render_options_init(&ro);
    ro.link = o->link;
    ro.threads = o->threads;
    if (o->top_phrases)
        ro.top_phrases = o->top_phrases;
    return auditp_render(a, m, &ro, pr, out, err);
}

/* ======================================================== runs */

/* The aggregate to continue: the checkpoint's when resuming (checked
 * against the options), else a new one. */
static auditp *start_or_resume(run *r, auditp_spec *spec, const char *const *inputs,
                              size_t ninputs, int *resuming, slant_error *err)
{
    *resuming = 0;
    if (access(r->partial, F_OK) != 0) {
        auditp *a = auditp_new(spec);
        if (!a)
            slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return a;
    }
    if (!r->o->resume) {
        slantp_error(err, SLANT_EINVAL, r->partial, -1, -1,
                     "an audit is there already: continue it (--resume) or remove it");
        return NULL;
    }
    auditp *a = auditp_load(r->partial, &r->pr, err);
    if (!a)
        return NULL;
    int same = auditp_spec_equal(&a->spec, spec) && r->pr.ninputs == ninputs && !r->pr.merged;
    for (size_t i = 0; same && i < ninputs; i++)
        same = strcmp(r->pr.inputs[i], inputs[i]) == 0;
    if (!same) {
        slantp_error(err, SLANT_EINVAL, r->partial, -1, -1,
                     "the checkpoint is of another audit (other inputs, fields or model); "
                     "start again in a new directory");
        auditp_free(a);
        return NULL;
    }
    *resuming = !r->pr.done;
    return a;
}

/* Classify and aggregate every input not yet done. */
static int auditp_inputs(run *r, const slant_model *m, int resuming, slant_error *err)
{
    slant_batch_options bo;
    slant_batch_options_init(&bo);
    bo.threads = r->o->threads;
    bo.on_result = on_result;
    bo.on_output = on_output;
    bo.ctx = r;
    slant_batch *b = slant_batch_new(m, &bo, err);
    if (!b)
        return -1;
    int rc = make_locals(r, r->o->threads);
    if (rc < 0)
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t f = (size_t)r->pr.file; f < r->pr.ninputs && rc == 0; f++)
        rc = submit_input(r, b, f, resuming && f == r->pr.file, err);
    if (rc == 0 && slant_batch_finish(b, err) != SLANT_OK)
        rc = -1;
    if (wait_saver(r) < 0 || (rc == 0 && gather(r) < 0))
        rc = -1;
    slant_batch_free(b);
    free_locals(r);
    return rc;
}

static int prepare_spec(const slant_model *m, const slant_audit_options *o, auditp_spec *spec,
                        slant_error *err)
{
    enum auditp_unit unit = AUDIT_NONE;
    uint64_t sum;
    if (o->nby > AUDIT_MAX_BY)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "at most %d grouping fields",
                            AUDIT_MAX_BY);
    if (o->time_field && (!o->time_unit || (unit = auditp_unit_parse(o->time_unit)) == AUDIT_NONE))
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1,
                            "the time unit must be day, week, month or year");
    if (model_checksum(o->model_path, &sum, err) < 0)
        return err ? err->code : SLANT_EIO;
    if (auditp_spec_init(spec, m, sum, o->by, o->nby, o->time_field, unit) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return SLANT_OK;
}

static unsigned long long input_bytes(const char *const *inputs, size_t n)
{
    unsigned long long total = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(inputs[i], "-") != 0 && stat(inputs[i], &st) == 0)
            total += (unsigned long long)st.st_size;
    }
    return total;
}

int slant_audit_run(const slant_model *m, const char *const *inputs, size_t ninputs,
                    const char *out, const slant_audit_options *o, slant_audit_summary *sum,
                    slant_error *err)
{
    slantp_error_clear(err);
    run r = {0};
    auditp_spec spec = {0};
    int rc, resuming;
    r.o = o;
    slantp_error_clear(&r.fail);
    if (o->checkpoint == 0 || o->threads < 1)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "bad audit options");
    if ((rc = prepare_spec(m, o, &spec, err)) != SLANT_OK)
        return rc;
    rc = SLANT_ENOMEM;
    if (make_dir(out, err) < 0 || !(r.partial = join(out, PARTIAL)) ||
        !(r.a = start_or_resume(&r, &spec, inputs, ninputs, &resuming, err)) ||
        auditp_use_model(r.a, m) < 0)
        goto out;
    if (!resuming && !r.pr.done) {
        auditp_progress_release(&r.pr);
        r.pr.ninputs = ninputs;
        r.pr.inputs = (char **)(uintptr_t)inputs;   /* borrowed: not released below */
    }
    uint64_t before = r.a->nrecords;
    r.records_before = before;
    r.shown.failed = r.a->nfailed;
    r.submitted = before;   /* checkpoints fall on the same records as an uninterrupted run's */
    r.checkpointed = before;
    r.shown.bytes_total = input_bytes((const char *const *)r.pr.inputs, r.pr.ninputs);
    if (!r.pr.done && auditp_inputs(&r, m, resuming, err) < 0)
        goto out;
    r.pr.done = 1;
    if (render(r.a, m, o, &r.pr, out, err) != SLANT_OK)
        goto out;
    summarize(r.a, before, sum);
    rc = SLANT_OK;
out:
    if (r.failed && err && err->code == SLANT_ESTOPPED)
        *err = r.fail;      /* the real reason the batch was stopped */
    else if (r.failed && err && err->code == SLANT_OK)
        *err = r.fail;
    if (rc != SLANT_OK && err && err->code == SLANT_OK)
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    if (rc != SLANT_OK && err)
        rc = err->code;
    if ((const char *const *)r.pr.inputs == inputs)
        r.pr.inputs = NULL, r.pr.ninputs = 0;
    auditp_progress_release(&r.pr);
    auditp_spec_release(&spec);
    auditp_free(r.a);
    free(r.partial);
    return rc;
}

/* ======================================================== merges and reports */

/* A partial file given as itself or as the directory holding it. */
static char *partial_path(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return join(arg, PARTIAL);
    return slantp_strndup(arg, strlen(arg));
}

/* Load shard 'path' and add it to *all (the first one becomes *all). */
static int merge_one(auditp **all, const char *path, slant_error *err)
{
    auditp_progress sp;
    auditp *a = auditp_load(path, &sp, err);
    if (!a)
        return -1;
    int rc = 0;
    if (!sp.done)
        rc = slantp_error(err, SLANT_EINVAL, path, -1, -1, "this shard is not finished "
                                                           "(resume it first)");
    else if (*all && !auditp_spec_equal(&(*all)->spec, &a->spec))
        rc = slantp_error(err, SLANT_EINVAL, path, -1, -1,
                          "this shard was made with other fields or another model");
    else if (*all && auditp_merge(*all, a) < 0)
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    auditp_progress_release(&sp);
    if (rc == 0 && !*all)
        *all = a;
    else
        auditp_free(a);
    return rc ? -1 : 0;
}

static int check_model(auditp *a, const slant_model *m, const slant_audit_options *o,
                       slant_error *err)
{
    uint64_t sum;
    if (model_checksum(o->model_path, &sum, err) < 0)
        return -1;
    if ((o->model_path && sum != a->spec.model_sum) || slant_model_nfeatures(m) != a->spec.nfeatures) {
        slantp_error(err, SLANT_EINVAL, o->model_path, -1, -1,
                     "not the model this audit was made with");
        return -1;
    }
    return auditp_use_model(a, m) < 0 ? -1 : 0;
}

int slant_audit_merge(const slant_model *m, const char *const *shards, size_t nshards,
                      const char *out, const slant_audit_options *o, slant_audit_summary *sum,
                      slant_error *err)
{
    slantp_error_clear(err);
    auditp *all = NULL;
    auditp_progress pr = {0};
    int rc = -1;
    pr.merged = pr.done = 1;
    for (size_t i = 0; i < nshards; i++) {
        char *path = partial_path(shards[i]);
        int bad = !path || merge_one(&all, path, err) < 0;
        free(path);
        if (bad)
            goto out;
    }
    if (!all) {
        slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "no shard to merge");
        goto out;
    }
    if (make_dir(out, err) < 0 || check_model(all, m, o, err) < 0 ||
        render(all, m, o, &pr, out, err) != SLANT_OK)
        goto out;
    summarize(all, 0, sum);
    rc = 0;
out:
    if (rc < 0 && err && err->code == SLANT_OK)
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    auditp_free(all);
    return rc < 0 ? (err ? err->code : SLANT_EINVAL) : SLANT_OK;
}

int slant_audit_report(const slant_model *m, const char *dir, const char *out,
                       const slant_audit_options *o, slant_error *err)
{
    slantp_error_clear(err);
    char *path = partial_path(dir);
    auditp *a = path ? auditp_load(path, NULL, err) : NULL;
    int rc = SLANT_ENOMEM;
    if (!out)
        out = dir;
    if (a && make_dir(out, err) == 0 && check_model(a, m, o, err) == 0)
        rc = render(a, m, o, NULL, out, err);
    else if (err && err->code != SLANT_OK)
        rc = err->code;
    free(path);
    auditp_free(a);
    return rc;
}
