/* test_decode.c - decode.c and html.c: gzip (members, corruption, the size
 * cap), encodings (BOMs, UTF-16 without one, declared charsets, guessed
 * code pages), the refusal of binary files and of empty text, and the
 * article text of saved news pages (furniture dropped, robust on broken
 * markup). Fixtures are in tests/data. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode.h"
#include "helpers.h"

/* The test runs in a fresh process with another address layout, so a
 * parameter must not hold pointers: it is the index of a row of a static
 * table instead (as in test_text.c). */
#define TABLE_PARAMETERS(suite, name, table)                                  \
    ParameterizedTestParameters(suite, name)                                  \
    {                                                                         \
        static size_t idx[sizeof table / sizeof table[0]];                    \
        for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)           \
            idx[k] = k;                                                       \
        return cr_make_param_array(size_t, idx, sizeof table / sizeof table[0]); \
    }

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Decode 'len' bytes; returns the status, the text in *out. */
static int decode(const char *name, const char *data, size_t len, slantp_buf *out,
                  slantp_decoded *info, slant_error *err)
{
    slantp_error_clear(err);
    return slantp_decode(name, data, len, NULL, out, info, err);
}

/* Decode a file of tests/data and expect success. */
static char *decode_fixture(const char *file, slantp_decoded *info)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/%s", file);
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    int rc = slantp_decode_file(path, NULL, &out, info, &err);
    cr_assert_eq(rc, SLANT_OK, "%s: %s (run from the top directory)", path, err.text);
    return out.data;
}

static void expect_refusal(const char *name, const char *data, size_t len, const char *why)
{
    slantp_buf out = {0};
    slant_error err;
    int rc = decode(name, data, len, &out, NULL, &err);
    cr_assert_eq(rc, SLANT_EFORMAT, "%s: expected a refusal, got status %d", name, rc);
    cr_assert_str_eq(err.text, why);
    cr_assert_str_eq(err.source, name);
    slantp_buf_release(&out);
}

/* gzip 'len' bytes with zlib; the caller frees the result. */
static char *gzip_bytes(const char *data, size_t len, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* ------------------------------------------------------------ HTML pages */

Test(decode, news_page_keeps_the_headline_and_the_article)
{
    slantp_decoded info;
    char *t = decode_fixture("page.html", &info);
    cr_assert(info.html);
    cr_assert_str_eq(info.encoding, "UTF-8");
    const char *want_start = "Harbour town votes to rebuild sea wall\n\n"
                             "By Martha Lind, local affairs reporter\n\n"
                             "Councillors in Port Averly voted seven to two on Tuesday night";
    cr_assert(strncmp(t, want_start, strlen(want_start)) == 0, "got:\n%s", t);
    /* entities decoded, white space folded, one headline */
    cr_assert_not_null(strstr(t, "the town\xe2\x80\x99s crumbling sea wall"), "got:\n%s", t);
    cr_assert_not_null(strstr(t, "The \xc2\xa3" "4.2 million plan"), "got:\n%s", t);
    cr_assert_not_null(strstr(t, "Tonight we stopped patching.\xe2\x80\x9d"), "got:\n%s", t);
    cr_assert_not_null(strstr(t, "go out to tender in the spring.\n"), "got:\n%s", t);
    cr_assert_eq(count(t, "Harbour town votes"), 1, "got:\n%s", t);
    free(t);
}

/* Page furniture, markup, scripts and styles leave no word behind. */
static const char *const furniture[] = {
    "cookie", "Accept all", "Home", "Sport", "Weather", "Coastal Ledger", "Share on", "Email",
    "Advertisement", "loadAd", "Related stories", "Storm damage", "Sign up", "Reader one",
    "Comments", "rights reserved", "Privacy", "class", "dataLayer", "Georgia", "track", "<",
};

TABLE_PARAMETERS(decode, news_page_drops_furniture, furniture)

ParameterizedTest(size_t *i, decode, news_page_drops_furniture)
{
    const char *const *word = &furniture[*i];
    char *t = decode_fixture("page.html", NULL);
    cr_assert_null(strstr(t, *word), "'%s' is in:\n%s", *word, t);
    free(t);
}

Test(decode, gzip_page_reads_as_the_page)
{
    slantp_decoded info;
    char *plain = decode_fixture("page.html", NULL);
    char *gz = decode_fixture("page.html.gz", &info);
    cr_assert(info.gzip);
    cr_assert(info.html);
    cr_assert_str_eq(gz, plain);
    free(plain);
    free(gz);
}

Test(decode, html_found_by_content_without_a_suffix)
{
    const char page[] = "  <p>One paragraph &amp; a <b>bold</b> word.</p><p>Two.</p>";
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    cr_assert_eq(decode("stdin", page, sizeof page - 1, &out, &info, &err), SLANT_OK, "%s", err.text);
    cr_assert(info.html);
    cr_assert_str_eq(out.data, "One paragraph & a bold word.\n\nTwo.\n");
    slantp_buf_release(&out);
}

Test(decode, text_starting_with_a_bracket_is_not_html)
{
    const char text[] = "<3 to everyone who came to the vigil on Sunday.\n";
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    cr_assert_eq(decode("a.txt", text, sizeof text - 1, &out, &info, &err), SLANT_OK);
    cr_assert_not(info.html);
    cr_assert_str_eq(out.data, text);
    slantp_buf_release(&out);
}

Test(decode, a_line_break_stays_in_its_paragraph)
{
    /* outside an article a short run of text is dropped: "line two" would
     * be, were it a paragraph of its own */
    const char page[] = "<html><body><p>Line one<br>line two</p><p>Next.</p></body></html>";
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("p.html", page, sizeof page - 1, &out, NULL, &err), SLANT_OK, "%s", err.text);
    cr_assert_str_eq(out.data, "Line one line two\n\nNext.\n");
    slantp_buf_release(&out);
}

