/* test_vocab.c - vocab.c: slantp_strtab (strings -> dense ids, keys kept in
 * an arena that survives growth) and slantp_keytab (packed n-gram keys ->
 * feature ids), and the n-gram key packing of slantp_ngram_key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core.h"
#include "vocab.h"

Test(vocab, interns_strings_as_dense_ids_in_first_seen_order)
{
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 4), 0);
    cr_assert_eq(slantp_strtab_intern(&t, "war", 3), 0);
    cr_assert_eq(slantp_strtab_intern(&t, "peace", 5), 1);
    cr_assert_eq(slantp_strtab_intern(&t, "war", 3), 0, "a second intern must find the key");
    cr_assert_eq(slantp_strtab_intern(&t, "treaty", 6), 2);
    cr_assert_eq(t.n, 3);
    cr_assert_str_eq(slantp_strtab_key(&t, 0), "war");
    cr_assert_str_eq(slantp_strtab_key(&t, 1), "peace");
    cr_assert_str_eq(slantp_strtab_key(&t, 2), "treaty");
    slantp_strtab_release(&t);
}

Test(vocab, finds_only_exact_keys)
{
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 0), 0);
    cr_assert_eq(slantp_strtab_find(&t, "abc", 3), -1, "empty table");
    cr_assert_eq(slantp_strtab_intern(&t, "abc", 3), 0);
    cr_assert_eq(slantp_strtab_intern(&t, "ab", 2), 1);
    cr_assert_eq(slantp_strtab_find(&t, "abc", 3), 0);
    cr_assert_eq(slantp_strtab_find(&t, "ab", 2), 1);
    cr_assert_eq(slantp_strtab_find(&t, "abcd", 3), 0, "only n bytes of the key count");
    cr_assert_eq(slantp_strtab_find(&t, "a", 1), -1);
    cr_assert_eq(slantp_strtab_find(&t, "ABC", 3), -1, "keys are case-sensitive");
    cr_assert_eq(slantp_strtab_find(&t, "abd", 3), -1);
    cr_assert_eq(t.n, 2, "find must not insert");
    slantp_strtab_release(&t);
}

Test(vocab, keeps_empty_and_binary_keys_apart)
{
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 8), 0);
    long e = slantp_strtab_intern(&t, "", 0);
    long a = slantp_strtab_intern(&t, "a", 1);
    long an = slantp_strtab_intern(&t, "a\0b", 3);
    long a0 = slantp_strtab_intern(&t, "a\0", 2);
    cr_assert(e >= 0 && a >= 0 && an >= 0 && a0 >= 0);
    cr_assert(e != a && a != an && an != a0 && a != a0 && e != an && e != a0);
    cr_assert_eq(slantp_strtab_find(&t, "", 0), e);
    cr_assert_eq(slantp_strtab_find(&t, "a\0b", 3), an);
    cr_assert_eq(slantp_strtab_find(&t, "a\0c", 3), -1);
    cr_assert_eq(t.lens[an], 3);
    cr_assert(memcmp(slantp_strtab_key(&t, (size_t)an), "a\0b", 4) == 0,
              "the key is stored with a NUL after its bytes");
    slantp_strtab_release(&t);
}

Test(vocab, find_on_a_released_table_returns_minus_one)
{
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 1), 0);
    cr_assert_eq(slantp_strtab_intern(&t, "x", 1), 0);
    slantp_strtab_release(&t);
    cr_assert_null(t.slots);
    cr_assert_eq(t.n, 0);
    cr_assert_eq(slantp_strtab_find(&t, "x", 1), -1);
}

/* Growth from the smallest table through a dozen rehashes and arena
 * reallocations: every key must still be found with its first id, and
 * read back intact through slantp_strtab_key. */
Test(vocab, keeps_every_key_through_many_rehashes)
{
    enum { N = 100000 };
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 1), 0);
    size_t first_slots = t.nslots;
    char k[48];
    for (long i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "stem-%ld-%s", i, i % 3 ? "x" : "a-much-longer-suffix");
        cr_assert_eq(slantp_strtab_intern(&t, k, (size_t)n), i, "key %s", k);
    }
    cr_assert_eq(t.n, N);
    cr_assert_geq(t.nslots, 2 * (size_t)N, "load must stay at or under one half");
    cr_assert_eq(t.nslots & (t.nslots - 1), 0, "slot count must be a power of two");
    cr_assert_geq(t.nslots / first_slots, 1024, "the test must cross many rehashes");
    for (long i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "stem-%ld-%s", i, i % 3 ? "x" : "a-much-longer-suffix");
        cr_assert_eq(slantp_strtab_find(&t, k, (size_t)n), i, "key %s", k);
        cr_assert_str_eq(slantp_strtab_key(&t, (size_t)i), k);
        cr_assert_eq(t.lens[i], (uint32_t)n);
    }
    /* interning again changes nothing */
    for (long i = 0; i < N; i += 997) {
        int n = snprintf(k, sizeof k, "stem-%ld-%s", i, i % 3 ? "x" : "a-much-longer-suffix");
        cr_assert_eq(slantp_strtab_intern(&t, k, (size_t)n), i);
    }
    cr_assert_eq(t.n, N);
    cr_assert_eq(slantp_strtab_find(&t, "stem-100000-x", 13), -1);
    slantp_strtab_release(&t);
}

/* ------------------------------------------------------------ keytab */

