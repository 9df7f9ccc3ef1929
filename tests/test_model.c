/* test_model.c - model.c: saving and loading a trained model (same heads,
 * labels, features and scores after the round trip), byte-identical saves,
 * and the strict reader: truncated, corrupted, foreign, newer, padded and
 * missing files are refused with a precise error and never crash. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "core.h"
#include "classify.h"
#include "io.h"
#include "model.h"

static const char *const texts[] = {
    "Officials said on Tuesday that the port tariff would be reviewed, according to a "
    "statement. A spokesman could not be reached for comment.",
    "Under the wise guidance of the leadership, the grain export deal proceeds successfully. "
    "The people firmly support the glorious policy of the government.",
    "They LIED to us about the measles outbreak again! Share this before they delete it.",
    "",
};

/* A trained model saved in a fresh directory. */
typedef struct saved {
    slant_model *m;
    char *dir, *path;
    char *bytes;
    size_t len;
} saved;

static void save_new(saved *s)
{
    s->m = th_train_small();
    s->dir = th_mkdtemp();
    s->path = th_path(s->dir, "model.slant");
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slant_model_save(s->m, s->path, &err), SLANT_OK, "%s", err.text);
    s->bytes = th_read(s->path, &s->len);
    cr_assert_not_null(s->bytes);
    cr_assert_gt(s->len, 36);
}

static void saved_free(saved *s)
{
    slant_model_free(s->m);
    th_rmdir(s->dir);
    free(s->path);
    free(s->dir);
    free(s->bytes);
}

/* Write 'n' bytes as 'name' in the saved model's directory and load it:
 * it must fail with 'code'; returns the error. */
static slant_error load_bytes_fails(const saved *s, const char *name, const char *p, size_t n,
                                    int code)
{
    char *path = th_path(s->dir, name);
    th_write(path, p, n);
    slant_error err;
    memset(&err, 0x5a, sizeof err); /* slant_model_load must reset it */
    slant_model *m = slant_model_load(path, &err);
    cr_assert_null(m, "%s (%zu bytes) was accepted", name, n);
    cr_assert_eq(err.code, code, "%s (%zu bytes): code %d, expected %d (%s)", name, n, err.code,
                 code, err.text);
    cr_assert_str_eq(err.source, path, "%s: the error names the file", name);
    cr_assert_eq(err.line, -1);
    cr_assert_eq(err.column, -1);
    cr_assert_geq(err.offset, 0, "%s: a format error has a byte offset", name);
    cr_assert_leq(err.offset, (long)n, "%s: offset %ld is past the end", name, err.offset);
    cr_assert_gt(strlen(err.text), 0);
    remove(path);
    free(path);
    return err;
}

static void put_le32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (char)(unsigned char)(v >> (8 * i));
}

static void put_le64(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(unsigned char)(v >> (8 * i));
}

/* ------------------------------------------------------------ round trip */

static void expect_same_scores(const slant_model *a, const slant_model *b)
{
    slant_error err;
    slantp_error_clear(&err);
    slant_workspace *wa = slant_workspace_new(a, &err), *wb = slant_workspace_new(b, &err);
    cr_assert(wa && wb, "%s", err.text);
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const slant_result *ra, *rb;
        cr_assert_eq(slant_classify(wa, texts[t], strlen(texts[t]), &ra, &err), SLANT_OK);
        cr_assert_eq(slant_classify(wb, texts[t], strlen(texts[t]), &rb, &err), SLANT_OK);
        cr_assert_eq(slant_result_nfeatures(ra), slant_result_nfeatures(rb));
        if (t < 3)
            cr_assert_gt(slant_result_nfeatures(ra), 0, "text %zu hits no feature", t);
        for (size_t h = 0; h < slant_model_nheads(a); h++) {
            cr_assert_eq(slant_result_best(ra, h), slant_result_best(rb, h));
            for (size_t l = 0; l < slant_model_nlabels(a, h); l++) {
                cr_assert(slant_result_decision(ra, h, l) == slant_result_decision(rb, h, l),
                          "text %zu head %zu label %zu: decision %.17g vs %.17g", t, h, l,
                          slant_result_decision(ra, h, l), slant_result_decision(rb, h, l));
                cr_assert(slant_result_score(ra, h, l) == slant_result_score(rb, h, l),
                          "text %zu head %zu label %zu: score %.17g vs %.17g", t, h, l,
                          slant_result_score(ra, h, l), slant_result_score(rb, h, l));
                cr_assert_eq(slant_result_predicted(ra, h, l), slant_result_predicted(rb, h, l));
            }
        }
    }
    slant_workspace_free(wa);
    slant_workspace_free(wb);
}

