/* test_io.c - io.c: whole-file reads (regular files only, size cap), the
 * bounded line reader (CRLF, last line, over-long lines and recovery after
 * them), atomic writes (no temporary file left behind on failure, on a
 * signal, or by a killed writer before) and the
 * CRC-32 used by the model format. The line reader also reads gzip files
 * (several members, corrupt data) and gives each line's byte offset. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "helpers.h"
#include "core.h"
#include "io.h"

/* Entries of a directory other than . and .., for "nothing left behind". */
static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot list %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void expect_text(const slant_error *err, const char *want)
{
    cr_assert_str_eq(err->text, want);
}

/* ------------------------------------------------------------ read_file */

Test(io, reads_a_regular_file_whole)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "a.txt");
    const char data[] = "line one\nline two\0with a NUL\n";
    th_write(p, data, sizeof data - 1);
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 1000, &b, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(err.code, SLANT_OK);
    cr_assert_eq(b.len, sizeof data - 1);
    cr_assert(memcmp(b.data, data, b.len) == 0);
    cr_assert_eq(b.data[b.len], '\0', "the buffer is NUL-terminated");
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, reads_an_empty_file)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "empty");
    th_write(p, "", 0);
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 10, &b, &err), SLANT_OK);
    cr_assert_eq(b.len, 0);
    cr_assert_not_null(b.data);
    cr_assert_eq(b.data[0], '\0');
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, reads_a_file_larger_than_one_read_chunk)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "big");
    size_t n = 300000;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 23);
    th_write(p, data, n);
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, n, &b, &err), SLANT_OK, "exactly the cap is allowed");
    cr_assert_eq(b.len, n);
    cr_assert(memcmp(b.data, data, n) == 0);
    slantp_buf_release(&b);
    free(data);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, missing_file_is_an_io_error_naming_the_path)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "nope.txt");
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 100, &b, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", p);
    expect_text(&err, want);
    cr_assert_eq(err.line, -1);
    cr_assert_eq(err.column, -1);
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, directory_is_refused)
{
    char *dir = th_mkdtemp();
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(dir, 100, &b, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot read '%s': Is a directory", dir);
    expect_text(&err, want);
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(dir);
}

Test(io, device_is_refused_as_not_a_regular_file)
{
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file("/dev/null", 100, &b, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    expect_text(&err, "cannot read '/dev/null': not a regular file");
    slantp_buf_release(&b);
}

/* io.c promises that a FIFO cannot hang a run; opening one for reading
 * with no writer must not block. */
Test(io, fifo_is_refused_without_blocking, .timeout = 10)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "fifo");
    cr_assert_eq(mkfifo(p, 0600), 0);
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 100, &b, &err), SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot read '%s': not a regular file", p);
    expect_text(&err, want);
    slantp_lines lr;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, 100, &err), SLANT_EIO);
    expect_text(&err, want);
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, file_over_the_size_cap_is_refused)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "f");
    th_write(p, "0123456789", 10);
    slantp_buf b = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 9, &b, &err), SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot read '%s': larger than 9 bytes", p);
    expect_text(&err, want);
    slantp_error_clear(&err);
    cr_assert_eq(slantp_read_file(p, 10, &b, &err), SLANT_OK);
    cr_assert_eq(b.len, 10);
    slantp_buf_release(&b);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* ------------------------------------------------------------ line reader */

static char *write_tmp(char **dir, const char *data, size_t n)
{
    *dir = th_mkdtemp();
    char *p = th_path(*dir, "lines.txt");
    th_write(p, data, n);
    return p;
}

static void expect_line(slantp_lines *lr, const char *want, long lineno)
{
    const char *line;
    size_t len;
    slant_error err;
    slantp_error_clear(&err);
    int r = slantp_lines_next(lr, &line, &len, &err);
    cr_assert_eq(r, 1, "expected line %ld '%s', got %d (%s)", lineno, want, r, err.text);
    cr_assert_eq(len, strlen(want), "line %ld: '%.*s', expected '%s'", lineno, (int)len, line,
                 want);
    cr_assert(memcmp(line, want, len) == 0, "line %ld: '%.*s', expected '%s'", lineno, (int)len,
              line, want);
    cr_assert_eq(lr->lineno, lineno);
}

static void expect_eof(slantp_lines *lr)
{
    const char *line;
    size_t len;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_next(lr, &line, &len, &err), 0);
    cr_assert_eq(slantp_lines_next(lr, &line, &len, &err), 0, "end of file stays the end");
    cr_assert_eq(err.code, SLANT_OK);
}

