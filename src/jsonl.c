/* jsonl.c - a fast reader for the common JSONL document line:
 * {"id": ..., "text": "...", ...other fields...}.
 *
 * jansson builds a full tree per line, which takes longer than the whole
 * rest of classification; this scanner only decodes the two
 * fields slant needs and skips the others. It accepts a strict subset of
 * what jansson accepts: anything unusual (invalid UTF-8, control
 * characters, lone surrogates, duplicate or escaped keys at any depth,
 * numbers jansson would read otherwise or refuse, non-integer ids,
 * trailing data, deep nesting) makes it decline, and the caller then
 * parses the line with jansson, which gives the exact error. Running out of
 * memory is not declining: it is an error of its own, never a reason to
 * hand the line to jansson (whose lexer ignores allocation failures). An
 * escaped NUL in a string reads as a space, as it does in training data.
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"
#include "jsonl.h"

typedef struct scan {
    const unsigned char *p, *end;
    int id;     /* decoding the id, where a NUL would cut the string jansson gives */
} scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
        s->p++;
}

static int hex4(const unsigned char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= c - '0';
        else if (c >= 'a' && c <= 'f')
            x |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            x |= c - 'A' + 10;
        else
            return -1;
    }
    *v = x;
    return 0;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* A string at s->p (after the opening quote). With out != NULL, decode into
 * it. Returns 0, or -1 for anything the fast path does not take.
 *
 * The decoded string is never longer than the raw rest of the line, so
 * room for that (and one vector more) is made once, and plain text is
 * copied by storing each 16 bytes scanned before looking at them: bytes
 * stored past a stop are written over by what follows: one copy per
 * string instead of one per run between escapes. */
static int string(scan *s, slantp_buf *out, int *escaped)
{
    const unsigned char *p = s->p;
    unsigned char *o = NULL;    /* where the next decoded byte goes */
    if (out) {
        if (slantp_buf_reserve(out, (size_t)(s->end - p) + 16) < 0)
            return SLANTP_JSONL_NOMEM;
        o = (unsigned char *)out->data + out->len;
    }
    *escaped = 0;
    for (;;) {
        /* the common case: a run of plain ASCII */
#if defined(__SSE2__)
        while (s->end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            if (o)
                _mm_storeu_si128((__m128i *)(void *)o, v);
            /* signed compare: bytes below 0x20 and from 0x80 up */
            __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            unsigned m = (unsigned)_mm_movemask_epi8(stop);
            if (m) {
                unsigned k = (unsigned)__builtin_ctz(m);
                p += k;
                if (o)
                    o += k;
                break;
            }
            p += 16;
            if (o)
                o += 16;
        }
#endif
        while (p < s->end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) {
            if (o)
                *o++ = *p;
            p++;
        }
        if (p >= s->end)
            return -1;
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c >= 0x80) {
            size_t k = utf8_len(p, s->end);
            if (!k)
                return -1;
            for (size_t i = 0; o && i < k; i++)
                *o++ = p[i];
            p += k;
            continue;
        }
        /* a backslash escape */
        *escaped = 1;
        if (s->end - p < 2)
            return -1;
        unsigned e = p[1];
        unsigned char ch;
        switch (e) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            uint32_t v, lo;
            if (s->end - p < 6 || hex4(p + 2, &v) < 0)
                return -1;
            p += 6;
            if (v >= 0xDC00 && v <= 0xDFFF)
                return -1;
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (s->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (v == 0 && s->id)
                return -1;  /* an id with a NUL: jansson's cut string, as the slow path has it */
            if (v == 0)
                v = ' ';    /* a NUL in a text reads as a space, as in training data */
            if (!o)
                continue;
            if (v < 0x80) {
                *o++ = (unsigned char)v;
            } else if (v < 0x800) {
                *o++ = (unsigned char)(0xC0 | (v >> 6));
                *o++ = (unsigned char)(0x80 | (v & 0x3F));
            } else if (v < 0x10000) {
                *o++ = (unsigned char)(0xE0 | (v >> 12));
                *o++ = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
                *o++ = (unsigned char)(0x80 | (v & 0x3F));
            } else {
                *o++ = (unsigned char)(0xF0 | (v >> 18));
                *o++ = (unsigned char)(0x80 | ((v >> 12) & 0x3F));
                *o++ = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
                *o++ = (unsigned char)(0x80 | (v & 0x3F));
            }
            continue;
        }
        default:
            return -1;
        }
        if (o)
            *o++ = ch;
        p += 2;
    }
    if (out) {
        out->len = (size_t)((char *)o - out->data);
        out->data[out->len] = '\0';
    }
    s->p = p + 1;
    return 0;
}

/* A JSON number as jansson reads it to the same value: -?(0|[1-9][0-9]*)
 * with an optional fraction, integers of at most 18 digits (longer ones
 * overflow jansson's integers), no exponent (a large one overflows its
 * reals). Anything else is declined. */
static int number(scan *s)
{
    const unsigned char *p = s->p, *end = s->end;
    if (p < end && *p == '-')
        p++;
    const unsigned char *digits = p;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    size_t nd = (size_t)(p - digits);
    if (nd == 0 || (nd > 1 && *digits == '0'))
        return -1;
    int fraction = p < end && *p == '.';
    if (fraction) {
        const unsigned char *f = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return -1;
    } else if (nd > 18) {
        return -1;
    }
    if (p < end && (*p == 'e' || *p == 'E' || *p == '.' || *p == '-' || *p == '+'))
        return -1;
    s->p = p;
    return 0;
}

