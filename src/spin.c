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

#define BUCKET_BITS 16
#define FILTER_BITS 20          /* 2^20 bits for ~83,000 broken forms: ~8% let through */

struct slant_spin_table {
    /* every broken form: its pair key and collocation, in file order,
     * then sorted by key (stable) into 2^BUCKET_BITS buckets of the key's
     * top bits: a lookup reads a bucket's start and one or two keys. A
     * key met twice stands for the collocation first given. */
    uint64_t *key, *sorted_key;
    uint32_t *phrase_of, *sorted_phrase;
    uint32_t *bucket;       /* bucket b is sorted[bucket[b], bucket[b + 1]) */
    uint64_t *filter;       /* bit (key >> (64 - FILTER_BITS)) set for every broken form */
    size_t *phrase_off;     /* collocation index -> its text in 'names' */
    uint64_t *phrase_key;   /* collocation index -> its own pair key */
    size_t n, cap;
    slantp_buf names;
    /* the words themselves, for binding the table to a model's stems
     * (slantp_spin_bind): every word once, each broken form's two words
     * and each collocation's */
    uint64_t *word_slot;    /* open addressing: a word's hash (0 = empty) ... */
    uint32_t *word_slot_id; /* ... and its id */
    size_t word_slots;
    size_t *word_off;       /* id -> its text in word_text, NUL-terminated */
    size_t nwords, words_cap;
    slantp_buf word_text;
    uint32_t (*form)[2];
    size_t nform, form_cap;
    uint32_t (*phrase_word)[2];
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


static const char *word_text(const slant_spin_table *s, uint32_t id)
{
    return s->word_text.data + s->word_off[id];
}

static int words_rehash(slant_spin_table *s)
{
    size_t ns = s->word_slots ? 2 * s->word_slots : (size_t)1 << 15;
    uint64_t *h = calloc(ns, sizeof *h);
    uint32_t *id = malloc(ns * sizeof *id);
    if (!h || !id) {
        free(h);
        free(id);
        return -1;
    }
    for (size_t i = 0; i < s->word_slots; i++) {
        if (!s->word_slot[i])
            continue;
        size_t j = (size_t)s->word_slot[i] & (ns - 1);
        while (h[j])
            j = (j + 1) & (ns - 1);
        h[j] = s->word_slot[i];
        id[j] = s->word_slot_id[i];
    }
    free(s->word_slot);
    free(s->word_slot_id);
    s->word_slot = h;
    s->word_slot_id = id;
    s->word_slots = ns;
    return 0;
}

/* The id of the word [p, p + n) whose hash is h (word_hash), the word
 * added if new; -1 on memory. Words are told apart by their 64-bit hash,
 * as broken forms are by their pair keys. */
static long word_id(slant_spin_table *s, const char *p, size_t n, uint64_t h)
{
    if ((s->nwords + 1) * 2 > s->word_slots && words_rehash(s) < 0)
        return -1;
    uint64_t key = slantp_hash_u64(h) | 1;
    size_t mask = s->word_slots - 1, i = (size_t)key & mask;
    for (; s->word_slot[i]; i = (i + 1) & mask)
        if (s->word_slot[i] == key)
            return s->word_slot_id[i];
    if (slantp_grow(&s->word_off, &s->words_cap, s->nwords + 1, sizeof *s->word_off) < 0)
        return -1;
    s->word_off[s->nwords] = s->word_text.len;
    if (slantp_buf_append(&s->word_text, p, n) < 0 || slantp_buf_append(&s->word_text, "", 1) < 0)
        return -1;
    s->word_slot[i] = key;
    s->word_slot_id[i] = (uint32_t)s->nwords;
    return (long)s->nwords++;
}

/* A broken form: its pair key, its collocation and its two words. */
static int add_form(slant_spin_table *s, uint64_t key, size_t phrase, long first, long second)
{
    if (first < 0 || second < 0)
        return -1;
    if (s->nform == s->form_cap) {
        size_t cap = s->form_cap ? 2 * s->form_cap : 1024;
        uint32_t (*f)[2] = realloc(s->form, cap * sizeof *s->form);
        if (f)
            s->form = f;
        uint64_t *k = realloc(s->key, cap * sizeof *s->key);
        if (k)
            s->key = k;
        uint32_t *ph = realloc(s->phrase_of, cap * sizeof *s->phrase_of);
        if (ph)
            s->phrase_of = ph;
        if (!f || !k || !ph)
            return -1;
        s->form_cap = cap;
    }
    s->form[s->nform][0] = (uint32_t)first;
    s->form[s->nform][1] = (uint32_t)second;
    s->key[s->nform] = key;
    s->phrase_of[s->nform] = (uint32_t)phrase;
    s->nform++;
    uint64_t bit = key >> (64 - FILTER_BITS);
    s->filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
    return 0;
}

/* Sort the broken forms into their buckets (a counting sort: stable). */
static int sort_forms(slant_spin_table *s)
{
    size_t nb = (size_t)1 << BUCKET_BITS;
    if (!(s->bucket = calloc(nb + 1, sizeof *s->bucket)) ||
        !(s->sorted_key = malloc((s->nform + 1) * sizeof *s->sorted_key)) ||
        !(s->sorted_phrase = malloc((s->nform + 1) * sizeof *s->sorted_phrase)))
        return -1;
    for (size_t f = 0; f < s->nform; f++)
        s->bucket[(s->key[f] >> (64 - BUCKET_BITS)) + 1]++;
    for (size_t b = 0; b < nb; b++)
        s->bucket[b + 1] += s->bucket[b];
    for (size_t f = 0; f < s->nform; f++) {
        uint32_t at = s->bucket[s->key[f] >> (64 - BUCKET_BITS)]++;
        s->sorted_key[at] = s->key[f];
        s->sorted_phrase[at] = s->phrase_of[f];
    }
    for (size_t b = nb; b > 0; b--)     /* each bucket's end back to the next one's start */
        s->bucket[b] = s->bucket[b - 1];
    s->bucket[0] = 0;
    return 0;
}

/* The collocation a broken form's key stands for, or NULL. */
static const uint32_t *find_form(const slant_spin_table *s, uint64_t key)
{
    size_t b = (size_t)(key >> (64 - BUCKET_BITS));
    for (uint32_t i = s->bucket[b]; i < s->bucket[b + 1]; i++)
        if (s->sorted_key[i] == key)
            return &s->sorted_phrase[i];
    return NULL;
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
            long id = word_id(s, p, (size_t)(c - p), h);
            if (add_form(s, key, phrase, synonym_first ? id : fixed_id,
                         synonym_first ? fixed_id : id) < 0)
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
    long first_id = word_id(s, p, (size_t)(space - p), first);
    long second_id = word_id(s, space + 1, (size_t)(tab[0] - space - 1), second);
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
    /* a broken form for every synonym: room for one every 8 bytes (the
     * shipped table has one every 9.5), grown if a table needs more */
    size_t forms = file.len / 8;
    slant_spin_table *s = calloc(1, sizeof *s);
    int rc = s && (s->form = malloc((forms + 1) * sizeof *s->form)) &&
                     (s->key = malloc((forms + 1) * sizeof *s->key)) &&
                     (s->phrase_of = malloc((forms + 1) * sizeof *s->phrase_of)) &&
                     (s->filter = calloc((size_t)1 << (FILTER_BITS - 6), sizeof *s->filter))
                 ? 0 : -1;
    if (rc == 0)
        s->form_cap = forms + 1;
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
    if (rc == 0 && sort_forms(s) < 0)
        rc = -1;
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
    free(s->key);
    free(s->phrase_of);
    free(s->sorted_key);
    free(s->sorted_phrase);
    free(s->bucket);
    free(s->filter);
    free(s->phrase_off);
    free(s->phrase_key);
    free(s->phrase_word);
    free(s->form);
    free(s->word_slot);
    free(s->word_slot_id);
    free(s->word_off);
    slantp_buf_release(&s->word_text);
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
        const uint32_t *phrase = find_form(s, key);
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

/* The table bound to one model. A classification has every token's stem
 * id at hand, so a word is known first by its place: a stem id of the
 * model, or, for a word the model does not know (names, rare words), its
 * first letter. Each place has its roles (the classes of the words that
 * follow it in a broken form, and of those before it); a pair passes
 * when each word is in the other's roles (one in seven do), then when
 * the second place's bit is set in the first one's own filter of the
 * places that follow it in broken forms (16 bits or more a follower: a
 * frequent first word's filter stays in the cache, where one filter of
 * all pairs would be read at random). Only the pairs left (about one in
 * fifty) have their words hashed, and are looked up as slant_spin_scan
 * looks up every pair.
 *
 * Places: 0 is a word that may fold to anything (it starts with a
 * non-ASCII byte: "Év..." may be "év..."; a table word so, or "<url>",
 * which a URL starting with a letter folds to, may be any unknown word);
 * 1 to 26 an unknown word starting with that letter, 27 with another
 * ASCII byte; 28 + id a stem of the model. */
enum { PLACE_ANY = 0, PLACE_OTHER = 27, PLACE_STEMS = 28 };

/* What is read of a place for every token is its coarse class and roles
 * (four classes: unknown words, and three of stems), 26 KB with the
 * shipped model, which stays in the nearest cache while the classifier
 * reads its weights; the finer roles and the filter are read for the
 * pairs it lets through, one cache line a place. */
typedef struct spin_place {
    uint32_t follow;            /* classes of the words that follow it in broken forms */
    uint32_t precede;           /* ... and of those that precede it */
    uint32_t filter_at;         /* its filter: 64 * (v >> 5) bits on, 2^(v & 31) of them;
                                 * no filter: 0 */
    uint32_t pad;
} spin_place;

struct slantp_spin_index {
    const slant_spin_table *s;
    size_t nplaces;
    uint64_t *in;               /* bit p: place p is in some broken form (1.6 KB) */
    uint16_t *coarse;           /* place -> bit c: a class-c word follows it; 4 + c: precedes;
                                 * bits 8 and 9: its own coarse class */
    spin_place *place;
    uint64_t *bits;             /* the places' filters of their followers */
    uint32_t (*phrase_place)[2];    /* collocation -> the places of its two words */
};

/* The place of an unknown word from its first byte (after folding, for
 * a word of the table; as written, for a token: ASCII letters fold to
 * themselves in lower case). */
static inline uint32_t unknown_place(unsigned char c, int of_table)
{
    unsigned char low = c | 0x20;
    if (low >= 'a' && low <= 'z')
        return 1u + (uint32_t)(low - 'a');
    if (c >= 0x80 || (of_table && c == '<'))
        return PLACE_ANY;
    return PLACE_OTHER;
}

/* A place's coarse class: 0 for an unknown word, 1 to 3 a hash of a
 * stem id. */
static inline unsigned coarse_class(uint32_t p)
{
    if (p < PLACE_STEMS)
        return 0;
    return 1u + (unsigned)(((uint64_t)((p - PLACE_STEMS) * 0x85ebca6bu) * 3) >> 32);
}

/* The class of a word at place p with 'length' bytes: a stem's by a
 * hash of both (bits 0 to 23), an unknown word's likewise in bits 24 to
 * 31, PLACE_ANY all of 24 to 31. The lengths tell "white house" from
 * "whiteness house", which the stemmer makes the same pair. */
static inline uint32_t place_class(uint32_t p, unsigned length)
{
    uint32_t h = (p * 32 + length) * 0x9e3779b1u;
    if (p >= PLACE_STEMS)
        return 1u << (((uint64_t)h * 24) >> 32);
    if (p == PLACE_ANY)
        return 0xff000000u;
    return 1u << (24 + (h >> 29));
}


void slantp_spin_index_free(slantp_spin_index *x)
{
    if (!x)
        return;
    free(x->in);
    free(x->coarse);
    free(x->place);
    free(x->bits);
    free(x->phrase_place);
    free(x);
}

/* A broken form (places a and b) into the roles. A table word at
 * PLACE_ANY may be met at any unknown place. */
static void add_roles(slantp_spin_index *x, uint32_t a, uint32_t b, uint32_t class_a,
                      uint32_t class_b)
{
    uint32_t a_lo = a == PLACE_ANY ? 0 : a, a_hi = a == PLACE_ANY ? PLACE_STEMS : a + 1;
    uint32_t b_lo = b == PLACE_ANY ? 0 : b, b_hi = b == PLACE_ANY ? PLACE_STEMS : b + 1;
    for (uint32_t i = a_lo; i < a_hi; i++) {
        x->place[i].follow |= class_b;
        x->coarse[i] |= (uint16_t)(1u << coarse_class(b));
    }
    for (uint32_t j = b_lo; j < b_hi; j++) {
        x->place[j].precede |= class_a;
        x->coarse[j] |= (uint16_t)(16u << coarse_class(a));
    }
}

/* The follower filters know a pair by its places and the byte lengths of
 * its two words, which tells "white house" from "whiteness house" (the
 * stemmer makes "white" of both). A token of ASCII bytes has the length
 * of its normalized word (but a URL: "<url>"); one with another byte is
 * not looked up in the filters. Lengths over LENGTH_MAX count as it. */
enum { LENGTH_MAX = 31, LENGTH_ANY = 32 };

/* The length of a word of the table as its tokens' lengths: 0 when only a
 * token with a non-ASCII byte can be it, LENGTH_ANY for "<url>". */
static unsigned table_length(const char *w)
{
    size_t n = 0;
    for (; w[n]; n++)
        if ((unsigned char)w[n] >= 0x80)
            return 0;
    if (strcmp(w, "<url>") == 0)
        return LENGTH_ANY;
    return n < LENGTH_MAX ? (unsigned)n : LENGTH_MAX;
}

/* The length of token i for the filters, or 0 when it has a non-ASCII
 * byte. */
static inline unsigned token_length(const char *text, const slantp_tokens *t, size_t i)
{
    const unsigned char *p = (const unsigned char *)text + t->v[i].start;
    size_t n = t->v[i].end - t->v[i].start;
    unsigned char any = 0;
    for (size_t k = 0; k < n; k++)
        any |= p[k];
    if (any & 0x80)
        return 0;
    return n < LENGTH_MAX ? (unsigned)n : LENGTH_MAX;
}

/* The class of a word of the table at place p, of length class 'length'
 * (table_length), as the tokens it may be are seen: "<url>" may be met
 * at any length; a word with a non-ASCII byte only by a token that has
 * one, which is in every class. */
static uint32_t table_class(uint32_t p, unsigned length)
{
    if (length != LENGTH_ANY)
        return place_class(p, length);
    uint32_t c = 0;
    for (unsigned l = 1; l <= LENGTH_MAX; l++)
        c |= place_class(p, l);
    return c;
}

/* A follower in the filter of the first word's place: the second word's
 * place (22 bits: ids below 2^21, see SLANTP_MAX_STEMS) and both lengths. */
static inline uint32_t follower_key(uint32_t b, unsigned la, unsigned lb)
{
    return b | (uint32_t)la << 22 | (uint32_t)lb << 27;
}

/* The bit of a follower in a filter of 2^log2 bits. */
static inline uint64_t follower_bit(uint32_t key, unsigned log2)
{
    return ((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> (64 - log2);
}

/* Each place's filter of its followers, from the place pairs (a << 32 |
 * b) of the broken forms: 16 bits a pair or more, a power of two of at
 * least 64, all in one array. */
static int build_filters(slantp_spin_index *x, const uint64_t *pairs, size_t n)
{
    uint32_t *count = calloc(x->nplaces, sizeof *count);
    if (!count)
        return -1;
    for (size_t k = 0; k < n; k++)
        count[pairs[k] >> 32]++;
    size_t words = 0;
    for (size_t p = 0; p < x->nplaces; p++) {
        if (!count[p])
            continue;
        unsigned log2 = 6;
        while (((size_t)1 << log2) < (size_t)count[p] * 16)
            log2++;
        x->place[p].filter_at = (uint32_t)words << 5 | log2;
        words += (size_t)1 << (log2 - 6);
    }
    free(count);
    if (words >= (size_t)1 << 27 || !(x->bits = calloc(words + 1, sizeof *x->bits)))
        return -1;
    for (size_t k = 0; k < n; k++) {
        uint32_t at = x->place[pairs[k] >> 32].filter_at;
        uint64_t bit = follower_bit((uint32_t)pairs[k], at & 31);
        x->bits[(at >> 5) + (bit >> 6)] |= (uint64_t)1 << (bit & 63);
    }
    return 0;
}



slantp_spin_index *slantp_spin_bind(const slant_spin_table *s, const slant_model *m,
                                    slant_error *err)
{
    slantp_stemmer st;
    uint32_t *place = NULL;
    unsigned char *length = NULL;
    uint64_t *pairs = NULL;
    size_t npairs = 0, cap = 0;
    slantp_error_clear(err);
    /* a stemmer of its own: the table's words stay out of the caches the
     * workspaces share */
    if (slantp_stemmer_init(&st, m->language, &m->stems, NULL, err) != SLANT_OK)
        return NULL;
    slantp_spin_index *x = calloc(1, sizeof *x);
    size_t nw = s->nwords;
    if (!x || !(place = malloc((nw + 1) * sizeof *place)) || !(length = malloc(nw + 1)))
        goto nomem;
    x->s = s;
    x->nplaces = PLACE_STEMS + m->stems.n;
    if (!(x->in = calloc(x->nplaces / 64 + 1, sizeof *x->in)) ||
        !(x->coarse = calloc(x->nplaces, sizeof *x->coarse)) ||
        !(x->place = calloc(x->nplaces, sizeof *x->place)) ||
        !(x->phrase_place = malloc((s->n + 1) * sizeof *x->phrase_place)) ||
        slantp_grow(&pairs, &cap, s->nform + 1, sizeof *pairs) < 0)
        goto nomem;
    for (size_t i = 0; i < nw; i++) {
        const char *w = word_text(s, (uint32_t)i);
        int32_t id = slantp_stem_lookup(&st, w, strlen(w));
        if (id < -1)
            goto nomem;
        place[i] = id >= 0 ? PLACE_STEMS + (uint32_t)id : unknown_place((unsigned char)w[0], 1);
        length[i] = (unsigned char)table_length(w);
    }
    for (size_t f = 0; f < s->nform; f++) {
        uint32_t a = place[s->form[f][0]], b = place[s->form[f][1]];
        unsigned la = length[s->form[f][0]], lb = length[s->form[f][1]];
        add_roles(x, a, b, table_class(a, la), table_class(b, lb));
        if (!la || !lb)
            continue;       /* met only by a token with a non-ASCII byte, never filtered */
        uint32_t a_lo = a == PLACE_ANY ? 1 : a, a_hi = a == PLACE_ANY ? PLACE_STEMS : a + 1;
        uint32_t b_lo = b == PLACE_ANY ? 1 : b, b_hi = b == PLACE_ANY ? PLACE_STEMS : b + 1;
        unsigned la_lo = la == LENGTH_ANY ? 1 : la, la_hi = la == LENGTH_ANY ? LENGTH_MAX + 1 : la + 1;
        unsigned lb_lo = lb == LENGTH_ANY ? 1 : lb, lb_hi = lb == LENGTH_ANY ? LENGTH_MAX + 1 : lb + 1;
        for (uint32_t i = a_lo; i < a_hi; i++)
            for (uint32_t j = b_lo; j < b_hi; j++)
                for (unsigned li = la_lo; li < la_hi; li++)
                    for (unsigned lj = lb_lo; lj < lb_hi; lj++) {
                        if (slantp_grow(&pairs, &cap, npairs + 1, sizeof *pairs) < 0)
                            goto nomem;
                        pairs[npairs++] = (uint64_t)i << 32 | follower_key(j, li, lj);
                    }
    }
    /* a token at PLACE_ANY may be any unknown word */
    for (uint32_t p = 1; p < PLACE_STEMS; p++) {
        x->place[PLACE_ANY].follow |= x->place[p].follow;
        x->place[PLACE_ANY].precede |= x->place[p].precede;
        x->coarse[PLACE_ANY] |= x->coarse[p];
    }
    for (uint32_t p = 0; p < x->nplaces; p++) {
        x->in[p >> 6] |= (uint64_t)(x->coarse[p] != 0) << (p & 63);
        x->coarse[p] |= (uint16_t)(coarse_class(p) << 8);
    }
    if (build_filters(x, pairs, npairs) < 0)
        goto nomem;
    for (size_t c = 0; c < s->n; c++) {
        x->phrase_place[c][0] = place[s->phrase_word[c][0]];
        x->phrase_place[c][1] = place[s->phrase_word[c][1]];
    }
    free(pairs);
    free(place);
    free(length);
    slantp_stemmer_release(&st);
    return x;
nomem:
    free(pairs);
    free(place);
    free(length);
    slantp_stemmer_release(&st);
    slantp_spin_index_free(x);
    slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return NULL;
}

/* The place of token i of a classified document. */
static inline uint32_t token_place(const slantp_docfeat *d, const char *text, size_t i)
{
    int32_t sid = d->has_rec ? (int32_t)(d->rec[i] & SLANTP_REC_SID_MASK) - 1 : d->sid[i];
    if (sid >= 0)
        return PLACE_STEMS + (uint32_t)sid;
    return unknown_place((unsigned char)text[d->toks.v[i].start], 0);
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

/* Whether two places can hold the same word: equal, or one of them
 * PLACE_ANY and the other an unknown word's. */
static inline int same_place(uint32_t token, uint32_t table)
{
    return token == table ||
           ((token == PLACE_ANY || table == PLACE_ANY) && token < PLACE_STEMS &&
            table < PLACE_STEMS);
}

/* Whether collocation c itself is a word pair of the document: 1, 0, or
 * -1 on memory. */
static int has_phrase(const slantp_spin_index *x, const char *text, const slantp_docfeat *d,
                      uint32_t c, slantp_buf *norm)
{
    const slantp_tokens *t = &d->toks;
    uint32_t a = x->phrase_place[c][0], b = x->phrase_place[c][1];
    for (size_t i = 0; i + 1 < t->n; i++) {
        if ((t->v[i + 1].flags & SLANTP_TOK_BREAK) || !same_place(token_place(d, text, i), a) ||
            !same_place(token_place(d, text, i + 1), b))
            continue;
        uint64_t key;
        if (token_pair_key(text, t, i, norm, &key) < 0)
            return -1;
        if (key == x->s->phrase_key[c])
            return 1;
    }
    return 0;
}

/* A pair still in the running: token i and the places of i and i + 1;
 * then the follower filter's word and bit to test (word -1: none). */
struct slantp_spin_pair {
    uint32_t i, cur, next, bit;
    size_t word;
};

/* The same hits as slant_spin_scan, in the same order, from the tokens
 * and stem ids the classifier already has. The tests that read memory at
 * random go in passes over the pairs still in the running, each pass
 * asking for the next one's cache lines first, so that the misses (the
 * classifier has just filled the caches with its weights) overlap
 * instead of coming one after another. */
int slantp_spin_find(const slantp_spin_index *x, const char *text, const slantp_docfeat *d,
                     slantp_buf *norm, slantp_spin_pairs *scratch, slant_spin_hit **hits,
                     size_t *n, size_t *cap)
{
    const slant_spin_table *s = x->s;
    const slantp_tokens *t = &d->toks;
    const uint16_t *coarse = x->coarse;
    const uint64_t *in = x->in;
    const spin_place *P = x->place;
    *n = 0;
    if (t->n < 2)
        return 0;
    /* the coarse roles (in the nearest cache) and sentence breaks */
    size_t np = 0;
    uint32_t next = token_place(d, text, 0);
    for (size_t i = 0; i + 1 < t->n; i++) {
        uint32_t cur = next;
        next = token_place(d, text, i + 1);
        if (!(in[cur >> 6] >> (cur & 63) & 1) || !(in[next >> 6] >> (next & 63) & 1))
            continue;
        unsigned cur_roles = coarse[cur], next_roles = coarse[next];
        if (!(cur_roles >> (next_roles >> 8) & 1) ||
            !(next_roles >> (4 + (cur_roles >> 8)) & 1) ||
            (t->v[i + 1].flags & SLANTP_TOK_BREAK))
            continue;
        if (slantp_grow(&scratch->v, &scratch->cap, np + 1, sizeof *scratch->v) < 0)
            return -1;
        scratch->v[np++] = (struct slantp_spin_pair){(uint32_t)i, cur, next, 0, 0};
        slantp_prefetch(&P[cur]);
        slantp_prefetch(&P[next]);
    }
    /* the roles with the words' lengths, and where the follower filter is */
    struct slantp_spin_pair *v = scratch->v;
    size_t kept = 0;
    for (size_t k = 0; k < np; k++) {
        size_t i = v[k].i;
        uint32_t a = v[k].cur, b = v[k].next;
        /* a token with a non-ASCII byte (length 0) may be in any class */
        unsigned la = token_length(text, t, i), lb = token_length(text, t, i + 1);
        uint32_t ca = la ? place_class(a, la) : ~0u, cb = lb ? place_class(b, lb) : ~0u;
        if (!(P[a].follow & cb) || !(P[b].precede & ca))
            continue;
        v[kept] = v[k];
        v[kept].word = (size_t)-1;
        if (la && lb) {
            uint32_t at = P[a].filter_at;
            if (!at)
                continue;
            uint64_t bit = follower_bit(follower_key(b, la, lb), at & 31);
            v[kept].word = (at >> 5) + (size_t)(bit >> 6);
            v[kept].bit = (uint32_t)(bit & 63);
            slantp_prefetch(&x->bits[v[kept].word]);
        }
        kept++;
    }
    /* the follower filters, then the words themselves */
    for (size_t k = 0; k < kept; k++) {
        if (v[k].word != (size_t)-1 && !(x->bits[v[k].word] >> v[k].bit & 1))
            continue;
        size_t i = v[k].i;
        uint64_t key;
        if (token_pair_key(text, t, i, norm, &key) < 0)
            return -1;
        uint64_t kbit = key >> (64 - FILTER_BITS);
        if (!(s->filter[kbit >> 6] >> (kbit & 63) & 1))
            continue;
        const uint32_t *phrase = find_form(s, key);
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
