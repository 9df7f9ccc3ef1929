/* fuzz_decode.c - libFuzzer harness: any bytes through slantp_decode (as
 * a .txt name, and as HTML) and the language check. Either a refusal with
 * a reason, or valid UTF-8 text without NULs of bounded size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstain.h"
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8: no overlong forms, surrogates, or code points past U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (k == 0 || c > 0xf4 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
            return 0;
        i += k;
    }
    return 1;
}

static void one(const uint8_t *data, size_t size, enum slantp_html_mode html)
{
    slantp_decode_options o;
    slantp_decode_options_init(&o);
    o.max_bytes = 1 << 20;
    o.html = html;
    slantp_buf out = {0};
    slantp_decoded info;
    slant_error err;
    slantp_error_clear(&err);
    int rc = slantp_decode("fuzz.txt", (const char *)data, size, &o, &out, &info, &err);
    if (rc != SLANT_OK) {
        if (err.code != rc || err.text[0] == '\0')
            abort();   /* a refusal always says why */
    } else {
        /* text, whatever came in: UTF-8, no NUL, at most 3 bytes out per
         * byte in (U+FFFD for one bad byte) or per inflated byte */
        size_t bound = 3 * (info.gzip ? o.max_bytes : size) + 16;
        if (!valid_utf8((const unsigned char *)out.data, out.len) ||
            memchr(out.data, '\0', out.len) || out.len > bound)
            abort();
        char why[128];
        slantp_abstain_check(out.data, out.len, NULL, why, sizeof why);
    }
    slantp_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size, SLANTP_HTML_AUTO);
    one(data, size, SLANTP_HTML_ALWAYS);
    return 0;
}
