/* batch.c - the batch engine: many documents on many threads, results in
 * input order (the slant_batch_* API of slant.h).
 *
 * Submitted documents are copied into a batch (an arena of their bytes and
 * a slot each). When a batch is full, worker threads, each with its own
 * workspace, decode, classify and hand each document to on_result, which
 * formats it into the slot's buffer; meanwhile the submitting thread
 * delivers the batch before in order through on_output and fills the next.
 * Two batches are in flight: while the helpers (workers 1..n-1) classify
 * one, the submitting thread delivers the other and reads into it, then
 * joins in as worker 0. With one thread there are no helpers, and each
 * batch is classified and delivered as soon as it is full.
 *
 * The helpers start with the first batch and live as long as the engine,
 * waiting for each next round: a thread per batch would mean a start and
 * an exit per few hundred documents, and each exit hands the thread's
 * stack back to the kernel, an interruption of the other cores.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "abstain.h"
#include "input.h"
#include "record.h"
#include "core.h"
#include "classify.h"
#include "mask.h"
#include "model.h"
#include "threads.h"

enum {
    BATCH_DOCS = 512,
    /* The first batch is small, so the helpers start after 64 documents
     * rather than 512: the first documents are the slowest (most of their
     * words are new and get stemmed), and 64 of them keep a helper busy
     * while the submitting thread reads the next 512. */
    FIRST_BATCH_DOCS = 64,
    /* Both threads end a batch within a document of each other, so a
     * thread about to wait first watches for the other for a moment (a
     * few thousand pause instructions), which is far shorter than a
     * sleep and a wake-up. */
    SPIN_BEFORE_SLEEP = 4096
};
#define BATCH_BYTES ((size_t)8 << 20)
#define ABSTAIN_SAMPLE ((size_t)1024)     /* bytes of a text the language check reads */

/* One submitted document. */
typedef struct slot {
    size_t off, len;        /* its bytes in the batch arena */
    size_t source;          /* its source name in the arena (NUL-terminated) */
    enum slant_doc_kind kind;
    long line;
    long long offset;
    size_t index;
    slant_buffer out;       /* what on_result wrote */
    slant_buffer id;        /* the id found, for on_output */
    int has_id, id_is_number;
    slant_error err;
    int failed;
    char abstain[128];      /* why the result should not be trusted, or "" */
} slot;

typedef struct batch {
    slantp_buf arena;
    slot *slots;
    size_t n, cap;
    size_t last_source;     /* the arena offset of the last source copied */
} batch;

/* A worker's own state, on cache lines of its own: its buffers change all
 * through a document. */
typedef struct worker {
    alignas(64) struct slant_batch *b;
    int index;
    slant_workspace *ws;
    slantp_jsonl_record rec;
    slantp_buf masked;
} worker;

struct slant_batch;
static void check_abstain(const struct slant_batch *b, slot *s, const slant_doc *d,
                          const slant_result *r);

struct slant_batch {
    const slant_model *m;
    slant_batch_options o;
    int nthreads;
    worker *w;
    batch b[2];
    int cur;                /* the batch being filled */
    int running;            /* b[!cur] has been started */
    batch *work;            /* the batch being classified */
    size_t submitted, delivered, failed;
    int stopped;
    int english;            /* the model's language is English: check documents are too */
    slantp_threads helpers;
    slantp_spin_index *spin;    /* o.spin bound to the model, shared by the workers */
    int tried;              /* helpers were started (as many as could be) */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    /* written under mu; atomic so that a thread about to sleep can first
     * watch them for a moment without it */
    _Atomic unsigned long round;    /* batches started: each helper works once a round */
    _Atomic int busy;               /* helpers not yet done with this round */
    _Atomic int quit;
    /* the next document of 'work' to classify: every document writes it */
    alignas(64) _Atomic size_t next;
};

/* ---------------------------------------------------------------- buffers */

void slant_buffer_write(slant_buffer *o, const void *bytes, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->data, cap);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->data = p;
        o->cap = cap;
    }
    if (n)
        memcpy(o->data + o->len, bytes, n);
    o->len += n;
    o->data[o->len] = '\0';
}

void slant_buffer_release(slant_buffer *o)
{
    free(o->data);
    memset(o, 0, sizeof *o);
}

