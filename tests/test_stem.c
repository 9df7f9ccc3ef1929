/* test_stem.c - stem.c: Snowball stemmer set-up and errors, token -> stem id
 * in training (grow) and classify mode, the per-workspace cache, the
 * table of stems shared by threads, the libstemmer NULL-result fallback,
 * and the stemmer fingerprint. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "stem.h"
#include "text.h"
#include "vocab.h"

/* A stemmer in training mode over its own stem table. */
typedef struct grow_fixture {
    slantp_strtab stems;
    slantp_stemmer st;
} grow_fixture;

static void grow_init(grow_fixture *g, const char *language)
{
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_strtab_init(&g->stems, 16), 0);
    cr_assert_eq(slantp_stemmer_init(&g->st, language, &g->stems, &g->stems, &err), SLANT_OK,
                 "%s", err.text);
}

static void grow_release(grow_fixture *g)
{
    slantp_stemmer_release(&g->st);
    slantp_strtab_release(&g->stems);
}

static int32_t stem(slantp_stemmer *st, const char *word)
{
    return slantp_stem_id(st, word, strlen(word));
}

Test(stem, opens_the_english_stemmer)
{
    slantp_strtab stems;
    slantp_stemmer st;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_strtab_init(&stems, 4), 0);
    cr_assert_eq(slantp_stemmer_init(&st, "english", &stems, NULL, &err), SLANT_OK);
    cr_assert_eq(err.code, SLANT_OK, "success must leave the error empty");
    cr_assert_not_null(st.sb);
    cr_assert_null(st.grow, "classify mode");
    cr_assert_eq(st.stems, &stems);
    slantp_stemmer_release(&st);
    cr_assert_null(st.sb);
    slantp_strtab_release(&stems);
}

Test(stem, refuses_an_unknown_language_and_names_it)
{
    slantp_strtab stems;
    slantp_stemmer st;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_strtab_init(&stems, 4), 0);
    cr_assert_eq(slantp_stemmer_init(&st, "klingon", &stems, &stems, &err), SLANT_ESTEMMER);
    cr_assert_eq(err.code, SLANT_ESTEMMER);
    cr_assert_str_eq(err.text, "no Snowball stemmer for language 'klingon'");
    cr_assert_str_eq(err.source, "");
    cr_assert_eq(err.line, -1);
    cr_assert_eq(err.column, -1);
    cr_assert_eq(err.offset, -1);
    cr_assert_null(st.sb);
    slantp_stemmer_release(&st); /* must be safe after a failed init */
    /* a NULL error is allowed */
    cr_assert_eq(slantp_stemmer_init(&st, "", &stems, NULL, NULL), SLANT_ESTEMMER);
    slantp_stemmer_release(&st);
    slantp_strtab_release(&stems);
}

Test(stem, gives_inflections_the_stem_id_of_their_root)
{
    grow_fixture g;
    grow_init(&g, "english");
    int32_t run = stem(&g.st, "run");
    cr_assert_geq(run, 0);
    cr_assert_eq(stem(&g.st, "running"), run);
    cr_assert_eq(stem(&g.st, "runs"), run);
    cr_assert_eq(stem(&g.st, "RUNNING"), run, "case is folded before stemming");
    cr_assert_eq(stem(&g.st, "Runs"), run);
    cr_assert_eq(g.stems.n, 1, "one stem for all four forms");
    cr_assert_str_eq(slantp_strtab_key(&g.stems, (size_t)run), "run");
    int32_t walk = stem(&g.st, "walked");
    cr_assert_geq(walk, 0);
    cr_assert_neq(walk, run);
    cr_assert_eq(walk, 1, "stem ids are dense");
    cr_assert_str_eq(slantp_strtab_key(&g.stems, (size_t)walk), "walk");
    grow_release(&g);
}

