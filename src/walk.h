/* walk.h - the regular files under a directory, in a reproducible order
 * (walk.c). Private to the library; the input reader expands directory
 * arguments with it. */
#ifndef SLANT_WALK_H
#define SLANT_WALK_H

#include "core.h"

typedef struct slantp_walk_options {
    /* fnmatch(3) patterns, tried on the path relative to the root (with
     * FNM_PATHNAME) and on the base name. A file is listed when it
     * matches an include pattern (or there are none) and no exclude
     * pattern; a directory matching an exclude pattern is not entered. */
    const char *const *include;
    size_t ninclude;
    const char *const *exclude;
    size_t nexclude;
    int hidden;    /* also list names starting with '.'; default 0 */
} slantp_walk_options;

/* Called with each file's path (the root, '/', the relative path) and
 * err NULL, or with the path of an entry that could not be read and the
 * reason in err (then reading goes on). Return non-zero to stop. */
typedef int (*slantp_walk_fn)(void *ctx, const char *path, const slant_error *err);

/* Visit the regular files under 'root', depth first, each directory's
 * entries in byte order of their names, so that the same tree always
 * gives the same order. Symbolic links are followed, and each directory
 * is read once: a link into one being walked (a loop), or another path to
 * one read before, is reported as an error of that entry (otherwise links
 * between directories could make exponentially many paths). A file may be
 * visited through more than one path. A root that is a regular file is
 * visited alone. 'o' may
 * be NULL. Returns SLANT_OK when the walk ran to its end, even if some
 * entries were reported as errors; SLANT_EIO when the root cannot be
 * read; SLANT_ENOMEM; or SLANT_EINVAL when 'fn' stopped the walk. */
int slantp_walk(const char *root, const slantp_walk_options *o, slantp_walk_fn fn, void *ctx,
                slant_error *err);

#endif