/* Found by fuzz_decode in an hour's run: a line break inside the h1 glued
 * the headline's words ("coastThousands"), and the h1's text came out a
 * second time as a paragraph, since the two no longer matched. */
Test(decode, a_headline_with_a_line_break_is_read_once_with_its_words_apart)
{
    const char page[] = "<html><body><article><h1>Storm hits the coast<br>Thousands flee inland"
                        "</h1><p>The storm reached the coast on Tuesday, and officials said "
                        "thousands had left.</p></article></body></html>";
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("h.html", page, sizeof page - 1, &out, NULL, &err), SLANT_OK, "%s", err.text);
    cr_assert_str_eq(out.data, "Storm hits the coast Thousands flee inland\n\nThe storm reached the "
                               "coast on Tuesday, and officials said thousands had left.\n");
    slantp_buf_release(&out);
}

/* Found by fuzz_decode after that fix: broken markup that leaves the
 * article inside the h1 printed the article twice, once in the headline
 * and once as itself. */
Test(decode, an_article_inside_the_headline_is_read_once)
{
    const char page[] = "<html><body><h1>Storm hits the coast<main><p>The storm reached the "
                        "coast on Tuesday, and officials said thousands had left.</p></main></h1>"
                        "</body></html>";
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("h.html", page, sizeof page - 1, &out, NULL, &err), SLANT_OK, "%s", err.text);
    cr_assert_eq(count(out.data, "officials said"), 1, "%s", out.data);
    slantp_buf_release(&out);
}

Test(decode, a_teaser_article_is_not_taken_for_the_page)
{
    const char page[] = "<html><body><div class=story><h1>Ferries resume</h1>"
                        "<p>The ferry company said on Monday that crossings to the islands would "
                        "resume on Wednesday once the storm had passed, after three days in which "
                        "no boat left the harbour and the islands' shops ran short of bread.</p>"
                        "<p>Its chief executive said the timetable would be back to normal by "
                        "Friday.</p></div>"
                        "<div><article><p>Storm closes schools</p></article></div></body></html>";
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("p.html", page, sizeof page - 1, &out, NULL, &err), SLANT_OK, "%s", err.text);
    const char *start = "Ferries resume\n\nThe ferry company said";
    cr_assert(strncmp(out.data, start, strlen(start)) == 0, "got:\n%s", out.data);
    cr_assert_not_null(strstr(out.data, "back to normal by Friday."), "got:\n%s", out.data);
    slantp_buf_release(&out);
}

Test(decode, page_of_furniture_only_has_no_text)
{
    const char page[] = "<html><body><nav><a href=/>Home</a></nav><script>x()</script>"
                        "<div class=cookie-banner>We use cookies</div></body></html>";
    expect_refusal("p.html", page, sizeof page - 1, "no text");
}

Test(decode, outside_an_article_link_lists_and_scraps_are_dropped)
{
    const char page[] = "<html><body><div><a href=/a>World</a> <a href=/b>Business</a></div>"
                        "<div>Log in</div>"
                        "<div><p>The ferry company said on Monday that crossings would resume "
                        "once the storm had passed.</p></div></body></html>";
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("p.html", page, sizeof page - 1, &out, NULL, &err), SLANT_OK);
    cr_assert_str_eq(out.data, "The ferry company said on Monday that crossings would resume "
                               "once the storm had passed.\n");
    slantp_buf_release(&out);
}

