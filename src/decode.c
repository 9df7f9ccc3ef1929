/* decode.c - the raw bytes of one input file to UTF-8 article text.
 *
 * Sits between io.c (bytes of a file) and classification (UTF-8 text).
 * In order: gzip data is inflated (bounded); known binary formats are
 * refused by their magic number; the encoding is found (a BOM, the NUL
 * pattern of UTF-16, valid UTF-8, a declared charset, then a guess) and
 * the text converted to UTF-8; data with NULs or many control characters
 * is refused as binary; HTML goes through html.c; text that is empty or
 * white space is refused. A refusal is SLANT_EFORMAT with the reason.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "decode.h"
#include "io.h"

void slantp_decode_options_init(slantp_decode_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_bytes = SLANTP_MAX_DOC;
    o->html = SLANTP_HTML_AUTO;
}

/* ======================================================== gzip */

int slantp_is_gzip(const void *data, size_t len)
{
    const unsigned char *b = data;
    return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

static int gzip_fail(slant_error *err, const char *name, const z_stream *z, int zrc)
{
    if (zrc == Z_MEM_ERROR)
        return slantp_error(err, SLANT_ENOMEM, name, -1, -1, "out of memory inflating gzip data");
    return slantp_error(err, SLANT_EFORMAT, name, -1, -1, "corrupt gzip data: %s",
                        z->msg ? z->msg : "bad stream");
}

int slantp_gunzip(const char *name, const char *data, size_t len, size_t max, slantp_buf *out,
                  slant_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    out->len = 0;
    int zrc = inflateInit2(&z, 16 + MAX_WBITS);   /* 16: gzip wrapper only */
    if (zrc != Z_OK)
        return gzip_fail(err, name, &z, zrc);
    int rc = SLANT_OK;
    z.next_in = (Bytef *)(uintptr_t)data;
    size_t left = len;
    for (;;) {
        if (z.avail_in == 0) {
            z.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
            left -= z.avail_in;
        }
        if (slantp_buf_reserve(out, 65536) < 0) {
            rc = slantp_error(err, SLANT_ENOMEM, name, -1, -1, "out of memory inflating gzip data");
            break;
        }
        size_t room = out->cap - out->len - 1;
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt before = z.avail_out;
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        if (out->len > max) {
            rc = slantp_error(err, SLANT_EFORMAT, name, -1, -1,
                              "gzip data larger than %zu bytes uncompressed", max);
            break;
        }
        if (zrc == Z_STREAM_END) {
            if (z.avail_in == 0 && left == 0)
                break;
            inflateReset(&z);   /* another member follows (as from cat a.gz b.gz) */
            continue;
        }
        if (zrc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            rc = slantp_error(err, SLANT_EFORMAT, name, -1, -1, "truncated gzip data");
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = gzip_fail(err, name, &z, zrc);
            break;
        }
    }
    inflateEnd(&z);
    if (out->data)
        out->data[out->len] = '\0';
    return rc;
}

/* ======================================================== binary formats */

static const struct magic {
    const char *bytes;
    size_t n;
    const char *kind;
} magics[] = {
    {"\x7f" "ELF", 4, "ELF executable"},
    /* a PDF's text is not reachable without a PDF reader: binary for us */
    {"%PDF-", 5, "PDF document"},
    {"PK\x03\x04", 4, "ZIP archive"},
    {"PK\x05\x06", 4, "ZIP archive"},
    {"\x89PNG\r\n\x1a\n", 8, "PNG image"},
    {"\xff\xd8\xff", 3, "JPEG image"},
    {"GIF87a", 6, "GIF image"},
    {"GIF89a", 6, "GIF image"},
    {"\xfd" "7zXZ\0", 6, "xz data"},
    {"7z\xbc\xaf\x27\x1c", 6, "7-Zip archive"},
    {"\x28\xb5\x2f\xfd", 4, "zstd data"},
    {"SQLite format 3\0", 16, "SQLite database"},
    {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "OLE2 document (old Microsoft Office)"},
    {"\xca\xfe\xba\xbe", 4, "Mach-O or Java class file"},
    {"\xcf\xfa\xed\xfe", 4, "Mach-O executable"},
    {"\0asm", 4, "WebAssembly module"},
};

const char *slantp_binary_kind(const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        const struct magic *m = &magics[i];
        if (len >= m->n && memcmp(b, m->bytes, m->n) == 0)
            return m->kind;
    }
    /* "BZh" alone could start a word: bzip2 has a level digit and a block
     * marker after it */
    if (len >= 10 && memcmp(b, "BZh", 3) == 0 && b[3] >= '1' && b[3] <= '9' &&
        memcmp(b + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
        return "bzip2 data";
    return NULL;
}

/* ======================================================== encodings */

/* Length of the valid UTF-8 sequence at s (1-4), or 0: overlong forms,
 * surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (k == 0 || k > n || c > 0xf4)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
        return 0;
    return k;
}

static int valid_utf8(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* UTF-16 without a BOM: mostly-Latin text has a NUL in every other byte. */
static const char *guess_utf16(const unsigned char *b, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    size_t pairs = n / 2, even = 0, odd = 0;
    if (pairs < 4)
        return NULL;
    for (size_t i = 0; i + 1 < n; i += 2) {
        even += b[i] == 0;
        odd += b[i + 1] == 0;
    }
    if (odd * 10 >= pairs * 3 && even * 20 < pairs)
        return "UTF-16LE";
    if (even * 10 >= pairs * 3 && odd * 20 < pairs)
        return "UTF-16BE";
    return NULL;
}

/* The charset a page or an XML declaration names in its first 4 KB
 * ("charset=koi8-r", encoding="ISO-8859-1"), copied into 'name'. */
static int declared_charset(const char *p, size_t len, char *name, size_t size)
{
    size_t n = len < 4096 ? len : 4096;
    static const char *const keys[] = {"charset", "encoding"};
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 2; k++) {
            size_t kl = strlen(keys[k]);
            if (i + kl > n || strncasecmp(p + i, keys[k], kl) != 0)
                continue;
            size_t j = i + kl;
            while (j < n && (p[j] == ' ' || p[j] == '\t'))
                j++;
            if (j >= n || p[j] != '=')
                continue;
            j++;
            while (j < n && (p[j] == ' ' || p[j] == '"' || p[j] == '\''))
                j++;
            size_t m = 0;
            while (j < n && m + 1 < size && (isalnum((unsigned char)p[j]) || strchr("-_.:", p[j])))
                name[m++] = p[j++];
            name[m] = '\0';
            if (m > 0)
                return 1;
        }
    }
    return 0;
}

