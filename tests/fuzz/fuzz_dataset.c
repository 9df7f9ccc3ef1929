/* fuzz_dataset.c - libFuzzer harness: the training-data readers
 * (dataset.c) on any bytes, as JSONL, fastText or TSV by content, with a
 * group and a mask field asked for. A file is read whole or refused with
 * an error that names it; with skip_bad, malformed records are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core.h"
#include "dataset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const slant_error *e)
{
    (void)ctx;
    if (e->code != SLANT_EFORMAT)
        abort();    /* only malformed records are skipped */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[4096];
    if (fuzz_write_temp(data, size, path, sizeof path) < 0)
        return 0;
    static const char *const names[] = {"Meridian", "AP"};
    for (int skip = 0; skip <= 1; skip++) {
        slant_read_options o;
        slant_read_options_init(&o);
        o.skip_bad = skip;
        o.skipped = ignore;
        o.mask_names = names;
        o.nmask_names = 2;
        if (size && data[0] == '{') {
            o.group_field = "source";
            o.mask_field = "source";
        }
        slant_dataset *d = slant_dataset_new();
        slant_error err;
        int rc = slant_dataset_read_with(d, path, &o, &err);
        if (rc != SLANT_OK && !err.text[0])
            abort();    /* refused without saying why */
        if (rc == SLANT_OK)
            for (size_t i = 0; i < slant_dataset_size(d); i++)
                if (!slant_dataset_id(d, i))
                    abort();
        slant_dataset_free(d);
    }
    unlink(path);
    return 0;
}
