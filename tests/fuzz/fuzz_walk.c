/* fuzz_walk.c - libFuzzer harness: directory inputs. The bytes describe a
 * tree (directories, files of any name and content, .jsonl and .gz files,
 * symbolic links that may loop), which is made under $TMPDIR and then read
 * three ways:
 *   - the walk itself (walk.c), with include and exclude patterns taken
 *     from the input: it ends; every path is under the root; the files of
 *     one directory come in byte order of their names; no more files are
 *     listed than entries were made (each directory is read once); in a tree
 *     without links or patterns, exactly the files made are visited, hidden
 *     names left out;
 *   - the batch engine on the directory, as `slant classify DIR` reads it:
 *     every document is delivered once, in order, with a result or a
 *     reason;
 *   - the training-data reader on the directory (one subdirectory per
 *     label): the tree is read, or refused with a reason.
 * The tree is removed after each input. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "walk.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ENTRIES = 48, MAX_DEPTH = 6, MAX_NAME = 12, MAX_PATH = 1024 };

static slant_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    model = fuzz_small_model();
    return 0;
}

/* ------------------------------------------------ the tree from the bytes */

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static unsigned take(reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

typedef struct tree {
    char root[MAX_PATH];
    char dir[MAX_DEPTH + 1][MAX_PATH];     /* the directories entered */
    int depth;
    char made[MAX_ENTRIES][MAX_PATH];      /* every path made, for links */
    int nmade;
    int links;                             /* any symbolic link */
    size_t expected;                       /* regular files a plain walk lists */
} tree;

/* A name of 1..MAX_NAME bytes from the input: any byte but '/' and NUL,
 * never "." or "..". Returns whether it starts with '.'. */
static int take_name(reader *r, char *name, const char *suffix)
{
    size_t n = 1 + take(r) % MAX_NAME, k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = take(r);
        name[k++] = (char)(c == '/' || c == 0 ? '_' : c);
    }
    name[k] = '\0';
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        name[0] = 'x';
    strcat(name, suffix);
    return name[0] == '.';
}

/* Whether any directory entered so far has a hidden name. */
static int under_hidden(const tree *t)
{
    for (int d = 1; d <= t->depth; d++) {
        const char *base = strrchr(t->dir[d], '/');
        if (base && base[1] == '.')
            return 1;
    }
    return 0;
}

static void make_file(tree *t, reader *r, const char *suffix)
{
    char name[MAX_NAME + 16], path[MAX_PATH];
    int hidden = take_name(r, name, suffix);
    size_t len = take(r) * 4u;
    if ((size_t)(r->end - r->p) < len)
        len = (size_t)(r->end - r->p);
    snprintf(path, sizeof path, "%s/%s", t->dir[t->depth], name);
    FILE *f = fopen(path, "wx");
    if (!f)
        return;     /* the name is taken */
    fwrite(r->p, 1, len, f);
    fclose(f);
    r->p += len;
    t->expected += !hidden && !under_hidden(t);
    snprintf(t->made[t->nmade++], MAX_PATH, "%s", path);
}

static void make_dir(tree *t, reader *r)
{
    char name[MAX_NAME + 16], path[MAX_PATH];
    take_name(r, name, "");
    snprintf(path, sizeof path, "%s/%s", t->dir[t->depth], name);
    if (t->depth == MAX_DEPTH || mkdir(path, 0700) != 0)
        return;
    snprintf(t->made[t->nmade++], MAX_PATH, "%s", path);
    snprintf(t->dir[++t->depth], MAX_PATH, "%s", path);
}

/* A link to the root, to the directory it is in, to a path made before,
 * to the parent (inside the tree), or to nothing. */
static void make_link(tree *t, reader *r)
{
    char name[MAX_NAME + 16], path[MAX_PATH];
    take_name(r, name, "");
    unsigned k = take(r);
    const char *target = k % 4 == 0 ? t->root : k % 4 == 1 ? "." : k % 4 == 2 ? "missing"
                       : t->nmade ? t->made[k / 4 % (unsigned)t->nmade]
                       : t->depth ? ".." : ".";
    snprintf(path, sizeof path, "%s/%s", t->dir[t->depth], name);
    if (symlink(target, path) == 0) {
        t->links = 1;
        snprintf(t->made[t->nmade++], MAX_PATH, "%s", path);
    }
}

