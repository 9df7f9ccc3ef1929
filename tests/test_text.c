/* test_text.c - text.c: slantp_tokenize (bytes -> token spans with sentence
 * break flags) and slantp_normalize_token (case folding, NFC, digit and
 * apostrophe folding, URLs). Mostly table driven: an input, the token texts
 * it must give (as spans of the input) and which of them start a sentence. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "helpers.h"
#include "core.h"
#include "text.h"

#define MAXTOK 12

/* The test runs in a fresh process with another address layout, so a
 * parameter must not hold pointers: it is the index of a row of a static
 * table instead. */
#define TABLE_PARAMETERS(suite, name, table)                                  \
    ParameterizedTestParameters(suite, name)                                  \
    {                                                                         \
        static size_t idx[sizeof table / sizeof table[0]];                    \
        for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)           \
            idx[k] = k;                                                       \
        return cr_make_param_array(size_t, idx, sizeof table / sizeof table[0]); \
    }

/* breaks: one character per expected token, 'B' when SLANTP_TOK_BREAK is
 * set on it (a sentence starts there), '.' when not. */
typedef struct tok_case {
    const char *what;
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *tok[MAXTOK + 1];
    const char *breaks;
} tok_case;

/* "[tok1 ^tok2 ...]" with ^ marking a break, for failure messages. */
static void dump(const char *text, const slantp_tokens *t, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < t->n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s%.*s", i ? " " : "",
                              (t->v[i].flags & SLANTP_TOK_BREAK) ? "^" : "",
                              (int)(t->v[i].end - t->v[i].start), text + t->v[i].start);
    if (k < cap)
        snprintf(out + k, cap - k, "]");
}

/* The first difference between the tokens of case c and its expectation,
 * or "" when there is none. */
static void compare_tokens(const tok_case *c, const slantp_tokens *t, size_t len, char *msg,
                           size_t cap)
{
    char got[2048];
    dump(c->in, t, got, sizeof got);
    size_t want = 0;
    while (want < MAXTOK && c->tok[want])
        want++;
    msg[0] = '\0';
    if (strlen(c->breaks) != want) {
        snprintf(msg, cap, "%s: bad test table", c->what);
        return;
    }
    if (t->n != want) {
        snprintf(msg, cap, "%s: %zu tokens, expected %zu; got %s", c->what, t->n, want, got);
        return;
    }
    for (size_t i = 0; i < want; i++) {
        const slantp_token *k = &t->v[i];
        if (!(k->start < k->end && k->end <= len)) {
            snprintf(msg, cap, "%s: bad span %u..%u", c->what, k->start, k->end);
            return;
        }
        size_t n = k->end - k->start;
        if (n != strlen(c->tok[i]) || memcmp(c->in + k->start, c->tok[i], n) != 0) {
            snprintf(msg, cap, "%s: token %zu is '%.*s', expected '%s'; got %s", c->what, i,
                     (int)n, c->in + k->start, c->tok[i], got);
            return;
        }
        int brk = (k->flags & SLANTP_TOK_BREAK) != 0;
        if (brk != (c->breaks[i] == 'B')) {
            snprintf(msg, cap, "%s: token %zu '%s' should %shave the sentence break flag; got %s",
                     c->what, i, c->tok[i], c->breaks[i] == 'B' ? "" : "not ", got);
            return;
        }
    }
}

static void check_tokens(const tok_case *c)
{
    size_t len = c->len ? c->len : strlen(c->in);
    slantp_tokens t = {0};
    cr_assert_eq(slantp_tokenize(c->in, len, &t), 0, "%s: tokenize failed", c->what);
    char msg[4096];
    compare_tokens(c, &t, len, msg, sizeof msg);
    slantp_tokens_release(&t); /* before asserting, so a failure leaks nothing */
    cr_assert(msg[0] == '\0', "%s", msg);
}