/* Broken markup: never a crash, always valid UTF-8 of bounded size. */
static const char *const broken[] = {
    "<p>unclosed <b>bold <i>italic",
    "<p>entities &#0; &#xD800; &#x110000; &#99999999999; &bogus; &amp</p>",
    "<p>comment <!-- never closed",
    "<p>script <script>never closed",
    "<p>cdata <![CDATA[ x ]]> and </p></p></div></body></html>",
    "<html><html><body><body><p>twice</p>",
    "<p a='1 b=\"2\">attributes</p>",
    "<p>\xe2\x80</p>",
};

TABLE_PARAMETERS(decode, broken_html_never_crashes, broken)

ParameterizedTest(size_t *i, decode, broken_html_never_crashes)
{
    const char *page = broken[*i];
    slantp_decode_options o;
    slantp_decode_options_init(&o);
    o.html = SLANTP_HTML_ALWAYS;
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    size_t n = strlen(page);
    int rc = slantp_decode("b.html", page, n, &o, &out, NULL, &err);
    cr_assert(rc == SLANT_OK || (rc == SLANT_EFORMAT && strcmp(err.text, "no text") == 0),
              "%d %s", rc, err.text);
    if (rc == SLANT_OK) {
        cr_assert_leq(out.len, 4 * n + 8);
        slantp_buf check = {0};
        slantp_decoded info;
        cr_assert_eq(decode("x.txt", out.data, out.len, &check, &info, &err), SLANT_OK, "%s",
                     err.text);
        cr_assert_str_eq(info.encoding, "UTF-8", "output is valid UTF-8");
        slantp_buf_release(&check);
    }
    slantp_buf_release(&out);
}

Test(decode, deeply_nested_html_is_read_within_bounds, .timeout = 30)
{
    slantp_buf page = {0};
    for (int i = 0; i < 20000; i++)
        slantp_buf_append(&page, "<div>", 5);
    slantp_buf_append(&page, "<p>deep text here</p>", 21);
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    int rc = slantp_html_to_text("deep.html", page.data, page.len, &out, &err);
    cr_assert(rc == SLANT_OK || rc == SLANT_EFORMAT, "%s", err.text);
    slantp_buf_release(&out);
    slantp_buf_release(&page);
}

/* ------------------------------------------------------------ encodings */

Test(decode, utf16le_with_bom_reads_as_the_utf8_text)
{
    slantp_decoded info;
    char *want = decode_fixture("article.txt", NULL);
    char *got = decode_fixture("article-utf16le.txt", &info);
    cr_assert_str_eq(info.encoding, "UTF-16LE");
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
}

Test(decode, latin1_french_is_converted)
{
    slantp_decoded info;
    char *t = decode_fixture("french-latin1.txt", &info);
    cr_assert_str_eq(info.encoding, "windows-1252");
    cr_assert_not_null(strstr(t, "a vot\xc3\xa9 mardi soir"), "got:\n%s", t);
    cr_assert_not_null(strstr(t, "\xc2\xab Nous \xc3\xa9tudierons"), "got:\n%s", t);
    free(t);
}

/* a string literal and its length, NULs included */
#define B(s) s, sizeof s - 1

struct enc_case {
    const char *bytes;
    size_t len;
    const char *encoding;
    const char *text;
};

/* "Мир" is U+041C U+0438 U+0440; "Ωμέγα" U+03A9 U+03BC U+03AD U+03B3 U+03B1 */
static struct enc_case enc_cases[] = {
    {B("\xef\xbb\xbfplain text"), "UTF-8", "plain text"},
    {B("\xef\xbb\xbfvot\xe9"), "windows-1252", "vot\xc3\xa9"},
    {B("\xfe\xff\0h\0i\x04\x1c"), "UTF-16BE", "hi\xd0\x9c"},
    {B("h\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0"), "UTF-16LE", "hello world"},
    {B("\0h\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d"), "UTF-16BE", "hello world"},
    {B("\xff\xfe\0\0o\0\0\0k\0\0\0"), "UTF-32LE", "ok"},
    {B("\0\0\xfe\xff\0\0\0o\0\0\0k"), "UTF-32BE", "ok"},
    /* windows-1251: "Мир мир мир мир" */
    {B("\xcc\xe8\xf0 \xec\xe8\xf0 \xec\xe8\xf0 \xec\xe8\xf0"), "windows-1251",
     "\xd0\x9c\xd0\xb8\xd1\x80 \xd0\xbc\xd0\xb8\xd1\x80 \xd0\xbc\xd0\xb8\xd1\x80 "
     "\xd0\xbc\xd0\xb8\xd1\x80"},
    /* KOI8-R: the same words */
    {B("\xed\xc9\xd2 \xcd\xc9\xd2 \xcd\xc9\xd2 \xcd\xc9\xd2"), "KOI8-R",
     "\xd0\x9c\xd0\xb8\xd1\x80 \xd0\xbc\xd0\xb8\xd1\x80 \xd0\xbc\xd0\xb8\xd1\x80 "
     "\xd0\xbc\xd0\xb8\xd1\x80"},
    /* a declared charset wins over the guess when the bytes are not UTF-8 */
    {B("<?xml version=\"1.0\" encoding=\"ISO-8859-7\"?>\xd9\xec\xdd\xe3\xe1"), "ISO-8859-7",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-7\"?>\xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1"},
    /* valid UTF-8 stays UTF-8 whatever a page declares */
    {B("charset=latin1 caf\xc3\xa9"), "UTF-8", "charset=latin1 caf\xc3\xa9"},
    /* a byte windows-1252 leaves undefined becomes U+FFFD */
    {B("na\x81ve caf\xe9"), "windows-1252", "na\xef\xbf\xbdve caf\xc3\xa9"},
};