Test(stem, stems_the_normalized_token)
{
    grow_fixture g;
    grow_init(&g, "english");
    int32_t a = stem(&g.st, "Israel\xe2\x80\x99s");
    cr_assert_geq(a, 0);
    cr_assert_eq(stem(&g.st, "israel's"), a, "curly and straight apostrophes meet");
    int32_t y = stem(&g.st, "1999");
    cr_assert_geq(y, 0);
    cr_assert_str_eq(slantp_strtab_key(&g.stems, (size_t)y), "0000");
    cr_assert_eq(stem(&g.st, "2024"), y, "all four-digit numbers share a stem");
    int32_t u = stem(&g.st, "https://example.com/x");
    cr_assert_str_eq(slantp_strtab_key(&g.stems, (size_t)u), "<url>");
    cr_assert_eq(stem(&g.st, "http://other.org"), u);
    grow_release(&g);
}

Test(stem, classify_mode_returns_minus_one_for_unknown_stems)
{
    grow_fixture g;
    grow_init(&g, "english");
    int32_t run = stem(&g.st, "running");
    int32_t vote = stem(&g.st, "votes");
    cr_assert_geq(run, 0);
    cr_assert_geq(vote, 0);
    size_t nstems = g.stems.n;

    slantp_stemmer cl;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_stemmer_init(&cl, "english", &g.stems, NULL, &err), SLANT_OK);
    cr_assert_eq(stem(&cl, "runs"), run);
    cr_assert_eq(stem(&cl, "voting"), vote);
    cr_assert_eq(stem(&cl, "zebra"), -1);
    cr_assert_eq(stem(&cl, "zebra"), -1, "a cached miss stays a miss");
    cr_assert_eq(stem(&cl, "zebras"), -1);
    cr_assert_eq(g.stems.n, nstems, "classify mode must not add stems");
    slantp_stemmer_release(&cl);
    grow_release(&g);
}

/* libstemmer 2.2.0's Greek stemmer returns NULL for "ισαισα": the
 * normalized token must then serve as its own stem. */
Test(stem, uses_the_token_itself_when_libstemmer_returns_null)
{
    grow_fixture g;
    grow_init(&g, "greek");
    const char *w = "\xce\xb9\xcf\x83\xce\xb1\xce\xb9\xcf\x83\xce\xb1"; /* ισαισα */
    int32_t id = stem(&g.st, w);
    cr_assert_geq(id, 0);
    cr_assert_eq(stem(&g.st, w), id);
    cr_assert_eq(stem(&g.st, "\xce\x99\xce\xa3\xce\x91\xce\x99\xce\xa3\xce\x91"), id,
                 "upper-case ΙΣΑΙΣΑ folds to the same stem");
    cr_assert_str_eq(slantp_strtab_key(&g.stems, (size_t)id), w);
    /* ordinary Greek words still stem */
    int32_t a = stem(&g.st, "\xce\xba\xcf\x85\xce\xb2\xce\xad\xcf\x81\xce\xbd\xce\xb7\xcf\x83\xce\xb7");
    cr_assert_geq(a, 0);
    cr_assert_neq(a, id);
    grow_release(&g);
}

Test(stem, cache_returns_the_same_id_without_growing)
{
    grow_fixture g;
    grow_init(&g, "english");
    int32_t first = stem(&g.st, "Governments");
    size_t cached = g.st.cache_n;
    cr_assert_eq(cached, 1);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(stem(&g.st, "Governments"), first);
    cr_assert_eq(g.st.cache_n, cached, "a repeated token is a cache hit");
    /* the cache is keyed on raw bytes: another spelling is another entry
     * with the same stem id */
    cr_assert_eq(stem(&g.st, "governments"), first);
    cr_assert_eq(g.st.cache_n, 2);
    /* only n bytes of the token count */
    cr_assert_eq(slantp_stem_id(&g.st, "governments-and-more", 11), first);
    cr_assert_eq(g.st.cache_n, 2);
    grow_release(&g);
}

Test(stem, cache_flush_keeps_the_stem_ids)
{
    grow_fixture g;
    grow_init(&g, "english");
    g.st.cache_limit = 8;   /* force flushes */
    char w[32];
    int32_t ids[40];
    for (int i = 0; i < 40; i++) {
        snprintf(w, sizeof w, "word%cx%c", 'a' + i % 26, 'a' + i / 26);
        ids[i] = stem(&g.st, w);
        cr_assert_geq(ids[i], 0);
        cr_assert_leq(g.st.cache_n, 8, "the cache is bounded");
    }
    for (int i = 0; i < 40; i++) {
        snprintf(w, sizeof w, "word%cx%c", 'a' + i % 26, 'a' + i / 26);
        cr_assert_eq(stem(&g.st, w), ids[i], "%s", w);
    }
    grow_release(&g);
}

