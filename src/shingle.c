/* shingle.c - a text's words, their 4-word shingles and a MinHash signature.
 *
 * First stage of tracing. Words come from the classifier's tokenizer and
 * normalizer (text.c), hashed with slantp_hash_bytes; a shingle is a chain
 * of TRACEP_SHINGLE word hashes through tracep_mix, so shingles are
 * position-free and the same words give the same shingle in any text. The
 * signature is a one-permutation MinHash (one hash per shingle, not one per
 * bin and shingle), which keeps signing linear in the text's length.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_private.h"

static int is_upper_ascii(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static int word_grow(tracep_words *w, size_t need)
{
    if (need <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < need)
        cap *= 2;
    uint64_t *h = realloc(w->h, cap * sizeof *h);
    if (!h)
        return -1;
    w->h = h;
    uint8_t *f = realloc(w->flags, cap);
    if (!f)
        return -1;
    w->flags = f;
    w->cap = cap;
    return 0;
}

int tracep_word_hash(const char *p, size_t n, slantp_buf *norm, uint64_t *h)
{
    /* a word of ASCII letters normalizes to itself in lower case: hashed
     * from a copy on the stack, without the normalizer's buffer */
    char low[32];
    size_t k = 0;
    while (k < n && k < sizeof low &&
           ((p[k] >= 'a' && p[k] <= 'z') || is_upper_ascii((unsigned char)p[k])))
        low[k] = (char)(p[k] | 0x20), k++;
    if (k == n) {
        *h = slantp_hash_bytes(low, n);
        return 0;
    }
    if (slantp_normalize_token(p, n, norm) < 0)
        return -1;
    *h = slantp_hash_bytes(norm->data, norm->len);
    return 0;
}

int tracep_words_of(tracep_words *w, const char *text, size_t len)
{
    w->n = 0;
    if (slantp_tokenize(text, len, &w->toks) < 0 || word_grow(w, w->toks.n) < 0)
        return -1;
    for (size_t i = 0; i < w->toks.n; i++) {
        const slantp_token *t = &w->toks.v[i];
        const char *p = text + t->start;
        if (tracep_word_hash(p, t->end - t->start, &w->norm, &w->h[i]) < 0)
            return -1;
        uint8_t f = (t->flags & SLANTP_TOK_BREAK) || i == 0 ? TRACEP_W_BREAK : 0;
        unsigned char c = (unsigned char)p[0];
        if (c >= '0' && c <= '9')
            f |= TRACEP_W_NUMBER;
        else if (is_upper_ascii(c) && !(f & TRACEP_W_BREAK))
            f |= TRACEP_W_NAME;
        w->flags[i] = f;
    }
    w->n = w->toks.n;
    return 0;
}

void tracep_words_release(tracep_words *w)
{
    free(w->h);
    free(w->flags);
    slantp_tokens_release(&w->toks);
    slantp_buf_release(&w->norm);
    memset(w, 0, sizeof *w);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t tracep_shingles(const tracep_words *w, uint64_t **set, size_t *cap)
{
    if (w->n == 0)
        return 0;
    size_t k = w->n < TRACEP_SHINGLE ? w->n : TRACEP_SHINGLE;
    size_t n = w->n - k + 1;
    if (slantp_grow(set, cap, n, sizeof **set) < 0)
        return (size_t)-1;
    uint64_t *s = *set;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = 0x2545f4914f6cdd1dULL;
        for (size_t j = 0; j < k; j++)
            h = tracep_mix(h ^ w->h[i + j]);
        s[i] = h;
    }
    return n;
}

size_t tracep_shingle_set(const tracep_words *w, uint64_t **set, size_t *cap)
{
    size_t n = tracep_shingles(w, set, cap);
    if (n == 0 || n == (size_t)-1)
        return n;
    uint64_t *s = *set;
    qsort(s, n, sizeof *s, by_u64);
    size_t u = 1;
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[u - 1])
            s[u++] = s[i];
    return u;
}

size_t tracep_intersect(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, shared = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            shared++;
            i++;
            j++;
        }
    }
    return shared;
}

void tracep_minhash(const uint64_t *set, size_t n, uint32_t sig[TRACEP_BINS])
{
    uint64_t best[TRACEP_BINS];
    unsigned char filled[TRACEP_BINS] = {0};
    for (size_t b = 0; b < TRACEP_BINS; b++)
        best[b] = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(set[i] >> 58);
        uint64_t v = set[i] & 0xffffffffu;
        if (v < best[b])
            best[b] = v;
        filled[b] = 1;
    }
    for (size_t b = 0; b < TRACEP_BINS; b++) {
        if (filled[b]) {
            sig[b] = (uint32_t)best[b];
            continue;
        }
        size_t dist = 1;
        while (dist < TRACEP_BINS && !filled[(b + dist) % TRACEP_BINS])
            dist++;
        if (dist == TRACEP_BINS) {      /* no shingles at all */
            sig[b] = UINT32_MAX;
            continue;
        }
        uint64_t borrowed = best[(b + dist) % TRACEP_BINS];
        sig[b] = (uint32_t)tracep_mix(borrowed + dist * 0x9e3779b97f4a7c15ULL);
    }
}

int tracep_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int tracep_has_u64(const uint64_t *v, size_t n, uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == key;
}
