/* test_limits.c - the slant command at its resource limits (the man page's
 * LIMITS): a document past 64 MB, a line past 64 MB, a million tiny
 * documents, nesting past the JSON depth limit, NUL bytes, too little
 * address space, and a disk that fills up while a model is saved. Each
 * ends in one record per document and a clean error, never a crash, a
 * hang, or a half-written file. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static char *dir, *corpus, *model;

static const char *slant_bin(void)
{
    return getenv("SLANT_BIN") ? getenv("SLANT_BIN") : "./slant";
}

static void setup(void)
{
    dir = th_mkdtemp();
    corpus = th_path(dir, "corpus.jsonl");
    model = th_path(dir, "m.slant");
    th_write_corpus(corpus);
    char *out, *err;
    const char *argv[] = {"train", "--folds", "3", "--min-df", "1", "--c", "1", "--group",
                          "story", "--out", model, corpus, NULL};
    cr_assert_eq(th_run(argv, NULL, &out, &err), 0, "train failed: %s", err);
    free(out);
    free(err);
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
    free(corpus);
    free(model);
}

TestSuite(limits, .init = setup, .fini = teardown);

static const char ordinary[] = "{\"id\": \"after\", \"text\": \"LIMA (Meridian) - Officials "
                               "said on Tuesday that the port tariff would be reviewed.\"}\n";

/* Classify 'path' as JSONL records: the status, and the output lines in
 * *out (malloc'd). */
static int classify(const char *path, char **out, char **err)
{
    const char *argv[] = {"classify", "-m", model, "-f", "jsonl", "--no-abstain", path, NULL};
    return th_run(argv, NULL, out, err);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Documents in TSV output: a row per label, so the runs of one id. */
static size_t count_tsv_documents(const char *s)
{
    size_t n = 0, last_len = 0;
    const char *last = NULL;
    for (s = strchr(s, '\n'); s && s[1]; s = strchr(s, '\n')) {
        const char *id = s + 1;
        size_t len = strcspn(id, "\t\n");
        n += !last || len != last_len || memcmp(id, last, len) != 0;
        last = id;
        last_len = len;
        s = id;
    }
    return n;
}

Test(limits, a_document_past_64_mb_is_one_failed_record)
{
    char *big = th_path(dir, "big.txt");
    FILE *f = fopen(big, "w");
    cr_assert_not_null(f);
    /* 200 MB, sparse: refused by its size before a byte is read */
    cr_assert_eq(ftruncate(fileno(f), 200L << 20), 0);
    fclose(f);
    char *out, *err;
    cr_assert_eq(classify(big, &out, &err), 1);
    cr_assert_eq(count_lines(out), 1, "%s", out);
    cr_assert(strstr(out, "larger than 67108864 bytes") && strstr(out, "\"error\""), "%s", out);
    cr_assert(strncmp(err, "slant: ", 7) == 0 && strstr(err, "big.txt"), "%s", err);
    free(out);
    free(err);
    free(big);
}

Test(limits, a_line_past_64_mb_is_one_failed_record_and_the_next_line_counts)
{
    char *path = th_path(dir, "long.jsonl");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    static char chunk[1 << 20];
    memset(chunk, 'a', sizeof chunk);
    fputs("{\"id\": \"long\", \"text\": \"", f);
    for (int i = 0; i < 100; i++)
        fwrite(chunk, 1, sizeof chunk, f);
    fputs("\"}\n", f);
    fputs(ordinary, f);
    fclose(f);
    char *out, *err;
    cr_assert_eq(classify(path, &out, &err), 1);
    cr_assert_eq(count_lines(out), 2, "%.300s", out);
    cr_assert(strstr(out, "\"line\":1") && strstr(out, "line longer than 67108864 bytes"), "%.300s",
              out);
    cr_assert(strstr(out, "{\"id\":\"after\",\"labels\""), "%.300s", out);
    cr_assert(strstr(err, "long.jsonl:1:1: line longer than"), "%s", err);
    free(out);
    free(err);
    free(path);
}

/* One record per document, in order: the ids 0..n-1 are checked by awk
 * rather than captured, as the output is hundreds of megabytes. */
Test(limits, a_million_tiny_documents_get_a_million_records_in_order, .timeout = 600)
{
    char *path = th_path(dir, "million.jsonl");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 1000000; i++)
        fprintf(f, "{\"id\":%d,\"text\":\"a b\"}\n", i);
    fclose(f);
    char *report = th_path(dir, "million.txt"), cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' classify -m '%s' -f jsonl --top 0 -j 2 '%s' | "
             "awk -F '[:,]' '$2 != NR - 1 { bad++ } END { print NR, bad + 0 }' > '%s'",
             slant_bin(), model, path, report);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    size_t n;
    char *got = th_read(report, &n);
    cr_assert_str_eq(got, "1000000 0\n", "records, and records out of order");
    free(got);
    free(report);
    free(path);
}

