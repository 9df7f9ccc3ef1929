/* auditp_trace.c - slant trace's families in an audit's renders: a
 * provenance section in report.html ("Copies and rewrites") and a "trace"
 * member in summary.json.
 *
 * families.jsonl is read once, line by line (the one JSONL line reader,
 * record.c). Every line adds to the counts (documents, families, the
 * relations of their versions) by a scan of the bytes slant trace writes,
 * without parsing them; only the largest families, at most a few dozen,
 * are kept and parsed, so memory and time do not grow with the corpus
 * beyond one pass over the file. A line that is not in slant trace's own
 * shape (a file rewritten by another tool) is parsed whole instead.
 *
 * The section is put between markers report.html has for it
 * (AUDITP_TRACE_SECTION, AUDITP_TRACE_NAV), replacing what a previous call
 * put there, so adding the same trace twice gives the same bytes.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "io.h"
#include "record.h"
#include "audit.h"
#include "slant_audit.h"
#include "slant_trace.h"

#define SHOWN_DEFAULT 20        /* families shown when the caller says 0 */
#define SHOWN_MAX 1000
#define MEMBERS_SHOWN 12        /* versions listed per family */
#define MOVES_SHOWN 2           /* framing moves per version */
#define PHRASES_SHOWN 3         /* phrases per move */
#define SUBSTS_SHOWN 4          /* substitutions per spun version */
#define OUTLETS_SHOWN 8         /* outlets named per family */
#define OUTLETS_COUNTED 64      /* distinct outlets counted per family */
#define NREL 6                  /* enum slant_relation */
#define MAX_FAMILY_LINE ((size_t)1 << 30)
#define MAX_REPORT ((size_t)1 << 31)

#define END_SECTION "<!--/slant:trace-->"
#define END_NAV "<!--/slant:trace-nav-->"
#define SUMMARY_KEY ",\n\"trace\":{\"families\":"

static void put(slant_buffer *b, const char *s) { slant_buffer_write(b, s, strlen(s)); }

/* The first 'needle' in the n bytes at 'hay', or NULL (memmem is not C
 * or POSIX). */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
    for (const char *p = hay, *end = hay + n; m && (size_t)(end - p) >= m; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - m + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, m) == 0)
            return p;
    }
    return NULL;
}

/* ======================================================== reading */

typedef struct picked {
    uint64_t family, size;
    long lineno;
    char *line;
    size_t len;
} picked;

typedef struct totals {
    uint64_t families, documents;           /* all of them, alone or not */
    uint64_t linked, linked_documents;      /* families of two or more */
    uint64_t largest;
    uint64_t rel[NREL];                     /* over families of two or more */
} totals;

typedef struct reading {
    const char *path;
    size_t max;
    picked *top;            /* best first */
    size_t ntop;
    totals t;
} reading;

static int rel_index(const char *s, size_t n)
{
    for (int r = 0; r < NREL; r++) {
        const char *name = slant_trace_relation_name((enum slant_relation)r);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return r;
    }
    return -1;
}

/* A decimal count at p[*i], moved past; -1 when there is none. */
static int digits(const char *p, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && p[*i] >= '0' && p[*i] <= '9' && *i - start < 19)
        v = v * 10 + (uint64_t)(p[(*i)++] - '0');
    *out = v;
    return *i > start ? 0 : -1;
}

/* The head slant trace writes: {"family":F,"size":S, ... */
static int fast_head(const char *p, size_t len, uint64_t *family, uint64_t *size)
{
    static const char a[] = "{\"family\":", b[] = ",\"size\":";
    size_t i = sizeof a - 1;
    if (len < i || memcmp(p, a, i) != 0 || digits(p, len, &i, family) < 0 ||
        len - i < sizeof b - 1 || memcmp(p + i, b, sizeof b - 1) != 0)
        return -1;
    i += sizeof b - 1;
    return digits(p, len, &i, size) < 0 || i >= len || p[i] != ',' || *size == 0 ? -1 : 0;
}

/* The relations of a line in slant trace's shape, by a scan: strings
 * inside it have their quotes escaped, so the key is found only as a key. */
