/* text.c - first pipeline stage: bytes -> word tokens with sentence breaks.
 *
 * Tokens are spans of the original text (so explanations can quote the
 * document's own words); normalization to the form the stemmer sees is a
 * separate step, slantp_normalize_token(). ASCII is classified from a
 * table; other code points are decoded and classified by utf8proc, which
 * knows the Unicode categories of every script. Invalid UTF-8 acts as a
 * separator and is never passed on.
 *
 * Two loops give the same tokens: a general one that takes a code point
 * at a time and knows every rule, and a fast one over bitmaps of the
 * text that handles plain ASCII words (nearly all the words of news text)
 * and hands everything else to the general one.
 */
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"
#include "text.h"

enum { C_SEP = 0, C_WORD = 1, C_DIGIT = 2, C_BREAK = 4, C_NL = 8 };

/* The class of each ASCII byte: a constant table, so threads that start
 * tokenizing at the same time share it without initializing anything. */
enum { Sp = C_SEP, Wd = C_WORD, Dg = C_WORD | C_DIGIT, Bk = C_BREAK, Nl = C_NL };
static const unsigned char ascii_class[128] = {
    Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Nl, Nl, Nl, Nl, Sp, Sp,
    Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp,
    Sp, Bk, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Sp, Bk, Sp,
    Dg, Dg, Dg, Dg, Dg, Dg, Dg, Dg, Dg, Dg, Sp, Sp, Sp, Sp, Sp, Bk,
    Sp, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd,
    Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Sp, Sp, Sp, Sp, Wd,
    Sp, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd,
    Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Wd, Sp, Bk, Sp, Sp, Sp,
};

/* Length of the run of ASCII letters, digits and '_' at p, up to qe. */
static inline const unsigned char *ascii_word_end(const unsigned char *q, const unsigned char *qe)
{
#if defined(__SSE2__)
    /* 16 bytes at a time: no branch per byte, so no misprediction at the
     * end of every word */
    while (qe - q >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  /* A-Z -> a-z */
        __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(folded, _mm_set1_epi8('z' + 1)));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
        unsigned word = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), under));
        if (word != 0xffff)
            return q + __builtin_ctz(~word);
        q += 16;
    }
#endif
    while (q < qe && *q < 128 && (ascii_class[*q] & C_WORD))
        q++;
    return q;
}

/* Decode one code point at p (n bytes left). Returns its length, with *cp
 * set; an invalid sequence gives length 1 and *cp = -1. */
static size_t decode(const unsigned char *p, size_t n, int32_t *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate(p, n > 4 ? 4 : (utf8proc_ssize_t)n, &c);
    if (k <= 0) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return (size_t)k;
}

static unsigned char classify_cp(int32_t cp)
{
    if (cp < 0)
        return C_SEP;
    if (cp < 128)
        return ascii_class[cp];
    switch (cp) {
    case 0x2028: case 0x2029: case 0x85:
        return C_NL;
    case 0x2022: case 0x00B7: case 0x2026: case 0x3002: case 0xFF01: case 0xFF1F:
        return C_BREAK;
    default:
        break;
    }
    utf8proc_category_t cat = utf8proc_category(cp);
    switch (cat) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return C_WORD;
    case UTF8PROC_CATEGORY_ND:
        return C_WORD | C_DIGIT;
    default:
        return C_SEP;
    }
}

/* class of the code point at i, with its byte length */
static inline unsigned char class_at(const unsigned char *s, size_t len, size_t i, size_t *k,
                                     int32_t *cpo)
{
    int32_t cp;
    if (s[i] < 128) {
        *k = 1;
        if (cpo)
            *cpo = s[i];
        return ascii_class[s[i]];
    } else {
        *k = decode(s + i, len - i, &cp);
    }
    if (cpo)
        *cpo = cp;
    return classify_cp(cp);
}

static int is_apostrophe(int32_t cp) { return cp == '\'' || cp == 0x2019; }
static int is_hyphen(int32_t cp) { return cp == '-' || cp == 0x2010 || cp == 0x2011; }