/* A single-byte code page for invalid UTF-8 with no declaration. Cyrillic
 * text has more bytes over 0xC0 than ASCII letters; windows-1251 puts the
 * frequent lower-case letters at 0xE0-0xFF, KOI8-R at 0xC0-0xDF. Anything
 * else is read as windows-1252, the usual Western default. */
static const char *guess_single_byte(const unsigned char *b, size_t len)
{
    size_t ascii = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = b[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            ascii++;
        else if (c >= 0xc0 && c <= 0xdf)
            lo++;
        else if (c >= 0xe0)
            hi++;
    }
    if (lo + hi >= 8 && lo + hi > ascii)
        return hi >= lo ? "windows-1251" : "KOI8-R";
    return "windows-1252";
}

/* Convert with the C library's iconv: it is the system's converter and
 * knows every code page, so slant carries no conversion tables of its
 * own. A sequence iconv refuses becomes U+FFFD and reading goes on 'unit'
 * bytes later. Returns SLANT_OK, SLANT_EINVAL for an unknown encoding, or
 * SLANT_ENOMEM. */
static int convert(const char *from, const char *data, size_t len, size_t unit, slantp_buf *out,
                   size_t *replaced)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return SLANT_EINVAL;
    out->len = 0;
    int rc = SLANT_OK;
    char *in = (char *)(uintptr_t)data;
    size_t inleft = len;
    if (slantp_buf_reserve(out, len + len / 2 + 16) < 0)
        rc = SLANT_ENOMEM;
    while (rc == SLANT_OK && inleft > 0) {
        char *o = out->data + out->len;
        size_t oleft = out->cap - out->len - 1;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        int e = errno;
        out->len = (size_t)(o - out->data);
        if (r != (size_t)-1)
            break;   /* everything converted */
        if (e == E2BIG) {
            if (slantp_buf_reserve(out, inleft * 2 + 64) < 0)
                rc = SLANT_ENOMEM;
        } else if (e == EILSEQ || e == EINVAL) {
            size_t skip = inleft < unit ? inleft : unit;
            in += skip;
            inleft -= skip;
            (*replaced)++;
            if (slantp_buf_append(out, "\xef\xbf\xbd", 3) < 0)
                rc = SLANT_ENOMEM;
        } else {
            rc = SLANT_EINVAL;
        }
    }
    iconv_close(cd);
    if (rc == SLANT_OK)
        out->data[out->len] = '\0';
    return rc;
}

