/* test_walk.c - walk.c: the files under a directory in byte order, hidden
 * names, include and exclude globs, and every entry that cannot be read
 * (dangling link, link loop, special file, unreadable directory) passed
 * on as an error instead of dropped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "walk.h"

typedef struct walk_log {
    char text[4096];
    size_t root_len;
    int stop_after;      /* stop after this many files; 0 = never */
    int files;
} walk_log;

/* 'text' with every occurrence of the root (the first 'root_len' bytes of
 * 'path', its '/' included) cut out, into 'out'. */
static void drop_root(char *out, size_t size, const char *text, const char *path, size_t root_len)
{
    size_t o = 0;
    while (*text && o + 1 < size) {
        if (strncmp(text, path, root_len) == 0)
            text += root_len;
        else
            out[o++] = *text++;
    }
    out[o] = '\0';
}

/* "F rel" for a file, "E <error text with the root cut out>" for an error. */
static int record(void *ctx, const char *path, const slant_error *err)
{
    walk_log *log = ctx;
    size_t n = strlen(log->text);
    if (err) {
        char text[sizeof err->text + 8];
        drop_root(text, sizeof text, err->text, path, log->root_len);
        cr_assert_str_eq(err->source, path);
        snprintf(log->text + n, sizeof log->text - n, "E %s\n", text);
        return 0;
    }
    snprintf(log->text + n, sizeof log->text - n, "F %s\n", path + log->root_len);
    log->files++;
    return log->stop_after && log->files >= log->stop_after;
}

static void make_file(const char *dir, const char *rel)
{
    char *p = th_path(dir, rel);
    th_write(p, "x\n", 2);
    free(p);
}

static void make_dir(const char *dir, const char *rel)
{
    char *p = th_path(dir, rel);
    cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
    free(p);
}

static void make_link(const char *dir, const char *rel, const char *target)
{
    char *p = th_path(dir, rel);
    cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
    free(p);
}

/* A tree with files, hidden names, a link loop, a dangling link, a FIFO. */
static char *make_tree(void)
{
    char *dir = th_mkdtemp();
    make_file(dir, "b.txt");
    make_file(dir, "a.txt");
    make_file(dir, ".hidden.txt");
    make_dir(dir, ".git");
    make_file(dir, ".git/config");
    make_dir(dir, "sub");
    make_file(dir, "sub/c.jsonl");
    make_file(dir, "sub/Z.html");
    make_dir(dir, "sub/deeper");
    make_file(dir, "sub/deeper/d.txt");
    make_dir(dir, "drafts");
    make_file(dir, "drafts/e.txt");
    make_link(dir, "link-loop", ".");
    make_link(dir, "dangling", "nowhere");
    make_link(dir, "sub/a-link.txt", "../a.txt");
    char *fifo = th_path(dir, "fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    free(fifo);
    return dir;
}

static int run_walk(const char *dir, const slantp_walk_options *o, walk_log *log)
{
    memset(log, 0, sizeof *log);
    log->root_len = strlen(dir) + 1;
    slant_error err;
    slantp_error_clear(&err);
    return slantp_walk(dir, o, record, log, &err);
}

Test(walk, lists_files_in_byte_order_and_reports_what_it_cannot_read)
{
    char *dir = make_tree();
    walk_log log;
    cr_assert_eq(run_walk(dir, NULL, &log), SLANT_OK);
    cr_assert_str_eq(log.text, "F a.txt\n"
                               "F b.txt\n"
                               "E cannot read 'dangling': No such file or directory\n"
                               "F drafts/e.txt\n"
                               "E cannot read 'fifo': not a regular file\n"
                               "E cannot read 'link-loop': symbolic link loop\n"
                               "F sub/Z.html\n"
                               "F sub/a-link.txt\n"
                               "F sub/c.jsonl\n"
                               "F sub/deeper/d.txt\n");
    th_rmdir(dir);
    free(dir);
}

Test(walk, hidden_names_on_request)
{
    char *dir = make_tree();
    slantp_walk_options o = {.hidden = 1};
    const char *const exclude[] = {"link-loop", "dangling", "fifo", "sub", "drafts"};
    o.exclude = exclude;
    o.nexclude = 5;
    walk_log log;
    cr_assert_eq(run_walk(dir, &o, &log), SLANT_OK);
    cr_assert_str_eq(log.text, "F .git/config\nF .hidden.txt\nF a.txt\nF b.txt\n");
    th_rmdir(dir);
    free(dir);
}

Test(walk, include_and_exclude_globs)
{
    char *dir = make_tree();
    const char *const txt[] = {"*.txt"};
    const char *const drafts[] = {"drafts", "link-loop", "dangling", "fifo"};
    slantp_walk_options o = {.include = txt, .ninclude = 1, .exclude = drafts, .nexclude = 4};
    walk_log log;
    cr_assert_eq(run_walk(dir, &o, &log), SLANT_OK);
    cr_assert_str_eq(log.text, "F a.txt\nF b.txt\nF sub/a-link.txt\nF sub/deeper/d.txt\n");
    /* on the relative path, '*' stops at '/' */
    const char *const sub[] = {"sub/*"};
    o.include = sub;
    cr_assert_eq(run_walk(dir, &o, &log), SLANT_OK);
    cr_assert_str_eq(log.text, "F sub/Z.html\nF sub/a-link.txt\nF sub/c.jsonl\n");
    th_rmdir(dir);
    free(dir);
}

Test(walk, the_caller_can_stop_the_walk)
{
    char *dir = make_tree();
    walk_log log;
    memset(&log, 0, sizeof log);
    log.root_len = strlen(dir) + 1;
    log.stop_after = 2;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_walk(dir, NULL, record, &log, &err), SLANT_EINVAL);
    cr_assert_str_eq(log.text, "F a.txt\nF b.txt\n");
    th_rmdir(dir);
    free(dir);
}

