/* folds.c - which fold each training record is held out in.
 *
 * Records are dealt to folds as units: a group (records sharing the value
 * of the --group field) or a single record. Units are stratified: each
 * carries the label it is rarest for and goes, largest units first, to the
 * fold least full of that label and of records (each as a share of the
 * whole), so every label is spread over as many folds as its units allow
 * and folds come out about the same size.
 *
 * Outer folds (cross-validation) keep groups whole, always: they measure
 * how a model does on groups it never saw. Inner folds (choosing C,
 * calibrating, thresholds) need every label on both sides of each split,
 * or the out-of-fold decisions of a label run against it and its
 * calibration comes out backwards; so a label met in fewer groups than
 * there are folds has its records dealt one by one.
 *
 * Everything is seeded and in input order: the same records and seed give
 * the same folds.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "dataset.h"
#include "folds.h"
#include "vocab.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The strata: one per (head, label) pair, plus one for records with no
 * label in the heads considered. */
typedef struct strata {
    size_t nheads_d;          /* heads of the dataset */
    size_t first[SLANTP_MAX_HEADS + 1];   /* stratum id of (head, 0) */
    size_t n;                 /* strata, the last being "no label" */
} strata;

static void strata_init(strata *s, const slant_dataset *d)
{
    s->nheads_d = d->nheads;
    size_t k = 0;
    for (size_t h = 0; h < d->nheads; h++) {
        s->first[h] = k;
        k += d->heads[h].labels.n;
    }
    s->first[d->nheads] = k;
    s->n = k + 1;
}

static int head_counts(const slantp_fold_spec *spec, size_t h)
{
    return spec->head == (size_t)-1 || spec->head == h;
}

/* Each record's stratum: of its labels in the heads considered, the one
 * fewest of the n records carry. */
