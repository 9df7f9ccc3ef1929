/* output.c - the CLI's shared plumbing: error messages in one shape, model
 * discovery, option parsing helpers and a small JSON writer.
 *
 * JSON is written directly rather than built as jansson trees: classify
 * emits one object per document at corpus scale, and building then dumping
 * a tree per document would cost more than classifying it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void out_visible(cli_out *o, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f)
            out_printf(o, "\\x%02x", ch);
        else
            out_write(o, s, 1);
    }
}

static char visible_unknown[] = "?";

char *cli_visible(const char *s)
{
    cli_out o = {0};
    out_visible(&o, s);
    out_write(&o, "", 0);
    if (o.failed || !o.data) {
        out_release(&o);
        return visible_unknown;
    }
    return o.data;
}

void cli_visible_free(char *v)
{
    if (v != visible_unknown)
        free(v);
}

/* A message on standard error as one line: a file name, an id or a label
 * quoted in it may hold any byte. */
static void put_message(const char *s)
{
    char *v = cli_visible(s);
    fputs(v, stderr);
    cli_visible_free(v);
}

void cli_report(const slant_error *err)
{
    char where[sizeof err->source + 64] = "";
    if (err->source[0] && err->line > 0)
        snprintf(where, sizeof where, "%s:%ld:%ld: ", err->source, err->line,
                 err->column > 0 ? err->column : 1);
    else if (err->source[0] && err->offset >= 0)
        snprintf(where, sizeof where, "%s: byte %ld: ", err->source, err->offset);
    else if (err->source[0])
        snprintf(where, sizeof where, "%s: ", err->source);
    fputs("slant: ", stderr);
    put_message(where);
    put_message(err->text[0] ? err->text : slant_strerror(err->code));
    fputc('\n', stderr);
}

void cli_errorf(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fputs("slant: ", stderr);
    put_message(text);
    fputc('\n', stderr);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fputs("slant: ", stderr);
    put_message(text);
    fprintf(stderr, "\nusage: %s\nTry 'slant --help' for more information.\n", usage);
    return EXIT_USAGE;
}

int cli_option_fallback(int opt, const char *usage, char **argv)
{
    if (opt == 'h')
        return cli_help();
    if (opt == ':')
        return cli_usage_error(usage, "option '%s' needs a value", argv[optind - 1]);
    return cli_usage_error(usage, "unknown option '%s'", argv[optind - 1]);
}

const char *cli_default_model(const char *given)
{
    static char path[PATH_MAX + 64];
    if (given)
        return given;
    slant_model_default_path(path, sizeof path, NULL);
    return path;
}

slant_model *cli_load_model(const char *given, int threads)
{
    slant_error err = {0};
    char found[PATH_MAX + 64];
    if (!given && slant_model_default_path(found, sizeof found, &err) != SLANT_OK) {
        cli_report(&err);   /* says where it looked */
        return NULL;
    }
    const char *path = given ? given : found;
    slant_model *m = slant_model_load_threads(path, threads, &err);
    if (!m)
        cli_report(&err);
    return m;
}

long cli_parse_count(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    return v;
}

int cli_close_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf("cannot write output: %s", strerror(errno ? errno : EIO));
        return EXIT_DATA;
    }
    return EXIT_OK;
}

int cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(nc && *nc);
}

void out_write_grow(cli_out *o, const char *s, size_t n)
{
    slant_buffer_write(o, s, n);
}

void out_printf(cli_out *o, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        out_write(o, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        o->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    out_write(o, big, (size_t)n);
    free(big);
}

void out_json_string(cli_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *run = p;
    out_write(o, "\"", 1);
    for (; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out_write(o, (const char *)run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"': out_write(o, "\\\"", 2); break;
        case '\\': out_write(o, "\\\\", 2); break;
        case '\n': out_write(o, "\\n", 2); break;
        case '\r': out_write(o, "\\r", 2); break;
        case '\t': out_write(o, "\\t", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out_write(o, e, 6);
        }
        }
    }
    out_write(o, (const char *)run, (size_t)(p - run));
    out_write(o, "\"", 1);
}