/* ---------------------------------------------------------------- one document */

static const char *slot_source(const batch *bt, const slot *s)
{
    return bt->arena.data + s->source;
}

/* The document as on_result sees it, before decoding. */
static slant_doc doc_of(const batch *bt, const slot *s)
{
    slant_doc d = {.index = s->index, .kind = s->kind, .source = slot_source(bt, s),
                   .line = s->line, .offset = s->offset};
    if (s->kind == SLANT_DOC_JSONL) {
        d.record = bt->arena.data + s->off;
        d.record_len = s->len;
    }
    return d;
}

/* Keep the document's id in its slot, for on_output. */
static int keep_id(slot *s, const char *id, size_t n, int is_number)
{
    s->id.len = 0;
    slant_buffer_write(&s->id, id, n);
    s->has_id = !s->id.failed;
    s->id_is_number = is_number;
    return s->id.failed ? -1 : 0;
}

/* Decode a JSONL record into d's id and text (a text is its own id). */
static int decode(struct slant_batch *b, worker *w, slot *s, slant_doc *d)
{
    const batch *bt = b->work;
    if (s->kind == SLANT_DOC_TEXT) {
        d->text = bt->arena.data + s->off;
        d->text_len = s->len;
        return keep_id(s, d->source, strlen(d->source), 0);
    }
    int rc = slantp_record_decode(&w->rec, d->record, d->record_len, b->o.mask_field != NULL,
                                  d->source, s->line, &s->err);
    if (rc == SLANT_OK) {
        d->text = w->rec.text.data;
        d->text_len = w->rec.text.len;
    }
    if (w->rec.has_id)
        return keep_id(s, w->rec.id.data, w->rec.id.len, w->rec.id_is_number) < 0 ? -1 : rc;
    if (rc != SLANT_OK && s->err.code == SLANT_EFORMAT)
        return rc;      /* a record too broken to say its id */
    char num[32];
    int n = snprintf(num, sizeof num, "%ld", s->line);
    return keep_id(s, num, (size_t)n, 0) < 0 ? -1 : rc;
}

/* The text with the names asked for blanked, in the worker's buffer. */
static int mask(struct slant_batch *b, worker *w, slant_doc *d)
{
    char buf[64];
    const char *value = slantp_record_field(&w->rec, b->o.mask_field, buf, sizeof buf);
    w->masked.len = 0;
    if (slantp_buf_append(&w->masked, d->text, d->text_len) < 0 ||
        slantp_buf_append(&w->masked, "", 1) < 0)
        return -1;
    if (slantp_mask_names(w->masked.data, d->text_len, value, b->o.mask_names,
                          b->o.nmask_names) == (size_t)-1)
        return -1;
    d->text = w->masked.data;
    return 0;
}

static const slant_result *classify(struct slant_batch *b, worker *w, slot *s, slant_doc *d)
{
    const slant_result *r = NULL;
    int rc = decode(b, w, s, d);
    if (rc < 0)
        rc = slantp_error(&s->err, SLANT_ENOMEM, d->source, s->line, 1, "out of memory");
    if (rc == SLANT_OK && (b->o.mask_field || b->o.nmask_names) && mask(b, w, d) < 0)
        rc = slantp_error(&s->err, SLANT_ENOMEM, d->source, s->line, 1, "out of memory");
    if (rc == SLANT_OK && slant_classify(w->ws, d->text, d->text_len, &r, &s->err) != SLANT_OK) {
        if (s->err.line < 0 && s->line > 0) {
            s->err.line = s->line;
            s->err.column = 1;
        }
        snprintf(s->err.source, sizeof s->err.source, "%s", d->source);
        r = NULL;
    }
    return r;
}

/* Too short, not in the model's language, or too little evidence: the
 * reason goes into the slot. */
