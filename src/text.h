/* text.h - bytes to tokens: spans of the original text, case-folded
 * and normalized, and sentence breaks. */
#ifndef SLANT_TEXT_H
#define SLANT_TEXT_H

#include "core.h"

enum { SLANTP_TOK_BREAK = 1 };  /* a sentence boundary comes before this token */

typedef struct slantp_token {
    uint32_t start, end;   /* byte span in the original text */
    uint32_t flags;
} slantp_token;

typedef struct slantp_tokens {
    slantp_token *v;
    size_t n, cap;
    uint64_t *maps;         /* the tokenizer's byte-class bitmaps (text.c) */
    size_t maps_cap;
} slantp_tokens;

/* Split 'text' into word tokens: letters, digits and marks, kept together
 * across inner hyphens, apostrophes (straight or curly) and the dots and
 * commas of numbers and abbreviations; URLs, @handles and #hashtags are one
 * token each. Sentence ends (. ! ? |, a blank line, a line break
 * before a line that does not go on in lower case) set SLANTP_TOK_BREAK on
 * the next token. Invalid UTF-8 is skipped as a
 * separator. Never fails except on memory. */
int slantp_tokenize(const char *text, size_t len, slantp_tokens *out);
/* The same without the fast path for plain ASCII words: for tests. */
int slantp_tokenize_general(const char *text, size_t len, slantp_tokens *out);
void slantp_tokens_release(slantp_tokens *t);

/* Case-fold and NFC-normalize the token bytes [p, p+n) into 'out' (reset
 * first). Digits become '0', curly apostrophes become "'", URLs become
 * "<url>". Returns 0, or -1 on memory. */
int slantp_normalize_token(const char *p, size_t n, slantp_buf *out);

#endif