static void fast_relations(const char *p, size_t len, uint64_t *rel)
{
    static const char key[] = "\"relation\":\"";
    const char *end = p + len;
    for (const char *at; (at = find(p, (size_t)(end - p), key, sizeof key - 1));) {
        const char *v = at + sizeof key - 1, *q = memchr(v, '"', (size_t)(end - v));
        if (!q)
            break;
        int r = rel_index(v, (size_t)(q - v));
        if (r >= 0)
            rel[r]++;
        p = q;
    }
}

static int json_relations(json_t *fam, uint64_t *rel)
{
    json_t *members = json_object_get(fam, "members"), *m;
    size_t i;
    if (!json_is_array(members))
        return -1;
    json_array_foreach(members, i, m) {
        json_t *r = json_object_get(m, "relation");
        int k = json_is_string(r) ? rel_index(json_string_value(r), json_string_length(r)) : -1;
        if (k >= 0)
            rel[k]++;
    }
    return 0;
}

static int better(uint64_t size, uint64_t family, const picked *p)
{
    return size > p->size || (size == p->size && family < p->family);
}

/* Keep the line if it is among the largest families so far. */
static int consider(reading *rd, uint64_t family, uint64_t size, const char *line, size_t len,
                    long lineno)
{
    if (size < 2 || (rd->ntop == rd->max && !better(size, family, &rd->top[rd->max - 1])))
        return 0;
    char *copy = slantp_strndup(line, len);
    if (!copy)
        return -1;
    size_t j;
    if (rd->ntop < rd->max) {
        j = rd->ntop++;
    } else {
        j = rd->max - 1;
        free(rd->top[j].line);
    }
    for (; j > 0 && better(size, family, &rd->top[j - 1]); j--)
        rd->top[j] = rd->top[j - 1];
    rd->top[j] = (picked){family, size, lineno, copy, len};
    return 0;
}

