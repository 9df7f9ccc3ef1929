/* cli.h - what the slant command's source files share: the subcommands,
 * error reporting in one shape, and output helpers. */
#ifndef SLANT_CLI_H
#define SLANT_CLI_H

#include <stdio.h>
#include <string.h>

#include "slant.h"

/* Exit statuses, as documented in slant(1). */
enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

int slant_cli_main(int argc, char **argv);
/* Print the full help on stdout; returns the exit status. */
int cli_help(void);

int cli_cmd_classify(int argc, char **argv);
int cli_cmd_train(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);
int cli_cmd_trace(int argc, char **argv);   /* cmd_trace.c */
int cli_cmd_spin(int argc, char **argv);    /* cmd_spin.c */
int cli_cmd_audit(int argc, char **argv);

/* "slant: file:line:col: text" (or "slant: file: byte N: text", or
 * "slant: text") on stderr. */
void cli_report(const slant_error *err);
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A usage error: message, the command's usage line, a hint; returns 2. */
int cli_usage_error(const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The shared end of every option switch: 'h' prints the help, ':' is a
 * missing value and anything else an unknown option. Returns the status. */
int cli_option_fallback(int opt, const char *usage, char **argv);

/* The model to use: 'given', else $SLANT_MODEL, else the shipped model
 * beside the executable (checkout) or under its prefix (installed). */
const char *cli_default_model(const char *given);
/* Load it with up to 'threads' threads, or report why not. */
slant_model *cli_load_model(const char *given, int threads);

/* Parse a non-negative integer option value; -1 if it is not one. */
long cli_parse_count(const char *s);
/* Finish writing stdout; returns EXIT_DATA (and says why) on a failed write. */
int cli_close_stdout(void);

/* A file written whole or not at all: a temporary beside 'path', renamed
 * over it by commit, removed by abort. open and commit report their own
 * errors and return -1. */
typedef struct cli_outfile {
    const char *path;
    char tmp[4096];
    FILE *fp;
} cli_outfile;
int cli_outfile_open(cli_outfile *f, const char *path);
int cli_outfile_commit(cli_outfile *f);
void cli_outfile_abort(cli_outfile *f);
/* On SIGINT, SIGTERM or SIGHUP, remove the temporary files being written
 * (a model being saved, --oof, --folds-out), then die of the signal. */
void cli_remove_temporaries_on_signals(void);
/* Can 'path' be written (its directory exists and takes a new file)?
 * Reports why not and returns -1. */
int cli_check_writable(const char *path);

/* Names read from a file, one a line; blank lines and lines starting with
 * '#' are skipped. */
typedef struct cli_names {
    const char **v;
    size_t n;
    char *text;
} cli_names;
int cli_read_names(const char *path, cli_names *names);
/* The whole of a file ("-": standard input), NUL-terminated, malloc'd;
 * NULL (reported) when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);
/* Grow the array *array of *cap elements of 'size' bytes to hold 'need';
 * -1 when out of memory. */
int cli_grow(void *array, size_t *cap, size_t need, size_t size);
/* The longest JSONL line a command reads. */
#define CLI_MAX_LINE ((size_t)64 << 20)
void cli_names_release(cli_names *names);

/* Colours only when the stream is a terminal and NO_COLOR is unset. */
int cli_use_color(FILE *f);

/* A growable output buffer (slant.h's): each document's output is
 * formatted into one, possibly on a worker thread, then written in input
 * order. After a failed allocation 'failed' is set: it is incomplete. */
typedef slant_buffer cli_out;
/* Append n bytes (and keep a NUL after them). Inline, because JSON output
 * is a hundred or more small pieces per document: the common case is a
 * copy into room the buffer already has; anything else goes out of line. */
void out_write_grow(cli_out *o, const char *s, size_t n);
static inline void out_write(cli_out *o, const char *s, size_t n)
{
    if (o->len + n < o->cap && !o->failed) {
        memcpy(o->data + o->len, s, n);
        o->len += n;
        o->data[o->len] = '\0';
        return;
    }
    out_write_grow(o, s, n);
}
/* inline, so the length of a literal is known at compile time */
static inline void out_puts(cli_out *o, const char *s) { out_write(o, s, strlen(s)); }
void out_printf(cli_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Text for a terminal or a report: control characters (an escape
 * sequence in a label could clear the screen, a newline would break a
 * line) are written as \xHH. */
void out_visible(cli_out *o, const char *s);
/* The same as a malloc'd string; "?" (static) when out of memory. Free
 * with cli_visible_free. */
char *cli_visible(const char *s);
void cli_visible_free(char *v);
/* A JSON string literal, escaped. */
void out_json_string(cli_out *o, const char *s);
/* A double with 17 significant digits, which reads back to the same value. */
void out_json_double(cli_out *o, double d);
/* A double as printf's "%.*g" with 'prec' digits would write it. */
void out_double_g(cli_out *o, double d, int prec);
/* The same into buf (at least 32 bytes); returns the length. */
size_t cli_format_g(char *buf, double x, int prec);
void out_release(cli_out *o);

#endif
