/* mask.c - blank the names that give the answer away.
 *
 * A model trained on outlet data learns the outlets' names ("Reuters",
 * "Breitbart", "CBN News") before it learns how they write. Masking
 * overwrites each occurrence of a name with spaces, so the text keeps its
 * length (explanations still point at the right bytes) and a phrase never
 * bridges the gap: the tokenizer sees a run of spaces.
 *
 * A name matches as written or in capitals ("Reuters", "REUTERS", not
 * "the nation" for The Nation), with a word boundary on both sides: an
 * ASCII letter or digit before or after the match means it is inside a
 * longer word ("AP" is not masked in "APPLE" or "cap"). Longer names are
 * masked first, so "The Daily Caller" goes whole before "Daily Caller".
 *
 * A field value such as "CNN (Web News)", "Newsmax - Opinion" or "The
 * Daily Caller" is also masked in its short forms: without the
 * parenthesis, before " - ", and without a leading "The " when two or
 * more words are left ("The Nation" does not blank every "nation").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "mask.h"

static int is_word_byte(unsigned char c)
{
    return c < 0x80 && isalnum(c);
}

static int lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int matches_at(const char *text, size_t len, size_t at, const char *name, size_t n)
{
    if (at + n > len)
        return 0;
    int same = 1, capitals = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char t = (unsigned char)text[at + i];
        if (lower(t) != lower((unsigned char)name[i]))
            return 0;
        same &= t == (unsigned char)name[i];
        capitals &= !(t >= 'a' && t <= 'z');
    }
    if (!same && !capitals)
        return 0;       /* "the nation" is not The Nation */
    if (at > 0 && is_word_byte((unsigned char)text[at - 1]) && is_word_byte((unsigned char)name[0]))
        return 0;
    if (at + n < len && is_word_byte((unsigned char)text[at + n]) &&
        is_word_byte((unsigned char)name[n - 1]))
        return 0;
    return 1;
}

/* Blank every occurrence of one name; returns how many. */
static size_t mask_one(char *text, size_t len, const char *name, size_t n)
{
    size_t hits = 0;
    if (n == 0)
        return 0;
    int first = lower((unsigned char)name[0]);
    for (size_t at = 0; at + n <= len; at++) {
        if (lower((unsigned char)text[at]) != first || !matches_at(text, len, at, name, n))
            continue;
        memset(text + at, ' ', n);
        hits++;
        at += n - 1;
    }
    return hits;
}

typedef struct span {
    const char *p;
    size_t n;
} span;

static int longest_first(const void *x, const void *y)
{
    const span *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strncmp(a->p, b->p, a->n);
}

static span trim(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return (span){p, n};
}

/* The value and its short forms, at most four. */
static size_t field_forms(const char *value, span *out)
{
    size_t k = 0, n = strlen(value);
    out[k++] = trim(value, n);
    const char *paren = strchr(value, '(');
    if (paren && paren > value)
        out[k++] = trim(value, (size_t)(paren - value));
    const char *dash = strstr(value, " - ");
    if (dash && dash > value)
        out[k++] = trim(value, (size_t)(dash - value));
    span base = out[k - 1];
    if (base.n > 4 && strncasecmp(base.p, "the ", 4) == 0) {
        span rest = trim(base.p + 4, base.n - 4);
        if (memchr(rest.p, ' ', rest.n))    /* "Daily Caller", never "Nation" */
            out[k++] = rest;
    }
    return k;
}

size_t slantp_mask_names(char *text, size_t len, const char *field_value,
                         const char *const *names, size_t nnames)
{
    span stack[16], *all = stack;
    size_t total = nnames + 4, k = 0, hits = 0;
    if (total > sizeof stack / sizeof stack[0] && !(all = malloc(total * sizeof *all)))
        return (size_t)-1;
    if (field_value && *field_value)
        k = field_forms(field_value, all);
    for (size_t i = 0; i < nnames; i++)
        all[k++] = trim(names[i], strlen(names[i]));
    qsort(all, k, sizeof *all, longest_first);
    for (size_t i = 0; i < k; i++)
        hits += mask_one(text, len, all[i].p, all[i].n);
    if (all != stack)
        free(all);
    return hits;
}