static int starts_url(const unsigned char *s, size_t len, size_t i)
{
    size_t left = len - i;
    /* most words that start with h or w go no further than this */
    if (left < 5 || s[i + 1] != (s[i] == 'h' ? 't' : 'w'))
        return 0;
    return (left > 8 && memcmp(s + i, "https://", 8) == 0) ||
           (left > 7 && memcmp(s + i, "http://", 7) == 0) ||
           (left > 4 && memcmp(s + i, "www.", 4) == 0 && i + 4 < len &&
            ascii_class[s[i + 4] & 0x7f] & C_WORD);
}

/* A '.' after these does not end a sentence. They are kept by length,
 * run together, so a word is compared only with those of its own length. */
static int is_abbrev(const unsigned char *s, size_t n)
{
    static const char *const abbr_of_len[] = {
        [2] = "mrmsdrstjrsrvsnoltcomtftppal",
        [3] = "mrsgencolsgtgovsenrepincltdjanfebmaraprjunjulaugsepoctnovdecadmmajrevhonestvolfig",
        [4] = "profseptcaptcmdrpresdeptcorp",
        [6] = "approx",
    };
    if (n == 1)
        return ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z');  /* initials: "J. Smith", not "3." */
    if (n >= sizeof abbr_of_len / sizeof abbr_of_len[0] || !abbr_of_len[n])
        return 0;
    char low[8];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        low[i] = (char)c;
    }
    for (const char *a = abbr_of_len[n]; *a; a += n)
        if (a[0] == low[0] && memcmp(a, low, n) == 0)
            return 1;
    return 0;
}

/* "U.S", "e.g" (single letters joined by dots) or a known abbreviation:
 * a '.' right after one does not end the sentence. */
static int is_acronym_or_abbrev(const unsigned char *w, size_t n)
{
    int dotted = n >= 3;
    for (size_t i = 0; i < n && dotted; i++) {
        int letter = (w[i] | 32) >= 'a' && (w[i] | 32) <= 'z';
        dotted = (i % 2 == 0) ? letter : w[i] == '.';
    }
    if (dotted && n % 2 == 1)
        return 1;
    return is_abbrev(w, n);
}

/* Append the token [start, end): after a line break it may start a
 * sentence (see below), and a token too long to be a word is dropped but
 * still splits n-grams. 'first' is its first code point. */
static inline int emit(slantp_tokens *out, size_t start, size_t end, int32_t first,
                       uint32_t *pending, int *newlines)
{
    /* A blank line always ends a sentence; a single line break does
     * unless the next line goes on in lower case (a hard-wrapped
     * paragraph) rather than starting a headline, byline or caption. */
    if (*newlines >= 2) {
        *pending = SLANTP_TOK_BREAK;
    } else if (*newlines == 1) {
        int lower = first >= 0 && (first < 128 ? (first >= 'a' && first <= 'z')
                                               : utf8proc_category(first) == UTF8PROC_CATEGORY_LL);
        if (!lower)
            *pending = SLANTP_TOK_BREAK;
    }
    *newlines = 0;
    if (end - start > SLANTP_MAX_TOKEN_BYTES) {
        *pending = SLANTP_TOK_BREAK;
        return 0;
    }
    if (out->n == out->cap && slantp_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v) < 0)
        return -1;
    out->v[out->n] = (slantp_token){(uint32_t)start, (uint32_t)end, *pending};
    out->n++;
    *pending = 0;
    return 0;
}

/* ASCII separators that need no thought: all but the sentence ends, the
 * line breaks, '@' and '#' (which may start a handle or hashtag). */