/* The WHATWG rule: pages that say Latin-1 or ASCII mean windows-1252. */
static const char *canonical_charset(const char *name)
{
    static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "latin1", "latin-1",
                                         "us-ascii", "ascii", "l1", "cp819"};
    for (size_t i = 0; i < sizeof latin1 / sizeof latin1[0]; i++)
        if (strcasecmp(name, latin1[i]) == 0)
            return "windows-1252";
    return name;
}

/* How the bytes are encoded: code unit size in *unit, BOM length in *skip. */
static const char *find_encoding(const char *data, size_t len, size_t *unit, size_t *skip,
                                 char *declared, size_t size)
{
    const unsigned char *b = (const unsigned char *)data;
    *unit = 1;
    *skip = 0;
    static const struct { const char *bom; size_t n, unit; const char *enc; } boms[] = {
        {"\xff\xfe\0\0", 4, 4, "UTF-32LE"}, {"\0\0\xfe\xff", 4, 4, "UTF-32BE"},
        {"\xff\xfe", 2, 2, "UTF-16LE"},      {"\xfe\xff", 2, 2, "UTF-16BE"},
    };
    for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++)
        if (len >= boms[i].n && memcmp(b, boms[i].bom, boms[i].n) == 0) {
            *unit = boms[i].unit;
            *skip = boms[i].n;
            return boms[i].enc;
        }
    /* a UTF-8 BOM is dropped; what follows it is still checked, as editors
     * have been known to put one before Latin-1 text */
    if (len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0) {
        *skip = 3;
        b += 3;
        data += 3;
        len -= 3;
    }
    const char *u16 = guess_utf16(b, len);
    if (u16) {
        *unit = 2;
        return u16;
    }
    /* valid UTF-8 with any non-ASCII byte is almost never another encoding,
     * whatever a page declares */
    if (valid_utf8(data, len))
        return "UTF-8";
    if (declared_charset(data, len, declared, size)) {
        const char *name = canonical_charset(declared);
        iconv_t cd = strcasecmp(name, "utf-8") == 0 ? (iconv_t)-1 : iconv_open("UTF-8", name);
        if (cd != (iconv_t)-1) {
            iconv_close(cd);
            return name;
        }
    }
    return guess_single_byte(b, len);
}

/* Control characters: C0 but for tab, the line breaks and form feed,
 * and DEL. */
static size_t count_controls(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if ((ch < 0x20 && !strchr("\t\n\v\f\r", ch)) || ch == 0x7f || ch == 0)
            c++;
    }
    return c;
}

static int refuse_binary(slant_error *err, const char *name, const char *why)
{
    return slantp_error(err, SLANT_EFORMAT, name, -1, -1, "binary file (%s), not text", why);
}

