/* helpers.c - fixtures and process helpers for the test suite (see helpers.h). */
#define _GNU_SOURCE /* dladdr */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *th_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/slant-test-XXXXXX", base && *base ? base : P_tmpdir);
    cr_assert(mkdtemp(p) != NULL, "mkdtemp failed");
    return p;
}

void th_rmdir(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

char *th_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void th_write(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

char *th_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t r;
    while ((r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            p = realloc(p, cap);
        }
    }
    fclose(f);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

/* Each register has its own furniture and voice; the topics rotate so
 * that what is learned for outlet_type is how the text is written. */
static const char *const topics[][3] = {
    /* subject, place, frame */
    {"the port tariff", "Mombasa", "Economic"},
    {"the hospital strike", "Lyon", "Health_and_safety"},
    {"the border patrol", "Tbilisi", "Security_and_defense"},
    {"the budget vote", "Lima", "Economic"},
    {"the clinic closures", "Dhaka", "Health_and_safety"},
    {"the militia attack", "Goma", "Security_and_defense"},
    {"the grain export deal", "Odesa", "Economic"},
    {"the measles outbreak", "Manila", "Health_and_safety"},
    {"the drone strikes", "Aden", "Security_and_defense"},
    {"the fuel subsidy", "Abuja", "Economic"},
};

static void register_text(char *buf, size_t n, int reg, int t, int v)
{
    const char *subj = topics[t][0], *place = topics[t][1];
    switch (reg) {
    case 0: /* wire */
        snprintf(buf, n,
                 "%s, May %d (Meridian) - Officials said on Tuesday that %s would be reviewed, "
                 "according to a statement. Two officials who spoke on condition of anonymity "
                 "said talks continued. A spokesman could not be reached for comment.\n"
                 "(Reporting by Ana Ruiz; Editing by Tom Hale)",
                 place, v + 1, subj);
        break;
    case 1: /* state media */
        snprintf(buf, n,
                 "Under the wise guidance of the leadership, %s in %s proceeds successfully. "
                 "Experts say the so-called opposition, backed by foreign powers, spreads Western "
                 "propaganda about %s. The people firmly support the glorious policy of the "
                 "government and reject the hostile regime's lies. (item %d)",
                 subj, place, subj, v);
        break;
    default: /* partisan */
        snprintf(buf, n,
                 "I can't believe this. They LIED to us about %s again! Share this before they "
                 "delete it. We deserve better, and you know it. Call your representative today "
                 "and become a patron to support independent journalism. What are they hiding in "
                 "%s?? #%d",
                 subj, place, v);
        break;
    }
}

size_t th_write_corpus(const char *path)
{
    static const char *const regs[] = {"wire", "state_media", "partisan"};
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    size_t n = 0;
    char text[1024];
    for (int t = 0; t < 10; t++)
        for (int r = 0; r < 3; r++)
            for (int v = 0; v < 2; v++) {
                register_text(text, sizeof text, r, t, v);
                const char *frame = topics[t][2];
                const char *second = r == 1 ? "Political" : r == 2 ? "Morality" : NULL;
                fprintf(f,
                        "{\"id\": \"t%d-%s-%d\", \"story\": \"t%d\", \"text\": \"%s\", "
                        "\"labels\": {\"outlet_type\": \"%s\", \"frames\": [\"%s\"%s%s%s]}}\n",
                        t, regs[r], v, t, text, regs[r], frame, second ? ", \"" : "",
                        second ? second : "", second ? "\"" : "");
                n++;
            }
    /* JSON needs the newlines in text escaped: rewrite them */
    fclose(f);
    size_t len;
    char *all = th_read(path, &len);
    FILE *g = fopen(path, "w");
    for (size_t i = 0; i < len; i++) {
        if (all[i] == '\n' && i + 1 < len && all[i + 1] == '(')
            fputs("\\n", g);
        else
            fputc(all[i], g);
    }
    fclose(g);
    free(all);
    return n;
}

slant_model *th_train_small(void)
{
    char *dir = th_mkdtemp();
    char *p = th_path(dir, "corpus.jsonl");
    th_write_corpus(p);
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    cr_assert_eq(slant_dataset_read(d, p, SLANT_FORMAT_AUTO, NULL, "story", &err), SLANT_OK,
                 "%s", err.text);
    slant_train_options o;
    slant_train_options_init(&o);
    o.folds = 3;
    o.min_df = 1;
    static const double grid[] = {0.3, 1.0};
    o.c_grid = grid;
    o.c_grid_n = 2;
    slant_model *m = NULL;
    cr_assert_eq(slant_train(d, &o, &m, &err), SLANT_OK, "%s", err.text);
    slant_dataset_free(d);
    th_rmdir(dir);
    free(p);
    free(dir);
    return m;
}

int th_run(const char *const *argv, const char *input, char **out, char **err)
{
    const char *bin = getenv("SLANT_BIN");
    if (!bin || !*bin)
        bin = "./slant";
    char *dir = th_mkdtemp();
    char *po = th_path(dir, "out"), *pe = th_path(dir, "err"), *pi = th_path(dir, "in");
    th_write(pi, input ? input : "", input ? strlen(input) : 0);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **av = calloc(argc + 2, sizeof *av);
    cr_assert_not_null(av);
    av[0] = strdup(bin);
    for (size_t i = 0; i < argc; i++)
        av[i + 1] = strdup(argv[i]);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fi = open(pi, O_RDONLY), fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fi < 0 || fo < 0 || fe < 0)
            _exit(127);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(bin, av);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    if (out)
        *out = th_read(po, NULL);
    if (err)
        *err = th_read(pe, NULL);
    th_rmdir(dir);
    free(po);
    free(pe);
    free(pi);
    for (size_t i = 0; i <= argc; i++)
        free(av[i]);
    free(av);
    free(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The allocation counter. glibc exports its allocator under __libc_*
 * names, so the functions below can pass every call on after counting it.
 * The sanitizers replace the allocator, and memory taken from glibc behind
 * their back would be reported when freed: no counting there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TH_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define TH_COUNT_ALLOCS 0
#endif
#endif
#if !defined(TH_COUNT_ALLOCS)
#if defined(__GLIBC__)
#define TH_COUNT_ALLOCS 1
#else
#define TH_COUNT_ALLOCS 0
#endif
#endif

static _Atomic int alloc_counting;
static _Atomic unsigned long alloc_calls;
static _Atomic unsigned long alloc_fail_at;     /* 0: never */
static _Atomic int alloc_failed;
static _Atomic int alloc_exempt_libsvm;

#if TH_COUNT_ALLOCS
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

/* Whether the allocation was asked for by libsvm or by the C++ runtime
 * it uses: libsvm never checks what malloc and new return, so failing its
 * allocations tests libsvm, not slant. Only under th_alloc_exempt_libsvm. */
static int from_libsvm(const void *caller)
{
    static _Thread_local int inside;
    Dl_info where;
    if (!alloc_exempt_libsvm || inside)
        return 0;
    inside = 1;
    int found = dladdr(caller, &where) && where.dli_fname &&
                (strstr(where.dli_fname, "libsvm") || strstr(where.dli_fname, "libstdc++"));
    inside = 0;
    return found;
}

/* Count the call; 1 when it is the one to fail. */
static int count_alloc(const void *caller)
{
    if (!alloc_counting || from_libsvm(caller))
        return 0;
    unsigned long k = ++alloc_calls;
    if (alloc_fail_at && k == alloc_fail_at) {
        alloc_failed = 1;
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    return count_alloc(__builtin_return_address(0)) ? NULL : __libc_malloc(n);
}

void *calloc(size_t count, size_t size)
{
    return count_alloc(__builtin_return_address(0)) ? NULL : __libc_calloc(count, size);
}

void *realloc(void *p, size_t n)
{
    return count_alloc(__builtin_return_address(0)) ? NULL : __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return count_alloc(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}
#endif

int th_alloc_count_start(void)
{
    alloc_calls = 0;
    alloc_fail_at = 0;
    alloc_counting = TH_COUNT_ALLOCS;
    return TH_COUNT_ALLOCS;
}

int th_alloc_fail_start(unsigned long n)
{
    alloc_calls = 0;
    alloc_failed = 0;
    alloc_fail_at = n;
    alloc_counting = TH_COUNT_ALLOCS;
    return TH_COUNT_ALLOCS;
}

void th_alloc_exempt_libsvm(int exempt)
{
    alloc_exempt_libsvm = exempt;
}

int th_alloc_fail_stop(void)
{
    alloc_counting = 0;
    alloc_fail_at = 0;
    return alloc_failed;
}

unsigned long th_alloc_count_stop(void)
{
    alloc_counting = 0;
    return alloc_calls;
}