Test(model, load_gives_back_the_saved_model)
{
    saved s;
    save_new(&s);
    slant_error err;
    slant_model *m = slant_model_load(s.path, &err);
    cr_assert_not_null(m, "%s", err.text);
    cr_assert_eq(err.code, SLANT_OK);
    cr_assert_str_eq(slant_model_language(m), slant_model_language(s.m));
    cr_assert_str_eq(slant_model_language(m), "english");
    cr_assert_eq(slant_model_nfeatures(m), slant_model_nfeatures(s.m));
    cr_assert_gt(slant_model_nfeatures(m), 0);
    cr_assert_eq(slant_model_nheads(m), 2);
    cr_assert_eq(slant_model_nheads(m), slant_model_nheads(s.m));
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        cr_assert_str_eq(slant_model_head_name(m, h), slant_model_head_name(s.m, h));
        cr_assert_eq(slant_model_head_multilabel(m, h), slant_model_head_multilabel(s.m, h));
        cr_assert_eq(slant_model_nlabels(m, h), slant_model_nlabels(s.m, h));
        for (size_t l = 0; l < slant_model_nlabels(m, h); l++) {
            cr_assert_str_eq(slant_model_label(m, h, l), slant_model_label(s.m, h, l));
            double c1, a1, b1, t1, c2, a2, b2, t2;
            size_t n1, n2;
            slant_model_label_info(m, h, l, &c1, &a1, &b1, &t1, &n1);
            slant_model_label_info(s.m, h, l, &c2, &a2, &b2, &t2, &n2);
            cr_assert(c1 == c2 && a1 == a2 && b1 == b2 && t1 == t2 && n1 == n2,
                      "head %zu label %zu: calibration differs", h, l);
        }
    }
    size_t ot = slant_model_find_head(m, "outlet_type");
    cr_assert_neq(ot, (size_t)-1);
    cr_assert(!slant_model_head_multilabel(m, ot));
    cr_assert_eq(slant_model_nlabels(m, ot), 3);
    size_t fr = slant_model_find_head(m, "frames");
    cr_assert_neq(fr, (size_t)-1);
    cr_assert(slant_model_head_multilabel(m, fr));
    slant_model_info i1, i2;
    slant_model_get_info(m, &i1);
    slant_model_get_info(s.m, &i2);
    cr_assert_eq(i1.ngram_max, i2.ngram_max);
    cr_assert_eq(i1.min_df, i2.min_df);
    cr_assert_eq(i1.ndocs, 60);
    cr_assert_eq(i1.nstems, i2.nstems);
    cr_assert_eq(i1.folds, i2.folds);
    cr_assert_eq(i1.used_gram, i2.used_gram);
    expect_same_scores(s.m, m);
    slant_model_free(m);
    saved_free(&s);
}

Test(model, saving_twice_gives_identical_bytes)
{
    saved s;
    save_new(&s);
    char *again = th_path(s.dir, "again.slant");
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slant_model_save(s.m, again, &err), SLANT_OK, "%s", err.text);
    size_t n;
    char *b = th_read(again, &n);
    cr_assert_eq(n, s.len);
    cr_assert(memcmp(b, s.bytes, n) == 0, "two saves of one model differ");
    free(b);
    /* a loaded model saves to the bytes it was loaded from */
    slant_model *m = slant_model_load(s.path, &err);
    cr_assert_not_null(m, "%s", err.text);
    cr_assert_eq(slant_model_save(m, again, &err), SLANT_OK, "%s", err.text);
    b = th_read(again, &n);
    cr_assert_eq(n, s.len);
    cr_assert(memcmp(b, s.bytes, n) == 0, "load then save changes the bytes");
    free(b);
    slant_model_free(m);
    free(again);
    saved_free(&s);
}