Test(limits, nesting_past_the_json_depth_limit_is_a_failed_record)
{
    char *path = th_path(dir, "deep.jsonl");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    enum { depth = 100000 };
    fputs("{\"id\": \"deep\", \"meta\": ", f);
    for (int i = 0; i < depth; i++)
        fputc('[', f);
    for (int i = 0; i < depth; i++)
        fputc(']', f);
    fputs(", \"text\": \"The minister said the port tariff would be reviewed.\"}\n", f);
    fputs(ordinary, f);
    fclose(f);
    for (int keep = 0; keep <= 1; keep++) {
        const char *argv[] = {"classify", "-m", model, "-f", "jsonl", "--no-abstain",
                              keep ? "--keep" : path, keep ? "all" : NULL, keep ? path : NULL,
                              NULL};
        char *out, *err;
        cr_assert_eq(th_run(argv, NULL, &out, &err), 1, "keep %d: %s", keep, err);
        cr_assert_eq(count_lines(out), 2, "%s", out);
        cr_assert(strstr(out, "maximum parsing depth"), "keep %d: %s", keep, out);
        cr_assert(strstr(out, "{\"id\":\"after\""), "keep %d: %s", keep, out);
        free(out);
        free(err);
    }
    free(path);
}

/* NUL bytes: escaped in a JSON string they read as a space; raw inside a
 * JSONL line they make it malformed; in a text file, binary. */
Test(limits, nul_bytes_are_read_or_refused_one_record_each)
{
    static const char jsonl[] =
        "{\"id\": \"escaped\", \"text\": \"The minister\\u0000said the tariff would fall.\"}\n"
        "{\"id\": \"raw\", \"text\": \"The minister\0said the tariff would fall.\"}\n";
    char *lines = th_path(dir, "nul.jsonl"), *text = th_path(dir, "nul.txt");
    th_write(lines, jsonl, sizeof jsonl - 1);
    th_write(text, "The minister\0said the tariff would fall.\n", 41);
    const char *argv[] = {"classify", "-m", model, "-f", "jsonl", "--no-abstain", lines, text,
                          NULL};
    char *out, *err;
    cr_assert_eq(th_run(argv, NULL, &out, &err), 1, "%s", err);
    cr_assert_eq(count_lines(out), 3, "%s", out);
    cr_assert(strstr(out, "{\"id\":\"escaped\",\"labels\""), "%s", out);
    cr_assert(strstr(out, "\"line\":2") && strstr(out, "nul.jsonl"), "%s", out);
    cr_assert(strstr(out, "binary file (contains NUL bytes)"), "%s", out);
    free(out);
    free(err);
    free(lines);
    free(text);
}

/* Entries of 'path' other than those named in 'keep' (NULL-terminated). */
static int stray_files(const char *path, const char *const *keep)
{
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    int stray = 0;
    for (struct dirent *e; (e = readdir(d));) {
        int known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
        for (size_t i = 0; keep[i]; i++)
            known |= strcmp(e->d_name, keep[i]) == 0;
        if (!known) {
            fprintf(stderr, "stray file: %s\n", e->d_name);
            stray++;
        }
    }
    closedir(d);
    return stray;
}

/* Under an address-space limit (ulimit -v), from too little to start up
 * to enough: each run classifies everything, or says it ran out of memory
 * and exits 1; a training run that fails leaves nothing behind. A
 * sanitized slant needs terabytes of address space: not under make
 * sanitize (SLANT_SANITIZED). */
