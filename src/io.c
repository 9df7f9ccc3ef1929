/* io.c - the only place that touches files: whole-file reads, a bounded
 * line reader (which reads gzip data transparently), and atomic writes.
 *
 * Inputs must be regular files (or "-" for standard input) so a FIFO or a
 * device cannot hang a run; their size is capped. Outputs are written to a
 * temporary file in the target's directory, fsynced, renamed over the
 * target and the directory fsynced, so a crash leaves the old file or the
 * new one, never half of one. The writer holds a lock on its temporary;
 * the next save of the same name removes the unlocked ones a killed
 * writer left, and a signal handler can remove the one being written
 * (slant_remove_pending_temporary).
 */
#define _GNU_SOURCE   /* fopencookie, for the gzip line reader */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core.h"
#include "io.h"

uint32_t slantp_crc32(const void *p, size_t n)
{
    /* zlib's crc32 runs at several GB/s; ours would be a tenth of that and
     * checksumming is on the model-load path. */
    uLong c = crc32(0L, Z_NULL, 0);
    const Bytef *b = p;
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, b, chunk);
        b += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}

static int io_error(slant_error *err, const char *path, const char *what, int e)
{
    if (e == ENOMEM) /* fdopen's buffer, gzip's state: not the file's fault */
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return slantp_error(err, SLANT_EIO, NULL, -1, -1, "cannot %s '%s': %s", what, path,
                        strerror(e));
}

/* Open 'path' for reading into *fd if it is a regular file of at most
 * 'max' bytes (max 0: any size). O_NONBLOCK while checking, so a FIFO
 * cannot make open() wait for a writer. */
static int open_regular(const char *path, size_t max, struct stat *st, int *fd, slant_error *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return io_error(err, path, "open", errno);
    int rc = SLANT_OK;
    if (fstat(*fd, st) < 0)
        rc = io_error(err, path, "stat", errno);
    else if (!S_ISREG(st->st_mode))
        rc = slantp_error(err, SLANT_EIO, NULL, -1, -1, "cannot read '%s': %s", path,
                          S_ISDIR(st->st_mode) ? "Is a directory" : "not a regular file");
    else if (max && (unsigned long long)st->st_size > max)
        rc = slantp_error(err, SLANT_EIO, NULL, -1, -1, "cannot read '%s': larger than %zu bytes",
                          path, max);
    if (rc != SLANT_OK) {
        close(*fd);
        *fd = -1;
        return rc;
    }
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    return SLANT_OK;
}

int slantp_read_file(const char *path, size_t max, slantp_buf *out, slant_error *err)
{
    int fd = 0;
    int is_stdin = strcmp(path, "-") == 0;
    out->len = 0;
    if (!is_stdin) {
        struct stat st;
        int rc = open_regular(path, max, &st, &fd, err);
        if (rc != SLANT_OK)
            return rc;
        if (slantp_buf_reserve(out, (size_t)st.st_size) < 0) {
            close(fd);
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory reading '%s'",
                                path);
        }
    }
    for (;;) {
        if (out->len > max) {
            if (!is_stdin)
                close(fd);
            return slantp_error(err, SLANT_EIO, NULL, -1, -1,
                                "cannot read '%s': larger than %zu bytes", path, max);
        }
        if (slantp_buf_reserve(out, 65536) < 0) {
            if (!is_stdin)
                close(fd);
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory reading '%s'",
                                path);
        }
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            if (!is_stdin)
                close(fd);
            return io_error(err, path, "read", e);
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
    }
    out->data[out->len] = '\0';
    if (!is_stdin)
        close(fd);
    return SLANT_OK;
}

int slantp_map_file(const char *path, size_t max, const char **p, size_t *n, slant_error *err)
{
    static const char empty[1] = "";
    struct stat st;
    int fd;
    int rc = open_regular(path, max, &st, &fd, err);
    if (rc != SLANT_OK)
        return rc;
    *n = (size_t)st.st_size;
    if (*n == 0) {
        close(fd);
        *p = empty;
        return SLANT_OK;
    }
    void *m = mmap(NULL, *n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return io_error(err, path, "map", e);
    *p = m;
    return SLANT_OK;
}

void slantp_unmap_file(const char *p, size_t n)
{
    if (p && n)
        munmap((void *)(uintptr_t)p, n);
}

/* ======================================================== gzip streams */

/* A FILE* that inflates the gzip stream of another: the line reader then
 * reads .gz files and gzip on stdin without knowing. Several members one
 * after the other (cat a.gz b.gz) read as one stream. A read error is
 * EBADMSG for corrupt or truncated data, so that the reader can say so. */
typedef struct gz_cookie {
    FILE *src;
    z_stream z;
    int done;
    unsigned char in[65536];
} gz_cookie;

static ssize_t gz_read(void *c, char *out, size_t n)
{
    gz_cookie *g = c;
    g->z.next_out = (Bytef *)out;
    g->z.avail_out = n > (1u << 30) ? (1u << 30) : (uInt)n;
    while (g->z.avail_out > 0 && !g->done) {
        if (g->z.avail_in == 0) {
            size_t r = fread(g->in, 1, sizeof g->in, g->src);
            if (r == 0) {
                if (ferror(g->src))
                    return -1;
                if (g->z.total_in > 0 || g->z.total_out > 0) {
                    errno = EBADMSG;   /* ended inside a member */
                    return -1;
                }
                g->done = 1;   /* ended between members */
                break;
            }
            g->z.next_in = g->in;
            g->z.avail_in = (uInt)r;
        }
        int zrc = inflate(&g->z, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END) {
            inflateReset(&g->z);
        } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            errno = zrc == Z_MEM_ERROR ? ENOMEM : EBADMSG;
            return -1;
        }
    }
    return (ssize_t)((size_t)(g->z.next_out - (Bytef *)out));
}