static void check_abstain(const struct slant_batch *b, slot *s, const slant_doc *d,
                          const slant_result *r)
{
    slantp_abstain_options a;
    slantp_abstain_options_init(&a);
    a.min_words = b->o.min_words;
    if (!b->o.check_language || !b->english)
        a.min_latin = a.min_stopwords = 0;
    if (a.min_words == 0 && a.min_latin == 0 && a.min_stopwords == 0)
        goto evidence;
    /* the opening of a long text says as much about its language as all of it */
    size_t len = d->text_len < ABSTAIN_SAMPLE ? d->text_len : ABSTAIN_SAMPLE;
    while (len < d->text_len && len > 0 && ((unsigned char)d->text[len] & 0xC0) == 0x80)
        len--;
    if (slantp_abstain_check(d->text, len, &a, s->abstain, sizeof s->abstain))
        return;
evidence:;
    size_t nf = slant_result_nfeatures(r);
    if (nf < b->o.min_phrases)
        snprintf(s->abstain, sizeof s->abstain, "too little evidence: %zu phrase%s of the model",
                 nf, nf == 1 ? "" : "s");
}

static void work_one(struct slant_batch *b, worker *w, slot *s)
{
    slant_doc d = doc_of(b->work, s);
    const slant_result *r = NULL;
    s->out.len = 0;
    s->out.failed = 0;
    if (s->kind != SLANT_DOC_ERROR) {
        slantp_error_clear(&s->err);
        s->has_id = 0;
        r = classify(b, w, s, &d);
    } else if (s->line == 0) {
        keep_id(s, d.source, strlen(d.source), 0);     /* a whole file is named by its path */
    }
    s->failed = r == NULL;
    s->abstain[0] = '\0';
    if (r)
        check_abstain(b, s, &d, r);
    if (s->has_id) {
        d.id = s->id.data;
        d.id_is_number = s->id_is_number;
    }
    d.abstain = s->abstain[0] ? s->abstain : NULL;
    if (b->o.on_result)
        b->o.on_result(b->o.ctx, w->index, &d, r, r ? NULL : &s->err, &s->out);
    slantp_record_clear(&w->rec);
}

static void work_batch(worker *w)
{
    struct slant_batch *b = w->b;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&b->next, 1, memory_order_relaxed);
        if (i >= b->work->n)
            return;
        work_one(b, w, &b->work->slots[i]);
    }
}

/* ---------------------------------------------------------------- helpers */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait for the next round; 0 when told to quit instead. */
static int await_round(struct slant_batch *b, unsigned long *seen)
{
    for (int i = 0; i < SPIN_BEFORE_SLEEP && atomic_load(&b->round) == *seen &&
                    !atomic_load(&b->quit); i++)
        cpu_relax();
    pthread_mutex_lock(&b->mu);
    while (b->round == *seen && !b->quit)
        pthread_cond_wait(&b->go, &b->mu);
    int more = b->round != *seen;
    *seen = b->round;
    pthread_mutex_unlock(&b->mu);
    return more;
}

static void *helper_main(void *arg)
{
    worker *w = arg;
    struct slant_batch *b = w->b;
    unsigned long seen = 0;
    while (await_round(b, &seen)) {
        work_batch(w);
        pthread_mutex_lock(&b->mu);
        if (--b->busy == 0)
            pthread_cond_signal(&b->done);
        pthread_mutex_unlock(&b->mu);
    }
    return NULL;
}

/* Start workers 1..n-1; if one cannot start, the rest are not tried and
 * the threads that did start share the work. */
static void start_helpers(struct slant_batch *b)
{
    b->tried = 1;
    for (int t = 1; t < b->nthreads; t++)
        if (slantp_thread_start(&b->helpers, helper_main, &b->w[t], 0) < 0)
            break;
}

static void stop_helpers(struct slant_batch *b)
{
    pthread_mutex_lock(&b->mu);
    b->quit = 1;
    pthread_cond_broadcast(&b->go);
    pthread_mutex_unlock(&b->mu);
    slantp_threads_join(&b->helpers);
}

/* ---------------------------------------------------------------- rounds */

static void start_batch(struct slant_batch *b, batch *bt)
{
    b->work = bt;
    atomic_store_explicit(&b->next, 0, memory_order_relaxed);
    if (!b->tried && b->nthreads > 1)
        start_helpers(b);
    /* the helpers see 'work' and next = 0 through the mutex */
    pthread_mutex_lock(&b->mu);
    b->busy = b->helpers.n;
    b->round++;
    pthread_cond_broadcast(&b->go);
    pthread_mutex_unlock(&b->mu);
    b->running = 1;
}