/* printf's %.*g costs a few hundred nanoseconds (it converts exactly,
 * with big integers), and JSON output prints about fifty numbers per
 * document. The same exact conversion fits in 128 bits for the numbers
 * slant prints: x = m / 2^s with a 53-bit m, and for 10^k up to 10^22
 * (below 2^74) the product m * 10^k is exact in an unsigned __int128.
 * Its integer part holds the digits, and the bits shifted out decide the
 * rounding, ties to even as printf does. Larger, smaller and subnormal
 * numbers go to printf. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_lo[23] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    /* 10^20, 10^21 and 10^22 mod 2^64; their high words are below */
    7766279631452241920ULL, 3875820019684212736ULL, 1864712049423024128ULL,
};
static const uint64_t pow10_hi[23] = {
    [20] = 5, [21] = 54, [22] = 542,
};

/* The 'prec' significant digits of ax > 0 as an integer, and its decimal
 * exponent; 0 when ax is out of the range this handles. */
static int decimal_digits(double ax, int prec, uint64_t *digits, int *exp10)
{
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7ff);
    if (biased == 0)
        return 0;                               /* subnormal */
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
    int shift = 1075 - biased;                  /* ax = m / 2^shift */
    if (shift <= 0 || shift >= 128)
        return 0;
    /* floor(log10(2^(biased - 1023))): one low at most */
    int e = ((biased - 1023) * 78913) >> 18;
    const uint64_t lowest = pow10_lo[prec - 1], limit = pow10_lo[prec];
    for (int tries = 0; tries < 2; tries++) {
        int k = prec - 1 - e;
        if (k < 0 || k > 22)
            return 0;
        u128 p = (u128)m * pow10_lo[k] + ((u128)(m * pow10_hi[k]) << 64);
        u128 frac = p & (((u128)1 << shift) - 1), half = (u128)1 << (shift - 1);
        uint64_t n = (uint64_t)(p >> shift);
        n += frac > half || (frac == half && (n & 1));
        if (n > limit) {
            e++;
            continue;
        }
        if (n < lowest) {
            e--;
            continue;
        }
        if (n == limit) {
            n /= 10;
            e++;
        }
        *digits = n;
        *exp10 = e;
        return 1;
    }
    return 0;
}
#else
static int decimal_digits(double ax, int prec, uint64_t *digits, int *exp10)
{
    (void)ax, (void)prec, (void)digits, (void)exp10;
    return 0;       /* no 128-bit integers: printf does it all */
}
#endif

size_t cli_format_g(char *buf, double x, int prec)
{
    uint64_t n;
    int e;
    if (prec >= 1 && prec <= 17 && isfinite(x) && x != 0 &&
        decimal_digits(fabs(x), prec, &n, &e)) {
        /* two digits per division: the serial chain of divisions by 10
         * was a third of this function's time in a classify profile */
        static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";
        char d[20];
        int left = prec;    /* digits still to write, from the right */
        for (; left >= 2; left -= 2, n /= 100)
            memcpy(d + left - 2, pairs + 2 * (n % 100), 2);
        if (left)
            d[0] = (char)('0' + n);
        int nd = prec;
        while (nd > 1 && d[nd - 1] == '0')
            nd--;           /* %g drops trailing zeros */
        char *p = buf;
        if (x < 0)
            *p++ = '-';
        if (e < -4 || e >= prec) {
            *p++ = d[0];
            if (nd > 1) {
                *p++ = '.';
                memcpy(p, d + 1, (size_t)nd - 1);
                p += nd - 1;
            }
            *p++ = 'e';
            *p++ = e < 0 ? '-' : '+';
            int ae = e < 0 ? -e : e;
            if (ae >= 100)
                *p++ = (char)('0' + ae / 100);
            *p++ = (char)('0' + ae / 10 % 10);
            *p++ = (char)('0' + ae % 10);
        } else if (e >= 0) {
            memcpy(p, d, (size_t)e + 1);
            p += e + 1;
            if (nd > e + 1) {
                *p++ = '.';
                memcpy(p, d + e + 1, (size_t)(nd - e - 1));
                p += nd - e - 1;
            }
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -e - 1; i++)
                *p++ = '0';
            memcpy(p, d, (size_t)nd);
            p += nd;
        }
        *p = '\0';
        return (size_t)(p - buf);
    }
    int k = snprintf(buf, 32, "%.*g", prec, x);
    return k < 0 ? 0 : (size_t)k;
}

