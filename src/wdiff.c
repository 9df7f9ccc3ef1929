/* wdiff.c - align two word sequences: Myers' O(ND) greedy diff.
 *
 * Used by relation.c to line a version up with its original word by word.
 * Common prefix and suffix are matched first; the middle is searched
 * diagonal by diagonal, keeping each step's furthest-reaching points so the
 * path can be walked back. Memory is quadratic in the edit distance, not in
 * the lengths, and the search stops past max_d edits: texts that far apart
 * are rewrites, and their exact alignment is not needed.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_private.h"

/* The furthest x on diagonal k after step d, from the saved rows. */
static int32_t row_at(const int32_t *trace, long d, long k)
{
    return trace[d * d + (k + d)];
}

static int push_op(tracep_diff *d, uint32_t a_pos, uint32_t b_pos, int deletion)
{
    if (slantp_grow(&d->v, &d->cap, d->n + 1, sizeof *d->v) < 0)
        return -1;
    d->v[d->n++] = (tracep_hunk){a_pos, deletion ? 1u : 0u, b_pos, deletion ? 0u : 1u};
    return 0;
}

/* Forward search; returns the number of edits D, or -1 past max_d, -2 on
 * memory. trace row d holds V[-d..d] after step d. */
static long search(tracep_diff *d, const uint64_t *a, long n, const uint64_t *b, long m,
                   long max_d)
{
    for (long e = 0; e <= max_d; e++) {
        size_t need = (size_t)(e + 1) * (size_t)(e + 1);
        if (slantp_grow(&d->trace, &d->trace_cap, need, sizeof *d->trace) < 0)
            return -2;
        for (long k = -e; k <= e; k += 2) {
            long x;
            if (e == 0)
                x = 0;
            else if (k == -e || (k != e && row_at(d->trace, e - 1, k - 1) <
                                                row_at(d->trace, e - 1, k + 1)))
                x = row_at(d->trace, e - 1, k + 1);
            else
                x = row_at(d->trace, e - 1, k - 1) + 1;
            long y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                x++;
                y++;
            }
            d->trace[e * e + (k + e)] = (int32_t)x;
            if (x >= n && y >= m)
                return e;
        }
        /* diagonals of the other parity are not written in row e: fill
         * them so every entry of the row is defined */
        for (long k = -e + 1; k < e; k += 2)
            d->trace[e * e + (k + e)] = -1;
    }
    return -1;
}

/* Walk back from (n, m) and record one op per edit, last first. */
static int walk_back(tracep_diff *d, long edits, long n, long m, uint32_t off)
{
    long x = n, y = m;
    for (long e = edits; e > 0; e--) {
        long k = x - y, pk;
        int insertion = k == -e || (k != e && row_at(d->trace, e - 1, k - 1) <
                                                  row_at(d->trace, e - 1, k + 1));
        pk = insertion ? k + 1 : k - 1;
        long px = row_at(d->trace, e - 1, pk), py = px - pk;
        if (push_op(d, (uint32_t)px + off, (uint32_t)py + off, !insertion) < 0)
            return -1;
        x = px;
        y = py;
    }
    return 0;
}

/* Reverse the ops into text order and merge adjacent ones into hunks. */
static void merge_ops(tracep_diff *d)
{
    for (size_t i = 0, j = d->n ? d->n - 1 : 0; i < j; i++, j--) {
        tracep_hunk t = d->v[i];
        d->v[i] = d->v[j];
        d->v[j] = t;
    }
    size_t out = 0;
    for (size_t i = 0; i < d->n; i++) {
        tracep_hunk op = d->v[i];
        if (out) {
            tracep_hunk *h = &d->v[out - 1];
            if (op.a_pos == h->a_pos + h->a_len && op.b_pos == h->b_pos + h->b_len) {
                h->a_len += op.a_len;
                h->b_len += op.b_len;
                continue;
            }
        }
        d->v[out++] = op;
    }
    d->n = out;
}

int tracep_diff_run(tracep_diff *d, const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                    size_t max_d)
{
    d->n = 0;
    size_t pre = 0;
    while (pre < n && pre < m && a[pre] == b[pre])
        pre++;
    size_t suf = 0;
    while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf])
        suf++;
    long an = (long)(n - pre - suf), bm = (long)(m - pre - suf);
    long limit = an + bm < (long)max_d ? an + bm : (long)max_d;
    long edits = search(d, a + pre, an, b + pre, bm, limit);
    if (edits == -2)
        return -1;
    if (edits == -1)
        return 1;
    if (walk_back(d, edits, an, bm, (uint32_t)pre) < 0)
        return -1;
    merge_ops(d);
    return 0;
}

void tracep_diff_release(tracep_diff *d)
{
    free(d->v);
    free(d->trace);
    memset(d, 0, sizeof *d);
}