static void record_strata(const slant_dataset *d, const size_t *idx, size_t n,
                          const slantp_fold_spec *spec, const strata *s, size_t *count,
                          size_t *stratum)
{
    memset(count, 0, s->n * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        const slantp_record *r = &d->recs[idx[i]];
        for (size_t q = 0; q < r->lab_n; q++) {
            const slantp_pair *p = &d->pairs[r->lab_start + q];
            if (p->label != SLANTP_NO_LABEL && head_counts(spec, p->head))
                count[s->first[p->head] + p->label]++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const slantp_record *r = &d->recs[idx[i]];
        size_t best = s->n - 1;
        for (size_t q = 0; q < r->lab_n; q++) {
            const slantp_pair *p = &d->pairs[r->lab_start + q];
            if (p->label == SLANTP_NO_LABEL || !head_counts(spec, p->head))
                continue;
            size_t st = s->first[p->head] + p->label;
            if (best == s->n - 1 || count[st] < count[best] ||
                (count[st] == count[best] && st < best))
                best = st;
        }
        stratum[i] = best;
    }
}

/* Units: unit[i] for every record, numbered 0.. in first-seen order.
 * Returns the number of units, or 0 when out of memory. */
static size_t make_units(const slant_dataset *d, const size_t *idx, size_t n, const char *split,
                         size_t *unit)
{
    slantp_strtab groups;
    if (slantp_strtab_init(&groups, n) < 0)
        return 0;
    size_t *gunit = malloc((n ? n : 1) * sizeof *gunit);
    size_t nunits = 0;
    if (!gunit) {
        slantp_strtab_release(&groups);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *g = d->recs[idx[i]].group;
        if (!g || (split && split[i])) {
            unit[i] = nunits++;
            continue;
        }
        size_t before = groups.n;
        long id = slantp_strtab_intern(&groups, g, strlen(g));
        if (id < 0) {
            nunits = 0;
            break;
        }
        if (groups.n > before)
            gunit[id] = nunits++;
        unit[i] = gunit[id];
    }
    free(gunit);
    slantp_strtab_release(&groups);
    return nunits;
}

/* Inner folds: mark the records of every label that fewer than k units
 * carry, so they are dealt one by one. */
static int mark_thin(const slant_dataset *d, const size_t *idx, size_t n, int k,
                     const slantp_fold_spec *spec, const strata *s, char *split)
{
    size_t *unit = malloc((n ? n : 1) * sizeof *unit);
    size_t *units_of = calloc(s->n, sizeof *units_of);
    size_t nunits = unit ? make_units(d, idx, n, NULL, unit) : 0;
    int rc = -1;
    if (!unit || !units_of || (n && !nunits))
        goto out;
    /* records of one unit are not contiguous: count each (stratum, unit)
     * once by remembering the units already counted per stratum */
    char *seen = calloc(nunits ? nunits : 1, 1);
    if (!seen)
        goto out;
    for (size_t st = 0; st + 1 < s->n; st++) {
        size_t h = 0;
        while (h + 1 < s->nheads_d && s->first[h + 1] <= st)
            h++;
        if (!head_counts(spec, h))
            continue;
        memset(seen, 0, nunits ? nunits : 1);
        size_t l = st - s->first[h];
        for (size_t i = 0; i < n; i++)
            if (!seen[unit[i]] && slantp_record_has_label(d, &d->recs[idx[i]], h, l)) {
                seen[unit[i]] = 1;
                units_of[st]++;
            }
        if (units_of[st] >= (size_t)k)
            continue;
        for (size_t i = 0; i < n; i++)
            if (slantp_record_has_label(d, &d->recs[idx[i]], h, l))
                split[i] = 1;
    }
    free(seen);
    rc = 0;
out:
    free(unit);
    free(units_of);
    return rc;
}

typedef struct unit_info {
    size_t id;
    size_t size;
    size_t stratum;
    uint64_t order;     /* seeded tie-break */
} unit_info;

static int by_size_then_order(const void *x, const void *y)
{
    const unit_info *a = x, *b = y;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Each unit's stratum: that of most of its records (the rarest on ties).
 * A pass per unit over all records would be quadratic, so the records are
 * chained by unit first. Returns 0, or -1 out of memory. */
static int majority_strata(const size_t *unit, const size_t *stratum, size_t n, size_t nunits,
                           size_t nstrata, unit_info *u)
{
    size_t *votes = calloc(nstrata, sizeof *votes);
    size_t *first = malloc((nunits ? nunits : 1) * sizeof *first), *next = malloc((n ? n : 1) * sizeof *next);
    int rc = -1;
    if (!votes || !first || !next)
        goto out;
    for (size_t q = 0; q < nunits; q++)
        first[q] = (size_t)-1;
    for (size_t i = n; i-- > 0;) {
        next[i] = first[unit[i]];
        first[unit[i]] = i;
    }
    for (size_t q = 0; q < nunits; q++) {
        size_t best = nstrata;
        for (size_t i = first[q]; i != (size_t)-1; i = next[i])
            votes[stratum[i]]++;
        for (size_t i = first[q]; i != (size_t)-1; i = next[i]) {
            size_t st = stratum[i];
            if (best == nstrata || votes[st] > votes[best] || (votes[st] == votes[best] && st < best))
                best = st;
        }
        for (size_t i = first[q]; i != (size_t)-1; i = next[i])
            votes[stratum[i]] = 0;
        u[q].stratum = best;
    }
    rc = 0;
out:
    free(votes);
    free(first);
    free(next);
    return rc;
}

/* Deal units to folds, largest first, each to the fold least full of its
 * stratum and of records (the lowest number on ties), among the folds it
 * does not take past an even share when there are any. */
static int deal(const size_t *unit, const size_t *stratum, size_t n, size_t nunits, size_t nstrata,
                int k, unsigned seed, int *fold)
{
    unit_info *u = calloc(nunits ? nunits : 1, sizeof *u);
    size_t *ufold = malloc((nunits ? nunits : 1) * sizeof *ufold);
    size_t *per = calloc((size_t)k * nstrata, sizeof *per), *tot = calloc((size_t)k, sizeof *tot);
    size_t *in_stratum = calloc(nstrata, sizeof *in_stratum);
    int rc = -1;
    if (!u || !ufold || !per || !tot || !in_stratum)
        goto out;
    uint64_t s = seed;
    for (size_t q = 0; q < nunits; q++) {
        u[q].id = q;
        u[q].order = splitmix(&s);
    }
    for (size_t i = 0; i < n; i++)
        u[unit[i]].size++;
    if (majority_strata(unit, stratum, n, nunits, nstrata, u) < 0)
        goto out;
    for (size_t q = 0; q < nunits; q++)
        in_stratum[u[q].stratum] += u[q].size;
    size_t even = (n + (size_t)k - 1) / (size_t)k;
    qsort(u, nunits, sizeof *u, by_size_then_order);
    for (size_t r = 0; r < nunits; r++) {
        size_t q = u[r].id, st = u[r].stratum;
        /* how full the fold is of the unit's stratum, and of records, each
         * as a share of an even split */
        size_t bf = (size_t)-1;
        double best = 0;
        for (int pass = 0; pass < 2 && bf == (size_t)-1; pass++)
            for (size_t f = 0; f < (size_t)k; f++) {
                if (pass == 0 && tot[f] + u[r].size > even)
                    continue;   /* a fold past its even share takes a unit only if all are */
                double fill = (double)per[f * nstrata + st] / (double)in_stratum[st] +
                              (double)tot[f] / (double)n;
                if (bf == (size_t)-1 || fill < best - 1e-12) {
                    best = fill;
                    bf = f;
                }
            }
        ufold[q] = bf;
        per[bf * nstrata + st] += u[r].size;
        tot[bf] += u[r].size;
    }
    for (size_t i = 0; i < n; i++)
        fold[i] = (int)ufold[unit[i]];
    rc = 0;
out:
    free(u);
    free(ufold);
    free(per);
    free(tot);
    free(in_stratum);
    return rc;
}

int slantp_assign_folds(const slant_dataset *d, const size_t *idx, size_t n,
                        const slantp_fold_spec *spec, int *fold)
{
    int k = spec->k < 2 ? 2 : spec->k;
    strata s;
    strata_init(&s, d);
    size_t *count = malloc(s.n * sizeof *count);
    size_t *stratum = malloc((n ? n : 1) * sizeof *stratum);
    size_t *unit = malloc((n ? n : 1) * sizeof *unit);
    char *split = calloc(n ? n : 1, 1);
    size_t nunits = 0;
    int ok = count && stratum && unit && split;
    if (ok) {
        record_strata(d, idx, n, spec, &s, count, stratum);
        if (!spec->grouped)
            memset(split, 1, n);
        else if (!spec->strict)
            ok = mark_thin(d, idx, n, k, spec, &s, split) == 0;
    }
    if (ok)
        nunits = make_units(d, idx, n, split, unit);
    ok = ok && (nunits || !n) && deal(unit, stratum, n, nunits, s.n, k, spec->seed, fold) == 0;
    free(count);
    free(stratum);
    free(unit);
    free(split);
    return ok ? 0 : -1;
}
