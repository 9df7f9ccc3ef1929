/* gram.h - kernel matrices: the 8-byte packed layout, their computation
 * on several threads, and a cache of rows. */
#ifndef SLANT_GRAM_H
#define SLANT_GRAM_H

#include <libsvm/svm.h>

#include "core.h"
#include "svm.h"

/* Bytes of a matrix of 'slots' rows in the 8-byte layout, the most slots
 * that fit in gram_mb, and the allocation: row[s] gets slot s's row, its
 * serial (s + 1) set, its entries (row[s][t + 1].value = K(s, t)) not. */
size_t slantp_packed_bytes(size_t slots);
size_t slantp_packed_slots(size_t gram_mb);
struct svm_node *slantp_packed_alloc(size_t slots, struct svm_node **row);

/* The columns of a trainset: for each feature, the documents that have it
 * (ascending) and their values. */
typedef struct slantp_postings {
    size_t *start;              /* nfeatures + 1 */
    uint32_t *doc;
    double *val;
} slantp_postings;
int slantp_postings_build(const slantp_trainset *ts, slantp_postings *p);
void slantp_postings_release(slantp_postings *p);

/* Fill row[0..m) with the kernel of documents 0..m-1, with 'threads'
 * threads. -1 when out of memory. */
int slantp_gram_triangle(const slantp_trainset *ts, const slantp_postings *post,
                         struct svm_node **row, size_t m, int threads);

/* A cache of 'slots' Gram rows (at most ts->n), first holding documents
 * 0..slots-1. acquire() pins documents docs[0..n) (n <= slots), computing
 * the rows of those missing in place of unpinned ones (waiting while other
 * problems pin too much), and gives their rows in rows[i], with serial
 * numbers that index each other's rows; release() unpins them. Any thread
 * may call them; the entries are the same bits as the whole matrix's. */
typedef struct slantp_gram_cache slantp_gram_cache;
slantp_gram_cache *slantp_gram_cache_new(const slantp_trainset *ts, size_t slots, int threads);
void slantp_gram_cache_free(slantp_gram_cache *c);
size_t slantp_gram_cache_slots(const slantp_gram_cache *c);
int slantp_gram_cache_acquire(slantp_gram_cache *c, const size_t *docs, size_t n,
                              struct svm_node **rows);
void slantp_gram_cache_release(slantp_gram_cache *c, const size_t *docs, size_t n);

#endif
