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

#include "classify.h"
#include "io.h"
#include "model.h"
#include "stem.h"
#include "trace_private.h"

#define FILTER_BITS 20          /* 2^20 bits for ~83,000 broken forms: ~8% let through */

struct slant_spin_table {
    slantp_keytab broken;   /* pair key -> collocation index */
    uint64_t *filter;       /* bit (key >> (64 - FILTER_BITS)) set for every broken form */
    size_t *phrase_off;     /* collocation index -> its text in 'names' */
    uint64_t *phrase_key;   /* collocation index -> its own pair key */
    size_t n, cap;
    slantp_buf names;
    /* the words themselves, for binding the table to a model's stems
     * (slantp_spin_bind): every word once, each broken form's two words
     * and each collocation's */
    slantp_strtab words;
    uint32_t (*form)[2];
    size_t nform, form_cap;
    uint32_t (*phrase_word)[2];
};

/* The table bound to one model: what a stem id (+ 1, 0 for a word the
 * model does not know) can be in a broken form, and which stem pairs
 * broken forms make. A classification has every token's stem id at hand,
 * so these turn nearly every word pair away with two byte loads, before
 * any word is hashed. */
struct slantp_spin_index {
    const slant_spin_table *s;
    uint32_t *role;             /* stem id + 1 -> its roles (below) */
    size_t nroles;
    uint64_t *filter;           /* bit of mix(stem pair) for every broken form */
    int32_t (*phrase_sid)[2];   /* collocation -> the stem ids of its two words */
};

/* A word's class, as a bit of 16: a word the model knows by the hash of
 * its stem id (bits 0 to 7); one it does not know (stem id -1: names,
 * rare words) by its first letter (bits 8 to 14) or as not starting with
 * a letter (bit 15). A stem's roles: the classes of the words that follow
 * it in broken forms (bits 0 to 15) and of those that precede it (bits 16
 * to 31); role 0 is every unknown word's. A pair of words passes when
 * each is in the other's roles. */
#define UNKNOWN_ANY 0xff00u

static inline uint32_t known_class(int32_t sid)
{
    return 1u << ((uint32_t)sid * 0x9e3779b1u >> 29);
}

static inline uint32_t letter_class(unsigned char c)
{
    return 1u << (8 + (c | 0x20) % 7);
}

/* The class of a token of the text. A letter stays itself through the
 * normalizer but for a combining mark after it (then the normalized word
 * starts with a non-ASCII letter: see table_class); a word that does not
 * start with an ASCII byte may fold to one, so it may be in any class. */
static inline uint32_t token_class(int32_t sid, unsigned char c)
{
    if (sid >= 0)
        return known_class(sid);
    if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
        return letter_class(c);
    return c < 0x80 ? 0x8000u : UNKNOWN_ANY;
}

/* The class of a word of the table, as its tokens will have it: a word
 * that starts with a non-ASCII byte may come from a letter and a
 * combining mark, "<url>" from a URL starting with a letter. */
static inline uint32_t table_class(int32_t sid, const char *w)
{
    unsigned char c = (unsigned char)w[0];
    if (sid >= 0)
        return known_class(sid);
    if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
        return letter_class(c);
    return c < 0x80 && c != '<' ? 0x8000u : UNKNOWN_ANY;
}
#define STEM_FILTER_BITS 20     /* 2^14 words of 64 bits: 128 KB */

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

/* The id of a word in s->words, or -1 on memory. */
static long word_id(slant_spin_table *s, const char *p, size_t n)
{
    return slantp_strtab_intern(&s->words, p, n);
}

static int add_form(slant_spin_table *s, long first, long second)
{
    if (first < 0 || second < 0 ||
        slantp_grow(&s->form, &s->form_cap, s->nform + 1, sizeof *s->form) < 0)
        return -1;
    s->form[s->nform][0] = (uint32_t)first;
    s->form[s->nform][1] = (uint32_t)second;
    s->nform++;
    return 0;
}

/* The comma-separated synonyms in [p, e), each paired with the fixed word
 * (its hash and its id in s->words). */
