/* decode.h - the raw bytes of one input file to UTF-8 article text
 * (decode.c): gzip, text encodings, HTML, and the refusal of what is not
 * text. Private to the library; the input reader calls slantp_decode.
 */
#ifndef SLANT_DECODE_H
#define SLANT_DECODE_H

#include "core.h"

/* How slantp_decode reads HTML. */
enum slantp_html_mode {
    SLANTP_HTML_AUTO,    /* by the file name (.html, .htm, .xhtml) or by content */
    SLANTP_HTML_NEVER,   /* always plain text */
    SLANTP_HTML_ALWAYS   /* always HTML */
};

typedef struct slantp_decode_options {
    size_t max_bytes;          /* largest inflated gzip data; default SLANTP_MAX_DOC */
    enum slantp_html_mode html;  /* default SLANTP_HTML_AUTO */
} slantp_decode_options;

void slantp_decode_options_init(slantp_decode_options *o);

/* What slantp_decode found, for messages and records. */
typedef struct slantp_decoded {
    char encoding[32];   /* "UTF-8", "UTF-16LE", "windows-1252", a declared name... */
    int gzip;            /* the bytes were gzip data */
    int html;            /* read as HTML: markup and page furniture removed */
    size_t replaced;     /* invalid sequences replaced by U+FFFD */
} slantp_decoded;

/* Decode 'len' bytes of one file called 'name' (used for its suffix and
 * in errors; may be NULL) into UTF-8 text in 'out' (reset first, NUL-
 * terminated). 'o' and 'info' may be NULL.
 *
 * Returns SLANT_OK, or SLANT_EFORMAT with err->text giving the refusal:
 * "binary file (ELF executable), not text", "corrupt gzip data: ...",
 * "gzip data larger than N bytes", "no text"; or SLANT_ENOMEM.
 * Thread-safe. */
int slantp_decode(const char *name, const char *data, size_t len, const slantp_decode_options *o,
                  slantp_buf *out, slantp_decoded *info, slant_error *err);

/* Read 'path' ("-" is standard input; at most SLANTP_MAX_DOC bytes, or
 * o->max_bytes when larger) and decode it as above; errors name 'path'
 * ("<stdin>" for "-"). */
int slantp_decode_file(const char *path, const slantp_decode_options *o, slantp_buf *out,
                       slantp_decoded *info, slant_error *err);

/* Initialise the HTML parser (libxml2) now rather than on the first page;
 * safe to call more than once, from any thread. */
void slantp_decode_init(void);

/* Non-zero when a file name says one JSON document a line: .jsonl,
 * .ndjson, and either with .gz (case-insensitive). */
int slantp_is_jsonl_name(const char *name);

/* The steps, for the line reader and the tests. */
int slantp_is_gzip(const void *data, size_t len);
/* Inflate gzip data (several members are read one after the other) into
 * 'out', at most 'max' bytes. */
int slantp_gunzip(const char *name, const char *data, size_t len, size_t max, slantp_buf *out,
                  slant_error *err);
/* The kind of a known binary format by its magic number ("ELF executable",
 * "PDF document", ...), or NULL. */
const char *slantp_binary_kind(const void *data, size_t len);
/* Non-zero when 'name' or the start of the text says HTML. */
int slantp_looks_like_html(const char *name, const char *text, size_t len);
/* The headline and article text of an HTML page given in UTF-8. */
int slantp_html_to_text(const char *name, const char *utf8, size_t len, slantp_buf *out,
                        slant_error *err);

#endif
