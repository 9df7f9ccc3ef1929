/* spin.c - spin evidence in one text: fixed phrases broken by a synonym.
 *
 * The table (models/collocations.tsv, built from real news text by
 * training/collocations.py) lists collocations ("prime minister") with the
 * synonyms of each word that real text never puts in their place ("top").
 * Loading turns every broken form ("top minister", "prime priest") into a
 * key of a hash table pointing at its collocation. A scan looks up each
 * pair of adjacent words of a sentence, and reports a hit when the pair is
 * a broken form and the collocation itself appears nowhere in the text (a
 * writer who also says "prime minister" chose "top minister" knowingly).
 * Words are hashed as the tokenizer and normalizer see them (shingle.c).
 *
 * A scan runs beside every classification in slant classify, so it is
 * kept cheap: a bit filter of the broken forms' keys (128 KB, in cache)
 * turns most pairs away before the hash table is touched, and whether the
 * collocation itself appears is checked only for the rare pair that is a
 * broken form, by a pass over the text's pairs rather than a sort of all
 * of them.
 */
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "trace_private.h"

#define FILTER_BITS 20          /* 2^20 bits for ~83,000 broken forms: ~8% let through */

struct slant_spin_table {
    slantp_keytab broken;   /* pair key -> collocation index */
    uint64_t *filter;       /* bit (key >> (64 - FILTER_BITS)) set for every broken form */
    size_t *phrase_off;     /* collocation index -> its text in 'names' */
    uint64_t *phrase_key;   /* collocation index -> its own pair key */
    size_t n, cap;
    slantp_buf names;
};

static uint64_t pair_key(uint64_t first, uint64_t second)
{
    uint64_t k = tracep_mix(first * 0x9e3779b97f4a7c15ULL ^ tracep_mix(second));
    return k ? k : 1;       /* 0 marks an empty slot */
}

static uint64_t word_hash(const char *w, size_t n)
{
    return slantp_hash_bytes(w, n);
}

static int add_broken(slant_spin_table *s, uint64_t key, size_t phrase)
{
    uint32_t *val;
    int rc = slantp_keytab_put(&s->broken, key, (uint32_t)phrase, &val);
    uint64_t bit = key >> (64 - FILTER_BITS);
    s->filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
    return rc < 0 ? -1 : 0;
}

/* The comma-separated synonyms in [p, e), each paired with the fixed word. */
static int add_list(slant_spin_table *s, const char *p, const char *e, uint64_t fixed,
                    int synonym_first, size_t phrase)
{
    while (p < e) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        if (!c)
            c = e;
        if (c > p) {
            uint64_t h = word_hash(p, (size_t)(c - p));
            uint64_t key = synonym_first ? pair_key(h, fixed) : pair_key(fixed, h);
            if (add_broken(s, key, phrase) < 0)
                return -1;
        }
        p = c + 1;
    }
    return 0;
}

/* "first second\tcount\tsyn,syn\tsyn,syn" */
static int parse_line(slant_spin_table *s, const char *p, const char *e)
{
    const char *tab[3];
    const char *q = p;
    for (int k = 0; k < 3; k++) {
        tab[k] = memchr(q, '\t', (size_t)(e - q));
        if (!tab[k])
            return 1;
        q = tab[k] + 1;
    }
    const char *space = memchr(p, ' ', (size_t)(tab[0] - p));
    if (!space)
        return 1;
    if (slantp_grow(&s->phrase_off, &s->cap, s->n + 1, sizeof *s->phrase_off) < 0 ||
        !(s->phrase_key = realloc(s->phrase_key, s->cap * sizeof *s->phrase_key)))
        return -1;
    uint64_t first = word_hash(p, (size_t)(space - p));
    uint64_t second = word_hash(space + 1, (size_t)(tab[0] - space - 1));
    s->phrase_off[s->n] = s->names.len;
    s->phrase_key[s->n] = pair_key(first, second);
    if (slantp_buf_append(&s->names, p, (size_t)(tab[0] - p)) < 0 ||
        slantp_buf_append(&s->names, "", 1) < 0 ||
        add_list(s, tab[1] + 1, tab[2], second, 1, s->n) < 0 ||
        add_list(s, tab[2] + 1, e, first, 0, s->n) < 0)
        return -1;
    s->n++;
    return 0;
}