Test(io, lines_strip_crlf_and_keep_a_last_line_without_newline)
{
    char *dir;
    const char data[] = "first\r\nsecond\n\n  \r\nlast \r";
    char *p = write_tmp(&dir, data, sizeof data - 1);
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, 100, &err), SLANT_OK);
    expect_line(&lr, "first", 1);
    expect_line(&lr, "second", 2);
    expect_line(&lr, "", 3);
    expect_line(&lr, "  ", 4);
    expect_line(&lr, "last ", 5);
    expect_eof(&lr);
    slantp_lines_close(&lr);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, lines_of_an_empty_file)
{
    char *dir;
    char *p = write_tmp(&dir, "", 0);
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, 100, &err), SLANT_OK);
    expect_eof(&lr);
    slantp_lines_close(&lr);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, lines_open_reports_a_missing_file_and_a_directory)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "missing.jsonl");
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, 100, &err), SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", p);
    expect_text(&err, want);
    slantp_lines_close(&lr);
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, dir, 100, &err), SLANT_EIO);
    snprintf(want, sizeof want, "cannot read '%s': Is a directory", dir);
    expect_text(&err, want);
    slantp_lines_close(&lr);
    th_rmdir(dir);
    free(p);
    free(dir);
}

static void expect_too_long(slantp_lines *lr, const char *path, long lineno, size_t max)
{
    const char *line;
    size_t len;
    slant_error err;
    slantp_error_clear(&err);
    /* expect, not assert: the error details and the recovery are checked
     * even when the status is wrong */
    int r = slantp_lines_next(lr, &line, &len, &err);
    cr_expect_eq(r, -1, "line %ld is over %zu bytes: slantp_lines_next must return -1, got %d",
                 lineno, max, r);
    cr_assert_eq(err.code, SLANT_EFORMAT);
    cr_assert_str_eq(err.source, path);
    cr_assert_eq(err.line, lineno);
    cr_assert_eq(err.column, 1);
    char want[100];
    snprintf(want, sizeof want, "line longer than %zu bytes", max);
    cr_assert_str_eq(err.text, want);
}

Test(io, over_long_line_is_an_error_and_reading_goes_on_after_it)
{
    char *dir;
    const char data[] = "short\n12345678901\n1234567890\n1234567890\r\nnext\nx12345678901";
    char *p = write_tmp(&dir, data, sizeof data - 1);
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, 10, &err), SLANT_OK);
    expect_line(&lr, "short", 1);
    expect_too_long(&lr, p, 2, 10);
    expect_line(&lr, "1234567890", 3);
    expect_line(&lr, "1234567890", 4);
    expect_line(&lr, "next", 5);
    expect_too_long(&lr, p, 6, 10); /* the last line, without a newline */
    expect_eof(&lr);
    slantp_lines_close(&lr);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* A line bigger than the read buffer (64 KiB) is dropped while it is
 * read; the line after it is then read normally. */
static void long_line_case(size_t max, size_t longlen)
{
    char *dir;
    size_t n = 6 + longlen + 1 + 5;
    char *data = malloc(n);
    memcpy(data, "first\n", 6);
    memset(data + 6, 'x', longlen);
    data[6 + longlen] = '\n';
    memcpy(data + 7 + longlen, "next\n", 5);
    char *p = write_tmp(&dir, data, n);
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, max, &err), SLANT_OK);
    expect_line(&lr, "first", 1);
    expect_too_long(&lr, p, 2, max);
    expect_line(&lr, "next", 3);
    expect_eof(&lr);
    slantp_lines_close(&lr);
    free(data);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, over_long_line_bigger_than_the_buffer_is_skipped)
{
    long_line_case(100, 300000);
    long_line_case(100000, 300000);
    long_line_case(65536, 65537);
}

Test(io, long_line_under_the_limit_grows_the_buffer)
{
    char *dir;
    size_t longlen = 200001;
    size_t n = 2 + longlen + 1 + 2;
    char *data = malloc(n);
    memcpy(data, "a\n", 2);
    for (size_t i = 0; i < longlen; i++)
        data[2 + i] = (char)('a' + i % 26);
    data[2 + longlen] = '\n';
    memcpy(data + 3 + longlen, "b\n", 2);
    char *p = write_tmp(&dir, data, n);
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, p, longlen, &err), SLANT_OK);
    expect_line(&lr, "a", 1);
    const char *line;
    size_t len;
    cr_assert_eq(slantp_lines_next(&lr, &line, &len, &err), 1, "%s", err.text);
    cr_assert_eq(len, longlen);
    cr_assert(memcmp(line, data + 2, len) == 0);
    expect_line(&lr, "b", 3);
    expect_eof(&lr);
    slantp_lines_close(&lr);
    free(data);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* ------------------------------------------------------------ gzip lines, offsets */

