/* gram.c - kernel matrices for libsvm's precomputed kernel: how they are
 * laid out, computed, and kept when they do not fit.
 *
 * Layout. libsvm reads a precomputed kernel entry as x[i][s].value, where s
 * is the serial number in x[j][0].value, and never reads the index fields
 * of such rows. Two rows therefore share one array of nodes, the second
 * starting 8 bytes into the first: its values sit in the first row's index
 * fields. A matrix costs 8 bytes an entry instead of 16, with the same
 * doubles, so libsvm trains exactly as before.
 *
 * Computation. Entries come from the columns of the sparse rows (for each
 * feature, the documents that have it): a row of the matrix costs the
 * document frequencies of its features and touches one accumulator per
 * document, instead of one pass over every other row. Each entry is the
 * sum, in ascending feature order, of the products over the features both
 * rows share: the same bits whichever row it is computed from.
 *
 * Cache. Past the memory budget, a matrix of a fixed number of slots holds
 * the documents that the running problems need; a problem pins its
 * documents while libsvm reads them, and a document that is missing takes
 * the slot of one no running problem uses, the least recently used first.
 */
#include <libsvm/svm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core.h"
#include "gram.h"
#include "svm.h"
#include "threads.h"

#define NONE ((size_t)-1)

/* ---------------------------------------------------------------- layout */

size_t slantp_packed_bytes(size_t slots)
{
    /* pairs of rows of slots + 1 nodes (the serial, then one per slot),
     * plus the 8 bytes the second row of a pair runs past the first */
    return (slots + 1) / 2 * (slots + 2) * sizeof(struct svm_node);
}

size_t slantp_packed_slots(size_t gram_mb)
{
    double bytes = (double)gram_mb * 1048576.0;
    size_t lo = 0, hi = (size_t)1 << 31;
    while (lo + 1 < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)slantp_packed_bytes(mid) <= bytes)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

