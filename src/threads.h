/* threads.h - the one place slant starts threads: training's fit pool, the
 * Gram matrix, model loading and the batch engine all go through it, so
 * the limit on their number and the way they are started are the same
 * everywhere. */
#ifndef SLANT_THREADS_H
#define SLANT_THREADS_H

#include <pthread.h>

#include "slant.h"

/* Threads started by one caller, to be joined together. */
typedef struct slantp_threads {
    pthread_t tid[SLANT_MAX_THREADS];
    int n;
} slantp_threads;

/* 'requested' brought into 1..SLANT_MAX_THREADS. */
int slantp_threads_clamp(int requested);

/* Start one thread running fn(arg). With 'elsewhere', keep it off the
 * caller's core where there is another: a thread started early in a
 * process tends to land on its parent's core, and the two then take turns
 * instead of running side by side. Returns 0, or -1 when the thread could
 * not start (or SLANT_MAX_THREADS are running). */
int slantp_thread_start(slantp_threads *t, void *(*fn)(void *), void *arg, int elsewhere);

/* Wait for every thread started in 't'. */
void slantp_threads_join(slantp_threads *t);

/* Run fn(arg) on 'n' threads, the caller being one of them, and wait for
 * all. fn must take its work from a shared counter: a thread that cannot
 * start leaves its share to the others. Returns how many ran. */
int slantp_threads_run(int n, void *(*fn)(void *), void *arg);

#endif
