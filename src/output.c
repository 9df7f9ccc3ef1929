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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_report(const slant_error *err)
{
    if (err->source[0] && err->line > 0)
        fprintf(stderr, "slant: %s:%ld:%ld: %s\n", err->source, err->line,
                err->column > 0 ? err->column : 1, err->text);
    else if (err->source[0] && err->offset >= 0)
        fprintf(stderr, "slant: %s: byte %ld: %s\n", err->source, err->offset, err->text);
    else if (err->source[0])
        fprintf(stderr, "slant: %s: %s\n", err->source, err->text);
    else
        fprintf(stderr, "slant: %s\n", err->text[0] ? err->text : slant_strerror(err->code));
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("slant: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fputs("slant: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
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

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

const char *cli_default_model(const char *given)
{
    static char path[PATH_MAX + 64];
    if (given)
        return given;
    const char *env = getenv("SLANT_MODEL");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* a checkout: ./slant or build/slant beside models/ */
            snprintf(path, sizeof path, "%s/models/default.slant", exe);
            if (readable(path))
                return path;
            snprintf(path, sizeof path, "%s/../models/default.slant", exe);
            if (readable(path))
                return path;
            /* an install: PREFIX/bin/slant and PREFIX/share/slant */
            snprintf(path, sizeof path, "%s/../share/slant/default.slant", exe);
            if (readable(path))
                return path;
        }
    }
#ifdef SLANT_DATADIR
    snprintf(path, sizeof path, "%s/default.slant", SLANT_DATADIR);
    if (readable(path))
        return path;
#endif
    return "models/default.slant";
}

slant_model *cli_load_model(const char *given)
{
    slant_error err;
    const char *path = cli_default_model(given);
    slant_model *m = slant_model_load(path, &err);
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

void out_write(cli_out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

void out_puts(cli_out *o, const char *s) { out_write(o, s, strlen(s)); }

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

void out_json_double(cli_out *o, double d)
{
    /* 17 significant digits always read back to the same double */
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    out_write(o, buf, (size_t)n);
}

void out_release(cli_out *o)
{
    free(o->p);
    memset(o, 0, sizeof *o);
}