Test(walk, a_file_root_is_listed_alone_and_a_missing_root_is_an_error)
{
    char *dir = th_mkdtemp(), *file = th_path(dir, "one.txt");
    th_write(file, "x", 1);
    walk_log log;
    memset(&log, 0, sizeof log);
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_walk(file, NULL, record, &log, &err), SLANT_OK);
    cr_assert_eq(log.files, 1);
    char *missing = th_path(dir, "missing");
    slantp_error_clear(&err);
    cr_assert_eq(slantp_walk(missing, NULL, record, &log, &err), SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot read '%s': No such file or directory", missing);
    cr_assert_str_eq(err.text, want);
    th_rmdir(dir);
    free(missing);
    free(file);
    free(dir);
}

Test(walk, an_unreadable_directory_is_reported_and_the_walk_goes_on)
{
    if (geteuid() == 0)
        cr_skip_test("running as root: every directory is readable");
    char *dir = th_mkdtemp();
    make_dir(dir, "locked");
    make_file(dir, "locked/x.txt");
    make_file(dir, "z.txt");
    char *locked = th_path(dir, "locked");
    chmod(locked, 0);
    walk_log log;
    cr_assert_eq(run_walk(dir, NULL, &log), SLANT_OK);
    chmod(locked, 0755);
    cr_assert_str_eq(log.text, "E cannot open directory 'locked': Permission denied\nF z.txt\n");
    th_rmdir(dir);
    free(locked);
    free(dir);
}

/* Directories linked to each other: each is read once, through the first
 * path that reaches it in the walk's order, and every later path to it is
 * reported. Walking every path would take exponential time (a hang). */
Test(walk, a_directory_reached_through_links_is_read_once)
{
    enum { DIRS = 8 };
    char *dir = th_mkdtemp();
    char rel[64], target[64];
    for (int i = 1; i <= DIRS; i++) {
        snprintf(rel, sizeof rel, "d%d", i);
        make_dir(dir, rel);
        snprintf(rel, sizeof rel, "d%d/f.txt", i);
        make_file(dir, rel);
    }
    for (int i = 1; i <= DIRS; i++)
        for (int j = 1; j <= DIRS; j++)
            if (i != j) {
                snprintf(rel, sizeof rel, "d%d/l%d", i, j);
                snprintf(target, sizeof target, "../d%d", j);
                make_link(dir, rel, target);
            }
    walk_log log;
    cr_assert_eq(run_walk(dir, NULL, &log), SLANT_OK);
    cr_assert_eq(log.files, DIRS, "%d files", log.files);
    const char *start = "F d1/f.txt\nF d1/l2/f.txt\nE cannot read 'd1/l2/l1': symbolic link loop\n";
    cr_assert(strncmp(log.text, start, strlen(start)) == 0, "%s", log.text);
    cr_assert(strstr(log.text, "F d1/l2/f.txt\n"), "%s", log.text);
    cr_assert(strstr(log.text, "E cannot read 'd2': directory already read as 'd1/l2'\n"),
              "%s", log.text);
    th_rmdir(dir);
    free(dir);
}
