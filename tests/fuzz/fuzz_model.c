/* fuzz_model.c - libFuzzer harness: the model reader (model.c) on hostile
 * bytes. The first byte chooses how the rest is read: as a whole file, or
 * as a payload sealed with a correct header, checksum and trailer, so that
 * the field checks behind the checksum are reached. Any model accepted
 * must serialize back to exactly the bytes it was read from. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int seal = data[0] & 1;
    data++;
    size--;
    unsigned char *file = malloc(size + 64);
    size_t n = size;
    if (!file)
        return 0;
    if (seal) {
        /* "SLANTMDL" u32 version u32 flags u64 payload length, payload,
         * u32 CRC-32 of all before it, "SLNTEND\n" */
        memcpy(file, "SLANTMDL", 8);
        put32(file + 8, SLANTP_FORMAT_VERSION);
        put32(file + 12, 0);
        put32(file + 16, (uint32_t)size);
        put32(file + 20, (uint32_t)((uint64_t)size >> 32));
        memcpy(file + 24, data, size);
        put32(file + 24 + size, slantp_crc32(file, 24 + size));
        memcpy(file + 28 + size, "SLNTEND\n", 8);
        n = size + 36;
    } else {
        memcpy(file, data, size);
    }
    slant_error err;
    slant_model *m = slantp_model_parse((const char *)file, n, "fuzz", 0, &err);
    if (m) {
        slantp_buf b = {0};
        if (slantp_model_serialize(m, &b, &err) != SLANT_OK || b.len != n ||
            memcmp(b.data, file, n) != 0)
            abort();    /* accepted, but not what it would write */
        slantp_buf_release(&b);
        slant_model_free(m);
    } else if (err.code == SLANT_OK) {
        abort();        /* refused without saying why */
    }
    free(file);
    return 0;
}