static uint64_t fingerprint(const char *language)
{
    slantp_strtab stems;
    slantp_stemmer st;
    slant_error err;
    slantp_error_clear(&err);
    cr_assert_eq(slantp_strtab_init(&stems, 4), 0);
    cr_assert_eq(slantp_stemmer_init(&st, language, &stems, NULL, &err), SLANT_OK, "%s",
                 err.text);
    uint64_t fp = 0, again = 1;
    cr_assert_eq(slantp_stemmer_fingerprint(&st, &fp), 0);
    cr_assert_eq(slantp_stemmer_fingerprint(&st, &again), 0);
    cr_assert_eq(again, fp, "same stemmer, same fingerprint");
    slantp_stemmer_release(&st);
    slantp_strtab_release(&stems);
    return fp;
}

Test(stem, fingerprint_is_stable_and_tells_languages_apart)
{
    uint64_t en1 = fingerprint("english"), en2 = fingerprint("english");
    uint64_t fr = fingerprint("french"), de = fingerprint("german");
    cr_assert_eq(en1, en2);
    cr_assert_neq(en1, fr);
    cr_assert_neq(en1, de);
    cr_assert_neq(fr, de);
    cr_assert_neq(en1, 0);
}

Test(stem, fingerprint_does_not_depend_on_the_cache)
{
    grow_fixture g;
    grow_init(&g, "english");
    uint64_t before = 0, after = 1;
    cr_assert_eq(slantp_stemmer_fingerprint(&g.st, &before), 0);
    stem(&g.st, "running");
    stem(&g.st, "organizations");
    cr_assert_eq(slantp_stemmer_fingerprint(&g.st, &after), 0);
    cr_assert_eq(after, before);
    cr_assert_eq(before, fingerprint("english"));
    grow_release(&g);
}

/* A text of n words: "w<i>" stems drawn from 'distinct' words, in mixed
 * case and inflections, ending in spaces so every token can be read as
 * 16 bytes (the shared table's path). */
static char *word_soup(size_t n, unsigned distinct, unsigned seed)
{
    static const char *const tails[] = {"", "s", "ing", "ed", "ly"};
    char *text = malloc(n * 24 + 32);
    cr_assert_not_null(text);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned w = (seed >> 8) % distinct;
        len += (size_t)sprintf(text + len, "%svote%u%s ", (seed >> 4) & 1 ? "Re" : "re", w,
                               tails[(seed >> 20) % 5]);
    }
    memset(text + len, ' ', 16);
    text[len + 16] = '\0';
    return text;
}

/* The stem ids of every token of 'text', with stemmer st. */
static int32_t *stem_all(slantp_stemmer *st, const char *text, slantp_tokens *toks)
{
    cr_assert_eq(slantp_tokenize(text, strlen(text), toks), 0);
    int32_t *ids = malloc((toks->n + 1) * sizeof *ids);
    cr_assert_not_null(ids);
    cr_assert_eq(slantp_stem_ids(st, text, strlen(text), toks->v, toks->n, ids), 0);
    return ids;
}

/* Stems known to the model: half the words of the soup, so ids are a mix
 * of real stems and -1. */
static void train_stems(grow_fixture *g, unsigned distinct)
{
    grow_init(g, "english");
    char w[32];
    for (unsigned i = 0; i < distinct; i += 2) {
        snprintf(w, sizeof w, "revote%u", i);
        cr_assert_geq(stem(&g->st, w), 0);
    }
}

