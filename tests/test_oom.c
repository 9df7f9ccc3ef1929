/* test_oom.c - every allocation failure handled, in the style of SQLite's
 * fault injection: the n-th allocation fails, for every n a run makes,
 * while loading a model and while classifying with it. Each run must end
 * with success or an out-of-memory error, never a crash or another error.
 * (Training is left out: libsvm does not check its own allocations.) */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "classify.h"
#include "model.h"

static const char *const texts[] = {
    "",
    "LIMA, May 2 (Meridian) - Officials said on Tuesday that the port tariff would be reviewed.",
    "They LIED to us again!! Share this before they delete it. caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d"};

Test(oom, loading_a_model_survives_every_failed_allocation)
{
    slant_model *m = th_train_small();
    slantp_buf bytes = {0};
    slant_error err;
    cr_assert_eq(slantp_model_serialize(m, &bytes, &err), SLANT_OK);
    slant_model_free(m);
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        memset(&err, 0, sizeof err);
        slant_model *got = slantp_model_parse(bytes.data, bytes.len, "m", 0, &err);
        int hit = th_alloc_fail_stop();
        if (!hit) {
            cr_assert_not_null(got, "no allocation failed, yet: %s", err.text);
            slant_model_free(got);
            break;
        }
        cr_assert(got || err.code == SLANT_ENOMEM, "allocation %lu: %s", n, err.text);
        slant_model_free(got);
    }
    cr_assert_gt(n, 5, "loading made only %lu allocations", n);
    slantp_buf_release(&bytes);
}

Test(oom, classifying_survives_every_failed_allocation)
{
    slant_model *m = th_train_small();
    slant_error err;
    unsigned long n;
    for (n = 1;; n++) {
        if (!th_alloc_fail_start(n))
            cr_skip_test("the allocator belongs to a sanitizer");
        int rc = SLANT_OK;
        memset(&err, 0, sizeof err);
        slant_workspace *ws = slant_workspace_new(m, &err);
        if (!ws)
            rc = err.code;
        for (size_t t = 0; ws && rc == SLANT_OK && t < sizeof texts / sizeof texts[0]; t++) {
            const slant_result *r;
            rc = slant_classify(ws, texts[t], strlen(texts[t]), &r, &err);
            if (rc == SLANT_OK) {
                slant_term terms[64];
                for (size_t h = 0; h < slant_model_nheads(m); h++)
                    slant_result_terms(r, h, slant_result_best(r, h), terms, 64);
            }
        }
        int hit = th_alloc_fail_stop();
        slant_workspace_free(ws);
        if (!hit) {
            cr_assert_eq(rc, SLANT_OK, "no allocation failed, yet: %s", err.text);
            break;
        }
        cr_assert(rc == SLANT_OK || rc == SLANT_ENOMEM, "allocation %lu: %d %s", n, rc, err.text);
    }
    cr_assert_gt(n, 5, "classifying made only %lu allocations", n);
    slant_model_free(m);
}