static inline int plain_separator(unsigned char c)
{
    return c < 128 && ascii_class[c] == C_SEP && c != '@' && c != '#';
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FAST_PATH 1

/* The fast path reads the text through bitmaps, one bit per byte, built
 * 16 bytes at a time: where words, gaps and tokens end is then found with
 * a count of trailing zeros instead of a branch per byte, and most of the
 * branches on what ends a word become one bit test. (A loop with the
 * general loop's branches, only fewer instructions, was no faster: it is
 * the branches, taken or not as the text goes, that cost.)
 *
 *   word   ASCII letter, digit or '_', and the joiners read as word bytes
 *          (below)
 *   stop   what the fast path leaves to the general loop: a line break,
 *          '@', '#', a non-ASCII byte, the first letter of "ht" or "ww"
 *          (a URL, perhaps)
 *   brk    '.', '!', '?' or '|': in a gap, a sentence end
 *   join   a byte that may carry a word on: '-', '\'', '.' or ','
 *          followed by a word character or non-ASCII, or non-ASCII itself
 *
 * Two kinds of non-ASCII and joiners are common enough in news text to
 * be read into the maps rather than left to the general loop, which would
 * otherwise be entered several times in every article:
 *   - the typographic quotes and dashes U+2013 to U+2015, U+2018, U+201C
 *     and U+201D part words as a space does: their bytes are a plain gap;
 *   - a hyphen between two ASCII word characters, and an apostrophe (' or
 *     U+2019) between one and an ASCII letter or '_', join them into one
 *     word (as the general loop would): their bytes are word bytes.
 *
 * Bit i of a map is bit i % 64 of word i / 64; every map has two words
 * more than the text needs, zero, so a window can be read at any i <= len. */
enum { MAP_WORD, MAP_STOP, MAP_BRK, MAP_JOIN, NMAPS };

static size_t map_words(size_t len) { return len / 64 + 2; }

/* What classify16() finds in 16 bytes, a bit per byte. */
typedef struct {
    unsigned word, stop, high, brk, joiner;
    unsigned digit, hyphen, apostrophe, e2;     /* '0' to '9', '-', '\'', byte 0xE2 */
} block16;

/* Classify 16 bytes at p; p[16] must be readable (the second letter of a URL). */
static inline block16 classify16(const unsigned char *p)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
#define EQ(x, c) _mm_cmpeq_epi8((x), _mm_set1_epi8(c))
#define IN(x, lo, hi) _mm_and_si128(_mm_cmpgt_epi8((x), _mm_set1_epi8((char)((lo) - 1))), \
                                    _mm_cmplt_epi8((x), _mm_set1_epi8((char)((hi) + 1))))
    __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i digit = IN(v, '0', '9');
    __m128i w = _mm_or_si128(_mm_or_si128(IN(folded, 'a', 'z'), digit), EQ(v, '_'));
    __m128i url = _mm_or_si128(_mm_and_si128(EQ(v, 'h'), EQ(v1, 't')),
                               _mm_and_si128(EQ(v, 'w'), EQ(v1, 'w')));
    __m128i s = _mm_or_si128(_mm_or_si128(IN(v, 0x0a, 0x0d), url),
                             _mm_or_si128(EQ(v, '@'), EQ(v, '#')));
    __m128i dot = EQ(v, '.'), hyphen = EQ(v, '-'), apostrophe = EQ(v, '\'');
    __m128i b = _mm_or_si128(_mm_or_si128(dot, EQ(v, '!')), _mm_or_si128(EQ(v, '?'), EQ(v, '|')));
    __m128i j = _mm_or_si128(_mm_or_si128(dot, EQ(v, ',')), _mm_or_si128(hyphen, apostrophe));
#undef EQ
#undef IN
    return (block16){
        (unsigned)_mm_movemask_epi8(w),
        (unsigned)_mm_movemask_epi8(s),
        (unsigned)_mm_movemask_epi8(v),
        (unsigned)_mm_movemask_epi8(b),
        (unsigned)_mm_movemask_epi8(j),
        (unsigned)_mm_movemask_epi8(digit),
        (unsigned)_mm_movemask_epi8(hyphen),
        (unsigned)_mm_movemask_epi8(apostrophe),
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xe2))),
    };
}

/* An ASCII word character that is not a digit: what an apostrophe joins. */
static inline int ascii_letter(unsigned char c)
{
    return c < 128 && (ascii_class[c] & (C_WORD | C_DIGIT)) == C_WORD;
}

/* The quotes and dashes (gap3) and the joining U+2019 (join3) among the
 * bytes 0xE2 (e2) of the block at p; p[66] must be readable. */