Test(stem, shared_table_gives_the_ids_of_the_workspace_cache_even_when_full)
{
    grow_fixture g;
    train_stems(&g, 300);
    slant_error err;
    slantp_error_clear(&err);
    slantp_stemmer own, shared;
    cr_assert_eq(slantp_stemmer_init(&own, "english", &g.stems, NULL, &err), SLANT_OK);
    cr_assert_eq(slantp_stemmer_init(&shared, "english", &g.stems, NULL, &err), SLANT_OK);
    shared.share = slantp_stem_share_new(8);    /* takes 128 words; the soup has ~1,500 */
    cr_assert_not_null(shared.share);
    char *text = word_soup(6000, 300, 7);
    slantp_tokens t1 = {0}, t2 = {0};
    int32_t *want = stem_all(&own, text, &t1);
    for (int pass = 0; pass < 2; pass++) {
        int32_t *got = stem_all(&shared, text, &t2);
        cr_assert_eq(t2.n, t1.n);
        size_t known = 0;
        for (size_t i = 0; i < t1.n; i++) {
            cr_assert_eq(got[i], want[i], "pass %d, token %zu", pass, i);
            known += got[i] >= 0;
        }
        cr_assert(known > 0 && known < t1.n, "both known and unknown stems");
        free(got);
    }
    cr_assert_geq(atomic_load(&shared.share->n), shared.share->limit, "the table filled up");
    cr_assert_gt(shared.cache_n, 0, "words past the limit went to the workspace's cache");
    cr_assert_eq(own.cache_n > 0, 1);
    free(want);
    free(text);
    slantp_tokens_release(&t1);
    slantp_tokens_release(&t2);
    slantp_stem_share_free(shared.share);
    slantp_stemmer_release(&shared);
    slantp_stemmer_release(&own);
    grow_release(&g);
}

struct share_job {
    const slantp_strtab *stems;
    slantp_stem_share *share;
    const char *text;
    int32_t *ids;
    size_t n;
};

static void *stem_with_share(void *arg)
{
    struct share_job *j = arg;
    slantp_stemmer st;
    slant_error err;
    slantp_error_clear(&err);
    if (slantp_stemmer_init(&st, "english", j->stems, NULL, &err) != SLANT_OK)
        return NULL;
    st.share = j->share;
    slantp_tokens toks = {0};
    if (slantp_tokenize(j->text, strlen(j->text), &toks) == 0 &&
        (j->ids = malloc((toks.n + 1) * sizeof *j->ids)) &&
        slantp_stem_ids(&st, j->text, strlen(j->text), toks.v, toks.n, j->ids) == 0)
        j->n = toks.n;
    slantp_tokens_release(&toks);
    slantp_stemmer_release(&st);
    return NULL;
}

/* Four threads stem the same new words at the same time into one table:
 * whoever inserts a word, everyone gets the ids one stemmer alone gives. */
Test(stem, threads_filling_one_shared_table_agree_with_one_stemmer)
{
    grow_fixture g;
    train_stems(&g, 2000);
    char *text = word_soup(20000, 2000, 11);
    slant_error err;
    slantp_error_clear(&err);
    slantp_stemmer own;
    cr_assert_eq(slantp_stemmer_init(&own, "english", &g.stems, NULL, &err), SLANT_OK);
    slantp_tokens t = {0};
    int32_t *want = stem_all(&own, text, &t);
    for (int round = 0; round < 5; round++) {
        slantp_stem_share *sh = slantp_stem_share_new(round == 4 ? 9 : 14);  /* last round overflows */
        cr_assert_not_null(sh);
        struct share_job job[4];
        pthread_t tid[4];
        for (int k = 0; k < 4; k++) {
            job[k] = (struct share_job){&g.stems, sh, text, NULL, 0};
            cr_assert_eq(pthread_create(&tid[k], NULL, stem_with_share, &job[k]), 0);
        }
        for (int k = 0; k < 4; k++) {
            pthread_join(tid[k], NULL);
            cr_assert_eq(job[k].n, t.n, "thread %d stemmed every token", k);
            for (size_t i = 0; i < t.n; i++)
                cr_assert_eq(job[k].ids[i], want[i], "round %d, thread %d, token %zu", round, k, i);
            free(job[k].ids);
        }
        cr_assert_leq(atomic_load(&sh->n), sh->limit + 4, "at most one word per thread past the limit");
        slantp_stem_share_free(sh);
    }
    free(want);
    free(text);
    slantp_tokens_release(&t);
    slantp_stemmer_release(&own);
    grow_release(&g);
}
