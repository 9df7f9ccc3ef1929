/* relation.c - how one version of a story relates to its original.
 *
 * The two word sequences are aligned (wdiff.c) and the alignment read:
 *   no difference                                -> verbatim
 *   under half of the original's words kept in
 *   order, or too far apart to align             -> rewritten
 *   many one-word-for-one-word swaps in place    -> spun
 *   words removed, and changes in many places
 *   (condensed, reworded, reordered)             -> rewritten
 *   words removed, or prose sentences about the
 *   story's own names added                      -> edited
 *   only additions that are not such prose       -> verbatim plus furniture
 * "Prose about the story" is what tells an editor's added sentence from page
 * furniture (share bars, teasers of other stories, cookie notices): a run of
 * eight or more words ending a sentence, no furniture marks (| » • ©, a
 * label such as "Read more:" at its start),
 * and two or more of the original's names or numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_private.h"

#define MAX_EDITS 4000        /* past this many word edits, not aligned */
#define REWRITE_KEPT 0.6      /* share of the original kept below which: rewritten */
#define SPUN_MIN 3            /* substitutions needed to call a copy spun ... */
#define SPUN_SHARE 0.04       /* ... and their share of the original's words */
#define REWRITE_HUNKS 6       /* separate changed places that, with removals, mean rewritten */
#define EDIT_REMOVED 4        /* removed words that make a copy edited */
#define PROSE_WORDS 8
#define PROSE_NAMES 2         /* the original's names or numbers an added sentence must use */

/* Sorted hashes of a text's words; with names_only, of its names and numbers. */
static uint64_t *sorted_words(const tracep_words *w, int names_only, size_t *n)
{
    uint64_t *v = malloc((w->n ? w->n : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++)
        if (!names_only || (w->flags[i] & (TRACEP_W_NAME | TRACEP_W_NUMBER)))
            v[k++] = w->h[i];
    qsort(v, k, sizeof *v, tracep_cmp_u64);
    *n = k;
    return v;
}

/* Share of the original's distinct names and numbers found in the version. */
static int names_kept(const tracep_words *ow, const tracep_words *vw, double *out)
{
    size_t nn, nv;
    uint64_t *names = sorted_words(ow, 1, &nn), *all = sorted_words(vw, 0, &nv);
    int rc = -1;
    if (names && all) {
        size_t distinct = 0, found = 0;
        for (size_t i = 0; i < nn; i++) {
            if (i && names[i] == names[i - 1])
                continue;
            distinct++;
            found += (size_t)tracep_has_u64(all, nv, names[i]);
        }
        *out = distinct ? (double)found / (double)distinct : 1.0;
        rc = 0;
    }
    free(names);
    free(all);
    return rc;
}

static int is_substitution(const tracep_hunk *h)
{
    return h->a_len >= 1 && h->b_len >= 1 && h->a_len + h->b_len <= 3;
}

/* Is this added run an editor's sentence about the story (see above)? */
static int is_story_prose(const tracep_hunk *h, const char *vtext, size_t vlen,
                          const tracep_words *vw, const uint64_t *names, size_t nnames)
{
    if (h->b_len < PROSE_WORDS)
        return 0;
    size_t start = vw->toks.v[h->b_pos].start;
    size_t end = vw->toks.v[h->b_pos + h->b_len - 1].end;
    /* the run ends a sentence: . ! or ? after its last word (a closing
     * quote may come first) */
    size_t after = end;
    if (after < vlen && (vtext[after] == '"' || vtext[after] == '\''))
        after++;
    if (after >= vlen || (vtext[after] != '.' && vtext[after] != '!' && vtext[after] != '?'))
        return 0;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)vtext[i];
        if (c == '|' || c == 0xc2 /* », ©, · */ || c == 0xe2 /* •, ☎ */)
            return 0;
        if (c == ':' && i - start < 24)        /* "Read more:", "Don't miss:" */
            return 0;
    }
    size_t hits = 0;
    for (uint32_t k = h->b_pos; k < h->b_pos + h->b_len; k++)
        hits += (vw->flags[k] & (TRACEP_W_NAME | TRACEP_W_NUMBER)) &&
                tracep_has_u64(names, nnames, vw->h[k]);
    return hits >= PROSE_NAMES;
}