static void find_3byte(const unsigned char *p, uint64_t e2, uint64_t after_word, uint64_t *gap3,
                       uint64_t *join3)
{
    while (e2) {
        unsigned b = (unsigned)__builtin_ctzll(e2);
        e2 &= e2 - 1;
        const unsigned char *c = p + b;
        if (c[1] != 0x80)
            continue;
        if ((c[2] >= 0x93 && c[2] <= 0x95) || c[2] == 0x98 || c[2] == 0x9c || c[2] == 0x9d)
            *gap3 |= UINT64_C(1) << b;
        else if (c[2] == 0x99 && (after_word >> b & 1) && ascii_letter(c[3]))
            *join3 |= UINT64_C(1) << b;
    }
}

/* Build the maps of text[0, len) into m (NMAPS * map_words(len) words). */
static void build_maps(const unsigned char *s, size_t len, uint64_t *m)
{
    const size_t nw = map_words(len);
    uint64_t *word = m + MAP_WORD * nw, *stop = m + MAP_STOP * nw, *brk = m + MAP_BRK * nw,
             *join = m + MAP_JOIN * nw;
    unsigned char tail[80];
    /* a joiner joins when the byte after it is wordy (a word character or
     * non-ASCII): that may be in the next block, so each block's join map
     * is finished one block later */
    uint64_t prev_joiner = 0, prev_high = 0, prev_wordy = 0;
    uint64_t prev_word = 0, spill_gap = 0, spill_join = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t at = 64 * k;
        uint64_t mw = 0, ms = 0, mh = 0, mb = 0, mj = 0, md = 0, hy = 0, ap = 0, e2 = 0;
        uint64_t gap3 = 0, join3 = 0;
        /* the byte after the block: an ASCII word character, a letter? */
        uint64_t next_word = 0, next_letter = 0;
        const unsigned char *p = s + at;
        if (at < len) {
            if (len - at < 67) {
                /* the last bytes, padded with NULs (a plain separator) */
                memset(tail, 0, sizeof tail);
                memcpy(tail, p, len - at);
                p = tail;
            }
            for (unsigned q = 0; q < 4; q++) {
                block16 c = classify16(p + 16 * q);
                mw |= (uint64_t)c.word << 16 * q;
                ms |= (uint64_t)c.stop << 16 * q;
                mh |= (uint64_t)c.high << 16 * q;
                mb |= (uint64_t)c.brk << 16 * q;
                mj |= (uint64_t)c.joiner << 16 * q;
                md |= (uint64_t)c.digit << 16 * q;
                hy |= (uint64_t)c.hyphen << 16 * q;
                ap |= (uint64_t)c.apostrophe << 16 * q;
                e2 |= (uint64_t)c.e2 << 16 * q;
            }
            next_letter = (uint64_t)ascii_letter(p[64]);
            next_word = p[64] < 128 && (ascii_class[p[64]] & C_WORD);
        }
        /* A joiner joins when an ASCII word character comes right before
         * it. The word map as classified is enough to tell: a joined byte
         * is always followed by a word character, never by another joiner.
         * spill_*: the bytes of a 3-byte character that started at byte
         * 62 or 63 of the block before. */
        uint64_t after_word = mw << 1 | prev_word >> 63;
        uint64_t before_word = mw >> 1 | next_word << 63;
        uint64_t before_letter = (mw & ~md) >> 1 | next_letter << 63;
        prev_word = mw;
        if (e2)
            find_3byte(p, e2, after_word, &gap3, &join3);
        mw |= (after_word & ((hy & before_word) | (ap & before_letter))) | join3 | join3 << 1 |
              join3 << 2 | spill_join;
        uint64_t three = gap3 | join3;
        mh &= ~(three | three << 1 | three << 2 | spill_gap | spill_join);
        spill_gap = gap3 >> 62 | gap3 >> 63;
        spill_join = join3 >> 62 | join3 >> 63;
        word[k] = mw;
        stop[k] = ms | mh;
        brk[k] = mb;
        uint64_t wordy = mw | mh;
        if (k)
            join[k - 1] = (prev_joiner & (prev_wordy >> 1 | wordy << 63)) | prev_high;
        prev_joiner = mj;
        prev_high = mh;
        prev_wordy = wordy;
    }
    join[nw - 1] = (prev_joiner & prev_wordy >> 1) | prev_high;
}

