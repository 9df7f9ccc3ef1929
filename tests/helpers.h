/* helpers.h - shared by the Criterion test files: temporary directories,
 * writing fixture files, a tiny labelled corpus, and running the slant
 * binary as a child process with its output captured. */
#ifndef SLANT_TEST_HELPERS_H
#define SLANT_TEST_HELPERS_H

#include <stddef.h>

#include "slant.h"

/* A fresh directory under $TMPDIR (or /tmp), removed by th_rmdir. */
char *th_mkdtemp(void);
void th_rmdir(const char *dir);
/* dir + "/" + name, malloc'd. */
char *th_path(const char *dir, const char *name);
void th_write(const char *path, const char *data, size_t len);
char *th_read(const char *path, size_t *len);

/* Write a small but real two-head corpus (outlet_type single-label,
 * frames multi-label, 'story' groups) to path; returns the record count. */
size_t th_write_corpus(const char *path);
/* Train a model on that corpus with quick options and return it. */
slant_model *th_train_small(void);

/* Run the slant binary ($SLANT_BIN, default ./slant) with argv (NULL-
 * terminated, without argv[0]) and optional stdin text. Returns the exit
 * status (or 128+signal); *out and *err get malloc'd outputs. */
int th_run(const char *const *argv, const char *input, char **out, char **err);

/* Counting the calls to malloc, calloc, realloc and aligned_alloc made by
 * the whole process (jansson, libstemmer and utf8proc included) between
 * th_alloc_count_start() and th_alloc_count_stop(). The test binary
 * interposes those functions on glibc's own. Under a sanitizer, which owns
 * the allocator, nothing is interposed and start returns 0: the caller
 * skips its test. Otherwise start returns 1. */
int th_alloc_count_start(void);
unsigned long th_alloc_count_stop(void);
/* Fail the n-th allocation from now (1-based), as SQLite's fault
 * injection does; returns 0 under a sanitizer (skip the test). stop says
 * whether that allocation was reached. */
int th_alloc_fail_start(unsigned long n);
int th_alloc_fail_stop(void);
/* Leave libsvm's own allocations (and its C++ runtime's) out of the count
 * and never fail them: libsvm does not check them. */
void th_alloc_exempt_libsvm(int exempt);

#endif
