/* walk.c - the regular files under a directory, for "slant classify dir/".
 *
 * Reproducible: each directory's names are read whole and sorted by
 * bytes (strcmp) before anything is visited, so the order does not
 * depend on the file system. Nothing is dropped silently: an unreadable
 * directory, a dangling link, a symbolic-link loop, a second path to a
 * directory already read or a special file is passed to the caller as an
 * error of its own, and the walk goes on.
 * Hidden names (".git", ".DS_Store") are skipped unless asked for.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "walk.h"

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

/* A directory read or being read, and the path it is read through. */
typedef struct seen_dir {
    dir_id id;
    char *path;          /* NULL: an empty slot */
    int open;            /* being walked: a way back into it is a loop */
} seen_dir;

typedef struct walker {
    const slantp_walk_options *o;
    slantp_walk_fn fn;
    void *ctx;
    size_t root_len;     /* bytes of the root and its '/' in every path */
    seen_dir *seen;      /* open addressing; a power of two slots */
    size_t nseen, seen_cap;
    int stopped;
} walker;

static int matches(const char *const *pats, size_t n, const char *rel, const char *base)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(pats[i], rel, FNM_PATHNAME) == 0 || fnmatch(pats[i], base, 0) == 0)
            return 1;
    return 0;
}

/* Pass "cannot <what> '<path>': <why>" to the caller; returns 0 to go on. */
static int report(walker *w, const char *path, const char *what, const char *why)
{
    slant_error e;
    slantp_error_clear(&e);
    slantp_error(&e, SLANT_EIO, path, -1, -1, "cannot %s '%s': %s", what, path, why);
    if (w->fn(w->ctx, path, &e))
        w->stopped = 1;
    return w->stopped;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in 'path' (no . or ..), or NULL with errno set. */
static char **read_names(const char *path, size_t *n)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *s = strdup(e->d_name);
        if (!s || slantp_grow(&names, &cap, *n + 1, sizeof *names) < 0) {
            free(s);
            errno = ENOMEM;
            break;
        }
        names[(*n)++] = s;
    }
    int saved = errno;
    closedir(d);
    if (saved) {
        for (size_t i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        errno = saved;
        return NULL;
    }
    if (*n > 0)
        qsort(names, *n, sizeof *names, cmp_names);
    return names ? names : calloc(1, sizeof *names);
}

static size_t seen_slot(const seen_dir *seen, size_t cap, dir_id id)
{
    size_t i = (size_t)slantp_hash_u64((uint64_t)id.ino * 0x9e3779b97f4a7c15u ^ (uint64_t)id.dev);
    for (i &= cap - 1; seen[i].path; i = (i + 1) & (cap - 1))
        if (seen[i].id.dev == id.dev && seen[i].id.ino == id.ino)
            break;
    return i;
}

/* The directory 'id' as first read, or NULL when it is new. */
static seen_dir *seen_find(const walker *w, dir_id id)
{
    seen_dir *s = w->seen_cap ? &w->seen[seen_slot(w->seen, w->seen_cap, id)] : NULL;
    return s && s->path ? s : NULL;
}

/* 'id' is read to its end: a way back into it is no longer a loop. The
 * table may have grown since it was opened, so it is looked up again. */
static void close_dir(walker *w, dir_id id)
{
    seen_dir *s = seen_find(w, id);
    if (s)
        s->open = 0;
}

