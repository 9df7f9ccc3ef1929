/* auditp_record.c - the worker's side of an audit: a JSONL record's group
 * fields, its date's time bucket, and the compact record of a classified
 * document that is then added to an aggregate (audit.c).
 *
 * A record is native-endian (it never leaves the process):
 *   u64 id hash, u8 abstained, u32 id length, id bytes,
 *   per --by field: u32 length (UINT32_MAX: missing), bytes,
 *   with a time field: u32 length (0: unknown), bytes,
 *   per label: u32 probability in units of 1e-9, then per label: u8 predicted,
 *   u32 n, n x (u32 feature id, u32 count),
 *   u32 n, n x (u32 feature id, u32 length, surface bytes).
 * Phrases made of function words and numbers only are left out. A
 * surface is sent only when this document could still be the one that
 * gives its phrase's surface form (its id hash below the current one's):
 * the bar a worker reads may be stale, but bars only go down, so a stale
 * one lets more surfaces through, never fewer.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "audit.h"

/* ======================================================== JSONL fields */

typedef struct jscan {
    const char *p, *end;
} jscan;

static void skip_ws(jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
        s->p++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex4(const char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        x = x << 4 | (uint32_t)h;
    }
    *v = x;
    return 0;
}

static int put(auditp_fieldbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap && slantp_grow(&b->data, &b->cap, b->len + n + 1, 1) < 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static int put_utf8(auditp_fieldbuf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (unsigned char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (unsigned char)(0x80 | (cp & 0x3F)),
        n = 4;
    return put(b, u, n);
}

/* Skip a string at s->p (after its quote): find each quote with memchr
 * and count the backslashes before it (an odd number escapes it). */
static int skip_string(jscan *s)
{
    for (;;) {
        const char *q = memchr(s->p, '"', (size_t)(s->end - s->p));
        if (!q)
            return -1;
        size_t nb = 0;
        while (q - nb > s->p && q[-1 - (ptrdiff_t)nb] == '\\')
            nb++;
        s->p = q + 1;
        if (nb % 2 == 0)
            return 0;
    }
}

/* A string at s->p (after its quote); decoded into b when b is not NULL. */
static int scan_string(jscan *s, auditp_fieldbuf *b)
{
    if (!b)
        return skip_string(s);
    while (s->p < s->end) {
        const char *q = s->p;
        while (q < s->end && *q != '"' && *q != '\\')
            q++;
        if (b && put(b, s->p, (size_t)(q - s->p)) < 0)
            return -1;
        s->p = q;
        if (q == s->end)
            return -1;
        if (*q == '"') {
            s->p++;
            return 0;
        }
        if (q + 1 >= s->end)
            return -1;
        char c = q[1];
        s->p = q + 2;
        if (c == 'u') {
            uint32_t cp, lo;
            if (s->end - s->p < 4 || hex4(s->p, &cp) < 0)
                return -1;
            s->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
                s->p[1] == 'u' && hex4(s->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s->p += 6;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            if (b && put_utf8(b, cp) < 0)
                return -1;
            continue;
        }
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *k = memchr(from, c, 8);
        if (!k)
            return -1;
        if (b && put(b, to + (k - from), 1) < 0)
            return -1;
    }
    return -1;
}

/* Skip any value; nesting is counted, strings are skipped whole. */
static int skip_value(jscan *s)
{
    int depth = 0;
    do {
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        char c = *s->p;
        if (c == '"') {
            s->p++;
            if (scan_string(s, NULL) < 0)
                return -1;
        } else if (c == '{' || c == '[') {
            depth++;
            s->p++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return -1;
            s->p++;
        } else if (c == ',' || c == ':') {
            if (depth == 0)
                return -1;
            s->p++;
        } else {
            /* a bare word (number, true, false, null): up to a delimiter;
             * memchr, not strchr, which would take a NUL byte as one */
            const char *from = s->p;
            while (s->p < s->end && !memchr(" \t\r\n,:]}", *s->p, 8))
                s->p++;
            if (s->p == from)
                return -1;
        }
    } while (depth > 0);
    return 0;
}

/* The value at s->p into b: a string decoded, anything else as written;
 * *is_null when it is null. */
static int take_value(jscan *s, auditp_fieldbuf *b, int *is_null)
{
    skip_ws(s);
    *is_null = 0;
    if (s->p < s->end && *s->p == '"') {
        s->p++;
        return scan_string(s, b);
    }
    const char *from = s->p;
    if (skip_value(s) < 0)
        return -1;
    *is_null = s->p - from == 4 && memcmp(from, "null", 4) == 0;
    return put(b, from, (size_t)(s->p - from));
}

int auditp_fields(const char *line, size_t len, const char *const *names, size_t n,
                 auditp_fieldbuf *buf, const char **val, size_t *val_len)
{
    size_t start[AUDIT_MAX_BY + 1];
    int found[AUDIT_MAX_BY + 1] = {0};
    jscan s = {line, line + len};
    buf->len = 0;
    skip_ws(&s);
    if (n > AUDIT_MAX_BY + 1 || s.p >= s.end || *s.p++ != '{')
        return -1;
    auditp_fieldbuf key = {0};
    int rc = -1;
    for (skip_ws(&s); s.p < s.end && *s.p != '}';) {
        key.len = 0;
        if (*s.p++ != '"' || scan_string(&s, &key) < 0 || put(&key, "", 1) < 0)
            goto out;
        skip_ws(&s);
        if (s.p >= s.end || *s.p++ != ':')
            goto out;
        size_t i = 0;
        while (i < n && strcmp(names[i], key.data) != 0)
            i++;
        if (i < n && !found[i]) {
            int is_null;
            start[i] = buf->len;
            if (take_value(&s, buf, &is_null) < 0)
                goto out;
            val_len[i] = buf->len - start[i];
            if (put(buf, "", 1) < 0)    /* each value NUL-terminated */
                goto out;
            found[i] = is_null ? 0 : 1;
        } else if (skip_value(&s) < 0) {
            goto out;
        }
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            skip_ws(&s);
        }
    }
    if (s.p >= s.end || put(buf, "", 1) < 0)
        goto out;
    /* the values' places are known only now: buf may have moved */
    for (size_t i = 0; i < n; i++)
        val[i] = found[i] ? buf->data + start[i] : NULL;
    rc = 0;
out:
    free(key.data);
    return rc;
}

/* ======================================================== dates */

static int digits(const char *p, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        x = 10 * x + (p[i] - '0');
    }
    *v = x;
    return 0;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The ISO 8601 week of a date: the week's Thursday decides the year. */
static void iso_week(int y, int m, int d, int *wy, int *wk)
{
    long days = days_from_civil(y, m, d);
    long wd = ((days % 7) + 7 + 3) % 7;     /* 0 = Monday; 1970-01-01 was a Thursday */
    long thursday = days - wd + 3;
    int ty = y;
    if (thursday < days_from_civil(y, 1, 1))
        ty = y - 1;
    else if (thursday >= days_from_civil(y + 1, 1, 1))
        ty = y + 1;
    *wy = ty;
    *wk = (int)((thursday - days_from_civil(ty, 1, 1)) / 7 + 1);
}

size_t auditp_bucket(const char *date, size_t len, enum auditp_unit unit, char out[16])
{
    int y, m = 0, d = 0;
    if (len < 4 || digits(date, 4, &y) < 0 || y < 1 || (len > 4 && date[4] >= '0' && date[4] <= '9'))
        return 0;
    int sep_ok = len >= 7 && (date[4] == '-' || date[4] == '/');
    if (sep_ok && digits(date + 5, 2, &m) == 0 && m >= 1 && m <= 12) {
        if (len >= 10 && date[7] == date[4] && digits(date + 8, 2, &d) == 0 &&
            (len == 10 || !(date[10] >= '0' && date[10] <= '9'))) {
            if (d < 1 || d > month_days(y, m))
                return 0;
        } else if (len > 7 && !(date[7] == 'T' || date[7] == ' ')) {
            return 0;
        }
    } else if (len > 4 && !(date[4] == 'T' || date[4] == ' ')) {
        return 0;   /* "2024x", "2024-13" */
    }
    int n = 0;
    switch (unit) {
    case AUDIT_YEAR:
        n = snprintf(out, 16, "%04d", y);
        break;
    case AUDIT_MONTH:
        n = m ? snprintf(out, 16, "%04d-%02d", y, m) : 0;
        break;
    case AUDIT_WEEK:
        if (d) {
            int wy, wk;
            iso_week(y, m, d, &wy, &wk);
            n = snprintf(out, 16, "%04d-W%02d", wy, wk);
        }
        break;
    case AUDIT_DAY:
        n = d ? snprintf(out, 16, "%04d-%02d-%02d", y, m, d) : 0;
        break;
    case AUDIT_NONE:
        break;
    }
    return n > 0 ? (size_t)n : 0;
}

/* ======================================================== records */

static void put_u32(slant_buffer *out, uint32_t v) { slant_buffer_write(out, &v, 4); }

static void put_str(slant_buffer *out, const char *s, size_t n)
{
    put_u32(out, (uint32_t)n);
    slant_buffer_write(out, s, n);
}

/* The group fields and time bucket of a JSONL record. */
static void write_keys(const auditp *a, const char *record, size_t record_len, slant_buffer *out)
{
    const auditp_spec *s = &a->spec;
    const char *names[AUDIT_MAX_BY + 1];
    const char *val[AUDIT_MAX_BY + 1];
    size_t vlen[AUDIT_MAX_BY + 1];
    size_t n = s->nby;
    for (size_t i = 0; i < s->nby; i++)
        names[i] = s->by[i];
    if (s->time_field)
        names[n++] = s->time_field;
    auditp_fieldbuf buf = {0};
    if (!record || auditp_fields(record, record_len, names, n, &buf, val, vlen) < 0)
        for (size_t i = 0; i < n; i++)
            val[i] = NULL;
    for (size_t i = 0; i < s->nby; i++) {
        if (val[i])
            put_str(out, val[i], vlen[i]);
        else
            put_u32(out, UINT32_MAX);
    }
    if (s->time_field) {
        char bucket[16];
        size_t bn = val[s->nby] ? auditp_bucket(val[s->nby], vlen[s->nby], s->unit, bucket) : 0;
        put_str(out, bucket, bn);
    }
    free(buf.data);
}

void auditp_record_write(const auditp *a, const slant_result *r, const char *id,
                        const char *record, size_t record_len, int abstained,
                        slant_buffer *out)
{
    const auditp_spec *s = &a->spec;
    size_t id_len = id ? strlen(id) : 0;
    uint64_t hash = auditp_id_hash(id ? id : "", id_len);
    unsigned char ab = abstained != 0;
    slant_buffer_write(out, &hash, 8);
    slant_buffer_write(out, &ab, 1);
    put_str(out, id ? id : "", id_len);
    write_keys(a, record, record_len, out);
    for (size_t h = 0; h < s->nheads; h++)
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            double p = slant_result_score(r, h, l);
            put_u32(out, (uint32_t)(p * AUDIT_FIXED + 0.5));
        }
    for (size_t h = 0; h < s->nheads; h++)
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            unsigned char pr = slant_result_predicted(r, h, l) != 0;
            slant_buffer_write(out, &pr, 1);
        }
    /* the phrases: a count, then the pairs, written a block at a time;
     * the count is patched after. One look at each feature's bar says
     * whether it is counted and whether its surface is worth sending. */
    size_t nf = slant_result_nfeatures(r), at = out->len, n = 0, nsurf = 0, ncand = 0;
    uint32_t block[512], cand[1024], fids[256], counts[256];
    uint32_t top = (uint32_t)(hash >> 32);
    size_t nb = 0;
    int more = 0;       /* candidates beyond cand[]: look at every feature again */
    put_u32(out, 0);
    /* a chunk of features at a time: their bars are asked for first, as
     * the bars are scattered over the table and rarely in the caches */
    for (size_t i0 = 0; i0 < nf; i0 += 256) {
        size_t nc = nf - i0 < 256 ? nf - i0 : 256;
        for (size_t k = 0; k < nc; k++) {
            size_t count;
            fids[k] = (uint32_t)slant_result_feature(r, i0 + k, &count);
            counts[k] = (uint32_t)count;
            slantp_prefetch(&a->surface_bar[fids[k]]);
        }
        for (size_t k = 0; k < nc; k++) {
            uint32_t bar = atomic_load_explicit(&a->surface_bar[fids[k]].v, memory_order_relaxed);
            if (bar == 0)
                continue;
            block[nb++] = fids[k];
            block[nb++] = counts[k];
            n++;
            if (nb == 512) {
                slant_buffer_write(out, block, sizeof block);
                nb = 0;
            }
            if (top < bar && ncand < 1024)
                cand[ncand++] = (uint32_t)(i0 + k);
            else if (top < bar)
                more = 1;
        }
    }
    slant_buffer_write(out, block, nb * sizeof *block);
    size_t at2 = out->len;
    put_u32(out, 0);
    for (size_t k = 0; k < (more ? nf : ncand); k++) {
        size_t i = more ? k : cand[k], fid = slant_result_feature(r, i, NULL);
        uint32_t bar = atomic_load_explicit(&a->surface_bar[fid].v, memory_order_relaxed);
        const char *text = top < bar ? slant_result_feature_text(r, i) : NULL;
        if (!text)
            continue;
        put_u32(out, (uint32_t)fid);
        put_str(out, text, strlen(text));
        nsurf++;
    }
    if (!out->failed) {
        uint32_t v = (uint32_t)n, w = (uint32_t)nsurf;
        memcpy(out->data + at, &v, 4);
        memcpy(out->data + at2, &w, 4);
    }
}