static int gz_close(void *c)
{
    gz_cookie *g = c;
    inflateEnd(&g->z);
    int rc = g->src != stdin ? fclose(g->src) : 0;
    free(g);
    return rc;
}

/* Wrap 'src' in an inflating FILE* if it starts with gzip's first magic
 * byte (no text starts with 0x1f); *f is 'src' otherwise. */
static int maybe_gunzip(FILE *src, FILE **f)
{
    *f = src;
    int c = getc(src);
    if (c == EOF)
        return 0;
    ungetc(c, src);
    if (c != 0x1f)
        return 0;
    gz_cookie *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    g->src = src;
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        free(g);
        return -1;
    }
    cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
    *f = fopencookie(g, "rb", io);
    if (!*f) {
        inflateEnd(&g->z);
        free(g);
        *f = src;
        return -1;
    }
    return 0;
}

/* ======================================================== lines */

int slantp_lines_open(slantp_lines *lr, const char *path, size_t max, slant_error *err)
{
    memset(lr, 0, sizeof *lr);
    lr->max = max;
    lr->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (strcmp(path, "-") == 0) {
        lr->f = stdin;
    } else {
        struct stat st;
        int fd;
        int rc = open_regular(path, 0, &st, &fd, err);
        if (rc != SLANT_OK)
            return rc;
        lr->f = fdopen(fd, "rb");
        if (!lr->f) {
            int e = errno;
            close(fd);
            return io_error(err, path, "open", e);
        }
    }
    lr->cap = 1 << 16;
    lr->buf = malloc(lr->cap);
    FILE *raw = lr->f;
    if (!lr->buf || maybe_gunzip(raw, &lr->f) < 0) {
        slantp_lines_close(lr);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    lr->gzip = lr->f != raw;
    return SLANT_OK;
}

static int read_error(slantp_lines *lr, slant_error *err)
{
    /* EBADMSG comes from gz_read alone */
    slantp_error(err, SLANT_EIO, lr->name, -1, -1, "read error: %s",
                 errno == EBADMSG ? "corrupt or truncated gzip data" : strerror(errno));
    return -1;
}

int slantp_lines_next(slantp_lines *lr, const char **line, size_t *len, slant_error *err)
{
    while (lr->skipping) {
        /* drop the rest of an over-long line */
        char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
        if (nl) {
            lr->start = (size_t)(nl - lr->buf) + 1;
            lr->skipping = 0;
            break;
        }
        lr->base += (long long)lr->end;
        lr->start = lr->end = 0;
        if (lr->eof)
            return 0;
        size_t r = fread(lr->buf, 1, lr->cap, lr->f);
        lr->end = r;
        if (r == 0) {
            if (ferror(lr->f))
                return read_error(lr, err);
            lr->eof = 1;
        }
    }
    size_t scan = lr->start;
    for (;;) {
        char *nl = memchr(lr->buf + scan, '\n', lr->end - scan);
        if (nl) {
            size_t n = (size_t)(nl - (lr->buf + lr->start));
            *line = lr->buf + lr->start;
            lr->offset = lr->base + (long long)lr->start;
            lr->start += n + 1;
            lr->lineno++;
            if (n > 0 && (*line)[n - 1] == '\r')
                n--;
            if (n > lr->max)
                goto toolong;
            *len = n;
            return 1;
        }
        if (lr->eof) {
            if (lr->start == lr->end)
                return 0;
            *line = lr->buf + lr->start;
            *len = lr->end - lr->start;
            lr->offset = lr->base + (long long)lr->start;
            lr->start = lr->end;
            lr->lineno++;
            if (*len > 0 && (*line)[*len - 1] == '\r')
                (*len)--;
            if (*len > lr->max)
                goto toolong;
            return 1;
        }
        /* compact, then grow if the partial line fills the buffer */
        if (lr->start > 0) {
            memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
            lr->end -= lr->start;
            lr->base += (long long)lr->start;
            lr->start = 0;
        }
        scan = lr->end;
        if (lr->end == lr->cap) {
            if (lr->cap > lr->max + 2) {
                lr->lineno++;
                lr->skipping = 1;
                lr->offset = lr->base;
                lr->base += (long long)lr->end;
                lr->start = lr->end = 0;
                goto toolong;
            }
            char *nb = realloc(lr->buf, lr->cap * 2);
            if (!nb) {
                slantp_error(err, SLANT_ENOMEM, lr->name, lr->lineno + 1, 1,
                             "out of memory reading a line");
                return -1;
            }
            lr->buf = nb;
            lr->cap *= 2;
        }
        size_t r = fread(lr->buf + lr->end, 1, lr->cap - lr->end, lr->f);
        lr->end += r;
        if (r == 0) {
            if (ferror(lr->f))
                return read_error(lr, err);
            lr->eof = 1;
        }
    }
toolong:
    slantp_error(err, SLANT_EFORMAT, lr->name, lr->lineno, 1, "line longer than %zu bytes",
                 lr->max);
    return -1;
}

void slantp_lines_close(slantp_lines *lr)
{
    if (lr->f && lr->f != stdin)
        fclose(lr->f);
    lr->f = NULL;
    free(lr->buf);
    lr->buf = NULL;
}

/* The temporaries being written, for slant_remove_pending_temporary: a
 * slot per file written at the same time (audit renders write theirs side
 * by side). A writer claims a free slot (PENDING_FREE -> PENDING_FILLING),
 * writes the name and only then marks it PENDING_SET, as a signal handler
 * may read the slots at any moment. */
enum { PENDING_SLOTS = 8, PENDING_FREE = 0, PENDING_FILLING, PENDING_SET };
static char pending_tmp[PENDING_SLOTS][4096];
static atomic_int pending[PENDING_SLOTS];

void slant_remove_pending_temporary(void)
{
    for (int i = 0; i < PENDING_SLOTS; i++)
        if (atomic_load(&pending[i]) == PENDING_SET)
            unlink(pending_tmp[i]);
}

/* Note 'tmp' as being written; the slot, or -1 when none is free (the
 * temporary is then left to the next save's sweep). */
static int pending_claim(const char *tmp)
{
    if (strlen(tmp) >= sizeof pending_tmp[0])
        return -1;
    for (int i = 0; i < PENDING_SLOTS; i++) {
        int free_slot = PENDING_FREE;
        if (atomic_compare_exchange_strong(&pending[i], &free_slot, PENDING_FILLING)) {
            memcpy(pending_tmp[i], tmp, strlen(tmp) + 1);
            atomic_store(&pending[i], PENDING_SET);
            return i;
        }
    }
    return -1;
}

/* Remove the temporaries of earlier saves of 'base' in 'dir' whose writer
 * is gone (killed, or the machine went down): a live writer holds a lock
 * on its temporary, a dead one's lock went with it. */
static void sweep_stale(const char *dir, const char *base)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(dp))) {
        const char *nm = e->d_name;
        if (nm[0] != '.' || strncmp(nm + 1, base, blen) != 0 ||
            strncmp(nm + 1 + blen, ".tmp.", 5) != 0 || strlen(nm + 1 + blen + 5) != 6)
            continue;
        int fd = openat(dirfd(dp), nm, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(dp), nm, 0);
        close(fd);
    }
    closedir(dp);
}