TABLE_PARAMETERS(decode, encodings, enc_cases)

ParameterizedTest(size_t *i, decode, encodings)
{
    const struct enc_case *c = &enc_cases[*i];
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    slantp_decode_options o;
    slantp_decode_options_init(&o);
    o.html = SLANTP_HTML_NEVER;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_decode("e.txt", c->bytes, c->len, &o, &out, &info, &err), SLANT_OK, "%s",
                 err.text);
    cr_assert_str_eq(info.encoding, c->encoding);
    cr_assert_str_eq(out.data, c->text);
    slantp_buf_release(&out);
}

/* A page in a single-byte code page says so in a <meta>; "Порт" in each. */
static const struct {
    const char *page, *encoding;
} declared_pages[] = {
    {"<html><head><meta charset=\"windows-1251\"></head>"
     "<body><p>\xcf\xee\xf0\xf2 \xee\xf2\xea\xf0\xfb\xf2</p></body></html>", "windows-1251"},
    {"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"
     "</head><body><p>\xf0\xcf\xd2\xd4 \xcf\xd4\xcb\xd2\xd9\xd4</p></body></html>", "koi8-r"},
    {"<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<!DOCTYPE html>\n"
     "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>\xcf\xee\xf0\xf2 "
     "\xee\xf2\xea\xf0\xfb\xf2</p></body></html>", "windows-1251"},
};

TABLE_PARAMETERS(decode, declared_charset_of_a_page, declared_pages)

ParameterizedTest(size_t *i, decode, declared_charset_of_a_page)
{
    const char *page = declared_pages[*i].page;
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    cr_assert_eq(decode("page", page, strlen(page), &out, &info, &err), SLANT_OK, "%s", err.text);
    cr_assert(info.html);
    cr_assert_str_eq(info.encoding, declared_pages[*i].encoding);
    /* "Порт открыт" */
    cr_assert_str_eq(out.data, "\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82 \xd0\xbe\xd1\x82\xd0\xba"
                               "\xd1\x80\xd1\x8b\xd1\x82\n");
    slantp_buf_release(&out);
}

/* ------------------------------------------------------------ refusals */

Test(decode, elf_binary_is_refused)
{
    size_t len;
    char *raw = th_read("tests/data/elf.bin", &len);
    cr_assert_not_null(raw);
    expect_refusal("tests/data/elf.bin", raw, len, "binary file (ELF executable), not text");
    free(raw);
}

struct magic_case {
    const char *bytes;
    size_t len;
    const char *why;
};