typedef struct rd {
    const unsigned char *p, *end;
} rd;

static int get_u32(rd *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return -1;
    memcpy(v, r->p, 4);
    r->p += 4;
    return 0;
}

static int get_bytes(rd *r, size_t n, const unsigned char **at)
{
    if ((size_t)(r->end - r->p) < n)
        return -1;
    *at = r->p;
    r->p += n;
    return 0;
}

static int get_str(rd *r, const char **s, size_t *n)
{
    uint32_t len;
    const unsigned char *at;
    if (get_u32(r, &len) < 0)
        return -1;
    if (len == UINT32_MAX) {
        *s = NULL;
        *n = 0;
        return 0;
    }
    if (get_bytes(r, len, &at) < 0)
        return -1;
    *s = (const char *)at;
    *n = len;
    return 0;
}

int auditp_record_read(const auditp *a, const char *p, size_t n, auditp_doc *d)
{
    const auditp_spec *s = &a->spec;
    rd r = {(const unsigned char *)p, (const unsigned char *)p + n};
    const unsigned char *at;
    uint32_t k;
    memset(d, 0, sizeof *d);
    if (get_bytes(&r, 8, &at) < 0)
        return -1;
    memcpy(&d->hash, at, 8);
    if (get_bytes(&r, 1, &at) < 0)
        return -1;
    d->abstained = *at != 0;
    if (get_str(&r, &d->id, &d->id_len) < 0 || !d->id)
        return -1;
    for (size_t i = 0; i < s->nby; i++)
        if (get_str(&r, &d->key[i], &d->key_len[i]) < 0)
            return -1;
    if (s->time_field) {
        if (get_str(&r, &d->bucket, &d->bucket_len) < 0)
            return -1;
        if (d->bucket_len == 0)
            d->bucket = NULL;
    }
    if (get_bytes(&r, 4 * s->nlabels_total, &at) < 0)
        return -1;
    d->prob = at;
    if (get_bytes(&r, s->nlabels_total, &d->pred) < 0 || get_u32(&r, &k) < 0 ||
        get_bytes(&r, 8 * (size_t)k, &d->feat) < 0)
        return -1;
    d->nfeat = k;
    if (get_u32(&r, &k) < 0)
        return -1;
    d->nsurf = k;
    d->surf = r.p;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t fid, len;
        if (get_u32(&r, &fid) < 0 || fid >= s->nfeatures || get_u32(&r, &len) < 0 ||
            get_bytes(&r, len, &at) < 0)
            return -1;
    }
    for (size_t i = 0; i < d->nfeat; i++) {
        uint32_t fid;
        memcpy(&fid, d->feat + 8 * i, 4);
        if (fid >= s->nfeatures)
            return -1;
    }
    return r.p == r.end ? 0 : -1;
}