/* Skip any JSON value; only shallow nesting is taken. Objects at any
 * depth must have distinct, unescaped keys (jansson refuses duplicates). */
static int skip_value(scan *s, int depth)
{
    int esc;
    ws(s);
    if (s->p >= s->end || depth > 64)
        return -1;
    unsigned c = *s->p;
    if (c == '"') {
        s->p++;
        return string(s, NULL, &esc);
    }
    if (c == '{' || c == '[') {
        unsigned close = c == '{' ? '}' : ']';
        const unsigned char *keys[32];
        size_t klen[32], nkeys = 0;
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                ws(s);
                if (s->p >= s->end || *s->p != '"')
                    return -1;
                const unsigned char *k = ++s->p;
                int r = string(s, NULL, &esc);
                if (r < 0 || esc || nkeys == 32)
                    return r < 0 ? r : -1;
                size_t kl = (size_t)(s->p - 1 - k);
                for (size_t i = 0; i < nkeys; i++)
                    if (klen[i] == kl && memcmp(keys[i], k, kl) == 0)
                        return -1;
                keys[nkeys] = k;
                klen[nkeys++] = kl;
                ws(s);
                if (s->p >= s->end || *s->p != ':')
                    return -1;
                s->p++;
            }
            int r = skip_value(s, depth + 1);
            if (r < 0)
                return r;
            ws(s);
            if (s->p >= s->end)
                return -1;
            if (*s->p == ',') {
                s->p++;
                continue;
            }
            if (*s->p == close) {
                s->p++;
                return 0;
            }
            return -1;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return number(s);
    size_t left = (size_t)(s->end - s->p);
    if (left >= 4 && (memcmp(s->p, "true", 4) == 0 || memcmp(s->p, "null", 4) == 0)) {
        s->p += 4;
        return 0;
    }
    if (left >= 5 && memcmp(s->p, "false", 5) == 0) {
        s->p += 5;
        return 0;
    }
    return -1;
}

int slantp_jsonl_doc(const char *line, size_t len, slantp_buf *text, slantp_buf *id, int *have_id)
{
    scan s = {(const unsigned char *)line, (const unsigned char *)line + len, 0};
    const unsigned char *keys[32];
    size_t klen[32], nkeys = 0;
    int have_text = 0, esc;
    *have_id = 0;
    text->len = 0;
    id->len = 0;
    ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return -1;
    s.p++;
    ws(&s);
    if (s.p < s.end && *s.p == '}') {
        s.p++;
        goto tail;
    }
    for (;;) {
        ws(&s);
        if (s.p >= s.end || *s.p != '"')
            return -1;
        s.p++;
        const unsigned char *k = s.p;
        int r = string(&s, NULL, &esc);
        if (r < 0 || esc)
            return r < 0 ? r : -1;
        size_t kl = (size_t)(s.p - 1 - k);
        if (nkeys == 32)
            return -1;
        for (size_t i = 0; i < nkeys; i++)
            if (klen[i] == kl && memcmp(keys[i], k, kl) == 0)
                return -1;   /* duplicate key: jansson says where */
        keys[nkeys] = k;
        klen[nkeys++] = kl;
        ws(&s);
        if (s.p >= s.end || *s.p != ':')
            return -1;
        s.p++;
        ws(&s);
        if (s.p >= s.end)
            return -1;
        if (kl == 4 && memcmp(k, "text", 4) == 0) {
            if (*s.p != '"')
                return -1;
            s.p++;
            if ((r = string(&s, text, &esc)) < 0)
                return r;
            have_text = 1;
        } else if (kl == 2 && memcmp(k, "id", 2) == 0) {
            if (*s.p == '"') {
                s.p++;
                s.id = 1;
                r = string(&s, id, &esc);
                s.id = 0;
                if (r < 0)
                    return r;
                *have_id = SLANTP_JSONL_ID_STRING;
            } else if ((*s.p >= '0' && *s.p <= '9') || *s.p == '-') {
                /* plain integers as jansson prints them: no fraction, no
                 * "-0", at most 18 digits; the rest go to jansson */
                const unsigned char *n0 = s.p;
                if (number(&s) < 0 || memchr(n0, '.', (size_t)(s.p - n0)) ||
                    (s.p - n0 == 2 && n0[0] == '-' && n0[1] == '0'))
                    return -1;
                if (slantp_buf_append(id, n0, (size_t)(s.p - n0)) < 0)
                    return SLANTP_JSONL_NOMEM;
                *have_id = SLANTP_JSONL_ID_NUMBER;
            } else if (s.end - s.p >= 4 && memcmp(s.p, "null", 4) == 0) {
                s.p += 4;
            } else {
                return -1;
            }
        } else if ((r = skip_value(&s, 0)) < 0) {
            return r;
        }
        ws(&s);
        if (s.p >= s.end)
            return -1;
        if (*s.p == ',') {
            s.p++;
            continue;
        }
        if (*s.p == '}') {
            s.p++;
            break;
        }
        return -1;
    }
tail:
    ws(&s);
    if (s.p != s.end || !have_text)
        return -1;
    /* NUL-terminate the outputs */
    if (slantp_buf_append(text, "", 0) < 0 || slantp_buf_append(id, "", 0) < 0)
        return SLANTP_JSONL_NOMEM;
    return 0;
}