static int add_list(slant_spin_table *s, const char *p, const char *e, uint64_t fixed,
                    long fixed_id, int synonym_first, size_t phrase)
{
    while (p < e) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        if (!c)
            c = e;
        if (c > p) {
            uint64_t h = word_hash(p, (size_t)(c - p));
            uint64_t key = synonym_first ? pair_key(h, fixed) : pair_key(fixed, h);
            long id = word_id(s, p, (size_t)(c - p));
            if (add_broken(s, key, phrase) < 0 ||
                add_form(s, synonym_first ? id : fixed_id, synonym_first ? fixed_id : id) < 0)
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
    size_t cap = s->cap;
    if (slantp_grow(&s->phrase_off, &s->cap, s->n + 1, sizeof *s->phrase_off) < 0)
        return -1;
    if (s->cap != cap) {
        uint64_t *k = realloc(s->phrase_key, s->cap * sizeof *s->phrase_key);
        if (k)
            s->phrase_key = k;
        uint32_t (*w)[2] = realloc(s->phrase_word, s->cap * sizeof *s->phrase_word);
        if (w)
            s->phrase_word = w;
        if (!k || !w) {
            s->cap = cap;       /* the other arrays keep the old size */
            return -1;
        }
    }
    uint64_t first = word_hash(p, (size_t)(space - p));
    uint64_t second = word_hash(space + 1, (size_t)(tab[0] - space - 1));
    long first_id = word_id(s, p, (size_t)(space - p));
    long second_id = word_id(s, space + 1, (size_t)(tab[0] - space - 1));
    if (first_id < 0 || second_id < 0)
        return -1;
    s->phrase_off[s->n] = s->names.len;
    s->phrase_key[s->n] = pair_key(first, second);
    s->phrase_word[s->n][0] = (uint32_t)first_id;
    s->phrase_word[s->n][1] = (uint32_t)second_id;
    if (slantp_buf_append(&s->names, p, (size_t)(tab[0] - p)) < 0 ||
        slantp_buf_append(&s->names, "", 1) < 0 ||
        add_list(s, tab[1] + 1, tab[2], second, second_id, 1, s->n) < 0 ||
        add_list(s, tab[2] + 1, e, first, first_id, 0, s->n) < 0)
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
    /* a broken form for every synonym (a comma or a tab before each), so
     * the table is made at its final size and never rehashed */
    size_t forms = 0;
    for (size_t i = 0; i < file.len; i++)
        forms += file.data[i] == ',' || file.data[i] == '\t';
    slant_spin_table *s = calloc(1, sizeof *s);
    int rc = s && slantp_keytab_init(&s->broken, forms + 16) == 0 &&
                     slantp_strtab_init(&s->words, forms / 4 + 16) == 0 &&
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
    free(s->phrase_word);
    free(s->form);
    slantp_strtab_release(&s->words);
    slantp_buf_release(&s->names);
    free(s);
}

size_t slant_spin_ncollocations(const slant_spin_table *s)
{
    return s->n;
}

static void fill_hit(const slant_spin_table *s, const char *text, const slantp_tokens *toks,
                     size_t i, uint32_t phrase, slant_spin_hit *hit)
{
    hit->start = toks->v[i].start;
    hit->end = toks->v[i + 1].end;
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
            fill_hit(s, text, &w.toks, i, *phrase, &out[found]);
        found++;
    }
out:
    if (found == (size_t)-1)
        slantp_error(err, SLANT_ENOMEM, "", -1, -1, "out of memory");
    free(pairs);
    tracep_words_release(&w);
    return found;
}

/* ---------------------------------------------------------------- beside a classification */

/* A stem pair's place in the filter: a 64-bit word of it (the top bits
 * of a hash) and three bits in that word (the low bits): one load for a
 * test, and with ~70,000 pairs in 2^14 words about one false pass in 150. */
static uint64_t stem_pair_hash(int32_t first, int32_t second)
{
    return tracep_mix((uint64_t)(uint32_t)(first + 1) << 32 | (uint32_t)(second + 1));
}

static inline size_t stem_word(uint64_t k)
{
    return (size_t)(k >> (64 - (STEM_FILTER_BITS - 6)));
}

static inline uint64_t stem_bits(uint64_t k)
{
    return (uint64_t)1 << (k & 63) | (uint64_t)1 << (k >> 6 & 63) | (uint64_t)1 << (k >> 12 & 63);
}

void slantp_spin_index_free(slantp_spin_index *x)
{
    if (!x)
        return;
    free(x->role);
    free(x->filter);
    free(x->phrase_sid);
    free(x);
}

