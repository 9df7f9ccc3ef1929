/* threads.c - starting and joining worker threads (see threads.h). */
#define _GNU_SOURCE
#include <sched.h>

#include "threads.h"

int slantp_threads_clamp(int requested)
{
    return requested < 1 ? 1 : requested > SLANT_MAX_THREADS ? SLANT_MAX_THREADS : requested;
}

static int create_elsewhere(pthread_t *tid, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    cpu_set_t cpus;
    int here = sched_getcpu(), rc;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    if (here >= 0 && here < CPU_SETSIZE && sched_getaffinity(0, sizeof cpus, &cpus) == 0 &&
        CPU_ISSET((size_t)here, &cpus) && CPU_COUNT(&cpus) > 1) {
        CPU_CLR((size_t)here, &cpus);
        pthread_attr_setaffinity_np(&attr, sizeof cpus, &cpus);
    }
    rc = pthread_create(tid, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc;
}

int slantp_thread_start(slantp_threads *t, void *(*fn)(void *), void *arg, int elsewhere)
{
    if (t->n >= SLANT_MAX_THREADS)
        return -1;
    int rc = elsewhere ? create_elsewhere(&t->tid[t->n], fn, arg)
                       : pthread_create(&t->tid[t->n], NULL, fn, arg);
    if (rc != 0)
        return -1;
    t->n++;
    return 0;
}

void slantp_threads_join(slantp_threads *t)
{
    for (int i = 0; i < t->n; i++)
        pthread_join(t->tid[i], NULL);
    t->n = 0;
}

int slantp_threads_run(int n, void *(*fn)(void *), void *arg)
{
    slantp_threads t = {.n = 0};
    n = slantp_threads_clamp(n);
    for (int i = 1; i < n; i++)
        if (slantp_thread_start(&t, fn, arg, 0) < 0)
            break;
    int ran = t.n + 1;
    fn(arg);
    slantp_threads_join(&t);
    return ran;
}
