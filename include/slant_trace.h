/* slant_trace.h - provenance: families of copies and rewrites of a story,
 * and spin (thesaurus substitution) evidence in a single text.
 *
 * Usage (error handling shortened):
 *
 *     slant_trace_options o;
 *     slant_trace_options_init(&o);
 *     slant_trace *t = slant_trace_new(&o, &err);
 *     slant_trace_doc d = {.id = "a1", .text = text, .len = len};
 *     slant_trace_add(t, &d, 1, &err);              ... and the others,
 *     slant_trace_add_file(t, "corpus.jsonl", NULL, &err);   or read from files
 *     slant_trace_run(t, &err);
 *     for (size_t f = 0; f < slant_trace_nfamilies(t); f++)
 *         for (size_t k = 0; k < slant_trace_family_size(t, f); k++) {
 *             size_t doc = slant_trace_family_member(t, f, k);   k = 0: the original
 *             printf("%s %s\n", slant_trace_id(t, doc),
 *                    slant_trace_relation_name(slant_trace_relation(t, doc)));
 *         }
 *     slant_trace_free(t);
 *
 * How it works: every document's words (the classifier's tokenizer and
 * case-folding) make overlapping 4-word shingles; a 64-bin one-permutation
 * MinHash signature of them goes through a sort-based band join to find
 * candidate pairs; a candidate becomes a link when the exact containment
 * of the smaller shingle set in the larger reaches the threshold and the
 * two share names or numbers; each document is joined to the neighbour it
 * shares the most with, and families are what those joins connect. A
 * family's original is its earliest dated member, else the member most
 * covered by the others; every other member is aligned word by word with
 * it to name its relation.
 *
 * Ownership and threads as in slant.h: one _free per _new, NULL accepted;
 * strings returned are borrowed from the handle. A slant_trace is used by
 * one thread at a time (it runs its own worker threads inside add).
 */
#ifndef SLANT_TRACE_H
#define SLANT_TRACE_H

#include <stddef.h>

#include "slant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================== tracing a set */

typedef struct slant_trace slant_trace;

/* Where a document's text comes from when it is needed again (verifying a
 * candidate pair, aligning a family): the caller's copy, fetched by the
 * index slant_trace_add gave it. Store a pointer to the text in *text, valid
 * until the next call; return 0, or -1 (the error is filled by the caller's
 * own means and the run fails with SLANT_EIO). */
typedef int (*slant_trace_fetch_fn)(void *ctx, size_t doc, const char **text, size_t *len);

typedef struct slant_trace_options {
    /* A candidate pair is linked when at least this share of the smaller
     * document's shingles is in the larger one. Default 0.2. */
    double threshold;
    int threads;                  /* signature threads; default 1 */
    /* Documents whose 'series' strings are equal (and non-empty) are never
     * linked: passim's series, e.g. one outlet's own updates. Default 0. */
    int split_series;
    /* NULL: slant_trace_add copies each text and keeps it. Otherwise texts
     * are not kept, and are asked for through fetch (single-threaded).
     * Either way, the documents of slant_trace_add_file are read again by
     * the library itself (see there). */
    slant_trace_fetch_fn fetch;
    void *fetch_ctx;
} slant_trace_options;

void slant_trace_options_init(slant_trace_options *o);

slant_trace *slant_trace_new(const slant_trace_options *o, slant_error *err);
void slant_trace_free(slant_trace *t);

typedef struct slant_trace_doc {
    const char *id;        /* required, NUL-terminated, copied */
    const char *text;      /* UTF-8, 'len' bytes */
    size_t len;
    const char *date;      /* ISO 8601 "YYYY-MM-DD..." or NULL */
    const char *series;    /* NULL or "" = none */
    int query;             /* see slant_trace_run */
} slant_trace_doc;

/* Add 'n' documents; they get the indexes slant_trace_ndocs() had, onwards.
 * Signatures are computed with the options' threads. */
int slant_trace_add(slant_trace *t, const slant_trace_doc *docs, size_t n, slant_error *err);

/* Find the families. When some documents were added as queries, only
 * pairs with a query in them are considered: each query's family is what
 * the set holds of it. Call once. */
int slant_trace_run(slant_trace *t, slant_error *err);

size_t      slant_trace_ndocs(const slant_trace *t);
const char *slant_trace_id(const slant_trace *t, size_t doc);
/* Candidate pairs from the band join, and pairs verified as links. */
size_t slant_trace_ncandidates(const slant_trace *t);
size_t slant_trace_nlinks(const slant_trace *t);

/* Families, largest first (ties: by the original's index); every document
 * is in exactly one, alone if it matched nothing. Member 0 is the original;
 * the others follow in index order. */
size_t slant_trace_nfamilies(const slant_trace *t);
size_t slant_trace_family_size(const slant_trace *t, size_t family);
size_t slant_trace_family_member(const slant_trace *t, size_t family, size_t k);
size_t slant_trace_family_of(const slant_trace *t, size_t doc);

enum slant_relation {
    SLANT_REL_ORIGINAL,    /* the family's original, or a document alone */
    SLANT_REL_VERBATIM,    /* the same words */
    SLANT_REL_FURNITURE,   /* the same words inside page furniture */
    SLANT_REL_EDITED,      /* sentences added or removed */
    SLANT_REL_SPUN,        /* words swapped in place (see substitutions) */
    SLANT_REL_REWRITTEN    /* new wording, same names and numbers */
};
const char *slant_trace_relation_name(enum slant_relation r);   /* "verbatim", ... */