static struct magic_case magic_cases[] = {
    {B("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "binary file (PDF document), not text"},
    {B("PK\x03\x04\x14\0\0\0"), "binary file (ZIP archive), not text"},
    {B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "binary file (PNG image), not text"},
    {B("\xff\xd8\xff\xe0\0\x10JFIF"), "binary file (JPEG image), not text"},
    {B("GIF89a\x01\0\x01\0"), "binary file (GIF image), not text"},
    {B("text with a NUL\0 inside it"), "binary file (contains NUL bytes), not text"},
    {B("\x1b[31mred\x1b[0m \x01\x02\x03\x04"), "binary file (control bytes), not text"},
    {B("\xff\xfeh\0\0\0i\0"), "binary file (contains NUL characters), not text"},
    {B("\xff\xfe\x00\xd8\x00\xd8\x00\xd8\x00\xd8"), "binary file (not valid UTF-16 or UTF-32), not text"},
    {B(""), "no text"},
    {B(" \n\t\r\n  \xc2\xa0\n"), "no text"},
    {B("\xef\xbb\xbf\n"), "no text"},
};

TABLE_PARAMETERS(decode, refusals, magic_cases)

ParameterizedTest(size_t *i, decode, refusals)
{
    const struct magic_case *c = &magic_cases[*i];
    expect_refusal("f", c->bytes, c->len, c->why);
}

Test(decode, empty_file_has_no_text)
{
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_decode_file("tests/data/empty.txt", NULL, &out, NULL, &err), SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "no text");
    cr_assert_str_eq(err.source, "tests/data/empty.txt");
    slantp_buf_release(&out);
}

Test(decode, a_missing_file_is_an_io_error)
{
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_decode_file("tests/data/missing.txt", NULL, &out, NULL, &err), SLANT_EIO);
    cr_assert_str_eq(err.text, "cannot open 'tests/data/missing.txt': No such file or directory");
    slantp_buf_release(&out);
}

Test(decode, random_bytes_are_refused_as_binary)
{
    for (unsigned seed = 1; seed <= 20; seed++) {
        char buf[4096];
        unsigned x = seed;
        for (size_t i = 0; i < sizeof buf; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (char)(x >> 16);
        }
        slantp_buf out = {0};
        slant_error err;
        cr_assert_eq(decode("r", buf, sizeof buf, &out, NULL, &err), SLANT_EFORMAT, "seed %u", seed);
        cr_assert(strncmp(err.text, "binary file (", 13) == 0, "seed %u: %s", seed, err.text);
        slantp_buf_release(&out);
    }
}

/* ------------------------------------------------------------ gzip */

Test(decode, gzip_members_are_read_one_after_the_other)
{
    size_t n1, n2;
    char *a = gzip_bytes("first part, ", 12, &n1);
    char *b = gzip_bytes("second part\n", 12, &n2);
    char *both = malloc(n1 + n2);
    memcpy(both, a, n1);
    memcpy(both + n1, b, n2);
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    cr_assert_eq(decode("t.gz", both, n1 + n2, &out, &info, &err), SLANT_OK, "%s", err.text);
    cr_assert(info.gzip);
    cr_assert_str_eq(out.data, "first part, second part\n");
    slantp_buf_release(&out);
    free(a);
    free(b);
    free(both);
}

Test(decode, corrupt_and_truncated_gzip_are_refused)
{
    const char text[] = "A paragraph of text long enough to be compressed into a real deflate "
                        "stream, repeated: a paragraph of text long enough to be compressed.";
    size_t n;
    char *gz = gzip_bytes(text, sizeof text - 1, &n);
    expect_refusal("t.gz", gz, n / 2, "truncated gzip data");
    for (size_t i = 12; i < n - 8; i++)
        gz[i] = (char)~gz[i];
    slantp_buf out = {0};
    slant_error err;
    cr_assert_eq(decode("t.gz", gz, n, &out, NULL, &err), SLANT_EFORMAT);
    cr_assert(strncmp(err.text, "corrupt gzip data: ", 19) == 0, "%s", err.text);
    slantp_buf_release(&out);
    free(gz);
}

Test(decode, gzip_past_the_size_cap_is_refused)
{
    size_t big = 1 << 20, n;
    char *text = malloc(big);
    memset(text, 'a', big);
    char *gz = gzip_bytes(text, big, &n);
    slantp_decode_options o;
    slantp_decode_options_init(&o);
    o.max_bytes = 100000;
    slantp_buf out = {0};
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_decode("big.gz", gz, n, &o, &out, NULL, &err), SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "gzip data larger than 100000 bytes uncompressed");
    cr_assert_leq(out.cap, 2 * o.max_bytes + 65536 * 2, "memory stays near the cap");
    slantp_buf_release(&out);
    free(text);
    free(gz);
}

/* ------------------------------------------------------------ names */

Test(decode, jsonl_names)
{
    cr_assert(slantp_is_jsonl_name("corpus.jsonl"));
    cr_assert(slantp_is_jsonl_name("dir/corpus.NDJSON"));
    cr_assert(slantp_is_jsonl_name("corpus.jsonl.gz"));
    cr_assert(slantp_is_jsonl_name("corpus.ndjson.gz"));
    cr_assert_not(slantp_is_jsonl_name("corpus.json"));
    cr_assert_not(slantp_is_jsonl_name(".jsonl"));
    cr_assert_not(slantp_is_jsonl_name("page.html.gz"));
    cr_assert_not(slantp_is_jsonl_name(NULL));
}