/* Finish classifying the running batch, if any: returns it, or NULL. */
static batch *join_batch(struct slant_batch *b)
{
    if (!b->running)
        return NULL;
    b->running = 0;
    work_batch(&b->w[0]);
    for (int i = 0; i < SPIN_BEFORE_SLEEP && atomic_load(&b->busy); i++)
        cpu_relax();
    /* and the submitting thread sees the helpers' slots through it too */
    pthread_mutex_lock(&b->mu);
    while (b->busy)
        pthread_cond_wait(&b->done, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return b->work;
}

static const slant_error *slot_error(slot *s)
{
    if (s->out.failed && !s->failed) {
        slantp_error_clear(&s->err);
        slantp_error(&s->err, SLANT_ENOMEM, NULL, -1, -1, "out of memory formatting a result");
        s->failed = 1;
        s->out.len = 0;
    }
    return s->failed ? &s->err : NULL;
}

/* Deliver a classified batch in order, and empty it. After a stop, the
 * rest of it is dropped. */
static void deliver_batch(struct slant_batch *b, batch *bt)
{
    if (!bt)
        return;
    for (size_t i = 0; i < bt->n && !b->stopped; i++) {
        slot *s = &bt->slots[i];
        const slant_error *why = slot_error(s);
        slant_doc d = {.index = s->index, .kind = s->kind, .source = slot_source(bt, s),
                       .line = s->line, .offset = s->offset};
        if (s->has_id) {
            d.id = s->id.data;
            d.id_is_number = s->id_is_number;
        }
        d.abstain = s->abstain[0] && !why ? s->abstain : NULL;
        b->delivered++;
        b->failed += why != NULL;
        if (b->o.on_output &&
            b->o.on_output(b->o.ctx, &d, why, s->out.data ? s->out.data : "", s->out.len))
            b->stopped = 1;
    }
    bt->n = 0;
    bt->arena.len = 0;
}

/* The batch being filled is full (or the input ended): finish the one
 * running, start this one, deliver the finished one while the helpers work
 * on the new one, and fill the finished one again. */
static void pass_batch(struct slant_batch *b)
{
    batch *done = join_batch(b);
    if (b->b[b->cur].n && !b->stopped) {
        start_batch(b, &b->b[b->cur]);
        if (b->nthreads == 1)
            /* nothing to overlap with: deliver it now and refill it (the
             * other batch is never allocated) */
            deliver_batch(b, join_batch(b));
        else
            b->cur ^= 1;
    }
    deliver_batch(b, done);
}

static int batch_full(const struct slant_batch *b)
{
    const batch *bt = &b->b[b->cur];
    return bt->n >= (b->round ? BATCH_DOCS : FIRST_BATCH_DOCS) || bt->arena.len >= BATCH_BYTES;
}

/* ---------------------------------------------------------------- the API */

void slant_batch_options_init(slant_batch_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->min_words = 20;
    o->min_phrases = 5;
    o->check_language = 1;
}

static void free_workers(struct slant_batch *b)
{
    for (int t = 0; b->w && t < b->nthreads; t++) {
        slant_workspace_free(b->w[t].ws);
        slantp_record_release(&b->w[t].rec);
        slantp_buf_release(&b->w[t].masked);
    }
    free(b->w);
}

slant_batch *slant_batch_new(const slant_model *m, const slant_batch_options *o,
                             slant_error *err)
{
    slantp_error_clear(err);
    if (!m || !o || o->threads < 1 || o->threads > SLANT_MAX_THREADS) {
        slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "a batch takes a model and 1 to %d threads",
                     SLANT_MAX_THREADS);
        return NULL;
    }
    struct slant_batch *b = calloc(1, sizeof *b);
    worker *w = b ? aligned_alloc(alignof(worker), (size_t)o->threads * sizeof *w) : NULL;
    if (!w) {
        free(b);
        slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        return NULL;
    }
    memset(w, 0, (size_t)o->threads * sizeof *w);
    *b = (struct slant_batch){.m = m, .o = *o, .nthreads = o->threads, .w = w,
                              .mu = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER,
                              .done = PTHREAD_COND_INITIALIZER};
    b->english = strcmp(slant_model_language(m), "english") == 0;
    if (o->spin && !(b->spin = slantp_spin_bind(o->spin, m, err))) {
        free(w);
        free(b);
        return NULL;
    }
    for (int t = 0; t < b->nthreads; t++) {
        w[t].b = b;
        w[t].index = t;
        if (!(w[t].ws = slant_workspace_new(m, err))) {
            free_workers(b);
            slantp_spin_index_free(b->spin);
            free(b);
            return NULL;
        }
        slantp_workspace_use_spin(w[t].ws, b->spin);
    }
    return b;
}