/* How a document relates to its family's original. */
typedef struct slant_trace_relation_info {
    enum slant_relation relation;
    double containment;    /* share of the smaller shingle set in the larger */
    double kept;           /* share of the original's words kept, in order */
    double names_kept;     /* share of the original's names and numbers kept */
    size_t words_added, words_removed;      /* outside substitutions */
    size_t nsubstitutions;
} slant_trace_relation_info;
enum slant_relation slant_trace_relation(const slant_trace *t, size_t doc);
void slant_trace_relation_get(const slant_trace *t, size_t doc, slant_trace_relation_info *out);

/* A word-level substitution: the original's words and this document's,
 * with byte spans in each text. */
typedef struct slant_trace_subst {
    const char *from, *to;           /* borrowed */
    size_t from_start, from_end;     /* in the original */
    size_t to_start, to_end;         /* in this document */
} slant_trace_subst;
/* The k-th substitution (k < info.nsubstitutions), or NULL. */
const slant_trace_subst *slant_trace_substitution(const slant_trace *t, size_t doc, size_t k);

/* ======================================================== reading a corpus */

/* How slant_trace_add_file reads its documents. */
typedef struct slant_trace_input_options {
    enum slant_input how;       /* as slant_batch_submit_file; default AUTO */
    /* JSONL fields: the id and text (default "id" and "text", by the id
     * rule of slant_doc: a string or an integer, else "line N"), the date
     * ("date") and the source ("source"), and the series (NULL: none; see
     * slant_trace_options.split_series). Only string values count for the
     * last three; NULL turns one off. */
    const char *id_field, *text_field, *date_field, *source_field, *series_field;
    int query;                  /* the documents are queries (slant_trace_doc.query) */
} slant_trace_input_options;

void slant_trace_input_options_init(slant_trace_input_options *o);

/* Add the documents of 'path' as slant_batch_submit_file reads them ("-"
 * is standard input; a directory: every file under it, in byte order of
 * their paths; a JSONL file, gzipped or not, a document a record; any
 * other file one document, its path its id), signed as slant_trace_add
 * signs them. A document of a plain file is placed by its file and byte
 * offset, and its text is read again from there when it is needed, so
 * that a million of them fit in memory; the text of a gzipped file, of
 * standard input or of a file that needed decoding (another encoding,
 * HTML) is kept in memory instead (reading it again would mean inflating
 * the file from its start each time). 'o' may be NULL. Every document is
 * added or the call fails: a malformed record, a line over the length
 * limit, a file that cannot be read stop it with the error (file, line,
 * column); the documents before it stay added. Returns SLANT_OK,
 * SLANT_EFORMAT, SLANT_EIO, SLANT_ENOMEM or SLANT_EINVAL. */
int slant_trace_add_file(slant_trace *t, const char *path, const slant_trace_input_options *o,
                         slant_error *err);

/* A document's "source" and "date" strings as read by slant_trace_add_file
 * (NULL when it had none, or was given to slant_trace_add), and whether
 * it is a query. */
const char *slant_trace_source(const slant_trace *t, size_t doc);
const char *slant_trace_date(const slant_trace *t, size_t doc);
int slant_trace_is_query(const slant_trace *t, size_t doc);

/* A document's text: read again from its file, kept, or asked of the
 * options' fetch. Valid until the next call that reads a text (this one,
 * or slant_trace_run). Not thread-safe: it shares the trace's buffer. */
int slant_trace_text(const slant_trace *t, size_t doc, const char **text, size_t *len,
                     slant_error *err);

/* ======================================================== spin in one text */

typedef struct slant_spin_table slant_spin_table;

/* Load a collocation table written by training/collocations.py. */
slant_spin_table *slant_spin_load(const char *path, slant_error *err);
void slant_spin_free(slant_spin_table *s);
size_t slant_spin_ncollocations(const slant_spin_table *s);

/* A fixed phrase broken by a synonym: "Top Minister" for "prime minister". */
typedef struct slant_spin_hit {
    size_t start, end;            /* byte span of the two words in the text */
    char found[96];               /* the words as written */
    char collocation[96];         /* the phrase they stand for, lower case */
} slant_spin_hit;

/* Scan a text for bigrams that are a known collocation with one word
 * replaced by a thesaurus synonym, where the collocation itself does not
 * appear in the text. Stores up to 'max' hits in 'out' (may be NULL to
 * count); returns the number found, or (size_t)-1 out of memory (err
 * filled). Thread-safe: the table is read-only. */
size_t slant_spin_scan(const slant_spin_table *s, const char *text, size_t len,
                       slant_spin_hit *out, size_t max, slant_error *err);

/* Spin evidence with every classification: from now on slant_classify on
 * 'ws' also finds the hits slant_spin_scan would find in the text (the
 * same hits in the same order), from the tokens and stem ids it has
 * already made instead of reading the text a second time. The scores are
 * the same with it or without. The table is bound to the workspace's
 * model here (about 10 ms for the shipped table: every word of it is
 * stemmed) and must outlive the workspace; NULL turns spin evidence off.
 * Returns SLANT_OK, SLANT_ENOMEM or SLANT_ESTEMMER. (A batch binds once
 * for all its workers: slant_batch_options.spin.) */
int slant_workspace_set_spin(slant_workspace *ws, const slant_spin_table *s, slant_error *err);
/* The spin hits of the result's text, in text order: how many (0 when
 * the workspace has no spin table), and the i-th (NULL past the last),
 * valid as long as the result. */
size_t slant_result_nspin(const slant_result *r);
const slant_spin_hit *slant_result_spin(const slant_result *r, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* SLANT_TRACE_H */