/* 65 and 64 letters */
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const tok_case word_cases[] = {
    {"hyphenated compound", "anti-terrorist operation", 0, {"anti-terrorist", "operation"}, "B."},
    {"several compounds", "a well-known Kyiv-based outlet", 0,
     {"a", "well-known", "Kyiv-based", "outlet"}, "B..."},
    {"U+2010 hyphen joins", "anti\xe2\x80\x90war", 0, {"anti\xe2\x80\x90war"}, "B"},
    {"em dash separates", "peace\xe2\x80\x94war", 0, {"peace", "war"}, "B."},
    {"double hyphen separates", "peace--war", 0, {"peace", "war"}, "B."},
    {"dangling hyphen is dropped", "pre- and post-war", 0, {"pre", "and", "post-war"}, "B.."},
    {"straight apostrophe", "don't stop", 0, {"don't", "stop"}, "B."},
    {"curly apostrophe", "Israel\xe2\x80\x99s army", 0, {"Israel\xe2\x80\x99s", "army"}, "B."},
    {"quotes around a word", "'quoted' words", 0, {"quoted", "words"}, "B."},
    {"trailing possessive apostrophe", "Jones' car", 0, {"Jones", "car"}, "B."},
    {"decimal number", "3.5 percent", 0, {"3.5", "percent"}, "B."},
    {"thousands separator", "1,200 troops", 0, {"1,200", "troops"}, "B."},
    {"both separators", "1,200.50 dollars", 0, {"1,200.50", "dollars"}, "B."},
    {"comma between words separates", "red,white", 0, {"red", "white"}, "B."},
    {"underscore is a word character", "snake_case x", 0, {"snake_case", "x"}, "B."},
    {"no-break space separates", "a\xc2\xa0" "b", 0, {"a", "b"}, "B."},
    {"only separators", "  ,;-- \t()", 0, {NULL}, ""},
    {"empty input", "", 0, {NULL}, ""},
    {"length is respected", "hello world", 5, {"hello"}, "B"},
    {"word cut by the length", "anti-terrorist", 5, {"anti"}, "B"},
    {"Cyrillic", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80", 0,
     {"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "\xd0\xbc\xd0\xb8\xd1\x80"}, "B."},
    {"Arabic", "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85",
     0, {"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", "\xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85"},
     "B."},
    {"Arabic-Indic digits", "\xd9\xa3\xd9\xa4 x", 0, {"\xd9\xa3\xd9\xa4", "x"}, "B."},
    {"CJK", "\xe5\x8c\x97\xe4\xba\xac \xe6\xac\xa2\xe8\xbf\x8e\xe4\xbd\xa0", 0,
     {"\xe5\x8c\x97\xe4\xba\xac", "\xe6\xac\xa2\xe8\xbf\x8e\xe4\xbd\xa0"}, "B."},
    {"Devanagari with combining marks",
     "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87 \xe0\xa4\xa6\xe0\xa5\x81",
     0,
     {"\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87", "\xe0\xa4\xa6\xe0\xa5\x81"},
     "B."},
    {"combining accent stays in the word", "cafe\xcc\x81 ok", 0, {"cafe\xcc\x81", "ok"}, "B."},
    {"64-byte token is kept", A64 " x", 0, {A64, "x"}, "B."},
    {"65-byte token is skipped and splits n-grams", "one a" A64 " two", 0, {"one", "two"}, "BB"},
    {"URL is one token", "see https://example.com/a?b=1&c=2#top now", 0,
     {"see", "https://example.com/a?b=1&c=2#top", "now"}, "B.."},
    {"http URL", "at http://x.org/path-1_2 today", 0, {"at", "http://x.org/path-1_2", "today"},
     "B.."},
    {"www URL", "www.example.com/news today", 0, {"www.example.com/news", "today"}, "B."},
    {"URL stops at closing bracket", "(at http://x.org/p)", 0, {"at", "http://x.org/p"}, "B."},
    {"URL stops at a no-break space", "http://x.org/a\xc2\xa0next", 0, {"http://x.org/a", "next"},
     "B."},
    {"URL stops at a line separator", "http://x.org/a\xe2\x80\xa8Next", 0,
     {"http://x.org/a", "Next"}, "BB"},
    {"URL with non-ASCII path", "http://x.org/\xd0\xbc\xd0\xb8\xd1\x80 ok", 0,
     {"http://x.org/\xd0\xbc\xd0\xb8\xd1\x80", "ok"}, "B."},
    {"URL without trailing comma", "http://x.org/p, then", 0, {"http://x.org/p", "then"}, "B."},
    {"handle keeps its sigil", "@UN_News said", 0, {"@UN_News", "said"}, "B."},
    {"hashtag keeps its sigil", "vote #Brexit now", 0, {"vote", "#Brexit", "now"}, "B.."},
    {"non-Latin hashtag", "#\xd0\x9a\xd0\xb8\xd1\x97\xd0\xb2", 0, {"#\xd0\x9a\xd0\xb8\xd1\x97\xd0\xb2"},
     "B"},
    {"lone sigils are dropped", "# @ x @", 0, {"x"}, "B"},
};

TABLE_PARAMETERS(text, splits_words, word_cases)

ParameterizedTest(size_t *i, text, splits_words)
{
    check_tokens(&word_cases[*i]);
}

static const tok_case break_cases[] = {
    {"first token starts a sentence", "Hello world", 0, {"Hello", "world"}, "B."},
    {"full stop", "It rained. Then it stopped", 0, {"It", "rained", "Then", "it", "stopped"},
     "B.B.."},
    {"exclamation and question marks", "One! Two? Three", 0, {"One", "Two", "Three"}, "BBB"},
    {"ellipsis of dots", "Wait... what", 0, {"Wait", "what"}, "BB"},
    {"U+2026 ellipsis", "Wait\xe2\x80\xa6 what", 0, {"Wait", "what"}, "BB"},
    {"ideographic full stop", "\xe5\x8c\x97\xe4\xba\xac\xe3\x80\x82\xe4\xb8\x8a\xe6\xb5\xb7", 0,
     {"\xe5\x8c\x97\xe4\xba\xac", "\xe4\xb8\x8a\xe6\xb5\xb7"}, "BB"},
    {"vertical bar of a headline", "Home | News", 0, {"Home", "News"}, "BB"},
    {"line break before a capital", "one\nTwo", 0, {"one", "Two"}, "BB"},
    {"line break before a digit", "one\n2 two", 0, {"one", "2", "two"}, "BB."},
    {"line break before a CJK word", "one\n\xe5\x8c\x97", 0, {"one", "\xe5\x8c\x97"}, "BB"},
    {"hard-wrapped line goes on in lower case", "one\ntwo", 0, {"one", "two"}, "B."},
    {"hard-wrapped Cyrillic line", "\xd0\xbe\xd0\xb4\xd0\xb8\xd0\xbd\n\xd0\xb4\xd0\xb2\xd0\xb0", 0,
     {"\xd0\xbe\xd0\xb4\xd0\xb8\xd0\xbd", "\xd0\xb4\xd0\xb2\xd0\xb0"}, "B."},
    {"blank line always breaks", "one\n\ntwo", 0, {"one", "two"}, "BB"},
    {"blank line with spaces", "one\n  \n two", 0, {"one", "two"}, "BB"},
    {"CRLF line ends", "one\r\nTwo\r\ngoes\r\n\r\nthree", 0, {"one", "Two", "goes", "three"},
     "BB.B"},
    {"U+2028 line separator", "one\xe2\x80\xa8Two", 0, {"one", "Two"}, "BB"},
    {"U+2029 paragraph separators", "one\xe2\x80\xa9\xe2\x80\xa9two", 0, {"one", "two"}, "BB"},
    {"comma does not break", "yes, no", 0, {"yes", "no"}, "B."},
    {"acronym U.S. is one token without a break", "U.S. officials said", 0,
     {"U.S", "officials", "said"}, "B.."},
    {"acronym U.S.A.", "The U.S.A. and others", 0, {"The", "U.S.A", "and", "others"}, "B..."},
    {"acronym at the very end", "in the U.S.", 0, {"in", "the", "U.S"}, "B.."},
    {"e.g.", "e.g. this", 0, {"e.g", "this"}, "B."},
    {"Mr. does not end a sentence", "Mr. Smith left", 0, {"Mr", "Smith", "left"}, "B.."},
    {"Dr. and Gen.", "Dr. Jones met Gen. Lee", 0, {"Dr", "Jones", "met", "Gen", "Lee"}, "B...."},
    {"initials", "J. K. Rowling", 0, {"J", "K", "Rowling"}, "B.."},
    {"the six-letter abbreviation approx.", "approx. 40 died", 0, {"approx", "40", "died"}, "B.."},
    {"Sept. and Capt.", "In Sept. Capt. Ross", 0, {"In", "Sept", "Capt", "Ross"}, "B..."},
    {"a word that is not an abbreviation", "He left. She stayed", 0,
     {"He", "left", "She", "stayed"}, "B.B."},
    {"number with thousands separator then a full stop", "It cost 1,200. Then", 0,
     {"It", "cost", "1,200", "Then"}, "B..B"},
};

TABLE_PARAMETERS(text, flags_sentence_breaks, break_cases)

ParameterizedTest(size_t *i, text, flags_sentence_breaks)
{
    check_tokens(&break_cases[*i]);
}

/* Any token containing a '.' is taken for an acronym, so the full stop
 * after a decimal number or a URL does not end the sentence. */
Test(text, ends_a_sentence_after_a_decimal_number)
{
    static const tok_case c = {"decimal number then a full stop", "Inflation rose 3.5. Prices fell", 0,
                               {"Inflation", "rose", "3.5", "Prices", "fell"}, "B..B."};
    check_tokens(&c);
}

/* A single letter before a '.' is an initial ("J. Smith"); a single digit
 * is not. */
Test(text, ends_a_sentence_after_a_single_digit)
{
    static const tok_case c = {"single digit then a full stop", "The score was 3. Then it rained", 0,
                               {"The", "score", "was", "3", "Then", "it", "rained"}, "B...B.."};
    check_tokens(&c);
}

Test(text, ends_a_sentence_after_a_url)
{
    static const tok_case c = {"URL then a full stop", "Read https://example.com/a. Next one", 0,
                               {"Read", "https://example.com/a", "Next", "one"}, "B.B."};
    check_tokens(&c);
}

/* Every token must be valid UTF-8 (so no invalid byte is inside one), lie
 * inside the text, come in order without overlap and be at most 64 bytes. */
static void check_invariants(const char *in, size_t len, const slantp_tokens *t, const char *what)
{
    uint32_t prev_end = 0;
    for (size_t i = 0; i < t->n; i++) {
        const slantp_token *k = &t->v[i];
        cr_assert(k->start >= prev_end && k->start < k->end && k->end <= len,
                  "%s: token %zu span %u..%u (previous end %u, length %zu)", what, i, k->start,
                  k->end, prev_end, len);
        cr_assert_leq(k->end - k->start, SLANTP_MAX_TOKEN_BYTES, "%s: token %zu too long", what, i);
        const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in + k->start;
        utf8proc_ssize_t left = (utf8proc_ssize_t)(k->end - k->start);
        while (left > 0) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t r = utf8proc_iterate(p, left, &cp);
            cr_assert_gt(r, 0, "%s: token %zu '%.*s' holds invalid UTF-8 at byte %ld", what, i,
                         (int)(k->end - k->start), in + k->start,
                         (long)((const char *)p - in));
            p += r;
            left -= r;
        }
        prev_end = k->end;
    }
}

Test(text, treats_invalid_utf8_as_a_separator)
{
    static const tok_case c = {"invalid bytes", "caf\xff\xfe ok", 0, {"caf", "ok"}, "B."};
    check_tokens(&c);
    static const tok_case c2 = {"invalid bytes without spaces", "ab\xff" "cd\xc0\xaf" "ef", 0,
                                {"ab", "cd", "ef"}, "B.."};
    check_tokens(&c2);
    static const char *const bad[] = {
        "caf\xc3",                 /* truncated 2-byte sequence at the end */
        "x\xe2\x80",               /* truncated 3-byte sequence at the end */
        "a\xe2\x80 b",             /* truncated in the middle */
        "\xc0\xaf overlong",       /* overlong '/' */
        "sur\xed\xa0\x80rogate",   /* UTF-16 surrogate */
        "\xf8\x88\x80\x80\x80 five-byte",
        "\x80\x80 lone continuation",
        "\xf4\x90\x80\x80 beyond U+10FFFF",
        "don\xe2\x80't",
        "U.S\xff. x",
        "#\xff @\xfe",
        "1,\xff\x32", /* "1," 0xff "2" */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        slantp_tokens t = {0};
        cr_assert_eq(slantp_tokenize(bad[i], strlen(bad[i]), &t), 0);
        check_invariants(bad[i], strlen(bad[i]), &t, bad[i]);
        slantp_tokens_release(&t);
    }
}

Test(text, keeps_invalid_utf8_out_of_urls)
{
    static const tok_case c = {"URL followed by invalid bytes", "http://x.org/a\xff\xfe b", 0,
                               {"http://x.org/a", "b"}, "B."};
    check_tokens(&c);
}

/* Random text of about 'want' bytes (at most 'cap') from 'pieces', in a
 * malloc'd copy of exactly *len bytes, so ASan sees any read past the end. */
static char *random_text(const char *const *pieces, size_t np, size_t want, size_t cap,
                         uint64_t *seed, size_t *len)
{
    char *buf = malloc(cap ? cap : 1);
    cr_assert(buf);
    size_t n = 0;
    while (n < want) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *p = pieces[(*seed >> 33) % np];
        size_t pl = strlen(p);
        if (n + pl > cap)
            break;
        memcpy(buf + n, p, pl);
        n += pl;
    }
    char *exact = malloc(n ? n : 1);
    cr_assert(exact);
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

/* Random byte soup (letters, joiners, breaks, multi-byte pieces and
 * invalid bytes; no 'h' or 'w' so no URLs) must keep the invariants. */
Test(text, survives_random_bytes)
{
    static const char *const pieces[] = {
        "a", "Z", "e", "9", "0", ".", ",", "-", "'", "!", "?", "\n", " ", " ", "@", "#",
        "\xe2\x80\x99", "\xc3\xa9", "\xcc\x81", "\xe5\x8c\x97", "\xd0\xbc", "\xff", "\xfe",
        "\xc3", "\xe2\x80", "\x80", "\xed\xa0\x80", "\xf0\x9f\x98\x80", "\xe2\x80\x90", "_",
    };
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint64_t seed = 42;
    slantp_tokens t = {0};
    for (int round = 0; round < 3000; round++) {
        size_t len;
        char *exact = random_text(pieces, np, (size_t)(round % 200), 512, &seed, &len);
        cr_assert_eq(slantp_tokenize(exact, len, &t), 0);
        char what[32];
        snprintf(what, sizeof what, "round %d", round);
        check_invariants(exact, len, &t, what);
        free(exact);
    }
    slantp_tokens_release(&t);
}

/* The fast path (bitmaps, 64 bytes a block) must give exactly the tokens
 * of the general loop, on text that crosses blocks with words of every
 * length, abbreviations, URLs and near-URLs, joiners, line breaks and
 * non-ASCII in every position. */
Test(text, fast_path_gives_what_the_general_loop_gives)
{
    static const char *const pieces[] = {
        "a", "Zq", "word", "reporting", "9", "1990", ".", ",", "-", "'", "!", "?", "|",
        "\n", "\r", "\t", " ", " ", " ", "  ", "@", "#", "_", "Mr", "U", "S", "approx", "Sept",
        "http://x.org/a", "https://t.co", "www.b", "www", "ht", "hat", "wow", "hw", "when",
        "\xe2\x80\x99", "\xe2\x80\x9c", "\xc3\xa9", "\xcc\x81", "\xe5\x8c\x97", "\xff", "\x80",
        "\xe2\x80\x90", "\xc2\xa0", "\xe2\x80\xa8",
        /* the quotes and dashes the fast path reads as gaps, and near misses */
        "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95", "\xe2\x80\x98", "\xe2\x80\x9d",
        "\xe2\x80\x99\xe2\x80\x9c",
        "\xe2\x80", "\xe2", "\xe2\x81\x9c", "\xe2\x80\x92",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcd",     /* 56 letters */
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop", /* 68 */
    };
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint64_t seed = 7;
    slantp_tokens fast = {0}, general = {0};
    for (int round = 0; round < 6000; round++) {
        size_t len;
        char *exact = random_text(pieces, np, (size_t)(round % 1000), 1100, &seed, &len);
        cr_assert_eq(slantp_tokenize(exact, len, &fast), 0);
        cr_assert_eq(slantp_tokenize_general(exact, len, &general), 0);
        size_t bad = fast.n;
        for (size_t i = 0; i < fast.n && i < general.n && bad == fast.n; i++)
            if (fast.v[i].start != general.v[i].start || fast.v[i].end != general.v[i].end ||
                fast.v[i].flags != general.v[i].flags)
                bad = i;
        int same = fast.n == general.n && bad == fast.n;
        free(exact);
        cr_assert(same, "round %d (%zu bytes): %zu tokens against %zu, first difference at token %zu",
                  round, len, fast.n, general.n, bad);
    }
    slantp_tokens_release(&fast);
    slantp_tokens_release(&general);
}

Test(text, reuses_the_token_array)
{
    slantp_tokens t = {0};
    cr_assert_eq(slantp_tokenize("one two three", 13, &t), 0);
    cr_assert_eq(t.n, 3);
    cr_assert_eq(slantp_tokenize("four", 4, &t), 0);
    cr_assert_eq(t.n, 1);
    cr_assert_eq(t.v[0].start, 0);
    cr_assert_eq(t.v[0].end, 4);
    cr_assert_eq(t.v[0].flags, SLANTP_TOK_BREAK);
    cr_assert_eq(slantp_tokenize("", 0, &t), 0);
    cr_assert_eq(t.n, 0);
    slantp_tokens_release(&t);
    cr_assert_null(t.v);
    cr_assert_eq(t.n, 0);
}

/* ------------------------------------------------------------ normalize */

typedef struct norm_case {
    const char *what;
    const char *in;
    const char *out;
} norm_case;

static const norm_case norm_cases[] = {
    {"ASCII lowercase", "Hello", "hello"},
    {"already lowercase", "world", "world"},
    {"digits fold to zero", "COVID19", "covid00"},
    {"zero stays zero", "2020", "0000"},
    {"number separators kept", "1,234.5", "0,000.0"},
    {"straight apostrophe kept", "Don't", "don't"},
    {"curly apostrophe becomes straight", "Israel\xe2\x80\x99s", "israel's"},
    {"left single quote becomes straight", "o\xe2\x80\x98" "clock", "o'clock"},
    {"U+2010 hyphen becomes ASCII", "Anti\xe2\x80\x90War", "anti-war"},
    {"NFD composed to NFC", "cafe\xcc\x81", "caf\xc3\xa9"},
    {"NFC stays NFC", "caf\xc3\xa9", "caf\xc3\xa9"},
    {"accented capital folds", "CAF\xc3\x89", "caf\xc3\xa9"},
    {"Greek casefold", "\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91", "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"},
    {"final sigma folds like sigma", "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1\xcf\x82",
     "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1\xcf\x83"},
    {"sharp s casefolds to ss", "Stra\xc3\x9f" "e", "strasse"},
    {"Cyrillic lowercase", "\xd0\x9a\xd0\x98\xd0\x87\xd0\x92", "\xd0\xba\xd0\xb8\xd1\x97\xd0\xb2"},
    {"Arabic-Indic digits fold to zero", "\xd9\xa3\xd9\xa4", "00"},
    {"CJK unchanged", "\xe5\x8c\x97\xe4\xba\xac", "\xe5\x8c\x97\xe4\xba\xac"},
    {"https URL", "https://Example.com/A?b=1", "<url>"},
    {"http URL", "http://x.org", "<url>"},
    {"www URL", "www.example.com/news", "<url>"},
    {"handle keeps its sigil", "@UN_News", "@un_news"},
    {"hashtag keeps its sigil", "#Brexit2016", "#brexit0000"},
    {"empty token", "", ""},
};

TABLE_PARAMETERS(text, normalizes_tokens, norm_cases)

ParameterizedTest(size_t *i, text, normalizes_tokens)
{
    const norm_case *c = &norm_cases[*i];
    slantp_buf b = {0};
    cr_assert_eq(slantp_normalize_token(c->in, strlen(c->in), &b), 0, "%s", c->what);
    cr_assert_eq(b.len, strlen(c->out), "%s: '%s' -> '%.*s' (%zu bytes), expected '%s'", c->what,
                 c->in, (int)b.len, b.data ? b.data : "", b.len, c->out);
    cr_assert(b.len == 0 || memcmp(b.data, c->out, b.len) == 0,
              "%s: '%s' -> '%.*s', expected '%s'", c->what, c->in, (int)b.len, b.data, c->out);
    if (b.data)
        cr_assert_eq(b.data[b.len], '\0', "%s: output not NUL-terminated", c->what);
    slantp_buf_release(&b);
}

Test(text, gives_nfd_and_nfc_the_same_bytes)
{
    slantp_buf a = {0}, b = {0};
    cr_assert_eq(slantp_normalize_token("Cafe\xcc\x81", 6, &a), 0);
    cr_assert_eq(slantp_normalize_token("caf\xc3\xa9", 5, &b), 0);
    cr_assert_eq(a.len, b.len);
    cr_assert(memcmp(a.data, b.data, a.len) == 0, "'%s' vs '%s'", a.data, b.data);
    slantp_buf_release(&a);
    slantp_buf_release(&b);
}

Test(text, normalizes_only_the_given_bytes_and_resets_the_buffer)
{
    slantp_buf b = {0};
    cr_assert_eq(slantp_normalize_token("INTERNATIONAL", 13, &b), 0);
    cr_assert_str_eq(b.data, "international");
    cr_assert_eq(slantp_normalize_token("ABCDEF", 2, &b), 0);
    cr_assert_eq(b.len, 2);
    cr_assert_str_eq(b.data, "ab");
    cr_assert_eq(slantp_normalize_token("\xce\xa3\xce\x9f\xce\xa6", 4, &b), 0);
    cr_assert_str_eq(b.data, "\xcf\x83\xce\xbf");
    slantp_buf_release(&b);
}

/* Only URLs become "<url>": ordinary words that merely start with "http"
 * or "www" are words. */
Test(text, does_not_take_words_starting_with_http_for_urls)
{
    static const char *const words[] = {"httpd", "HTTPS", "https", "http"};
    static const char *const want[] = {"httpd", "https", "https", "http"};
    slantp_buf b = {0};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        cr_assert_eq(slantp_normalize_token(words[i], strlen(words[i]), &b), 0);
        cr_expect_str_eq(b.data, want[i], "'%s' normalized to '%s'", words[i], b.data);
    }
    slantp_buf_release(&b);
}