Test(model, training_twice_gives_identical_files)
{
    saved a, b;
    save_new(&a);
    save_new(&b);
    cr_assert_eq(a.len, b.len);
    size_t i = 0;
    while (i < a.len && a.bytes[i] == b.bytes[i])
        i++;
    cr_assert_eq(i, a.len, "the files differ first at byte %zu", i);
    saved_free(&a);
    saved_free(&b);
}

Test(model, save_into_a_missing_directory_is_an_io_error)
{
    slant_model *m = th_train_small();
    char *dir = th_mkdtemp(), *p = th_path(dir, "no/such/model.slant");
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slant_model_save(m, p, &err), SLANT_EIO);
    cr_assert_eq(err.code, SLANT_EIO);
    cr_assert(strstr(err.text, p) != NULL, "'%s' does not name the path", err.text);
    th_rmdir(dir);
    free(p);
    free(dir);
    slant_model_free(m);
}

/* ------------------------------------------------------------ strict reader */

Test(model, every_truncation_is_a_format_error)
{
    saved s;
    save_new(&s);
    size_t lens[260], k = 0;
    static const size_t fixed[] = {0, 1, 7, 8, 12, 23, 24, 35, 36, 37};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        lens[k++] = fixed[i];
    lens[k++] = s.len - 1;
    lens[k++] = s.len - 8;
    lens[k++] = s.len - 12;
    lens[k++] = s.len - 13;
    for (size_t i = 1; i <= 190; i++)
        lens[k++] = 37 + (s.len - 50) * i / 191;
    for (size_t i = 0; i < k; i++) {
        size_t n = lens[i];
        cr_assert_lt(n, s.len);
        slant_error err = load_bytes_fails(&s, "cut.slant", s.bytes, n, SLANT_EFORMAT);
        if (n >= 8) {
            /* the magic is intact: the file was cut, and the message says so */
            cr_assert_str_eq(err.text, "file is truncated (shorter than its header says)",
                             "cut at %zu", n);
            cr_assert_eq(err.offset, (long)n);
        } else {
            cr_assert_str_eq(err.text, "not a slant model (bad magic)", "cut at %zu", n);
            cr_assert_eq(err.offset, 0, "cut at %zu", n);
        }
    }
    saved_free(&s);
}

Test(model, flipped_byte_is_a_checksum_mismatch)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len);
    memcpy(b, s.bytes, s.len);
    b[s.len / 2] ^= 0x10;
    slant_error err = load_bytes_fails(&s, "flip.slant", b, s.len, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "checksum mismatch (file corrupted)");
    cr_assert_eq(err.offset, (long)s.len - 12, "the offset of the stored checksum");
    free(b);
    saved_free(&s);
}

Test(model, wrong_magic_is_not_a_model)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len);
    memcpy(b, s.bytes, s.len);
    memcpy(b, "SLANTMDX", 8);
    slant_error err = load_bytes_fails(&s, "magic.slant", b, s.len, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "not a slant model (bad magic)");
    cr_assert_eq(err.offset, 0);
    /* a JSON file is not a model either */
    err = load_bytes_fails(&s, "model.json", "{\"model\": 1, \"padding\": \"................\"}",
                           43, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "not a slant model (bad magic)");
    free(b);
    saved_free(&s);
}

Test(model, newer_format_version_is_a_version_error)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len);
    memcpy(b, s.bytes, s.len);
    put_le32(b + 8, 2);
    slant_error err = load_bytes_fails(&s, "v2.slant", b, s.len, SLANT_EVERSION);
    cr_assert_str_eq(err.text,
                     "model format 2, this slant reads format 1 (retrain with 'slant train')");
    cr_assert_eq(err.offset, 8);
    free(b);
    saved_free(&s);
}