/* Bytes to UTF-8 in 'out'; refuses binary data. */
static int to_utf8(const char *name, const char *data, size_t len, slantp_buf *out,
                   slantp_decoded *info, slant_error *err)
{
    char declared[32] = "";
    size_t unit, skip;
    const char *enc = find_encoding(data, len, &unit, &skip, declared, sizeof declared);
    snprintf(info->encoding, sizeof info->encoding, "%s", enc);
    if (unit == 1 && memchr(data, '\0', len))
        return refuse_binary(err, name, "contains NUL bytes");
    int rc;
    if (strcmp(enc, "UTF-8") == 0) {
        out->len = 0;
        rc = slantp_buf_append(out, data + skip, len - skip) < 0 ? SLANT_ENOMEM : SLANT_OK;
    } else {
        rc = convert(enc, data + skip, len - skip, unit, out, &info->replaced);
    }
    if (rc == SLANT_ENOMEM)
        return slantp_error(err, rc, name, -1, -1, "out of memory decoding %s", enc);
    if (rc != SLANT_OK)
        return slantp_error(err, SLANT_EFORMAT, name, -1, -1, "cannot decode %s text", enc);
    if (memchr(out->data, '\0', out->len))
        return refuse_binary(err, name, "contains NUL characters");
    /* a stray control character is a typo; one byte in fifty is not text */
    size_t controls = count_controls(out->data, out->len);
    if (controls > 0 && controls * 50 > out->len)
        return refuse_binary(err, name, unit > 1 ? "control characters" : "control bytes");
    /* one code unit in twenty that is no character: not UTF-16 or -32 */
    if (unit > 1 && info->replaced * 20 > (len - skip) / unit)
        return refuse_binary(err, name, "not valid UTF-16 or UTF-32");
    return SLANT_OK;
}

/* ======================================================== names */

int slantp_is_jsonl_name(const char *name)
{
    static const char *const suffixes[] = {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"};
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

/* ======================================================== the whole pipeline */

static int is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] == 0xa0) {
            i++;   /* no-break space */
            continue;
        }
        if (!strchr(" \t\n\v\f\r", c))
            return 0;
    }
    return 1;
}

int slantp_decode(const char *name, const char *data, size_t len, const slantp_decode_options *o,
                  slantp_buf *out, slantp_decoded *info, slant_error *err)
{
    slantp_decode_options dflt;
    slantp_decoded scratch;
    if (!o) {
        slantp_decode_options_init(&dflt);
        o = &dflt;
    }
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    out->len = 0;
    slantp_buf inflated = {0}, text = {0};
    int rc = SLANT_OK;
    if (slantp_is_gzip(data, len)) {
        info->gzip = 1;
        rc = slantp_gunzip(name, data, len, o->max_bytes, &inflated, err);
        if (rc != SLANT_OK)
            goto out;
        data = inflated.data ? inflated.data : "";
        len = inflated.len;
    }
    const char *kind = slantp_binary_kind(data, len);
    if (kind) {
        rc = refuse_binary(err, name, kind);
        goto out;
    }
    rc = to_utf8(name, data, len, &text, info, err);
    if (rc != SLANT_OK)
        goto out;
    info->html = o->html == SLANTP_HTML_ALWAYS ||
                 (o->html == SLANTP_HTML_AUTO && slantp_looks_like_html(name, text.data, text.len));
    if (info->html)
        rc = slantp_html_to_text(name, text.data, text.len, out, err);
    else if (slantp_buf_append(out, text.data ? text.data : "", text.len) < 0)
        rc = slantp_error(err, SLANT_ENOMEM, name, -1, -1, "out of memory");
    if (rc == SLANT_OK && is_blank(out->data, out->len))
        rc = slantp_error(err, SLANT_EFORMAT, name, -1, -1, "no text");
out:
    slantp_buf_release(&inflated);
    slantp_buf_release(&text);
    return rc;
}

int slantp_decode_file(const char *path, const slantp_decode_options *o, slantp_buf *out,
                       slantp_decoded *info, slant_error *err)
{
    size_t max = o && o->max_bytes > SLANTP_MAX_DOC ? o->max_bytes : SLANTP_MAX_DOC;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    slantp_buf raw = {0};
    int rc = slantp_read_file(path, max, &raw, err);
    if (rc == SLANT_OK)
        rc = slantp_decode(name, raw.data, raw.len, o, out, info, err);
    else if (info)
        memset(info, 0, sizeof *info);
    slantp_buf_release(&raw);
    return rc;
}