static void write_gz(const char *path, const char *data, size_t n, int members)
{
    gzFile gz = gzopen(path, "wb");
    cr_assert_not_null(gz);
    size_t half = members > 1 ? n / 2 : n;
    cr_assert_eq(gzwrite(gz, data, (unsigned)half), (int)half);
    cr_assert_eq(gzclose(gz), Z_OK);
    if (members > 1) {
        gz = gzopen(path, "ab");   /* a second member appended to the file */
        cr_assert_eq(gzwrite(gz, data + half, (unsigned)(n - half)), (int)(n - half));
        cr_assert_eq(gzclose(gz), Z_OK);
    }
}

/* Lines of every length, CRLF now and then, and one line over the
 * limit, across several read buffers. */
static char *many_lines(size_t *n)
{
    slantp_buf b = {0};
    for (int i = 0; i < 6000; i++) {
        char line[400];
        int len = i == 3000 ? 350 : (i * 37) % 120;
        memset(line, 'a' + i % 26, (size_t)len);
        slantp_buf_append(&b, line, (size_t)len);
        slantp_buf_append(&b, i % 7 == 0 ? "\r\n" : "\n", i % 7 == 0 ? 2 : 1);
    }
    *n = b.len;
    return b.data;
}

/* Read every line of 'path' and check each one, its number and its
 * offset against the plain data. */
static void expect_lines_of(const char *path, const char *data, size_t n)
{
    slantp_lines lr;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_lines_open(&lr, path, 300, &err), SLANT_OK, "%s", err.text);
    size_t at = 0;
    long lineno = 0;
    while (at < n) {
        const char *nl = memchr(data + at, '\n', n - at);
        size_t len = (size_t)(nl - (data + at));
        size_t shown = len > 0 && data[at + len - 1] == '\r' ? len - 1 : len;
        const char *line;
        size_t got;
        slantp_error_clear(&err);
        int r = slantp_lines_next(&lr, &line, &got, &err);
        lineno++;
        cr_assert_eq(lr.lineno, lineno);
        cr_assert_eq(lr.offset, (long long)at, "line %ld: offset %lld, expected %zu", lineno,
                     lr.offset, at);
        if (shown > 300) {
            cr_assert_eq(r, -1, "line %ld is over the limit", lineno);
            cr_assert_eq(err.line, lineno);
        } else {
            cr_assert_eq(r, 1, "line %ld: %s", lineno, err.text);
            cr_assert_eq(got, shown);
            cr_assert(memcmp(line, data + at, got) == 0);
        }
        at += len + 1;
    }
    expect_eof(&lr);
    slantp_lines_close(&lr);
}

Test(io, lines_give_the_byte_offset_of_each_line)
{
    size_t n;
    char *data = many_lines(&n);
    char *dir;
    char *p = write_tmp(&dir, data, n);
    expect_lines_of(p, data, n);
    th_rmdir(dir);
    free(p);
    free(dir);
    free(data);
}

Test(io, gzip_lines_read_like_the_plain_file_with_the_same_offsets)
{
    size_t n;
    char *data = many_lines(&n);
    char *dir = th_mkdtemp();
    char *one = th_path(dir, "one.jsonl.gz"), *two = th_path(dir, "two.gz");
    write_gz(one, data, n, 1);
    write_gz(two, data, n, 2);
    expect_lines_of(one, data, n);
    expect_lines_of(two, data, n);
    th_rmdir(dir);
    free(one);
    free(two);
    free(dir);
    free(data);
}

Test(io, corrupt_and_truncated_gzip_lines_are_read_errors)
{
    size_t n;
    char *data = many_lines(&n);
    char *dir = th_mkdtemp(), *p = th_path(dir, "bad.gz");
    write_gz(p, data, n, 1);
    size_t len;
    char *gz = th_read(p, &len);
    for (int variant = 0; variant < 2; variant++) {
        if (variant == 0)
            th_write(p, gz, len / 2);   /* truncated */
        else {
            for (size_t i = len / 3; i < len / 3 + 64; i++)
                gz[i] = (char)~gz[i];
            th_write(p, gz, len);   /* corrupt */
        }
        slantp_lines lr;
        slant_error err;
        slantp_error_clear(&err);
        cr_assert_eq(slantp_lines_open(&lr, p, 300, &err), SLANT_OK);
        const char *line;
        size_t got;
        int r;
        do {
            slantp_error_clear(&err);
            r = slantp_lines_next(&lr, &line, &got, &err);
        } while (r == 1 || (r == -1 && err.code == SLANT_EFORMAT));
        cr_assert_eq(r, -1, "variant %d: the damage is found", variant);
        cr_assert_eq(err.code, SLANT_EIO);
        cr_assert_str_eq(err.text, "read error: corrupt or truncated gzip data");
        slantp_lines_close(&lr);
    }
    free(gz);
    th_rmdir(dir);
    free(p);
    free(dir);
    free(data);
}

