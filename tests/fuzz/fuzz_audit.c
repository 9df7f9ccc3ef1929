/* fuzz_audit.c - libFuzzer harness: the audit's readers on hostile bytes.
 * The first byte chooses what the rest is: a partial file as it is; a
 * partial file's body, sealed with the magic and a correct CRC so that
 * the field checks behind the checksum are reached; or a JSONL line for
 * the field scanner and the date buckets. A partial file accepted must
 * serialize to bytes that read back and serialize to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fields(const char *p, size_t n)
{
    const char *names[] = {"id", "source", "date"};
    const char *val[3];
    size_t len[3];
    auditp_fieldbuf buf = {0};
    if (auditp_fields(p, n, names, 3, &buf, val, len) == 0)
        for (int i = 0; i < 3; i++) {
            char out[16];
            if (!val[i] || strlen(val[i]) != len[i])
                continue;   /* values are NUL-terminated at their length, or hold a NUL */
            for (int u = AUDIT_DAY; u <= AUDIT_YEAR; u++)
                if (auditp_bucket(val[i], len[i], (enum auditp_unit)u, out) >= 16)
                    abort();
        }
    free(buf.data);
}

static void partial(const char *p, size_t n)
{
    slant_error err;
    auditp_progress pr;
    auditp *a = auditp_load_bytes(p, n, &pr, "fuzz", &err);
    if (!a)
        return;
    slant_buffer one = {0}, two = {0};
    auditp_progress pr2;
    if (auditp_save_bytes(a, &pr, &one) == 0) {
        auditp *b = auditp_load_bytes(one.data, one.len, &pr2, "fuzz", &err);
        if (!b)
            abort();    /* what we wrote must read back */
        if (auditp_save_bytes(b, &pr2, &two) == 0 &&
            (one.len != two.len || memcmp(one.data, two.data, one.len) != 0))
            abort();
        auditp_progress_release(&pr2);
        auditp_free(b);
    }
    slant_buffer_release(&one);
    slant_buffer_release(&two);
    auditp_progress_release(&pr);
    auditp_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    if (mode == 0) {
        partial(p, n);
    } else if (mode == 1) {
        char *file = malloc(n + 12);
        if (!file)
            return 0;
        memcpy(file, "SLANTAUD", 8);
        memcpy(file + 8, p, n);
        uint32_t crc = slantp_crc32(file, n + 8);
        for (int i = 0; i < 4; i++)
            file[n + 8 + i] = (char)(crc >> (8 * i));
        partial(file, n + 12);
        free(file);
    } else {
        fields(p, n);
    }
    return 0;
}