/* The substitutions' strings, copied into one arena. */
static int keep_substitutions(const char *otext, const tracep_words *ow, const char *vtext,
                              const tracep_words *vw, const tracep_diff *d, tracep_version *out)
{
    size_t n = 0, bytes = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tracep_hunk *h = &d->v[i];
        if (!is_substitution(h))
            continue;
        n++;
        bytes += ow->toks.v[h->a_pos + h->a_len - 1].end - ow->toks.v[h->a_pos].start + 1;
        bytes += vw->toks.v[h->b_pos + h->b_len - 1].end - vw->toks.v[h->b_pos].start + 1;
    }
    out->info.nsubstitutions = n;
    if (!n)
        return 0;
    out->subs = malloc(n * sizeof *out->subs);
    out->arena = malloc(bytes);
    if (!out->subs || !out->arena)
        return -1;
    char *p = out->arena;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tracep_hunk *h = &d->v[i];
        if (!is_substitution(h))
            continue;
        slant_trace_subst *s = &out->subs[k++];
        s->from_start = ow->toks.v[h->a_pos].start;
        s->from_end = ow->toks.v[h->a_pos + h->a_len - 1].end;
        s->to_start = vw->toks.v[h->b_pos].start;
        s->to_end = vw->toks.v[h->b_pos + h->b_len - 1].end;
        s->from = p;
        memcpy(p, otext + s->from_start, s->from_end - s->from_start);
        p += s->from_end - s->from_start;
        *p++ = '\0';
        s->to = p;
        memcpy(p, vtext + s->to_start, s->to_end - s->to_start);
        p += s->to_end - s->to_start;
        *p++ = '\0';
    }
    return 0;
}

/* Read the alignment into counts and a relation. */
static int classify(const char *vtext, size_t vlen, const tracep_words *ow, const tracep_words *vw,
                    const tracep_diff *d, slant_trace_relation_info *info)
{
    size_t nnames;
    uint64_t *names = sorted_words(ow, 1, &nnames);
    if (!names)
        return -1;
    size_t removed = 0, subs = 0, sub_words = 0, prose = 0, places = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tracep_hunk *h = &d->v[i];
        if (is_substitution(h)) {
            subs++;
            sub_words += h->a_len;
            continue;
        }
        places++;
        removed += h->a_len;
        info->words_added += h->b_len;
        prose += (size_t)is_story_prose(h, vtext, vlen, vw, names, nnames);
    }
    free(names);
    info->words_removed = removed;
    info->kept = ow->n ? (double)(ow->n - removed - sub_words) / (double)ow->n : 0.0;
    if (d->n == 0)
        info->relation = SLANT_REL_VERBATIM;
    else if (info->kept < REWRITE_KEPT)
        info->relation = SLANT_REL_REWRITTEN;
    else if (subs >= SPUN_MIN && (double)subs >= SPUN_SHARE * (double)ow->n)
        info->relation = SLANT_REL_SPUN;
    else if (places >= REWRITE_HUNKS && removed >= EDIT_REMOVED)
        info->relation = SLANT_REL_REWRITTEN;
    else if (removed >= EDIT_REMOVED || prose)
        info->relation = SLANT_REL_EDITED;
    else if (info->words_added)
        info->relation = SLANT_REL_FURNITURE;
    else
        info->relation = SLANT_REL_VERBATIM;
    return 0;
}

int tracep_relate(const char *otext, const tracep_words *ow, const char *vtext, size_t vlen,
                  const tracep_words *vw, double containment, tracep_diff *scratch,
                  tracep_version *out)
{
    memset(out, 0, sizeof *out);
    out->info.containment = containment;
    if (names_kept(ow, vw, &out->info.names_kept) < 0)
        return -1;
    int rc = tracep_diff_run(scratch, ow->h, ow->n, vw->h, vw->n, MAX_EDITS);
    if (rc < 0)
        return -1;
    if (rc == 1) {                 /* too far apart to align */
        out->info.relation = SLANT_REL_REWRITTEN;
        return 0;
    }
    if (classify(vtext, vlen, ow, vw, scratch, &out->info) < 0)
        return -1;
    if (out->info.relation != SLANT_REL_SPUN)
        return 0;
    return keep_substitutions(otext, ow, vtext, vw, scratch, out);
}

void tracep_version_release(tracep_version *v)
{
    free(v->subs);
    free(v->arena);
    memset(v, 0, sizeof *v);
}