/* Bits i.. of a map: at least 57 of them, zeros above those. */
static inline uint64_t window(const uint64_t *map, size_t i)
{
    uint64_t w;
    memcpy(&w, (const unsigned char *)map + (i >> 3), sizeof w);
    return w >> (i & 7);
}

static inline int bit(const uint64_t *map, size_t i) { return (int)(map[i >> 6] >> (i & 63) & 1); }

/* Where the general loop takes over at a stop q (block-relative, base
 * the block's first byte): sentence ends in [from, q) count first. */
static inline long stop_at(size_t base, uint64_t stops, uint64_t brk, uint64_t live,
                           uint32_t *pending)
{
    unsigned q = (unsigned)__builtin_ctzll(stops);
    *pending |= (brk & live & ((UINT64_C(1) << q) - 1)) ? SLANTP_TOK_BREAK : 0;
    return (long)(base + q);
}

/* The common case, for as long as it lasts: plain separators and
 * sentence ends between words of ASCII letters and digits that end where
 * nothing can join them on. Returns the position where the general loop
 * must take over (a stop, or a word it must read itself), or len; -1 on
 * memory. Gives exactly the tokens the general loop would.
 *
 * It goes a block of 64 bytes at a time. The words of a block start
 * where a word bit follows a non-word bit and end where a non-word bit
 * follows a word bit; taking the lowest start and the lowest end, then
 * clearing them, walks the words in order with no branch that depends on
 * the text, and nothing carried from one word to the next but those two
 * masks. A word that runs into the next block is measured through a
 * window instead. */
static inline long tokenize_fast(const unsigned char *s, size_t len, size_t i, const uint64_t *m,
                                 slantp_tokens *out, uint32_t *pending, int *newlines)
{
    const size_t nw = map_words(len);
    const uint64_t *word = m + MAP_WORD * nw, *stop = m + MAP_STOP * nw, *brk = m + MAP_BRK * nw,
                   *join = m + MAP_JOIN * nw;
    while (i < len) {
        const size_t k = i >> 6, base = k << 6;
        /* i is in a gap: nothing before it in this block counts */
        uint64_t live = ~UINT64_C(0) << (i & 63);
        const uint64_t w = word[k] & live, stops = stop[k], jn = join[k];
        uint64_t br = brk[k];
        uint64_t starts = w & ~(w << 1), ends = ~w & (w << 1);
        while (starts) {
            unsigned p = (unsigned)__builtin_ctzll(starts);
            uint64_t upto = (UINT64_C(2) << p) - 1;     /* bits 0..p */
            if (stops & live & upto)
                return stop_at(base, stops & live, br, live, pending);
            *pending |= (br & live & upto) ? SLANTP_TOK_BREAK : 0;
            if (!ends) {
                /* the word runs on into the next block */
                size_t at = base + p;
                uint64_t rest = ~window(word, at);     /* 0: 64 word bytes in a row */
                unsigned n = rest ? (unsigned)__builtin_ctzll(rest) : 64;
                size_t end = at + n;
                if (n >= 57 || bit(join, end))
                    return (long)at;
                if (emit(out, at, end, s[at], pending, newlines) < 0)
                    return -1;
                i = end;
                if (end < len && s[end] == '.' && is_acronym_or_abbrev(s + at, n))
                    i++;
                goto next_block;
            }
            unsigned e = (unsigned)__builtin_ctzll(ends);
            if (jn >> e & 1)
                return (long)(base + p);
            if (emit(out, base + p, base + e, s[base + p], pending, newlines) < 0)
                return -1;
            /* a sentence-final '.' after an abbreviation or acronym is not a break */
            if (base + e < len && s[base + e] == '.' &&
                is_acronym_or_abbrev(s + base + p, e - p))
                br &= ~(UINT64_C(1) << e);
            live = ~UINT64_C(0) << e;
            starts &= starts - 1;
            ends &= ends - 1;
        }
        if (stops & live)
            return stop_at(base, stops & live, br, live, pending);
        *pending |= (br & live) ? SLANTP_TOK_BREAK : 0;
        i = base + 64;
    next_block:;
    }
    return (long)len;
}
#else
#define FAST_PATH 0
#endif