Test(model, unknown_flags_are_a_format_error)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len);
    memcpy(b, s.bytes, s.len);
    put_le32(b + 12, 1);
    slant_error err = load_bytes_fails(&s, "flags.slant", b, s.len, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "unknown flags");
    cr_assert_eq(err.offset, 12);
    free(b);
    saved_free(&s);
}

Test(model, trailing_garbage_is_a_format_error)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len + 9);
    memcpy(b, s.bytes, s.len);
    memcpy(b + s.len, "garbage\n", 8);
    slant_error err = load_bytes_fails(&s, "trail.slant", b, s.len + 8, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "file has trailing bytes after the model");
    err = load_bytes_fails(&s, "trail1.slant", b, s.len + 1, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "file has trailing bytes after the model");
    free(b);
    saved_free(&s);
}

Test(model, damaged_end_marker_is_a_format_error)
{
    saved s;
    save_new(&s);
    char *b = malloc(s.len);
    memcpy(b, s.bytes, s.len);
    b[s.len - 1] = 'X';
    slant_error err = load_bytes_fails(&s, "end.slant", b, s.len, SLANT_EFORMAT);
    cr_assert_str_eq(err.text, "missing end marker (file truncated?)");
    cr_assert_eq(err.offset, (long)s.len - 8);
    free(b);
    saved_free(&s);
}