static int take_line(reading *rd, const char *line, size_t len, long lineno, slant_error *err)
{
    uint64_t family, size, rel[NREL] = {0};
    if (fast_head(line, len, &family, &size) == 0) {
        if (size > 1)
            fast_relations(line, len, rel);
    } else {
        json_error_t je;
        json_t *fam = json_loadb(line, len, 0, &je);
        json_t *f = json_object_get(fam, "family"), *s = json_object_get(fam, "size");
        if (!fam || !json_is_integer(f) || !json_is_integer(s) || json_integer_value(f) < 0 ||
            json_integer_value(s) < 1 || json_relations(fam, rel) < 0) {
            int col = fam ? 1 : je.column > 0 ? je.column : 1;
            json_decref(fam);
            return slantp_error(err, SLANT_EFORMAT, rd->path, lineno, col,
                                "not a family written by slant trace");
        }
        family = (uint64_t)json_integer_value(f);
        size = (uint64_t)json_integer_value(s);
        json_decref(fam);
    }
    totals *t = &rd->t;
    t->families++;
    t->documents += size;
    if (size > 1) {
        t->linked++;
        t->linked_documents += size;
        for (int r = 0; r < NREL; r++)
            t->rel[r] += rel[r];
    }
    if (size > t->largest)
        t->largest = size;
    if (consider(rd, family, size, line, len, lineno) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    return SLANT_OK;
}

static int read_families(reading *rd, slant_error *err)
{
    slantp_lines lr;
    int rc = slantp_lines_open(&lr, rd->path, MAX_FAMILY_LINE, err);
    if (rc != SLANT_OK)
        return rc;
    const char *line;
    size_t len;
    int r;
    while ((r = slantp_records_next(&lr, &line, &len, err)) == 1)
        if ((rc = take_line(rd, line, len, lr.lineno, err)) != SLANT_OK)
            break;
    if (r < 0)
        rc = err->code;
    slantp_lines_close(&lr);
    return rc;
}

/* ======================================================== anchors */

/* The ids of the rows of report.html's examples table (one per group of
 * the groupings it shows), sorted: an outlet links to its group's row. */
typedef struct anchors {
    char **v;
    size_t n, cap;
    char **dims;            /* the groupings' names, decoded */
    size_t ndims;
} anchors;

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "g-<dim>--<key>": the dim part decoded (letters and digits as they are,
 * "_xx" a byte in hex). */
static char *dim_of(const char *id)
{
    const char *s = id + 2, *end = strstr(s, "--");
    char *d = end ? malloc((size_t)(end - s) + 1) : NULL;
    size_t n = 0;
    if (!d)
        return NULL;
    while (s < end) {
        if (*s == '_' && end - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            d[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
        } else {
            d[n++] = *s++;
        }
    }
    d[n] = '\0';
    return d;
}

static int collect_anchors(anchors *an, const char *html, size_t len)
{
    static const char key[] = "<tr id=\"g-";
    const char *p = html, *end = html + len;
    for (const char *at; (at = find(p, (size_t)(end - p), key, sizeof key - 1));) {
        const char *v = at + 8, *q = memchr(v, '"', (size_t)(end - v));
        if (!q)
            break;
        char *id = slantp_strndup(v, (size_t)(q - v));
        if (!id || slantp_grow(&an->v, &an->cap, an->n + 1, sizeof *an->v) < 0) {
            free(id);
            return -1;
        }
        an->v[an->n++] = id;
        char *dim = dim_of(id);
        int seen = !dim;
        for (size_t i = 0; dim && i < an->ndims; i++)
            seen |= strcmp(an->dims[i], dim) == 0;
        if (!seen) {
            char **nd = realloc(an->dims, (an->ndims + 1) * sizeof *nd);
            if (!nd) {
                free(dim);
                return -1;
            }
            an->dims = nd;
            an->dims[an->ndims++] = dim;
        } else {
            free(dim);
        }
        p = q;
    }
    if (an->n)      /* qsort and bsearch take no NULL array, even empty */
        qsort(an->v, an->n, sizeof *an->v, by_str);
    return 0;
}

static void anchors_release(anchors *an)
{
    for (size_t i = 0; i < an->n; i++)
        free(an->v[i]);
    for (size_t i = 0; i < an->ndims; i++)
        free(an->dims[i]);
    free(an->v);
    free(an->dims);
}

/* The anchor of the group an outlet is in, written into 'out' (emptied
 * first); 0, or -1 when the report has none. */
static int outlet_anchor(const anchors *an, const char *outlet, slant_buffer *out)
{
    for (size_t i = 0; i < an->ndims; i++) {
        out->len = 0;
        auditp_html_anchor(out, an->dims[i], outlet);
        if (an->n && out->data && !out->failed &&
            bsearch(&out->data, an->v, an->n, sizeof *an->v, by_str))
            return 0;
    }
    return -1;
}

/* ======================================================== the section */

typedef struct render {
    slant_buffer *b;
    const char *link;
    const anchors *an;
    slant_buffer scratch;
} render;

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static double num_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : (double)NAN;
}

/* A model label as people read it: underscores as spaces. */
static void pretty(slant_buffer *b, const char *s)
{
    char t[256];
    size_t n = 0;
    for (; *s && n < sizeof t - 1; s++)
        t[n++] = *s == '_' ? ' ' : *s;
    t[n] = '\0';
    auditp_html_esc(b, t);
}

static void doc(render *r, const char *id, const char *outlet)
{
    slant_buffer *b = r->b;
    if (r->link && strstr(r->link, "{id}")) {
        put(b, "<a class=doc href=\"");
        auditp_html_url(b, r->link, id);
        put(b, "\">");
    } else if (outlet && outlet_anchor(r->an, outlet, &r->scratch) == 0) {
        put(b, "<a class=doc href=\"#");
        auditp_html_esc(b, r->scratch.data);
        put(b, "\">");
    } else {
        put(b, "<code>");
        auditp_html_esc(b, id);
        put(b, "</code>");
        return;
    }
    auditp_html_esc(b, id);
    put(b, "</a>");
}

static void outlet(render *r, const char *name)
{
    if (outlet_anchor(r->an, name, &r->scratch) == 0) {
        put(r->b, "<a href=\"#");
        auditp_html_esc(r->b, r->scratch.data);
        put(r->b, "\">");
        auditp_html_esc(r->b, name);
        put(r->b, "</a>");
    } else {
        auditp_html_esc(r->b, name);
    }
}

/* The move of a framing_diff entry: version minus original. */
static double move_of(json_t *d)
{
    double v = num_of(d, "version") - num_of(d, "original");
    return isnan(v) ? 0 : v;
}

static void one_move(render *r, json_t *d)
{
    slant_buffer *b = r->b;
    const char *head = str_of(d, "head"), *lab = str_of(d, "label");
    double m = move_of(d);
    put(b, "<b>");
    pretty(b, lab ? lab : "?");
    put(b, "</b> <span class=sub>(");
    pretty(b, head ? head : "?");
    auditp_putf(b, ")</span> %.2f &rarr; %.2f <span class=%s>%+.2f</span>", num_of(d, "original"),
         num_of(d, "version"), m >= 0 ? "pos" : "neg", m);
    json_t *ph = json_object_get(d, "phrases"), *p;
    size_t i;
    json_array_foreach(ph, i, p) {
        if (i == PHRASES_SHOWN)
            break;
        const char *text = str_of(p, "phrase"), *kind = str_of(p, "change");
        double w = num_of(p, "weight");
        put(b, i ? ", " : ": ");
        put(b, "&ldquo;");
        auditp_html_esc(b, text ? text : "?");
        auditp_putf(b, "&rdquo; <span class=sub>%s</span> <span class=%s>%+.3f</span>",
             kind && strcmp(kind, "added") == 0 ? "added" : kind && strcmp(kind, "removed") == 0
                                                               ? "removed" : "reweighted",
             w >= 0 ? "pos" : "neg", isnan(w) ? 0.0 : w);
    }
}

/* The framing_diff entries of a version, largest move first. */
static size_t moves(json_t *m, json_t **out, size_t max)
{
    json_t *diff = json_object_get(m, "framing_diff"), *d;
    size_t i, n = 0;
    json_array_foreach(diff, i, d) {
        double a = fabs(move_of(d));
        size_t j;
        if (n < max)
            j = n++;
        else if (a > fabs(move_of(out[max - 1])))
            j = max - 1;
        else
            continue;
        for (; j > 0 && a > fabs(move_of(out[j - 1])); j--)
            out[j] = out[j - 1];
        out[j] = d;
    }
    return n;
}

/* The original's most likely label of a single-label head (the outlet
 * type): families.jsonl does not say which heads are single-label, so the
 * first head whose scores sum to about one is taken; else nothing. */
static void top_score(render *r, json_t *m)
{
    json_t *scores = json_object_get(m, "scores"), *labels;
    const char *head;
    json_object_foreach(scores, head, labels) {
        const char *best = NULL, *lab;
        double bs = -1, sum = 0;
        json_t *v;
        json_object_foreach(labels, lab, v) {
            double s = json_is_number(v) ? json_number_value(v) : 0;
            sum += s;
            if (s > bs)
                bs = s, best = lab;
        }
        if (best && fabs(sum - 1) < 0.05) {
            put(r->b, "<span class=sub>");
            pretty(r->b, head);
            put(r->b, ":</span> ");
            pretty(r->b, best);
            auditp_putf(r->b, " %.2f", bs);
            return;
        }
    }
}

static void member_row(render *r, json_t *m)
{
    slant_buffer *b = r->b;
    const char *id = str_of(m, "id"), *src = str_of(m, "source"), *date = str_of(m, "date");
    const char *rel = str_of(m, "relation");
    int r_ok = rel && rel_index(rel, strlen(rel)) >= 0;
    put(b, "<tr><td>");
    doc(r, id ? id : "?", src);
    put(b, "</td><td>");
    if (src)
        outlet(r, src);
    put(b, "</td><td class=d>");
    if (date)
        auditp_html_esc(b, date);
    auditp_putf(b, "</td><td><span class=\"rel r-%s\">", r_ok ? rel : "other");
    auditp_html_esc(b, rel ? rel : "?");
    put(b, "</span></td><td class=n>");
    double c = num_of(m, "containment"), k = num_of(m, "kept");
    if (!isnan(c))
        auditp_putf(b, "%.0f%% / %.0f%%", 100 * c, isnan(k) ? 0.0 : 100 * k);
    put(b, "</td><td>");
    if (rel && strcmp(rel, "original") == 0) {
        top_score(r, m);
    } else {
        json_t *mv[MOVES_SHOWN];
        size_t n = moves(m, mv, MOVES_SHOWN);
        for (size_t i = 0; i < n; i++) {
            put(b, i ? "<br>" : "");
            one_move(r, mv[i]);
        }
        if (!n)
            put(b, "<span class=sub>no score moved</span>");
    }
    json_t *subs = json_object_get(m, "substitutions"), *s;
    size_t i;
    if (json_array_size(subs)) {
        put(b, "<br><span class=sub>swapped:</span> ");
        json_array_foreach(subs, i, s) {
            if (i == SUBSTS_SHOWN) {
                auditp_putf(b, " and %zu more", json_array_size(subs) - i);
                break;
            }
            const char *from = str_of(s, "from"), *to = str_of(s, "to");
            put(b, i ? ", " : "");
            auditp_html_esc(b, from ? from : "?");
            put(b, " &rarr; ");
            auditp_html_esc(b, to ? to : "?");
        }
    }
    json_t *spin = json_object_get(m, "spin_count");
    if (json_is_integer(spin) && json_integer_value(spin) > 0)
        auditp_putf(b, "<br><span class=sub>spin: %lld broken fixed phrase%s</span>",
             (long long)json_integer_value(spin), json_integer_value(spin) > 1 ? "s" : "");
    put(b, "</td></tr>\n");
}

typedef struct count {
    const char *name;
    size_t n;
} count;

static int by_count(const void *x, const void *y)
{
    const count *a = x, *b = y;
    return a->n != b->n ? (a->n < b->n) - (a->n > b->n) : strcmp(a->name, b->name);
}

/* "Outlets: A (2), B, C": the sources of all the versions, most first. */
static void outlets_line(render *r, json_t *members)
{
    count c[OUTLETS_COUNTED];
    size_t n = 0, more = 0, i;
    json_t *m;
    json_array_foreach(members, i, m) {
        const char *s = str_of(m, "source");
        size_t k = 0;
        if (!s)
            continue;
        while (k < n && strcmp(c[k].name, s) != 0)
            k++;
        if (k < n)
            c[k].n++;
        else if (n < OUTLETS_COUNTED)
            c[n++] = (count){s, 1};
        else
            more++;
    }
    if (!n)
        return;
    qsort(c, n, sizeof *c, by_count);
    put(r->b, " Outlets: ");
    for (size_t k = 0; k < n && k < OUTLETS_SHOWN; k++) {
        put(r->b, k ? ", " : "");
        outlet(r, c[k].name);
        if (c[k].n > 1)
            auditp_putf(r->b, " (%zu)", c[k].n);
    }
    if (n > OUTLETS_SHOWN)
        auditp_putf(r->b, " and %zu more%s", n - OUTLETS_SHOWN, more ? ", and others" : "");
    else if (more)
        put(r->b, " and others");
    put(r->b, ".");
}

static void family_section(render *r, json_t *fam, uint64_t number)
{
    slant_buffer *b = r->b;
    json_t *members = json_object_get(fam, "members"), *m;
    size_t n = json_array_size(members), i;
    json_t *orig = json_array_get(members, 0);
    auditp_putf(b, "<h3 id=family-%llu>Family %llu <span class=sub>(%zu versions)</span></h3>\n<p>",
         (unsigned long long)number, (unsigned long long)number, n);
    const char *oid = str_of(orig, "id"), *osrc = str_of(orig, "source");
    const char *odate = str_of(orig, "date");
    put(b, "Likely original: ");
    doc(r, oid ? oid : "?", osrc);
    if (osrc || odate) {
        put(b, " (");
        if (osrc)
            outlet(r, osrc);
        put(b, osrc && odate ? ", " : "");
        if (odate)
            auditp_html_esc(b, odate);
        put(b, ")");
    }
    put(b, ".");
    uint64_t rel[NREL] = {0};
    json_relations(fam, rel);
    put(b, " Versions:");
    for (int k = 1, first = 1; k < NREL; k++)
        if (rel[k]) {
            auditp_putf(b, "%s %llu %s", first ? "" : ",", (unsigned long long)rel[k],
                 slant_trace_relation_name((enum slant_relation)k));
            first = 0;
        }
    put(b, ".");
    outlets_line(r, members);
    /* the largest move of any version */
    json_t *best = NULL, *best_m = NULL;
    json_array_foreach(members, i, m) {
        json_t *mv[1];
        if (moves(m, mv, 1) && (!best || fabs(move_of(mv[0])) > fabs(move_of(best))))
            best = mv[0], best_m = m;
    }
    if (best) {
        const char *bid = str_of(best_m, "id");
        put(b, "<br>Largest framing move: ");
        one_move(r, best);
        put(b, " in ");
        doc(r, bid ? bid : "?", str_of(best_m, "source"));
        put(b, ".");
    }
    put(b, "</p>\n<table><tr><th>version</th><th>outlet</th><th>date</th><th>relation</th>"
           "<th>shingles / words kept</th><th>framing moves (phrases that moved the score)</th>"
           "</tr>\n");
    json_array_foreach(members, i, m) {
        if (i == MEMBERS_SHOWN) {
            auditp_putf(b, "<tr><td colspan=6 class=note>and %zu more versions in families.jsonl"
                    "</td></tr>\n", n - i);
            break;
        }
        member_row(r, m);
    }
    put(b, "</table>\n");
}

static int section(slant_buffer *b, const reading *rd, const char *link, const anchors *an,
                   slant_error *err)
{
    const totals *t = &rd->t;
    render r = {b, link, an, {0}};
    put(b, "<h2 id=provenance>Copies and rewrites</h2>\n<p class=note>From <code>slant trace"
           "</code> (families.jsonl): ");
    auditp_putf(b, "%llu of %llu documents are in %llu families of two or more versions of a story",
         (unsigned long long)t->linked_documents, (unsigned long long)t->documents,
         (unsigned long long)t->linked);
    if (t->linked) {
        put(b, " (versions other than the likely original:");
        for (int k = 1, first = 1; k < NREL; k++)
            if (t->rel[k]) {
                auditp_putf(b, "%s %llu %s", first ? "" : ",", (unsigned long long)t->rel[k],
                     slant_trace_relation_name((enum slant_relation)k));
                first = 0;
            }
        put(b, ")");
    }
    put(b, ". The likely original is the earliest dated version, else the one the others "
           "contain most of. Shingles / words kept: the share of the smaller text's 4-word "
           "shingles found in the other, and of the original's words kept in order. A "
           "framing move is a version's score minus the original's, with the phrases whose "
           "exact contributions changed most.");
    if (t->linked > rd->ntop)
        auditp_putf(b, " The %zu largest families are shown; %llu more are in families.jsonl.",
             rd->ntop, (unsigned long long)(t->linked - rd->ntop));
    put(b, "</p>\n");
    if (!t->linked)
        put(b, "<p class=note>No two documents were found to be versions of one story.</p>\n");
    for (size_t i = 0; i < rd->ntop; i++) {
        json_error_t je;
        json_t *fam = json_loadb(rd->top[i].line, rd->top[i].len, 0, &je);
        if (!fam || !json_is_array(json_object_get(fam, "members"))) {
            json_decref(fam);
            slant_buffer_release(&r.scratch);
            return slantp_error(err, SLANT_EFORMAT, rd->path, rd->top[i].lineno,
                                je.column > 0 ? je.column : 1, "not a family written by "
                                "slant trace");
        }
        family_section(&r, fam, rd->top[i].family);
        json_decref(fam);
    }
    slant_buffer_release(&r.scratch);
    return b->failed ? slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory") : SLANT_OK;
}

/* ======================================================== splicing */

/* Put 'what' between the marker 'begin' and its end in 'docp' (replacing
 * what was there: the text escaped in it holds no '<'), into 'out'. -1
 * when the marker is missing. */
static int splice(const char *docp, size_t len, const char *begin, const char *end,
                  const char *what, size_t wlen, slant_buffer *out)
{
    const char *at = find(docp, len, begin, strlen(begin));
    if (!at)
        return -1;
    const char *after = at + strlen(begin), *stop = after;
    const char *e = find(after, len - (size_t)(after - docp), end, strlen(end));
    if (e)
        stop = e + strlen(end);
    out->len = 0;
    slant_buffer_write(out, docp, (size_t)(after - docp));
    slant_buffer_write(out, what, wlen);
    put(out, end);
    slant_buffer_write(out, stop, len - (size_t)(stop - docp));
    return 0;
}

static int write_report(const char *dir, const reading *rd, const char *link, slant_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.html", dir);
    slantp_buf html = {0};
    slant_buffer sec = {0}, one = {0}, two = {0};
    anchors an = {0};
    int rc = slantp_read_file(path, MAX_REPORT, &html, err);
    if (rc != SLANT_OK)
        return rc;
    if (collect_anchors(&an, html.data, html.len) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    put(&sec, "\n");
    if ((rc = section(&sec, rd, link, &an, err)) != SLANT_OK)
        goto out;
    static const char nav[] = "<a href=\"#provenance\">Copies and rewrites</a>";
    if (splice(html.data, html.len, AUDITP_TRACE_SECTION, END_SECTION, sec.data, sec.len, &one) <
            0 ||
        splice(one.data, one.len, AUDITP_TRACE_NAV, END_NAV, nav, sizeof nav - 1, &two) < 0) {
        rc = slantp_error(err, SLANT_EINVAL, path, -1, -1,
                          "the report has no place for a trace: render it again with this "
                          "version (slant audit report)");
        goto out;
    }
    if (sec.failed || one.failed || two.failed)
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    else
        rc = slantp_write_atomic(path, two.data, two.len, err);
out:
    anchors_release(&an);
    slantp_buf_release(&html);
    slant_buffer_release(&sec);
    slant_buffer_release(&one);
    slant_buffer_release(&two);
    return rc;
}

/* summary.json with a last member "trace" (replacing one there already). */
static int write_summary(const char *dir, const reading *rd, slant_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    slantp_buf js = {0};
    int rc = slantp_read_file(path, MAX_REPORT, &js, err);
    if (rc != SLANT_OK)
        return rc;
    const totals *t = &rd->t;
    json_t *rel = json_object(), *shown = json_array();
    for (int k = 1; k < NREL; k++)
        json_object_set_new(rel, slant_trace_relation_name((enum slant_relation)k),
                            json_integer((json_int_t)t->rel[k]));
    for (size_t i = 0; i < rd->ntop; i++) {
        json_t *fam = json_loadb(rd->top[i].line, rd->top[i].len, 0, NULL);
        json_t *orig = json_object_get(fam, "original");
        json_array_append_new(shown, json_pack("{sIsIsO?}", "family",
                                               (json_int_t)rd->top[i].family, "size",
                                               (json_int_t)rd->top[i].size, "original", orig));
        json_decref(fam);
    }
    json_t *tr = json_pack("{sIsIsIsIsIsososI}", "families", (json_int_t)t->families,
                           "documents", (json_int_t)t->documents, "linked_families",
                           (json_int_t)t->linked, "linked_documents",
                           (json_int_t)t->linked_documents, "largest", (json_int_t)t->largest,
                           "relations", rel, "shown", shown, "omitted",
                           (json_int_t)(t->linked - rd->ntop));
    char *text = tr ? json_dumps(tr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(tr);
    /* the object's last '}' closes the whole; the member goes before it */
    size_t end = js.len;
    const char *old = js.data ? find(js.data, js.len, SUMMARY_KEY, sizeof SUMMARY_KEY - 1)
                              : NULL;
    while (end > 0 && js.data[end - 1] != '}')
        end--;
    if (old)
        end = (size_t)(old - js.data);
    else if (end)
        end--;
    if (!text || !end) {
        free(text);
        slantp_buf_release(&js);
        return !text ? slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory")
                     : slantp_error(err, SLANT_EFORMAT, path, -1, -1, "not an audit summary");
    }
    slant_buffer out = {0};
    slant_buffer_write(&out, js.data, end);
    put(&out, ",\n\"trace\":");
    put(&out, text);
    put(&out, "}\n");
    rc = out.failed ? slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory")
                    : slantp_write_atomic(path, out.data, out.len, err);
    slant_buffer_release(&out);
    free(text);
    slantp_buf_release(&js);
    return rc;
}

/* ======================================================== the call */

int slant_audit_add_trace(const char *dir, const char *trace, size_t max_families,
                          const char *link, slant_error *err)
{
    slantp_error_clear(err);
    if (!dir || !trace)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "no audit or no trace given");
    struct stat st;
    char path[4096];
    if (stat(trace, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/families.jsonl", trace);
    else
        snprintf(path, sizeof path, "%s", trace);
    reading rd = {.path = path};
    rd.max = max_families ? (max_families < SHOWN_MAX ? max_families : SHOWN_MAX)
                          : SHOWN_DEFAULT;
    rd.top = calloc(rd.max, sizeof *rd.top);
    int rc = rd.top ? read_families(&rd, err)
                    : slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    if (rc == SLANT_OK)
        rc = write_report(dir, &rd, link, err);
    if (rc == SLANT_OK)
        rc = write_summary(dir, &rd, err);
    for (size_t i = 0; rd.top && i < rd.ntop; i++)
        free(rd.top[i].line);
    free(rd.top);
    return rc;
}
