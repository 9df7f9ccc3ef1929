/* test_locate.c - locate.c: slant_model_default_path's search order, the
 * $SLANT_MODEL override, and an error that lists every place looked in.
 * Each test runs in its own process, so changing the environment and the
 * current directory is safe. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "slant.h"

Test(locate, slant_model_is_used_as_given_even_if_missing)
{
    setenv("SLANT_MODEL", "/nowhere/my.slant", 1);
    char path[256], place[256];
    slant_error err;
    cr_assert_eq(slant_model_default_path(path, sizeof path, &err), SLANT_OK);
    cr_assert_str_eq(path, "/nowhere/my.slant");
    cr_assert_eq(slant_model_search_path(0, place, sizeof place), 1);
    cr_assert_str_eq(place, "/nowhere/my.slant");
    cr_assert_eq(slant_model_search_path(1, place, sizeof place), 0, "the only place");
}

/* The test binary is build/slant-tests: the checkout's models/ is one
 * directory up from it. */
Test(locate, finds_the_checkout_model_beside_the_executable)
{
    unsetenv("SLANT_MODEL");
    char exe[PATH_MAX], want[PATH_MAX + 64], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(want, sizeof want, "%s/../models/default.slant", exe);
    if (access(want, R_OK) != 0)
        cr_skip_test("no models/default.slant above %s", exe);
    slant_error err;
    cr_assert_eq(slant_model_default_path(path, sizeof path, &err), SLANT_OK, "%s", err.text);
    cr_assert_str_eq(path, want);
}

Test(locate, the_search_order_ends_in_the_current_directory)
{
    unsetenv("SLANT_MODEL");
    char place[PATH_MAX + 64], last[PATH_MAX + 64] = "";
    size_t n = 0;
    while (slant_model_search_path(n, place, sizeof place)) {
        snprintf(last, sizeof last, "%s", place);
        n++;
    }
    cr_assert_geq(n, 4, "executable-relative places, the data directory and the current one");
    cr_assert_str_eq(last, "models/default.slant");
    cr_assert(slant_model_search_path(n - 2, place, sizeof place));
    cr_assert(strstr(place, "/share/slant/default.slant") != NULL, "the data directory: %s", place);
}

/* A copy of the slant binary in an empty directory finds no model (when
 * none is installed) and says where it looked. */
Test(locate, a_copied_binary_says_where_it_looked)
{
    const char *bin = getenv("SLANT_BIN") ? getenv("SLANT_BIN") : "./slant";
    size_t len;
    char *exe = th_read(bin, &len);
    if (!exe)
        cr_skip_test("no slant binary at %s", bin);
    unsetenv("SLANT_MODEL");
    char place[PATH_MAX + 64];
    for (size_t i = 0; slant_model_search_path(i, place, sizeof place); i++)
        if (strstr(place, "/share/slant/") && access(place, R_OK) == 0)
            cr_skip_test("a model is installed: %s", place);
    char *dir = th_mkdtemp(), *copy = th_path(dir, "slant");
    th_write(copy, exe, len);
    cr_assert_eq(chmod(copy, 0755), 0);
    cr_assert_eq(chdir(dir), 0);
    const char *argv[] = {"classify", "-", NULL};
    setenv("SLANT_BIN", copy, 1);
    char *out, *errs;
    int rc = th_run(argv, "A short text.", &out, &errs);
    cr_assert_eq(rc, 1, "stderr: %s", errs);
    char want[2 * PATH_MAX];
    snprintf(want, sizeof want, "slant: no model found (looked in %s/models/default.slant, %s/../models/default.slant, %s/../share/slant/default.slant, ",
             dir, dir, dir);
    cr_assert(strncmp(errs, want, strlen(want)) == 0, "stderr: %s\nwanted: %s", errs, want);
    cr_assert(strstr(errs, ", models/default.slant)\n") != NULL, "stderr: %s", errs);
    free(out);
    free(errs);
    th_rmdir(dir);
    free(copy);
    free(dir);
    free(exe);
}

Test(locate, a_path_too_long_for_the_buffer_is_an_error)
{
    setenv("SLANT_MODEL", "/a/rather/long/path/to/a/model.slant", 1);
    char path[8];
    slant_error err;
    err.code = SLANT_OK;
    err.text[0] = '\0';
    cr_assert_eq(slant_model_default_path(path, sizeof path, &err), SLANT_EINVAL);
    cr_assert_str_eq(err.text, "model path longer than 7 bytes");
}