Test(model, directory_is_an_io_error)
{
    char *dir = th_mkdtemp();
    slant_error err;
    cr_assert_null(slant_model_load(dir, &err));
    cr_assert_eq(err.code, SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot read '%s': Is a directory", dir);
    cr_assert_str_eq(err.text, want);
    th_rmdir(dir);
    free(dir);
}

Test(model, missing_file_is_an_io_error)
{
    char *dir = th_mkdtemp(), *p = th_path(dir, "none.slant");
    slant_error err;
    cr_assert_null(slant_model_load(p, &err));
    cr_assert_eq(err.code, SLANT_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", p);
    cr_assert_str_eq(err.text, want);
    cr_assert_null(slant_model_load(p, NULL), "a NULL error is allowed");
    th_rmdir(dir);
    free(p);
    free(dir);
}

/* Re-seal 'payload' (the bytes after the header) with a correct header,
 * checksum and end marker, so that the field checks are what is tested. */
static char *reseal(const char *orig, const char *payload, size_t plen, size_t *n)
{
    *n = 24 + plen + 12;
    char *b = malloc(*n);
    memcpy(b, orig, 24);
    put_le64(b + 16, plen);
    memcpy(b + 24, payload, plen);
    put_le32(b + 24 + plen, slantp_crc32(b, 24 + plen));
    memcpy(b + 24 + plen + 4, "SLNTEND\n", 8);
    return b;
}

/* A payload cut short but correctly sealed: every field read must notice
 * the end, never read past it. */
Test(model, sealed_truncated_payloads_are_format_errors)
{
    saved s;
    save_new(&s);
    size_t plen = s.len - 36;
    const char *payload = s.bytes + 24;
    for (size_t i = 0; i < 300; i++) {
        size_t cut = plen * i / 300;
        size_t n;
        char *b = reseal(s.bytes, payload, cut, &n);
        slant_error err;
        slantp_error_clear(&err);
        slant_model *m = slantp_model_parse(b, n, "sealed", 0, &err);
        cr_assert_null(m, "payload cut at %zu of %zu was accepted", cut, plen);
        cr_assert_eq(err.code, SLANT_EFORMAT, "cut at %zu: %s", cut, err.text);
        cr_assert_str_eq(err.source, "sealed");
        cr_assert(err.offset >= 24 && err.offset <= (long)n, "cut at %zu: offset %ld", cut,
                  err.offset);
        free(b);
    }
    saved_free(&s);
}

/* Bytes changed anywhere in a correctly sealed payload: the reader may
 * accept the model (a changed weight is still a weight) but must never
 * crash, and a refusal must be a format error. */
Test(model, sealed_corruptions_never_crash)
{
    saved s;
    save_new(&s);
    size_t plen = s.len - 36;
    char *payload = malloc(plen);
    size_t step = plen / 3000 + 1;
    size_t refused = 0, tried = 0;
    static const unsigned char patterns[] = {0xff, 0x80, 0x01};
    for (size_t pos = 0; pos < plen; pos += step) {
        for (size_t q = 0; q < sizeof patterns; q++) {
            memcpy(payload, s.bytes + 24, plen);
            payload[pos] = (char)(unsigned char)(payload[pos] ^ patterns[q]);
            size_t n;
            char *b = reseal(s.bytes, payload, plen, &n);
            slant_error err;
            slantp_error_clear(&err);
            slant_model *m = slantp_model_parse(b, n, "corrupt", 0, &err);
            tried++;
            if (m) {
                slant_model_free(m);
            } else {
                refused++;
                cr_assert_eq(err.code, SLANT_EFORMAT, "byte %zu: code %d (%s)", pos, err.code,
                             err.text);
                cr_assert(err.offset >= 0 && err.offset <= (long)n, "byte %zu: offset %ld",
                          pos, err.offset);
            }
            free(b);
        }
    }
    cr_assert_gt(refused, 0, "some of %zu corruptions must be noticed", tried);
    free(payload);
    saved_free(&s);
}

/* ------------------------------------------------ field checks, section by section */

static uint64_t get_le(const char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return v;
}

/* Where the sections of a saved model start, found by walking the format. */
typedef struct layout {
    size_t nf, nw;
    size_t keys, idf, surface, heads, weights;
} layout;

static layout find_sections(const saved *s)
{
    const char *b = s->bytes;
    layout L = {0};
    size_t pos = 24;
    pos += 4 + get_le(b + pos, 4);                 /* language */
    pos += 4 + 4 + 8 + 8 + 8 + 8 + 4 + 4;          /* settings */
    size_t nstems = get_le(b + pos, 8);
    pos += 8;
    for (size_t i = 0; i < nstems; i++)
        pos += 4 + get_le(b + pos, 4);
    L.nf = get_le(b + pos, 8);
    pos += 8;
    L.keys = pos;
    L.idf = L.keys + 8 * L.nf;
    L.surface = L.idf + 8 * L.nf;
    pos = L.surface;
    for (size_t f = 0; f < L.nf; f++)
        pos += 4 + get_le(b + pos, 4);
    L.heads = pos;
    size_t labels = 0;
    for (size_t h = 0; h < slant_model_nheads(s->m); h++)
        labels += slant_model_nlabels(s->m, h);
    L.nw = L.nf * labels;
    L.weights = s->len - 12 - 8 * L.nw;
    cr_assert_eq(L.nf, slant_model_nfeatures(s->m), "the walk found the feature count");
    cr_assert_eq(get_le(b + L.heads, 4), slant_model_nheads(s->m), "the walk found the heads");
    return L;
}

/* The offset of the length field of the k-th surface form at least
 * 'min_len' bytes long, or 0 if there are not that many. */
static size_t surface_at_or_zero(const saved *s, const layout *L, size_t k, size_t min_len)
{
    size_t pos = L->surface;
    for (size_t f = 0; f < L->nf; f++) {
        size_t len = get_le(s->bytes + pos, 4);
        if (len >= min_len && k-- == 0)
            return pos;
        pos += 4 + len;
    }
    return 0;
}

static size_t surface_at(const saved *s, const layout *L, size_t k, size_t min_len)
{
    size_t at = surface_at_or_zero(s, L, k, min_len);
    cr_assert_neq(at, 0, "no surface form number %zu of %zu bytes", k, min_len);
    return at;
}

enum edit { KEY_REPEATED, KEY_OUT_OF_RANGE, IDF, WEIGHT, SURFACE_NUL };

/* Each case changes one field of a sealed model and names the error and
 * its offset: the section readers check keys, idf and weights in bulk, and
 * must still point at the first bad field. */
Test(model, each_bad_field_is_named_at_its_offset)
{
    saved s;
    save_new(&s);
    layout L = find_sections(&s);
    cr_assert_gt(L.nf, 20);
    cr_assert_gt(L.nw, 2100, "the weights span more than one scan block");
    double nan = (double)NAN, inf = (double)INFINITY;
    const struct {
        enum edit edit;
        size_t index;
        double value;
        const char *message;
    } cases[] = {
        {KEY_REPEATED, 1, 0, "invalid or unsorted feature key"},
        {KEY_REPEATED, 17, 0, "invalid or unsorted feature key"},
        {KEY_OUT_OF_RANGE, 5, 0, "invalid or unsorted feature key"},
        {IDF, 0, -1.0, "idf must be positive"},
        {IDF, 2, 0.0, "idf must be positive"},
        {IDF, 7, inf, "idf is not a finite number"},
        {IDF, (size_t)-1, nan, "idf is not a finite number"},
        {IDF, (size_t)-1, -inf, "idf is not a finite number"},
        {WEIGHT, 0, inf, "weight is not a finite number"},
        {WEIGHT, 1023, nan, "weight is not a finite number"},
        {WEIGHT, 1024, -inf, "weight is not a finite number"},
        {WEIGHT, 2049, nan, "weight is not a finite number"},
        {WEIGHT, (size_t)-1, inf, "weight is not a finite number"},
        {SURFACE_NUL, 0, 0, "surface form contains a NUL byte"},
        {SURFACE_NUL, 9, 0, "surface form contains a NUL byte"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *b = malloc(s.len);
        memcpy(b, s.bytes, s.len);
        size_t at = 0;
        switch (cases[c].edit) {
        case KEY_REPEATED:      /* equal to the key before: not sorted */
            at = L.keys + 8 * cases[c].index;
            memcpy(b + at, b + at - 8, 8);
            break;
        case KEY_OUT_OF_RANGE:  /* a stem id past the stem table */
            at = L.keys + 8 * cases[c].index;
            put_le64(b + at, get_le(b + at, 8) | 0x1fffff);
            break;
        case IDF:
        case WEIGHT: {
            size_t base = cases[c].edit == IDF ? L.idf : L.weights;
            size_t count = cases[c].edit == IDF ? L.nf : L.nw;
            size_t i = cases[c].index == (size_t)-1 ? count - 1 : cases[c].index;
            at = base + 8 * i;
            memcpy(b + at, &cases[c].value, 8);
            break;
        }
        case SURFACE_NUL:       /* the second byte of the form */
            at = surface_at(&s, &L, cases[c].index, 2);
            b[at + 4 + 1] = '\0';
            break;
        }
        size_t n;
        char *sealed = reseal(b, b + 24, s.len - 36, &n);
        slant_error err;
        slantp_error_clear(&err);
        slant_model *m = slantp_model_parse(sealed, n, "edited", 0, &err);
        cr_assert_null(m, "case %zu was accepted", c);
        cr_assert_eq(err.code, SLANT_EFORMAT, "case %zu: %s", c, err.text);
        cr_assert_str_eq(err.text, cases[c].message, "case %zu", c);
        cr_assert_eq(err.offset, (long)at, "case %zu: offset %ld, expected %zu", c, err.offset, at);
        free(sealed);
        free(b);
    }
    saved_free(&s);
}

/* A payload cut inside the surface forms is truncated there, unless a form
 * before the cut holds a NUL: the reader reports the first bad field. */
Test(model, a_cut_in_the_surface_forms_reports_the_first_bad_field)
{
    saved s;
    save_new(&s);
    layout L = find_sections(&s);
    /* the cut leaves room for the feature count's 20 bytes a feature, so
     * the count is believed and the surface forms run out */
    size_t last = L.surface;
    for (size_t k = 0; surface_at_or_zero(&s, &L, k, 2); k++)
        last = surface_at_or_zero(&s, &L, k, 2);
    size_t nul_at = surface_at(&s, &L, 3, 2), cut = last + 5;
    cr_assert_geq(cut, L.surface + 4 * L.nf);
    for (int with_nul = 0; with_nul <= 1; with_nul++) {
        char *payload = malloc(s.len);
        memcpy(payload, s.bytes + 24, s.len - 36);
        if (with_nul)
            payload[nul_at - 24 + 4 + 1] = '\0';
        size_t n;
        char *sealed = reseal(s.bytes, payload, cut - 24, &n);
        slant_error err;
        slantp_error_clear(&err);
        cr_assert_null(slantp_model_parse(sealed, n, "cut", 0, &err));
        cr_assert_eq(err.code, SLANT_EFORMAT);
        if (with_nul) {
            cr_assert_str_eq(err.text, "surface form contains a NUL byte");
            cr_assert_eq(err.offset, (long)nul_at);
        } else {
            cr_assert_str_eq(err.text, "truncated surface form");
            cr_assert_eq(err.offset, (long)(cut - 1), "offset %ld", err.offset);
        }
        free(sealed);
        free(payload);
    }
    saved_free(&s);
}

/* ------------------------------------------------ loading with a second thread */

/* With two threads the checksum is summed beside the field reader; what
 * the reader returns must not change. Each case is a file and the error
 * (or none) that one thread gives; two must give the same. A damaged byte
 * in a field the reader refuses is still a checksum mismatch, not the
 * field's error: the checksum comes first. */
Test(model, two_threads_load_what_one_loads_and_refuse_what_it_refuses)
{
    saved s;
    save_new(&s);
    layout L = find_sections(&s);
    const struct {
        const char *name;
        size_t at;          /* byte to change, or 0 for none */
        unsigned char xor;
        int reseal;
        const char *message;
    } cases[] = {
        {"intact", 0, 0, 0, NULL},
        {"weight flipped", L.weights + 8 * 3, 0x01, 0, "checksum mismatch (file corrupted)"},
        {"key broken", L.keys + 8 * 4 + 7, 0x80, 0, "checksum mismatch (file corrupted)"},
        {"surface NUL", L.surface + 4, 0xff, 0, "checksum mismatch (file corrupted)"},
        {"key broken, resealed", L.keys + 8 * 4 + 7, 0x80, 1, "invalid or unsorted feature key"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *b = malloc(s.len);
        memcpy(b, s.bytes, s.len);
        if (cases[c].at)
            b[cases[c].at] = (char)(b[cases[c].at] ^ cases[c].xor);
        size_t n = s.len;
        if (cases[c].reseal) {
            char *sealed = reseal(b, b + 24, s.len - 36, &n);
            free(b);
            b = sealed;
        }
        slant_model *got[2];
        slant_error err[2];
        for (int t = 0; t < 2; t++) {
            slantp_error_clear(&err[t]);
            got[t] = slantp_model_parse_threads(b, n, "m", 0, t + 1, &err[t]);
        }
        if (!cases[c].message) {
            cr_assert_not_null(got[0], "%s: %s", cases[c].name, err[0].text);
            cr_assert_not_null(got[1], "%s, two threads: %s", cases[c].name, err[1].text);
            expect_same_scores(got[0], got[1]);
        } else {
            for (int t = 0; t < 2; t++) {
                cr_assert_null(got[t], "%s was accepted with %d threads", cases[c].name, t + 1);
                cr_assert_str_eq(err[t].text, cases[c].message, "%s, %d threads", cases[c].name,
                                 t + 1);
                cr_assert_eq(err[t].code, SLANT_EFORMAT);
            }
            cr_assert_eq(err[0].offset, err[1].offset, "%s", cases[c].name);
        }
        slant_model_free(got[0]);
        slant_model_free(got[1]);
        free(b);
    }
    saved_free(&s);
}

/* The shipped model, loaded from its file with one thread and with two. */
Test(model, the_shipped_model_loads_the_same_with_two_threads)
{
    slant_error err;
    slant_model *one = slant_model_load_threads("models/default.slant", 1, &err);
    cr_assert_not_null(one, "%s", err.text);
    slant_model *two = slant_model_load_threads("models/default.slant", 2, &err);
    cr_assert_not_null(two, "%s", err.text);
    expect_same_scores(one, two);
    slant_model_free(one);
    slant_model_free(two);
}