/* ------------------------------------------------------------ atomic writes */

Test(io, write_atomic_writes_the_bytes_and_replaces_the_file)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "model.bin");
    th_write(p, "old contents that are longer", 28);
    const char data[] = "new\0bytes";
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_write_atomic(p, data, sizeof data - 1, &err), SLANT_OK, "%s", err.text);
    size_t n;
    char *got = th_read(p, &n);
    cr_assert_eq(n, sizeof data - 1);
    cr_assert(memcmp(got, data, n) == 0);
    free(got);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert_eq(count_entries(dir), 1, "no temporary file may be left behind");
    /* zero bytes is a valid file too */
    cr_assert_eq(slantp_write_atomic(p, "", 0, &err), SLANT_OK);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_size, 0);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, write_atomic_to_a_bare_name_writes_in_the_current_directory)
{
    char *dir = th_mkdtemp();
    char old[4096];
    cr_assert_not_null(getcwd(old, sizeof old));
    cr_assert_eq(chdir(dir), 0);
    slant_error err;
    slantp_error_clear(&err);
    int rc = slantp_write_atomic("out.bin", "abc", 3, &err);
    cr_assert_eq(chdir(old), 0);
    cr_assert_eq(rc, SLANT_OK, "%s", err.text);
    char *p = th_path(dir, "out.bin");
    size_t n;
    char *got = th_read(p, &n);
    cr_assert_not_null(got);
    cr_assert_eq(n, 3);
    cr_assert(memcmp(got, "abc", 3) == 0);
    cr_assert_eq(count_entries(dir), 1);
    free(got);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, write_atomic_into_a_missing_directory_fails_cleanly)
{
    char *dir = th_mkdtemp(), *sub = th_path(dir, "missing"), *p = th_path(sub, "out.bin");
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_write_atomic(p, "abc", 3, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    char want[700];
    snprintf(want, sizeof want, "cannot create a temporary file for '%s': No such file or directory",
             p);
    expect_text(&err, want);
    cr_assert_eq(count_entries(dir), 0, "nothing may be created");
    th_rmdir(dir);
    free(p);
    free(sub);
    free(dir);
}

Test(io, write_atomic_over_a_directory_fails_and_leaves_no_temporary_file)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "target");
    cr_assert_eq(mkdir(p, 0700), 0);
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_write_atomic(p, "abc", 3, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    char want[700];
    snprintf(want, sizeof want, "cannot rename to '%s': Is a directory", p);
    expect_text(&err, want);
    cr_assert_eq(count_entries(dir), 1, "only the directory itself may remain");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert(S_ISDIR(st.st_mode), "the directory is untouched");
    cr_assert_eq(count_entries(p), 0);
    th_rmdir(dir);
    free(p);
    free(dir);
}

Test(io, failed_write_keeps_the_first_error)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "no/such/dir/x");
    slant_error err;
    slantp_error_clear(&err);
    slantp_error(&err, SLANT_EFORMAT, "earlier", 3, 4, "first problem");
    cr_assert_eq(slantp_write_atomic(p, "abc", 3, &err), SLANT_EIO, "the status is still returned");
    cr_assert_eq(err.code, SLANT_EFORMAT, "the first error wins");
    cr_assert_str_eq(err.text, "first problem");
    cr_assert_str_eq(err.source, "earlier");
    cr_assert_eq(err.line, 3);
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* ------------------------------------------------------------ CRC-32 */