/* The end of the URL at i: up to a space, a quote or a closing bracket,
 * without trailing punctuation. */
static inline __attribute__((always_inline)) size_t url_end(const unsigned char *s, size_t len,
                                                            size_t i)
{
    size_t end = i;
    while (end < len && s[end] > ' ' && s[end] != '"' && s[end] != '<' &&
           s[end] != '>' && s[end] != ')' && s[end] != ']') {
        if (s[end] >= 0x80) {
            /* stop at invalid UTF-8 and at non-ASCII spaces */
            int32_t ucp;
            size_t uk = decode(s + end, len - end, &ucp);
            if (ucp < 0 || (classify_cp(ucp) & C_NL) ||
                utf8proc_category(ucp) == UTF8PROC_CATEGORY_ZS)
                break;
            end += uk;
            continue;
        }
        end++;
    }
    while (end > i && (s[end - 1] == '.' || s[end - 1] == ',' || s[end - 1] == ';' ||
                       s[end - 1] == ':' || s[end - 1] == '!' || s[end - 1] == '?'))
        end--;
    return end;
}

/* The end of the word at i: word characters, and the joiners between
 * them (hyphens, apostrophes, decimal points and commas, the dots of
 * acronyms). */
static inline __attribute__((always_inline)) size_t word_end(const unsigned char *s, size_t len,
                                                             size_t i)
{
    size_t end = i;
    size_t seg_letters = 0;     /* letters since the last '.', for acronyms like U.S.A */
    int32_t prev = 0;
    while (end < len) {
        size_t kk;
        int32_t cc;
        /* plain ASCII letters and digits: the bulk of every text */
        if (s[end] < 128 && (ascii_class[s[end]] & C_WORD)) {
            const unsigned char *q = ascii_word_end(s + end, s + len);
            seg_letters += (size_t)(q - (s + end));
            prev = q[-1];
            end = (size_t)(q - s);
            /* most words end at an ASCII character that joins nothing */
            if (end < len && *q < 128 && *q != '-' && *q != '\'' && *q != '.' && *q != ',')
                break;
            continue;
        }
        unsigned char cl = class_at(s, len, end, &kk, &cc);
        if (cl & C_WORD) {
            seg_letters++;
            prev = cc;
            end += kk;
            continue;
        }
        /* joiners: need a word character right after */
        if (end + kk >= len)
            break;
        size_t k3;
        int32_t next;
        unsigned char nc = class_at(s, len, end + kk, &k3, &next);
        if (!(nc & C_WORD))
            break;
        int prev_digit = prev >= '0' && prev <= '9';
        int next_digit = next >= '0' && next <= '9';
        if (is_hyphen(cc) || (is_apostrophe(cc) && !(nc & C_DIGIT)) ||
            ((cc == '.' || cc == ',') && prev_digit && next_digit) ||
            (cc == '.' && seg_letters == 1 && !prev_digit && !next_digit &&
             (end + kk + k3 >= len || !(class_at(s, len, end + kk + k3, &k3, NULL) & C_WORD)))) {
            if (cc == '.')
                seg_letters = 0;
            end += kk;
            continue;
        }
        break;
    }
    return end;
}

/* The general loop, one code point or one token a step; with 'fast', the
 * fast path runs first at every step and leaves it only what it must. */
static inline __attribute__((always_inline)) int tokenize(const char *text, size_t len,
                                                          slantp_tokens *out, int fast)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    uint32_t pending = SLANTP_TOK_BREAK;
    int newlines = 0;       /* line breaks since the last token */
    out->n = 0;
    if (len > UINT32_MAX)
        len = UINT32_MAX;       /* spans are 32-bit; callers cap documents far below */
#if FAST_PATH
    const uint64_t *maps = NULL;
    if (fast) {
        if (slantp_grow(&out->maps, &out->maps_cap, NMAPS * map_words(len), sizeof *out->maps) < 0)
            return -1;
        build_maps(s, len, out->maps);
        maps = out->maps;
    }
#else
    (void)fast;
