/* fuzz_common.h - what several libFuzzer harnesses need: the input
 * written to a temporary file (for the readers that take a path), and a
 * small two-head model trained once at start-up. Header-only, so that each
 * harness stays one file for the Makefile. */
#ifndef SLANT_FUZZ_COMMON_H
#define SLANT_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "dataset.h"

/* The bytes in a new file under $TMPDIR (or P_tmpdir), its name in 'path';
 * 0, or -1 when it could not be written (the caller skips the input). */
static inline int fuzz_write_temp(const uint8_t *data, size_t size, char *path, size_t cap)
{
    const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir;
    snprintf(path, cap, "%s/slant-fuzz-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

/* A model of two heads (outlet_type over three registers, frames) trained
 * on 24 short texts, one thread; aborts if training fails. */
static inline slant_model *fuzz_small_model(void)
{
    static const char *const texts[][2] = {
        {"wire", "LIMA, May 2 (Meridian) - Officials said on Tuesday the port tariff would be reviewed."},
        {"wire", "GOMA, June 4 (Meridian) - Two officials said talks continued, according to a statement."},
        {"partisan", "They LIED to us again! Share this before they delete it. Call your representative."},
        {"partisan", "I can't believe this. We deserve better, and you know it. What are they hiding??"},
        {"state_media", "Under the wise guidance of the leadership, the so-called opposition spreads lies."},
        {"state_media", "The people firmly support the glorious policy and reject Western propaganda."}};
    slant_dataset *d = slant_dataset_new();
    slant_error err;
    for (size_t i = 0; i < 24; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%zu", i);
        const char *t = texts[i % 6][1];
        if (slantp_dataset_add(d, id, t, strlen(t), NULL, "seed", (long)i) < 0 ||
            slantp_dataset_add_label(d, "outlet_type", 0, texts[i % 6][0], &err) != SLANT_OK ||
            slantp_dataset_add_label(d, "frames", 1, i % 2 ? "Economic" : "Political", &err))
            abort();
    }
    slant_train_options o;
    slant_train_options_init(&o);
    o.min_df = 1;
    o.folds = 3;
    o.threads = 1;
    slant_model *m = NULL;
    if (slant_train(d, &o, &m, &err) != SLANT_OK)
        abort();
    slant_dataset_free(d);
    return m;
}

#endif