/* Remember that 'id' is read (open) through 'path'; -1 when out of memory. */
static int remember(walker *w, dir_id id, const char *path)
{
    if (2 * (w->nseen + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? 2 * w->seen_cap : 64;
        seen_dir *grown = calloc(cap, sizeof *grown);
        if (!grown)
            return -1;
        for (size_t i = 0; i < w->seen_cap; i++)
            if (w->seen[i].path)
                grown[seen_slot(grown, cap, w->seen[i].id)] = w->seen[i];
        free(w->seen);
        w->seen = grown;
        w->seen_cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    w->seen[seen_slot(w->seen, w->seen_cap, id)] = (seen_dir){id, copy, 1};
    w->nseen++;
    return 0;
}

static void forget_all(walker *w)
{
    for (size_t i = 0; i < w->seen_cap; i++)
        free(w->seen[i].path);
    free(w->seen);
}

static int visit(walker *w, const char *path);

/* A directory is read once: a loop back into one being read, or another
 * path to one read before (links between directories could otherwise
 * make exponentially many paths), is reported instead of read again. */
static int report_read_before(walker *w, const char *path, const seen_dir *first)
{
    if (first->open)
        return report(w, path, "read", "symbolic link loop");
    char why[sizeof ((slant_error *)0)->text];
    snprintf(why, sizeof why, "directory already read as '%s'", first->path);
    return report(w, path, "read", why);
}

static int walk_dir(walker *w, const char *path, const struct stat *st)
{
    dir_id id = {st->st_dev, st->st_ino};
    const seen_dir *first = seen_find(w, id);
    if (first)
        return report_read_before(w, path, first);
    if (remember(w, id, path) < 0)
        return -1;
    size_t n;
    char **names = read_names(path, &n);
    if (!names) {
        int e = errno;
        close_dir(w, id);
        return e == ENOMEM ? -1 : report(w, path, "open directory", strerror(e));
    }
    int rc = 0;
    size_t plen = strlen(path);
    for (size_t i = 0; i < n && rc == 0 && !w->stopped; i++) {
        if (names[i][0] == '.' && !w->o->hidden)
            continue;
        char *child = malloc(plen + strlen(names[i]) + 2);
        if (!child) {
            rc = -1;
            break;
        }
        sprintf(child, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", names[i]);
        rc = visit(w, child);
        free(child);
    }
    close_dir(w, id);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* One entry below the root: a file is passed on, a directory entered. */
static int visit(walker *w, const char *path)
{
    const char *rel = path + w->root_len;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const slantp_walk_options *o = w->o;
    if (matches(o->exclude, o->nexclude, rel, base))
        return 0;
    struct stat st;
    if (stat(path, &st) < 0)
        return report(w, path, "read", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, &st);
    if (!S_ISREG(st.st_mode))
        return report(w, path, "read", "not a regular file");
    if (o->ninclude && !matches(o->include, o->ninclude, rel, base))
        return 0;
    if (w->fn(w->ctx, path, NULL))
        w->stopped = 1;
    return 0;
}

int slantp_walk(const char *root, const slantp_walk_options *o, slantp_walk_fn fn, void *ctx,
                slant_error *err)
{
    static const slantp_walk_options none;
    walker w = {.o = o ? o : &none, .fn = fn, .ctx = ctx};
    struct stat st;
    if (stat(root, &st) < 0)
        return slantp_error(err, SLANT_EIO, root, -1, -1, "cannot read '%s': %s", root,
                            strerror(errno));
    size_t len = strlen(root);
    w.root_len = len + (len && root[len - 1] == '/' ? 0 : 1);
    int rc = 0;
    if (S_ISREG(st.st_mode)) {
        w.stopped = fn(ctx, root, NULL) != 0;
    } else if (S_ISDIR(st.st_mode)) {
        size_t n;
        char **names = read_names(root, &n);   /* fail early on an unreadable root */
        if (!names)
            return errno == ENOMEM
                       ? slantp_error(err, SLANT_ENOMEM, root, -1, -1, "out of memory")
                       : slantp_error(err, SLANT_EIO, root, -1, -1,
                                      "cannot open directory '%s': %s", root, strerror(errno));
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        rc = walk_dir(&w, root, &st);
    } else {
        return slantp_error(err, SLANT_EIO, root, -1, -1, "cannot read '%s': not a regular file",
                            root);
    }
    forget_all(&w);
    if (rc < 0)
        return slantp_error(err, SLANT_ENOMEM, root, -1, -1, "out of memory listing '%s'", root);
    return w.stopped ? SLANT_EINVAL : SLANT_OK;
}