Test(limits, too_little_address_space_is_an_out_of_memory_error)
{
    if (getenv("SLANT_SANITIZED"))
        cr_skip_test("a sanitized slant reserves more address space than any limit allows");
    char *in = th_path(dir, "few.jsonl"), *err_path = th_path(dir, "ulimit.err");
    char *trained = th_path(dir, "ulimit.slant"), *out_path = th_path(dir, "ulimit.out");
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "{\"id\": \"d%d\", \"text\": \"Officials said on Tuesday that tariff %d "
                   "would be reviewed by the ministry after the strike.\"}\n", i, i);
    fclose(f);
    int ran_out = 0, finished = 0;
    for (int mb = 24; mb <= 200; mb += 16) {
        for (int train = 0; train <= 1; train++) {
            char cmd[4096];
            if (train)
                snprintf(cmd, sizeof cmd,
                         "ulimit -v %d; exec '%s' train --folds 3 --min-df 1 --c 1 --out '%s' "
                         "'%s' > /dev/null 2> '%s'",
                         mb * 1024, slant_bin(), trained, corpus, err_path);
            else
                snprintf(cmd, sizeof cmd,
                         "ulimit -v %d; exec '%s' classify -f tsv -k 0 -j 2 '%s' > '%s' 2> '%s'",
                         mb * 1024, slant_bin(), in, out_path, err_path);
            int st = system(cmd);
            size_t n;
            char *err = th_read(err_path, &n);
            if (!train && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                char *out = th_read(out_path, &n);
                cr_assert_eq(count_tsv_documents(out), 2000, "%d MB: records lost", mb);
                free(out);
            }
            cr_assert(WIFEXITED(st), "%d MB, %s: killed", mb, train ? "train" : "classify");
            if (strstr(err, "error while loading shared libraries")) {
                free(err);   /* too little to start: the loader's refusal, not ours */
                continue;
            }
            if (WEXITSTATUS(st) == 0) {
                finished++;
            } else {
                cr_assert(strstr(err, "out of memory"), "%d MB, %s: status %d: %s", mb,
                          train ? "train" : "classify", WEXITSTATUS(st), err);
                ran_out++;
            }
            free(err);
            if (train) {
                const char *keep[] = {"corpus.jsonl", "m.slant", "few.jsonl", "ulimit.err",
                                      "ulimit.out", "ulimit.slant", NULL};
                cr_assert_eq(stray_files(dir, keep), 0, "%d MB: a temporary file was left", mb);
                unlink(trained);
            }
        }
    }
    cr_assert_gt(ran_out, 0, "no limit was tight enough to matter");
    cr_assert_gt(finished, 0, "no limit was loose enough to finish");
    free(in);
    free(err_path);
    free(out_path);
    free(trained);
}

/* A save that cannot be written: exit 1, the model that was at --out
 * untouched, and no temporary file left. */
static void check_failed_save(const char *shell_prefix, const char *out_dir)
{
    char *target = th_path(out_dir, "saved.slant"), *err_path = th_path(dir, "save.err");
    th_write(target, "the previous model", 18);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s '%s' train --folds 3 --min-df 1 --c 1 --out '%s' '%s' > /dev/null 2> '%s'",
             shell_prefix, slant_bin(), target, corpus, err_path);
    int st = system(cmd);
    size_t n;
    char *err = th_read(err_path, &n);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
    cr_assert(strstr(err, "slant: cannot write") && strstr(err, "saved.slant"), "%s", err);
    char *kept = th_read(target, &n);
    cr_assert(n == 18 && memcmp(kept, "the previous model", 18) == 0, "the old model changed");
    const char *keep[] = {"saved.slant", "corpus.jsonl", "m.slant", "save.err", NULL};
    cr_assert_eq(stray_files(out_dir, keep), 0, "a temporary file was left");
    free(kept);
    free(err);
    free(target);
    free(err_path);
}

/* A file-size limit fails the writes part way as a full disk does (EFBIG
 * rather than ENOSPC; SIGXFSZ ignored, as a full disk sends no signal). */
Test(limits, a_save_that_hits_the_file_size_limit_keeps_the_old_model)
{
    check_failed_save("trap '' XFSZ; ulimit -f 8;", dir);
}

/* A real full disk: a 16 KB tmpfs (the model takes more), where the system lets this process
 * mount one (root, outside a restricted container). */
Test(limits, a_save_onto_a_full_disk_keeps_the_old_model)
{
    char *small = th_path(dir, "small");
    cr_assert_eq(mkdir(small, 0700), 0);
    if (geteuid() != 0 || mount("slant-test", small, "tmpfs", 0, "size=16k") != 0) {
        rmdir(small);
        free(small);
        cr_skip_test("cannot mount a small tmpfs here (needs root)");
    }
    check_failed_save("", small);
    umount(small);
    rmdir(small);
    free(small);
}