Test(vocab, keytab_put_inserts_once_and_then_finds)
{
    slantp_keytab t;
    cr_assert_eq(slantp_keytab_init(&t, 4), 0);
    uint32_t *v = NULL;
    cr_assert_eq(slantp_keytab_put(&t, 42, 7, &v), 1, "a new key is inserted");
    cr_assert_not_null(v);
    cr_assert_eq(*v, 7, "a new slot holds the initial value");
    *v = 9;
    uint32_t *w = NULL;
    cr_assert_eq(slantp_keytab_put(&t, 42, 100, &w), 0, "an existing key is found");
    cr_assert_eq(*w, 9, "finding keeps the stored value");
    cr_assert_eq(t.n, 1);
    const uint32_t *f = slantp_keytab_find(&t, 42);
    cr_assert_not_null(f);
    cr_assert_eq(*f, 9);
    cr_assert_null(slantp_keytab_find(&t, 43));
    cr_assert_null(slantp_keytab_find(&t, UINT64_MAX));
    slantp_keytab_release(&t);
    cr_assert_null(t.keys);
    cr_assert_null(t.vals);
}

Test(vocab, keytab_keeps_every_key_through_growth)
{
    enum { N = 200000 };
    slantp_keytab t;
    cr_assert_eq(slantp_keytab_init(&t, 0), 0);
    size_t first_slots = t.nslots;
    for (uint32_t i = 0; i < N; i++) {
        int32_t ids[3] = {(int32_t)(i % 5000), (int32_t)(i / 5000), (int32_t)(i % 7)};
        uint64_t key = slantp_ngram_key(ids, 3);
        uint32_t *v;
        cr_assert_eq(slantp_keytab_put(&t, key, i, &v), 1, "key %u inserted twice", i);
    }
    cr_assert_eq(t.n, N);
    cr_assert_geq(t.nslots, 2 * (size_t)N, "load must stay at or under one half");
    cr_assert_eq(t.nslots & (t.nslots - 1), 0);
    cr_assert_geq(t.nslots / first_slots, 1024);
    for (uint32_t i = 0; i < N; i++) {
        int32_t ids[3] = {(int32_t)(i % 5000), (int32_t)(i / 5000), (int32_t)(i % 7)};
        const uint32_t *v = slantp_keytab_find(&t, slantp_ngram_key(ids, 3));
        cr_assert_not_null(v, "key %u lost", i);
        cr_assert_eq(*v, i);
        int32_t two[2] = {ids[0], ids[1]};
        cr_assert_null(slantp_keytab_find(&t, slantp_ngram_key(two, 2)),
                       "a bigram prefix is another key");
    }
    slantp_keytab_release(&t);
}

Test(vocab, ngram_keys_are_distinct_for_order_and_length)
{
    static const int32_t seqs[][3] = {
        {0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {1, 2, 0}, {2, 1, 0}, {1, 1, 0}, {1, 2, 3},
        {3, 2, 1}, {2, 1, 3}, {1, 1, 1}, {0, 1, 0},
    };
    static const int lens[] = {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 2};
    /* plus the unigram and bigram (0) and (0,0) through lens 1/2 of row 0 */
    enum { NS = sizeof lens / sizeof lens[0] };
    uint64_t keys[NS + 2];
    for (size_t i = 0; i < NS; i++)
        keys[i] = slantp_ngram_key(seqs[i], lens[i]);
    keys[NS] = slantp_ngram_key(seqs[0], 2);
    keys[NS + 1] = slantp_ngram_key(seqs[0], 3);
    for (size_t i = 0; i < NS + 2; i++) {
        cr_assert_neq(keys[i], 0, "key 0 is reserved for empty slots");
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(keys[i], keys[j], "keys %zu and %zu collide (%llx)", i, j,
                          (unsigned long long)keys[i]);
    }
    /* the exact packing: id + 1 in 21-bit fields, low bits first */
    int32_t ab[2] = {1, 2};
    cr_assert_eq(slantp_ngram_key(ab, 2), (uint64_t)2 | (uint64_t)3 << 21);
    int32_t a[1] = {1};
    cr_assert_eq(slantp_ngram_key(a, 1), 2);
}

Test(vocab, ngram_keys_of_the_largest_stem_ids_fit_and_unpack)
{
    int32_t top = (int32_t)SLANTP_MAX_STEMS - 1;
    int32_t ids[3] = {top, top - 1, 0};
    uint64_t k = slantp_ngram_key(ids, 3);
    cr_assert_eq(k >> 63, 0, "bit 63 must stay clear");
    cr_assert_eq((k & 0x1fffff), (uint64_t)top + 1);
    cr_assert_eq((k >> 21) & 0x1fffff, (uint64_t)top);
    cr_assert_eq((k >> 42) & 0x1fffff, 1);
    int32_t rev[3] = {0, top - 1, top};
    cr_assert_neq(slantp_ngram_key(rev, 3), k);
}

/* Interning grows the table's arrays by doubling: the allocator is called
 * a few times per doubling, not once or twice per key (it once reallocated
 * two arrays for every new key: 15,000 calls to load the shipped model). */
Test(vocab, interning_allocates_per_doubling_not_per_key)
{
    if (!th_alloc_count_start())
        cr_skip_test("allocations are not counted under a sanitizer");
    th_alloc_count_stop();
    slantp_strtab t;
    cr_assert_eq(slantp_strtab_init(&t, 16), 0);
    th_alloc_count_start();
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof key, "key%d", i);
        cr_assert_eq(slantp_strtab_intern(&t, key, (size_t)n), i);
    }
    unsigned long calls = th_alloc_count_stop();
    /* 17 doublings of 3 arrays, about 20 of the key arena, 13 rehashes */
    cr_assert_lt(calls, 200, "%lu allocator calls for 100,000 keys", calls);
    slantp_strtab_release(&t);
}