static void build(tree *t, reader *r)
{
    while (r->p < r->end && t->nmade < MAX_ENTRIES) {
        switch (take(r) % 6) {
        case 0: make_dir(t, r); break;
        case 1: t->depth -= t->depth > 0; break;
        case 2: make_file(t, r, ""); break;
        case 3: make_file(t, r, ".jsonl"); break;
        case 4: make_file(t, r, ".txt.gz"); break;
        default: make_link(t, r); break;
        }
    }
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[MAX_PATH + 300];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ------------------------------------------------ the walk */

typedef struct visits {
    const char *root;
    size_t n, errors;
    char last[MAX_PATH + 300];
} visits;

static int visited(void *ctx, const char *path, const slant_error *err)
{
    visits *v = ctx;
    size_t rl = strlen(v->root);
    if (strncmp(path, v->root, rl) != 0 || path[rl] != '/')
        abort();    /* outside the root */
    if (err) {
        if (!err->text[0])
            abort();
        v->errors++;
        return 0;
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = (size_t)(slash - path);
    if (v->n && strncmp(v->last, path, dirlen) == 0 && v->last[dirlen] == '/' &&
        !strchr(v->last + dirlen + 1, '/') && strcmp(v->last + dirlen + 1, slash + 1) >= 0)
        abort();    /* two files of one directory out of byte order */
    snprintf(v->last, sizeof v->last, "%s", path);
    v->n++;
    return 0;
}

/* The walk with the patterns byte k picks. */
static void check_walk(const tree *t, unsigned k)
{
    static const char *const patterns[] = {"*.jsonl", "*.gz", "x*", "*/*", ".*", "[a-m]*"};
    const char *inc = patterns[k % 6], *exc = patterns[k / 6 % 6];
    slantp_walk_options o = {0};
    if (k & 0x40)
        o.include = &inc, o.ninclude = 1;
    if (k & 0x80)
        o.exclude = &exc, o.nexclude = 1;
    visits v = {.root = t->root};
    slant_error err;
    int rc = slantp_walk(t->root, &o, visited, &v, &err);
    if (rc != SLANT_OK)
        abort();    /* a root that exists is walked to its end */
    if (v.n > (size_t)t->nmade) {
        /* each directory is read once, so no file is listed more often
         * than there are paths made (files, and links to files) */
        fprintf(stderr, "walk listed %zu files, %d entries made\n", v.n, t->nmade);
        abort();
    }
    if (!t->links && !o.ninclude && !o.nexclude && (v.n != t->expected || v.errors)) {
        fprintf(stderr, "walk visited %zu files (%zu errors), %zu made\n", v.n, v.errors,
                t->expected);
        abort();
    }
}

/* ------------------------------------------------ batch and training data */

typedef struct tally {
    size_t next_index;
} tally;

static void on_result(void *ctx, int worker, const slant_doc *doc, const slant_result *r,
                      const slant_error *why, slant_buffer *out)
{
    (void)ctx;
    (void)worker;
    (void)doc;
    if (!r == !why)
        abort();    /* a result or a reason, never both or neither */
    slant_buffer_write(out, "x", 1);
}

static int on_output(void *ctx, const slant_doc *doc, const slant_error *why, const char *bytes,
                     size_t len)
{
    tally *t = ctx;
    (void)bytes;
    (void)len;
    if (doc->index != t->next_index++ || (why && !why->text[0]))
        abort();    /* out of order, missing, or failed without a reason */
    return 0;
}

static void check_batch(const tree *t)
{
    tally tl = {0};
    slant_batch_options o;
    slant_batch_options_init(&o);
    o.on_result = on_result;
    o.on_output = on_output;
    o.ctx = &tl;
    slant_error err;
    slant_batch *b = slant_batch_new(model, &o, &err);
    if (!b)
        abort();
    int rc = slant_batch_submit_file(b, t->root, SLANT_INPUT_AUTO, &err);
    if (rc == SLANT_OK)
        rc = slant_batch_finish(b, &err);
    slant_batch_free(b);
    if (rc != SLANT_OK)
        abort();    /* unreadable entries are failed documents, not a failed call */
}

static void check_dataset(const tree *t)
{
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    int rc = slant_dataset_read(d, t->root, SLANT_FORMAT_AUTO, NULL, NULL, &err);
    if (rc != SLANT_OK && !err.text[0])
        abort();    /* refused without saying why */
    slant_dataset_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tree t;
    memset(&t, 0, sizeof t);
    const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
    snprintf(t.root, sizeof t.root, "%s/slant-fuzz-walk-XXXXXX", tmpdir);
    if (!mkdtemp(t.root))
        return 0;
    snprintf(t.dir[0], MAX_PATH, "%s", t.root);
    reader r = {data, data + size};
    unsigned how = take(&r), patterns = take(&r);
    build(&t, &r);
    check_walk(&t, patterns);
    if (how & 1)
        check_batch(&t);
    if (how & 2)
        check_dataset(&t);
    remove_tree(t.root);
    return 0;
}