struct svm_node *slantp_packed_alloc(size_t slots, struct svm_node **row)
{
    size_t bytes = slantp_packed_bytes(slots), huge = (size_t)2 << 20;
    void *mem = NULL;
    if (posix_memalign(&mem, huge, (bytes + huge - 1) / huge * huge) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* libsvm reads one entry in each of thousands of rows per kernel
     * column: large pages keep those reads from missing the TLB */
    madvise(mem, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
#endif
    for (size_t s = 0; s < slots; s++) {
        char *pair = (char *)mem + s / 2 * (slots + 2) * sizeof(struct svm_node);
        row[s] = (struct svm_node *)(void *)(pair + (s & 1) * sizeof(double));
        row[s][0].value = (double)(s + 1);
    }
    return mem;
}

/* ---------------------------------------------------------------- columns */

int slantp_postings_build(const slantp_trainset *ts, slantp_postings *p)
{
    size_t nf = ts->nfeatures, nnz = ts->row_start[ts->n];
    memset(p, 0, sizeof *p);
    p->start = calloc(nf + 1, sizeof *p->start);
    p->doc = malloc((nnz ? nnz : 1) * sizeof *p->doc);
    p->val = malloc((nnz ? nnz : 1) * sizeof *p->val);
    if (!p->start || !p->doc || !p->val) {
        slantp_postings_release(p);
        return -1;
    }
    for (size_t k = 0; k < nnz; k++)
        p->start[ts->col[k] + 1]++;
    for (size_t f = 0; f < nf; f++)
        p->start[f + 1] += p->start[f];
    for (size_t i = 0; i < ts->n; i++)
        for (size_t k = ts->row_start[i]; k < ts->row_start[i + 1]; k++) {
            size_t at = p->start[ts->col[k]]++;
            p->doc[at] = (uint32_t)i;
            p->val[at] = ts->val[k];
        }
    for (size_t f = nf; f > 0; f--)
        p->start[f] = p->start[f - 1];
    p->start[0] = 0;
    return 0;
}

void slantp_postings_release(slantp_postings *p)
{
    free(p->start);
    free(p->doc);
    free(p->val);
    memset(p, 0, sizeof *p);
}

/* acc[r] = K(i, r) for every document r <= last sharing a feature with i;
 * the others are left alone (the caller zeroes acc between rows). */
static void kernel_row(const slantp_trainset *ts, const slantp_postings *p, size_t i,
                       size_t last, double *acc)
{
    for (size_t k = ts->row_start[i]; k < ts->row_start[i + 1]; k++) {
        uint32_t f = ts->col[k];
        double v = ts->val[k];
        for (size_t q = p->start[f]; q < p->start[f + 1] && p->doc[q] <= last; q++)
            acc[p->doc[q]] += v * p->val[q];
    }
}

/* ---------------------------------------------------------------- whole matrix */

struct triangle {
    const slantp_trainset *ts;
    const slantp_postings *post;
    struct svm_node **row;
    size_t m;                   /* rows 0..m-1 */
    size_t next;
    pthread_mutex_t mu;
    int failed;
};

/* Rows are handed out a few at a time, from the cheapest (row i costs
 * about i entries) up; each thread owns its rows and their mirror column. */
static void *triangle_worker(void *arg)
{
    struct triangle *t = arg;
    enum { CHUNK = 8 };
    double *acc = calloc(t->m ? t->m : 1, sizeof *acc);
    pthread_mutex_lock(&t->mu);
    if (!acc)
        t->failed = 1;
    while (!t->failed && t->next < t->m) {
        size_t i0 = t->next, i1 = i0 + CHUNK < t->m ? i0 + CHUNK : t->m;
        t->next = i1;
        pthread_mutex_unlock(&t->mu);
        for (size_t i = i0; i < i1; i++) {
            kernel_row(t->ts, t->post, i, i, acc);
            for (size_t r = 0; r <= i; r++) {
                t->row[i][r + 1].value = acc[r];
                t->row[r][i + 1].value = acc[r];
                acc[r] = 0;
            }
        }
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    free(acc);
    return NULL;
}

int slantp_gram_triangle(const slantp_trainset *ts, const slantp_postings *post,
                         struct svm_node **row, size_t m, int threads)
{
    struct triangle t = {ts, post, row, m, 0, PTHREAD_MUTEX_INITIALIZER, 0};
    slantp_threads_run(threads, triangle_worker, &t);
    pthread_mutex_destroy(&t.mu);
    return t.failed ? -1 : 0;
}

/* ---------------------------------------------------------------- cache */

struct slantp_gram_cache {
    const slantp_trainset *ts;
    slantp_postings post;
    size_t slots;
    struct svm_node **row;      /* per slot */
    struct svm_node *mem;
    size_t *doc_at;             /* slot -> document, or NONE */
    size_t *slot_of;            /* document -> slot, or NONE */
    unsigned *pins;             /* per slot: problems reading it */
    uint64_t *used;             /* per slot: when last pinned */
    uint64_t *wanted;           /* per document: the request that last asked for it */
    uint64_t clock;
    int filling;                /* one filler at a time: it writes whole rows */
    double *acc;                /* the filler's accumulator, one per document */
    size_t *victim;             /* the filler's scratch, one per slot */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

void slantp_gram_cache_free(slantp_gram_cache *c)
{
    if (!c)
        return;
    slantp_postings_release(&c->post);
    free(c->row);
    free(c->mem);
    free(c->doc_at);
    free(c->slot_of);
    free(c->pins);
    free(c->used);
    free(c->wanted);
    free(c->acc);
    free(c->victim);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

slantp_gram_cache *slantp_gram_cache_new(const slantp_trainset *ts, size_t slots, int threads)
{
    size_t n = ts->n;
    if (slots > n)
        slots = n;
    slantp_gram_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->ts = ts;
    c->slots = slots;
    c->row = malloc((slots ? slots : 1) * sizeof *c->row);
    c->doc_at = malloc((slots ? slots : 1) * sizeof *c->doc_at);
    c->pins = calloc(slots ? slots : 1, sizeof *c->pins);
    c->used = calloc(slots ? slots : 1, sizeof *c->used);
    c->victim = malloc((slots ? slots : 1) * sizeof *c->victim);
    c->slot_of = malloc((n ? n : 1) * sizeof *c->slot_of);
    c->wanted = calloc(n ? n : 1, sizeof *c->wanted);
    c->acc = calloc(n ? n : 1, sizeof *c->acc);
    if (!c->row || !c->doc_at || !c->pins || !c->used || !c->victim || !c->slot_of ||
        !c->wanted || !c->acc || slantp_postings_build(ts, &c->post) < 0 ||
        !(c->mem = slantp_packed_alloc(slots, c->row))) {
        slantp_gram_cache_free(c);
        return NULL;
    }
    /* start with the first documents, computed by every thread */
    for (size_t d = 0; d < n; d++)
        c->slot_of[d] = d < slots ? d : NONE;
    for (size_t s = 0; s < slots; s++)
        c->doc_at[s] = s;
    if (slantp_gram_triangle(ts, &c->post, c->row, slots, threads) < 0) {
        slantp_gram_cache_free(c);
        return NULL;
    }
    return c;
}

size_t slantp_gram_cache_slots(const slantp_gram_cache *c)
{
    return c->slots;
}

/* Slots that may be given to missing documents: unpinned, holding nothing
 * or a document this request does not want. Empty ones first, then the
 * least recently used. */
static size_t find_victims(slantp_gram_cache *c, uint64_t stamp)
{
    size_t nv = 0;
    for (size_t s = 0; s < c->slots; s++)
        if (!c->pins[s] && (c->doc_at[s] == NONE || c->wanted[c->doc_at[s]] != stamp))
            c->victim[nv++] = s;
    return nv;
}

struct victim_key {
    uint64_t key;               /* 0 for an empty slot, else last use + 1 */
    size_t slot;
};

static int by_victim_key(const void *x, const void *y)
{
    const struct victim_key *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int sort_victims(slantp_gram_cache *c, size_t nv)
{
    struct victim_key *k = malloc((nv ? nv : 1) * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < nv; i++) {
        size_t s = c->victim[i];
        k[i] = (struct victim_key){c->doc_at[s] == NONE ? 0 : c->used[s] + 1, s};
    }
    qsort(k, nv, sizeof *k, by_victim_key);
    for (size_t i = 0; i < nv; i++)
        c->victim[i] = k[i].slot;
    free(k);
    return 0;
}

/* The rows and columns of the slots in fresh[0..nf), against every slot. */
static void fill_slots(slantp_gram_cache *c, const size_t *fresh, size_t nf)
{
    const slantp_trainset *ts = c->ts;
    for (size_t k = 0; k < nf; k++) {
        size_t s = fresh[k];
        kernel_row(ts, &c->post, c->doc_at[s], ts->n - 1, c->acc);
        for (size_t t = 0; t < c->slots; t++) {
            if (c->doc_at[t] == NONE)
                continue;
            double v = c->acc[c->doc_at[t]];
            c->row[s][t + 1].value = v;
            c->row[t][s + 1].value = v;
        }
        memset(c->acc, 0, ts->n * sizeof *c->acc);
    }
}

int slantp_gram_cache_acquire(slantp_gram_cache *c, const size_t *docs, size_t n,
                              struct svm_node **rows)
{
    if (n > c->slots)
        return -1;
    pthread_mutex_lock(&c->mu);
    size_t missing = 0, nv = 0;
    uint64_t stamp = 0;
    for (;;) {
        if (!c->filling) {
            stamp = ++c->clock;
            missing = 0;
            for (size_t i = 0; i < n; i++) {
                c->wanted[docs[i]] = stamp;
                missing += c->slot_of[docs[i]] == NONE;
            }
            nv = missing ? find_victims(c, stamp) : 0;
            if (nv >= missing)
                break;
        }
        pthread_cond_wait(&c->cv, &c->mu);
    }
    size_t nfresh = 0;
    if (missing) {
        if (sort_victims(c, nv) < 0) {
            pthread_mutex_unlock(&c->mu);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (c->slot_of[docs[i]] != NONE)
                continue;
            size_t s = c->victim[nfresh++];
            if (c->doc_at[s] != NONE)
                c->slot_of[c->doc_at[s]] = NONE;
            c->doc_at[s] = docs[i];
            c->slot_of[docs[i]] = s;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t s = c->slot_of[docs[i]];
        c->pins[s]++;
        c->used[s] = stamp;
        rows[i] = c->row[s];
    }
    if (nfresh) {
        c->filling = 1;
        pthread_mutex_unlock(&c->mu);
        /* victim[0..nfresh) are the fresh slots; nobody else touches victim
         * while filling is set */
        fill_slots(c, c->victim, nfresh);
        pthread_mutex_lock(&c->mu);
        c->filling = 0;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return 0;
}

void slantp_gram_cache_release(slantp_gram_cache *c, const size_t *docs, size_t n)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < n; i++)
        c->pins[c->slot_of[docs[i]]]--;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}