#endif
    while (i < len) {
#if FAST_PATH
        if (maps) {
            long r = tokenize_fast(s, len, i, maps, out, &pending, &newlines);
            if (r < 0)
                return -1;
            i = (size_t)r;
            if (i >= len)
                break;
        }
#endif
        /* the bulk of the gaps between words: ASCII spaces and punctuation */
        if (plain_separator(s[i])) {
            i++;
            continue;
        }
        size_t k, k2;
        int32_t cp;
        unsigned char c = class_at(s, len, i, &k, &cp);
        size_t start = i;
        size_t end;
        if (c & C_NL) {
            if (cp != '\r')
                newlines++;
            i += k;
            continue;
        }
        if (c & C_BREAK) {
            pending = SLANTP_TOK_BREAK;
            i += k;
            continue;
        }
        if ((s[i] == 'h' || s[i] == 'w') && starts_url(s, len, i)) {
            end = url_end(s, len, i);
        } else if ((cp == '@' || cp == '#') && i + 1 < len &&
                   (class_at(s, len, i + 1, &k2, NULL) & C_WORD)) {
            end = word_end(s, len, i + 1);      /* the word with its sigil */
        } else if (c & C_WORD) {
            end = word_end(s, len, i);
        } else {
            i += k;
            continue;
        }
        int32_t first = 0;
        if (newlines == 1) {
            size_t k1;
            class_at(s, len, start, &k1, &first);
        }
        if (emit(out, start, end, first, &pending, &newlines) < 0)
            return -1;
        i = end;
        /* a sentence-final '.' after an abbreviation or acronym is not a break */
        if (i < len && s[i] == '.' && is_acronym_or_abbrev(s + start, end - start))
            i++;
    }
    return 0;
}

int slantp_tokenize(const char *text, size_t len, slantp_tokens *out)
{
    return tokenize(text, len, out, 1);
}

int slantp_tokenize_general(const char *text, size_t len, slantp_tokens *out)
{
    return tokenize(text, len, out, 0);
}

void slantp_tokens_release(slantp_tokens *t)
{
    free(t->v);
    free(t->maps);
    t->v = NULL;
    t->maps = NULL;
    t->n = t->cap = t->maps_cap = 0;
}

int slantp_normalize_token(const char *p, size_t n, slantp_buf *out)
{
    const unsigned char *s = (const unsigned char *)p;
    out->len = 0;
    if ((n > 7 && memcmp(p, "http://", 7) == 0) || (n > 8 && memcmp(p, "https://", 8) == 0) ||
        (n > 4 && memcmp(p, "www.", 4) == 0))
        return slantp_buf_append(out, "<url>", 5);
    if (slantp_buf_reserve(out, n) < 0)
        return -1;
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 128)
            break;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        else if (c >= '1' && c <= '9')
            c = '0';
        out->data[out->len++] = (char)c;
    }
    if (i == n) {
        out->data[out->len] = '\0';
        return 0;
    }
    /* non-ASCII: NFC + case fold the whole token with utf8proc */
    out->len = 0;
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t m = utf8proc_map(s, (utf8proc_ssize_t)n, &mapped,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (m < 0) {
        /* the tokenizer only passes valid UTF-8; keep the bytes as a fallback */
        return slantp_buf_append(out, p, n);
    }
    for (utf8proc_ssize_t j = 0; j < m;) {
        unsigned char c = mapped[j];
        if (c < 128) {
            if (c >= '1' && c <= '9')
                c = '0';
            if (slantp_buf_append(out, &c, 1) < 0)
                goto nomem;
            j++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(mapped + j, m - j, &cp);
        if (k <= 0)
            k = 1;
        if (cp == 0x2019 || cp == 0x2018) {
            if (slantp_buf_append(out, "'", 1) < 0)
                goto nomem;
        } else if (cp == 0x2010 || cp == 0x2011) {
            if (slantp_buf_append(out, "-", 1) < 0)
                goto nomem;
        } else if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND) {
            if (slantp_buf_append(out, "0", 1) < 0)
                goto nomem;
        } else if (slantp_buf_append(out, mapped + j, (size_t)k) < 0) {
            goto nomem;
        }
        j += k;
    }
    free(mapped);
    return 0;
nomem:
    free(mapped);
    return -1;
}