static int write_all(int fd, const char *s, size_t left)
{
    while (left > 0) {
        ssize_t w = write(fd, s, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        left -= (size_t)w;
    }
    return 0;
}

int slantp_write_atomic(const char *path, const void *p, size_t n, slant_error *err)
{
    size_t plen = strlen(path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    char *tmp = malloc(plen + 32);
    char *dir = malloc(dirlen + 2);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    }
    if (slash) {
        memcpy(dir, path, dirlen);
        dir[dirlen] = '\0';
        if (dirlen == 0)
            strcpy(dir, "/");
        snprintf(tmp, plen + 32, "%.*s/.%s.tmp.XXXXXX", (int)dirlen, path, base);
    } else {
        strcpy(dir, ".");
        snprintf(tmp, plen + 32, ".%s.tmp.XXXXXX", path);
    }
    sweep_stale(dir, base);
    int rc = SLANT_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = io_error(err, path, "create a temporary file for", errno);
        goto out;
    }
    /* held until the rename: the next save's sweep leaves a live write alone */
    flock(fd, LOCK_EX);
    int slot = pending_claim(tmp);
    if (write_all(fd, p, n) < 0)
        rc = io_error(err, path, "write", errno);
    if (rc == SLANT_OK && fchmod(fd, 0644) < 0)
        rc = io_error(err, path, "chmod", errno);
    if (rc == SLANT_OK && fsync(fd) < 0)
        rc = io_error(err, path, "fsync", errno);
    if (rc == SLANT_OK && rename(tmp, path) < 0)
        rc = io_error(err, path, "rename to", errno);
    if (rc != SLANT_OK)
        unlink(tmp);
    if (slot >= 0)
        atomic_store(&pending[slot], PENDING_FREE);
    if (close(fd) < 0 && rc == SLANT_OK)
        rc = io_error(err, path, "close", errno);
    if (rc != SLANT_OK)
        goto out;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) < 0 && errno != EINVAL)
            rc = io_error(err, dir, "fsync directory", errno);
        close(dfd);
    }
out:
    free(tmp);
    free(dir);
    return rc;
}