void out_double_g(cli_out *o, double d, int prec)
{
    char buf[32];
    out_write(o, buf, cli_format_g(buf, d, prec));
}

void out_json_double(cli_out *o, double d)
{
    /* 17 significant digits always read back to the same double */
    out_double_g(o, d, 17);
}

void out_release(cli_out *o)
{
    slant_buffer_release(o);
}

/* ---------------------------------------------------------------- output files */

/* The output files being written (--oof, --folds-out), for the signal
 * handler; each entry is complete before it is marked. */
#define MAX_PENDING 4
static char pending_path[MAX_PENDING][4096];
static volatile sig_atomic_t pending_set[MAX_PENDING];

static void on_fatal_signal(int sig)
{
    slant_remove_pending_temporary();
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending_set[i])
            unlink(pending_path[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_remove_temporaries_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void mark_pending(const char *tmp, int on)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (on && !pending_set[i] && strlen(tmp) < sizeof pending_path[i]) {
            memcpy(pending_path[i], tmp, strlen(tmp) + 1);
            pending_set[i] = 1;
            return;
        }
        if (!on && pending_set[i] && strcmp(pending_path[i], tmp) == 0) {
            pending_set[i] = 0;
            return;
        }
    }
}

int cli_outfile_open(cli_outfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_errorf("cannot write '%s': it is a directory", path);
        return -1;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path) : 0;
    snprintf(f->tmp, sizeof f->tmp, "%.*s%s.%s.tmp.XXXXXX", dirlen, path, slash ? "/" : "", base);
    int fd = mkstemp(f->tmp);
    if (fd < 0) {
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    if (!(f->fp = fdopen(fd, "w"))) {
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(f->tmp);
        return -1;
    }
    mark_pending(f->tmp, 1);
    return 0;
}

int cli_outfile_commit(cli_outfile *f)
{
    if (!f->fp)
        return 0;
    int bad = ferror(f->fp) | fflush(f->fp) | fsync(fileno(f->fp));
    bad |= fclose(f->fp);
    f->fp = NULL;
    if (bad || rename(f->tmp, f->path) < 0) {
        cli_errorf("cannot write '%s': %s", f->path, strerror(errno ? errno : EIO));
        unlink(f->tmp);
        mark_pending(f->tmp, 0);
        return -1;
    }
    mark_pending(f->tmp, 0);
    return 0;
}

void cli_outfile_abort(cli_outfile *f)
{
    if (!f->fp)
        return;
    fclose(f->fp);
    f->fp = NULL;
    unlink(f->tmp);
    mark_pending(f->tmp, 0);
}

int cli_check_writable(const char *path)
{
    cli_outfile f;
    if (cli_outfile_open(&f, path) < 0)
        return -1;
    cli_outfile_abort(&f);
    return 0;
}

/* ---------------------------------------------------------------- name lists */

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_errorf("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    cli_out text = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        out_write(&text, chunk, got);
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed || text.failed) {
        cli_errorf(failed ? "cannot read '%s'" : "out of memory reading '%s'", path);
        out_release(&text);
        return NULL;
    }
    *len = text.len;
    return text.data ? text.data : calloc(1, 1);
}

int cli_read_names(const char *path, cli_names *names)
{
    size_t len = 0, cap = 0;
    memset(names, 0, sizeof *names);
    if (!(names->text = cli_read_file(path, &len)))
        return -1;
    for (char *line = names->text, *end = names->text + len; line && line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl)
            *nl = '\0';
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line && *line != '#') {
            if (names->n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                const char **v = realloc(names->v, ncap * sizeof *v);
                if (!v) {
                    cli_errorf("out of memory");
                    cli_names_release(names);
                    return -1;
                }
                names->v = v;
                cap = ncap;
            }
            names->v[names->n++] = line;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

void cli_names_release(cli_names *names)
{
    free(names->v);
    free(names->text);
    memset(names, 0, sizeof *names);
}

int cli_grow(void *array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*(void **)array, ncap * size);
    if (!p)
        return -1;
    *(void **)array = p;
    *cap = ncap;
    return 0;
}