Test(io, crc32_has_the_standard_check_value)
{
    cr_assert_eq(slantp_crc32("123456789", 9), 0xCBF43926u);
    cr_assert_eq(slantp_crc32("", 0), 0u);
    cr_assert_eq(slantp_crc32("a", 1), 0xE8B7BE43u);
    cr_assert_eq(slantp_crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

/* Issue 29, defect 5: a save killed with SIGKILL left its temporary beside
 * the target forever. The next save of the same name removes it, but not
 * one a live writer still holds. */
Test(io, write_atomic_sweeps_the_temporaries_of_killed_saves_only)
{
    char *dir = th_mkdtemp(), *target = th_path(dir, "m.slant");
    char *stale = th_path(dir, ".m.slant.tmp.Ab12Cd"), *live = th_path(dir, ".m.slant.tmp.Zz98Yy");
    char *other = th_path(dir, ".n.slant.tmp.Ab12Cd");
    th_write(stale, "x", 1);
    th_write(live, "y", 1);
    th_write(other, "z", 1);
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    pid_t child = fork();
    if (child == 0) {      /* a live writer: holds its temporary locked */
        int fd = open(live, O_RDONLY);
        char c = 0;
        _exit(fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "r", 1) != 1 ||
              read(go[0], &c, 1) != 1);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    slant_error err;
    cr_assert_eq(slantp_write_atomic(target, "model", 5, &err), SLANT_OK, "%s", err.text);
    cr_assert(access(stale, F_OK) != 0, "the stale temporary is still there");
    cr_assert(access(live, F_OK) == 0, "a live writer's temporary was removed");
    cr_assert(access(other, F_OK) == 0, "another file's temporary was removed");
    cr_assert_eq(write(go[1], "g", 1), 1);
    int st;
    cr_assert_eq(waitpid(child, &st, 0), child);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unlink(live);
    unlink(other);
    th_rmdir(dir);
    free(dir);
    free(target);
    free(stale);
    free(live);
    free(other);
}

/* A temporary of 'target' in dir, and its size; 0 when there is none. */
static int find_temporary(const char *dir, off_t *size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, ".out.bin.tmp.", 13) == 0) {
            char *p = th_path(dir, e->d_name);
            struct stat st;
            if (stat(p, &st) == 0) {
                *size = st.st_size;
                found = 1;
            }
            free(p);
        }
    if (d)
        closedir(d);
    return found;
}

/* ... and SIGTERM in the middle of a save leaves nothing behind when the
 * CLI's handler is installed (slant train installs it). */
Test(io, sigterm_during_a_save_leaves_no_temporary, .timeout = 60)
{
    char *dir = th_mkdtemp(), *target = th_path(dir, "out.bin");
    pid_t child = fork();
    if (child == 0) {
        cli_remove_temporaries_on_signals();
        size_t n = (size_t)1 << 28;
        char *big = calloc(n, 1);
        slant_error err;
        for (;;)    /* until the signal comes */
            if (!big || slantp_write_atomic(target, big, n, &err) != SLANT_OK)
                _exit(3);
    }
    off_t size = 0;
    while (!find_temporary(dir, &size) || size == 0)
        usleep(200);
    kill(child, SIGTERM);
    int st;
    cr_assert_eq(waitpid(child, &st, 0), child);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
    cr_assert(!find_temporary(dir, &size), "a temporary was left behind");
    unlink(target);
    th_rmdir(dir);
    free(dir);
    free(target);
}

/* Temporaries of any file in dir that are not empty. */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) {
            char *p = th_path(dir, e->d_name);
            struct stat st;
            n += stat(p, &st) == 0 && st.st_size > 0;
            free(p);
        }
    if (d)
        closedir(d);
    return n;
}

static void *save_forever(void *target)
{
    size_t n = (size_t)1 << 26;
    char *big = calloc(n, 1);
    slant_error err;
    for (;;)    /* until the signal comes */
        if (!big || slantp_write_atomic(target, big, n, &err) != SLANT_OK)
            _exit(3);
    return NULL;
}

/* Two saves at once (the audit writes its renders side by side): SIGTERM
 * removes both temporaries (one was remembered, and the second writer's
 * took its place). */
Test(io, sigterm_during_two_saves_at_once_leaves_no_temporary, .timeout = 60)
{
    char *dir = th_mkdtemp(), *a = th_path(dir, "a.bin"), *b = th_path(dir, "b.bin");
    pid_t child = fork();
    if (child == 0) {
        cli_remove_temporaries_on_signals();
        pthread_t t;
        if (pthread_create(&t, NULL, save_forever, a) != 0)
            _exit(4);
        save_forever(b);
    }
    while (count_temporaries(dir) < 2)
        usleep(200);
    kill(child, SIGTERM);
    int st;
    cr_assert_eq(waitpid(child, &st, 0), child);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
    cr_assert_eq(count_temporaries(dir), 0, "a temporary was left behind");
    unlink(a);
    unlink(b);
    th_rmdir(dir);
    free(dir);
    free(a);
    free(b);
}