slantp_spin_index *slantp_spin_bind(const slant_spin_table *s, const slant_model *m,
                                    slant_error *err)
{
    slantp_stemmer st;
    int32_t *sid = NULL;
    slantp_error_clear(err);
    /* a stemmer of its own: the table's words stay out of the caches the
     * workspaces share */
    if (slantp_stemmer_init(&st, m->language, &m->stems, NULL, err) != SLANT_OK)
        return NULL;
    slantp_spin_index *x = calloc(1, sizeof *x);
    size_t nw = s->words.n;
    if (!x || !(sid = malloc((nw + 1) * sizeof *sid)))
        goto nomem;
    x->s = s;
    x->nroles = m->stems.n + 1;
    if (!(x->role = calloc(x->nroles, sizeof *x->role)) ||
        !(x->filter = calloc((size_t)1 << (STEM_FILTER_BITS - 6), sizeof *x->filter)) ||
        !(x->phrase_sid = malloc((s->n + 1) * sizeof *x->phrase_sid)))
        goto nomem;
    for (size_t i = 0; i < nw; i++) {
        const char *w = slantp_strtab_key(&s->words, i);
        int32_t id = slantp_stem_id(&st, w, s->words.lens[i]);
        if (id < -1)
            goto nomem;
        sid[i] = id;
    }
    for (size_t f = 0; f < s->nform; f++) {
        int32_t a = sid[s->form[f][0]], b = sid[s->form[f][1]];
        uint32_t ca = table_class(a, slantp_strtab_key(&s->words, s->form[f][0]));
        uint32_t cb = table_class(b, slantp_strtab_key(&s->words, s->form[f][1]));
        x->role[a + 1] |= cb;
        x->role[b + 1] |= ca << 16;
        uint64_t k = stem_pair_hash(a, b);
        x->filter[stem_word(k)] |= stem_bits(k);
    }
    for (size_t c = 0; c < s->n; c++) {
        x->phrase_sid[c][0] = sid[s->phrase_word[c][0]];
        x->phrase_sid[c][1] = sid[s->phrase_word[c][1]];
    }
    free(sid);
    slantp_stemmer_release(&st);
    return x;
nomem:
    free(sid);
    slantp_stemmer_release(&st);
    slantp_spin_index_free(x);
    slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return NULL;
}

/* The stem id of token i of a classified document. */
static inline int32_t doc_sid(const slantp_docfeat *d, size_t i)
{
    return d->has_rec ? (int32_t)(d->rec[i] & SLANTP_REC_SID_MASK) - 1 : d->sid[i];
}

/* The pair key of tokens i and i + 1, as slant_spin_scan makes it. */
static int token_pair_key(const char *text, const slantp_tokens *t, size_t i, slantp_buf *norm,
                          uint64_t *key)
{
    uint64_t a, b;
    if (tracep_word_hash(text + t->v[i].start, t->v[i].end - t->v[i].start, norm, &a) < 0 ||
        tracep_word_hash(text + t->v[i + 1].start, t->v[i + 1].end - t->v[i + 1].start, norm,
                         &b) < 0)
        return -1;
    *key = pair_key(a, b);
    return 0;
}

/* Whether collocation c itself is a word pair of the document: 1, 0, or
 * -1 on memory. */
static int has_phrase(const slantp_spin_index *x, const char *text, const slantp_docfeat *d,
                      uint32_t c, slantp_buf *norm)
{
    const slantp_tokens *t = &d->toks;
    int32_t a = x->phrase_sid[c][0], b = x->phrase_sid[c][1];
    for (size_t i = 0; i + 1 < t->n; i++) {
        if ((t->v[i + 1].flags & SLANTP_TOK_BREAK) || doc_sid(d, i) != a ||
            doc_sid(d, i + 1) != b)
            continue;
        uint64_t key;
        if (token_pair_key(text, t, i, norm, &key) < 0)
            return -1;
        if (key == x->s->phrase_key[c])
            return 1;
    }
    return 0;
}

/* The same hits as slant_spin_scan, in the same order, from the tokens
 * and stem ids the classifier already has: a pair's words are hashed
 * only when their stems can make a broken form. */
int slantp_spin_find(const slantp_spin_index *x, const char *text, const slantp_docfeat *d,
                     slantp_buf *norm, slant_spin_hit **hits, size_t *n, size_t *cap)
{
    const slant_spin_table *s = x->s;
    const slantp_tokens *t = &d->toks;
    const uint32_t *role = x->role;
    *n = 0;
    if (t->n < 2)
        return 0;
    int32_t next = doc_sid(d, 0);
    uint32_t next_class = token_class(next, (unsigned char)text[t->v[0].start]);
    for (size_t i = 0; i + 1 < t->n; i++) {
        int32_t cur = next;
        uint32_t cur_class = next_class;
        next = doc_sid(d, i + 1);
        next_class = token_class(next, (unsigned char)text[t->v[i + 1].start]);
        if (!(role[cur + 1] & next_class) || !(role[next + 1] >> 16 & cur_class) ||
            (t->v[i + 1].flags & SLANTP_TOK_BREAK))
            continue;
        uint64_t k = stem_pair_hash(cur, next), bits = stem_bits(k);
        if ((x->filter[stem_word(k)] & bits) != bits)
            continue;
        uint64_t key;
        if (token_pair_key(text, t, i, norm, &key) < 0)
            return -1;
        uint64_t kbit = key >> (64 - FILTER_BITS);
        if (!(s->filter[kbit >> 6] >> (kbit & 63) & 1))
            continue;
        const uint32_t *phrase = slantp_keytab_find(&s->broken, key);
        if (!phrase)
            continue;
        int has = has_phrase(x, text, d, *phrase, norm);
        if (has < 0)
            return -1;
        if (has)
            continue;
        if (slantp_grow(hits, cap, *n + 1, sizeof **hits) < 0)
            return -1;
        fill_hit(s, text, t, i, *phrase, &(*hits)[(*n)++]);
    }
    return 0;
}