/* The tokenizer and the normalizer agree: every token of a mixed text
 * normalizes without error to non-empty, valid UTF-8 with no upper case
 * ASCII and no digit other than 0. */
Test(text, normalizes_every_token_of_a_mixed_text)
{
    const char *text = "The U.S. and Kyiv\xe2\x80\x99s 1,200 troops - see https://t.co/x "
                       "#Brexit @UN \xd0\x9c\xd0\x98\xd0\xa0 \xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91 "
                       "caf\xc3\xa9 cafe\xcc\x81 \xe5\x8c\x97\xe4\xba\xac.";
    size_t len = strlen(text);
    slantp_tokens t = {0};
    slantp_buf b = {0};
    cr_assert_eq(slantp_tokenize(text, len, &t), 0);
    cr_assert_eq(t.n, 15);
    for (size_t i = 0; i < t.n; i++) {
        const char *p = text + t.v[i].start;
        size_t n = t.v[i].end - t.v[i].start;
        cr_assert_eq(slantp_normalize_token(p, n, &b), 0);
        cr_assert_gt(b.len, 0);
        cr_assert_gt(utf8proc_decompose((const utf8proc_uint8_t *)b.data, (utf8proc_ssize_t)b.len,
                                        NULL, 0, UTF8PROC_STABLE),
                     -1, "token '%.*s' normalized to invalid UTF-8", (int)n, p);
        for (size_t j = 0; j < b.len; j++) {
            cr_assert(!(b.data[j] >= 'A' && b.data[j] <= 'Z'), "'%s' has upper case", b.data);
            cr_assert(!(b.data[j] >= '1' && b.data[j] <= '9'), "'%s' has a digit", b.data);
        }
    }
    slantp_buf_release(&b);
    slantp_tokens_release(&t);
}