slant_spin_table *slant_spin_load(const char *path, slant_error *err)
{
    slantp_buf file = {0};
    slantp_error_clear(err);
    if (slantp_read_file(path, (size_t)64 << 20, &file, err) != SLANT_OK)
        return NULL;
    slant_spin_table *s = calloc(1, sizeof *s);
    int rc = s && slantp_keytab_init(&s->broken, 1 << 16) == 0 &&
                     (s->filter = calloc((size_t)1 << (FILTER_BITS - 6), sizeof *s->filter))
                 ? 0 : -1;
    const char *p = file.data, *end = file.data + file.len;
    long line = 0;
    while (rc == 0 && p && p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        line++;
        if (line == 1 && (e - p < 22 || memcmp(p, "# slant collocations 1", 22) != 0))
            rc = 2;
        else if (*p != '#' && e > p)
            rc = parse_line(s, p, e);
        p = e + 1;
    }
    slantp_buf_release(&file);
    if (rc == 0)
        return s;
    if (rc < 0)
        slantp_error(err, SLANT_ENOMEM, path, -1, -1, "out of memory");
    else
        slantp_error(err, SLANT_EFORMAT, path, line, 1,
                     rc == 2 ? "not a slant collocation table" : "malformed collocation line");
    slant_spin_free(s);
    return NULL;
}

void slant_spin_free(slant_spin_table *s)
{
    if (!s)
        return;
    slantp_keytab_release(&s->broken);
    free(s->filter);
    free(s->phrase_off);
    free(s->phrase_key);
    slantp_buf_release(&s->names);
    free(s);
}

size_t slant_spin_ncollocations(const slant_spin_table *s)
{
    return s->n;
}

static void fill_hit(const slant_spin_table *s, const char *text, const tracep_words *w, size_t i,
                     uint32_t phrase, slant_spin_hit *hit)
{
    hit->start = w->toks.v[i].start;
    hit->end = w->toks.v[i + 1].end;
    size_t n = hit->end - hit->start;
    if (n >= sizeof hit->found)
        n = sizeof hit->found - 1;
    memcpy(hit->found, text + hit->start, n);
    hit->found[n] = '\0';
    snprintf(hit->collocation, sizeof hit->collocation, "%s", s->names.data + s->phrase_off[phrase]);
}

static int has_pair(const uint64_t *pairs, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++)
        if (pairs[i] == key)
            return 1;
    return 0;
}

size_t slant_spin_scan(const slant_spin_table *s, const char *text, size_t len,
                       slant_spin_hit *out, size_t max, slant_error *err)
{
    tracep_words w = {0};
    uint64_t *pairs = NULL;
    size_t found = (size_t)-1, np = 0;
    slantp_error_clear(err);
    if (tracep_words_of(&w, text, len) < 0 || !(pairs = malloc((w.n + 1) * sizeof *pairs)))
        goto out;
    for (size_t i = 0; i + 1 < w.n; i++)
        if (!(w.flags[i + 1] & TRACEP_W_BREAK))
            pairs[np++] = pair_key(w.h[i], w.h[i + 1]);
    found = 0;
    for (size_t i = 0, k = 0; i + 1 < w.n; i++) {
        if (w.flags[i + 1] & TRACEP_W_BREAK)
            continue;
        uint64_t key = pairs[k++], bit = key >> (64 - FILTER_BITS);
        if (!(s->filter[bit >> 6] >> (bit & 63) & 1))
            continue;
        const uint32_t *phrase = slantp_keytab_find(&s->broken, key);
        if (!phrase || has_pair(pairs, np, s->phrase_key[*phrase]))
            continue;
        if (out && found < max)
            fill_hit(s, text, &w, i, *phrase, &out[found]);
        found++;
    }
out:
    if (found == (size_t)-1)
        slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    free(pairs);
    tracep_words_release(&w);
    return found;
}