static int stopped(const struct slant_batch *b, slant_error *err)
{
    return b->stopped ? slantp_error(err, SLANT_ESTOPPED, NULL, -1, -1, "the output was stopped")
                      : SLANT_OK;
}

/* A new slot in the batch being filled, its bytes copied. */
static slot *add_slot(struct slant_batch *b, enum slant_doc_kind kind, const char *bytes,
                      size_t len, const char *source, long line, long long offset)
{
    batch *bt = &b->b[b->cur];
    size_t oldcap = bt->cap;
    if (slantp_grow(&bt->slots, &bt->cap, bt->n + 1, sizeof *bt->slots) < 0)
        return NULL;
    memset(bt->slots + oldcap, 0, (bt->cap - oldcap) * sizeof *bt->slots);
    if (!source)
        source = "";
    size_t off = bt->arena.len, src = bt->last_source;
    if (slantp_buf_append(&bt->arena, bytes, len) < 0)
        return NULL;
    if (bt->n == 0 || strcmp(bt->arena.data + src, source) != 0) {
        src = bt->arena.len;
        if (slantp_buf_append(&bt->arena, source, strlen(source) + 1) < 0)
            return NULL;
        bt->last_source = src;
    }
    slot *s = &bt->slots[bt->n++];
    s->off = off;
    s->len = len;
    s->source = src;
    s->kind = kind;
    s->line = line;
    s->offset = offset;
    s->index = b->submitted++;
    s->has_id = 0;
    s->failed = 0;
    return s;
}

static int submitted(struct slant_batch *b, slant_error *err)
{
    if (batch_full(b))
        pass_batch(b);
    return stopped(b, err);
}

int slant_batch_submit(slant_batch *b, enum slant_doc_kind kind, const char *bytes, size_t len,
                       const char *source, long line, long long offset, slant_error *err)
{
    slantp_error_clear(err);
    if (kind != SLANT_DOC_TEXT && kind != SLANT_DOC_JSONL)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "submit a text or a JSONL record");
    if (b->stopped)
        return stopped(b, err);
    if (!add_slot(b, kind, bytes ? bytes : "", bytes ? len : 0, source, line, offset))
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return submitted(b, err);
}

int slant_batch_submit_error(slant_batch *b, const slant_error *why, const char *source,
                             long line, long long offset, slant_error *err)
{
    slantp_error_clear(err);
    if (b->stopped)
        return stopped(b, err);
    slot *s = add_slot(b, SLANT_DOC_ERROR, "", 0, source, line, offset);
    if (!s)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    s->err = *why;
    return submitted(b, err);
}

int slant_batch_finish(slant_batch *b, slant_error *err)
{
    slantp_error_clear(err);
    pass_batch(b);
    deliver_batch(b, join_batch(b));
    return stopped(b, err);
}

int slant_batch_submit_file(slant_batch *b, const char *path, enum slant_input how,
                            slant_error *err)
{
    return slantp_submit_path(b, &b->o, path, how, err);
}

size_t slant_batch_delivered(const slant_batch *b) { return b->delivered; }
size_t slant_batch_failed(const slant_batch *b) { return b->failed; }

void slant_batch_free(slant_batch *b)
{
    if (!b)
        return;
    if (b->running) {
        /* skip what is left of the running batch; the helpers must still
         * stop before their memory goes */
        atomic_store(&b->next, b->work->n);
        join_batch(b);
    }
    stop_helpers(b);
    free_workers(b);
    slantp_spin_index_free(b->spin);
    for (int k = 0; k < 2; k++) {
        batch *bt = &b->b[k];
        for (size_t i = 0; bt->slots && i < bt->cap; i++) {
            slant_buffer_release(&bt->slots[i].out);
            slant_buffer_release(&bt->slots[i].id);
        }
        free(bt->slots);
        slantp_buf_release(&bt->arena);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->go);
    pthread_cond_destroy(&b->done);
    free(b);
}
