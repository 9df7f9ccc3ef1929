/* auditp_html.c - report.html: one self-contained page (inline CSS and SVG,
 * no script, nothing fetched) drawn from an audit's aggregate.
 *
 * Sections: the outlet-type mix of each group (stacked bars), the frame
 * profile of each group (bars with Wilson 95% whiskers, the whole corpus
 * as a tick), trends over time (lines per label, and per group for the
 * most common labels), the distinctive phrases of each group with the
 * labels they push, and example documents. Single-label heads are drawn
 * as mixes, multi-label heads as profiles. Two comments mark where the
 * provenance section of slant trace goes (auditp_trace.c puts it there). The groups drawn are those of
 * the first --by field (else the predicted outlet type), the largest
 * first, at most max_groups; the CSV tables have them all.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "io.h"
#include "audit.h"

/* a categorical palette readable on white, in an order where neighbours differ */
static const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
                                      "#1f5f8b", "#a0cbe8", "#8cd17d", "#d4a6c8"};
#define NPALETTE (sizeof palette / sizeof palette[0])
/* a point of a trend line needs this many documents: fewer make 0% and
 * 100% spikes that say nothing */
#define MIN_POINT_DOCS 10

static void put(slant_buffer *b, const char *s) { slant_buffer_write(b, s, strlen(s)); }

void auditp_putf(slant_buffer *b, const char *fmt, ...)
{
    char t[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    if (n > 0)
        slant_buffer_write(b, t, (size_t)n < sizeof t ? (size_t)n : sizeof t - 1);
}

static void esc(slant_buffer *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '&': put(b, "&amp;"); break;
        case '"': put(b, "&quot;"); break;
        case '\'': put(b, "&#39;"); break;
        case AUDIT_SEP: put(b, " / "); break;
        default: slant_buffer_write(b, s, 1);
        }
    }
}

void auditp_html_esc(slant_buffer *b, const char *s) { esc(b, s); }

/* A label as shown in charts: underscores as spaces, at most 'max' bytes
 * (cut at a character boundary, with an ellipsis). */
static void label(slant_buffer *b, const char *s, size_t max)
{
    char t[256];
    size_t n = 0;
    for (; *s && n < sizeof t - 4; s++)
        t[n++] = *s == '_' ? ' ' : *s;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
        memcpy(t + n, "\xE2\x80\xA6", 3);
        n += 3;
    }
    t[n] = '\0';
    esc(b, t);
}

/* An id usable in an href fragment: letters and digits kept, the rest hex. */
void auditp_html_anchor(slant_buffer *b, const char *dim, const char *key)
{
    put(b, "g-");
    for (const char *s = dim; *s; s++)
        auditp_putf(b, (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ? "%c" : "_%02x",
             (unsigned char)*s);
    put(b, "--");
    for (const char *s = key; *s; s++)
        auditp_putf(b, (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
                    ? "%c" : "_%02x", (unsigned char)*s);
}

void auditp_html_url(slant_buffer *b, const char *link, const char *id)
{
    const char *at = strstr(link, "{id}");
    slant_buffer w = {0};
    if (!at) {
        esc(b, link);
        return;
    }
    slant_buffer_write(&w, link, (size_t)(at - link));
    for (const char *s = id; *s; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("-_.~", *s))
            slant_buffer_write(&w, s, 1);
        else {
            char t[4];
            snprintf(t, sizeof t, "%%%02X", (unsigned char)*s);
            slant_buffer_write(&w, t, 3);
        }
    put(&w, at + 4);
    if (w.data)
        esc(b, w.data);
    slant_buffer_release(&w);
}

static void doc_link(slant_buffer *b, const auditp_render_options *o, const char *id,
                     const char *dim, const char *key)
{
    put(b, "<a class=doc href=\"");
    if (o->link && strstr(o->link, "{id}")) {
        auditp_html_url(b, o->link, id);
    } else {
        put(b, "#");
        auditp_html_anchor(b, dim, key);
    }
    put(b, "\">");
    esc(b, id);
    put(b, "</a>");
}

/* ======================================================== which groups */

static int by_docs(const void *x, const void *y)
{
    const auditp_cell *a = *(auditp_cell *const *)x, *b = *(auditp_cell *const *)y;
    if (a->ndocs != b->ndocs)
        return a->ndocs > b->ndocs ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* The cells of d, largest first (ties by key); malloc'd. */
static auditp_cell **largest(const auditp_dim *d)
{
    auditp_cell **v = auditp_dim_sorted(d);
    if (v)
        qsort(v, d->ncells, sizeof *v, by_docs);
    return v;
}

static const auditp_dim *find_dim(const auditp *a, enum auditp_dim_kind kind)
{
    for (size_t i = 0; i < a->ndims; i++)
        if (a->dims[i].kind == kind)
            return &a->dims[i];
    return NULL;
}

static const auditp_cell *find_cell(const auditp_dim *d, const char *key)
{
    for (size_t i = 0; d && i < d->ncells; i++)
        if (strcmp(d->cells[i]->key, key) == 0)
            return d->cells[i];
    return NULL;
}

static double share(const auditp_cell *c, size_t g)
{
    return c->ndocs ? (double)c->npred[g] / (double)c->ndocs : 0;
}

/* ======================================================== charts */

static void legend(slant_buffer *b, const auditp_spec *s, size_t h)
{
    put(b, "<div class=legend>");
    for (size_t l = 0; l < s->nlabels[h]; l++) {
        auditp_putf(b, "<span><i style=\"background:%s\"></i>", palette[l % NPALETTE]);
        label(b, s->label[s->first[h] + l], 60);
        put(b, "</span>");
    }
    put(b, "</div>\n");
}

/* One row per group: its label shares of single-label head h, stacked. */
static void mix_chart(slant_buffer *b, const auditp *a, auditp_cell **cells, size_t n, size_t h)
{
    const auditp_spec *s = &a->spec;
    const int left = 220, width = 700, row = 26;
    int height = (int)n * row + 24;
    auditp_putf(b, "<svg class=chart width=%d height=%d role=img>\n", left + width + 60, height);
    for (size_t i = 0; i < n; i++) {
        const auditp_cell *c = cells[i];
        int y = (int)i * row + 4;
        auditp_putf(b, "<text x=%d y=%d class=lab text-anchor=end>", left - 8, y + 15);
        label(b, c->key, 30);
        auditp_putf(b, "</text><text x=%d y=%d class=num>%llu</text>\n", left + width + 6, y + 15,
             (unsigned long long)c->ndocs);
        double x = left;
        for (size_t l = 0; l < s->nlabels[h]; l++) {
            double w = share(c, s->first[h] + l) * width;
            if (w <= 0)
                continue;
            auditp_putf(b, "<rect x=%.1f y=%d width=%.1f height=%d fill=\"%s\"><title>", x, y, w,
                 row - 6, palette[l % NPALETTE]);
            esc(b, c->key);
            put(b, ": ");
            esc(b, s->label[s->first[h] + l]);
            auditp_putf(b, " %.1f%%</title></rect>\n", 100 * share(c, s->first[h] + l));
            x += w;
        }
    }
    for (int t = 0; t <= 4; t++)
        auditp_putf(b, "<text x=%d y=%d class=axis text-anchor=middle>%d%%</text>", left + t * width / 4,
             height - 4, 25 * t);
    put(b, "</svg>\n");
}

/* Bars of a multi-label head's label shares in one group, with Wilson
 * whiskers, and the share over all documents as a tick. */
static void profile_chart(slant_buffer *b, const auditp *a, const auditp_cell *c,
                          const auditp_cell *all, size_t h, double scale)
{
    const auditp_spec *s = &a->spec;
    const int left = 230, width = 230, row = 18;
    int height = (int)s->nlabels[h] * row + 22;
    auditp_putf(b, "<svg class=chart width=%d height=%d role=img>\n", left + width + 50, height);
    for (size_t l = 0; l < s->nlabels[h]; l++) {
        size_t g = s->first[h] + l;
        double lo, hi, p = share(c, g);
        auditp_wilson(c->npred[g], c->ndocs, &lo, &hi);
        int y = (int)l * row + 2;
        put(b, "<text x=");
        auditp_putf(b, "%d y=%d class=lab text-anchor=end>", left - 6, y + 12);
        label(b, s->label[g], 34);
        auditp_putf(b, "</text><rect x=%d y=%d width=%.1f height=%d fill=\"%s\"><title>%.1f%% "
                "(95%% CI %.1f-%.1f%%), %llu of %llu</title></rect>\n",
             left, y + 2, p / scale * width, row - 6, palette[l % NPALETTE], 100 * p, 100 * lo,
             100 * hi, (unsigned long long)c->npred[g], (unsigned long long)c->ndocs);
        auditp_putf(b, "<line class=ci x1=%.1f x2=%.1f y1=%d y2=%d />", left + lo / scale * width,
             left + fmin(hi / scale, 1) * width, y + 8, y + 8);
        if (all)
            auditp_putf(b, "<line class=tick x1=%.1f x2=%.1f y1=%d y2=%d />",
                 left + share(all, g) / scale * width, left + share(all, g) / scale * width, y,
                 y + 16);
        auditp_putf(b, "<text x=%d y=%d class=num>%.0f%%</text>\n", left + width + 6, y + 12, 100 * p);
    }
    auditp_putf(b, "<text x=%d y=%d class=axis>0</text><text x=%d y=%d class=axis "
            "text-anchor=end>%.0f%%</text>", left, height - 2, left + width, height - 2,
         100 * scale);
    put(b, "</svg>\n");
}

typedef struct series {
    const char *name;
    const char *color;
    double *v;          /* per period; NAN where the group has no document */
} series;

static void line_chart(slant_buffer *b, const char *const *period, size_t np, const series *sr,
                       size_t ns)
{
    const int left = 50, width = 740, top = 10, height = 220;
    double ymax = 0.05;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < np; i++)
            if (!isnan(sr[k].v[i]) && sr[k].v[i] > ymax)
                ymax = sr[k].v[i];
    ymax = ceil(ymax * 5) / 5;     /* ticks at multiples of 5% */
    auditp_putf(b, "<svg class=chart width=%d height=%d role=img>\n", left + width + 300,
         top + height + 40);
    for (int t = 0; t <= 4; t++) {
        double y = top + height - t * height / 4.0;
        auditp_putf(b, "<line class=grid x1=%d x2=%d y1=%.1f y2=%.1f /><text x=%d y=%.1f class=axis "
                "text-anchor=end>%.0f%%</text>\n", left, left + width, y, y, left - 4, y + 4,
             100 * ymax * t / 4);
    }
    size_t every = np > 12 ? (np + 11) / 12 : 1;
    for (size_t i = 0; i < np; i += every) {
        double x = left + (np > 1 ? (double)i * width / (double)(np - 1) : width / 2.0);
        auditp_putf(b, "<text x=%.1f y=%d class=axis text-anchor=middle>", x, top + height + 16);
        esc(b, period[i]);
        put(b, "</text>");
    }
    for (size_t k = 0; k < ns; k++) {
        /* a path, not a polyline: a period without enough documents is a gap */
        auditp_putf(b, "<path fill=none stroke=\"%s\" stroke-width=2 d=\"", sr[k].color);
        int pen = 0;
        for (size_t i = 0; i < np; i++) {
            if (isnan(sr[k].v[i])) {
                pen = 0;
                continue;
            }
            auditp_putf(b, "%c%.1f,%.1f ", pen ? 'L' : 'M',
                 left + (np > 1 ? (double)i * width / (double)(np - 1) : width / 2.0),
                 top + height - sr[k].v[i] / ymax * height);
            pen = 1;
        }
        put(b, "\"><title>");
        esc(b, sr[k].name);
        put(b, "</title></path>\n");
        auditp_putf(b, "<rect x=%d y=%d width=10 height=10 fill=\"%s\" /><text x=%d y=%d class=lab>",
             left + width + 14, top + (int)k * 16, sr[k].color, left + width + 28,
             top + (int)k * 16 + 9);
        label(b, sr[k].name, 40);
        put(b, "</text>\n");
    }
    put(b, "</svg>\n");
}

/* ======================================================== sections */

static const char style[] =
    "<style>\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
    "max-width:1100px;margin:24px auto;padding:0 16px}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 6px;border-bottom:1px "
    "solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}\n"
    ".sub{color:#666}nav a{margin-right:14px}\n"
    ".chart text{font-size:12px;fill:#333}.chart .axis{fill:#888;font-size:11px}"
    ".chart .num{fill:#555}.ci{stroke:#222;stroke-width:1.5}.tick{stroke:#d22;stroke-width:2}"
    ".grid{stroke:#eee}\n"
    ".legend span{display:inline-block;margin:0 14px 4px 0;font-size:12px}.legend i{display:"
    "inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}\n"
    ".grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:4px 18px}\n"
    "table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}td,th{padding:3px 9px;"
    "border-bottom:1px solid #eee;text-align:left;vertical-align:top}th{background:#f6f6f6}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".rel{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;background:#eee}"
    ".r-original{background:#dde8f3}.r-verbatim{background:#e4f2e0}.r-furniture{background:"
    "#eef4d9}.r-edited{background:#fbeed5}.r-spun{background:#f8dcdc}.r-rewritten{background:"
    "#ebe0f0}td.d{white-space:nowrap}\n"
    ".pos{color:#1a7f37}.neg{color:#b42318}a.doc{font-family:ui-monospace,monospace;"
    "font-size:12px}.note{color:#666;font-size:12px}\n"
    "</style>\n";

static void header(slant_buffer *b, const auditp *a, const auditp_dim *main)
{
    const auditp_spec *s = &a->spec;
    put(b, "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
           "<title>slant audit</title>\n");
    put(b, style);
    put(b, "</head><body>\n<h1>Framing audit</h1>\n<p class=sub>");
    auditp_putf(b, "%llu documents classified", (unsigned long long)a->ndocs);
    const auditp_cell *all = find_cell(find_dim(a, AUDIT_DIM_ALL), "all");
    if (all && all->nabstained)
        auditp_putf(b, " (on %llu the classifier abstained: too short, another language or too "
                "little evidence; they are counted all the same)",
             (unsigned long long)all->nabstained);
    if (a->nfailed)
        auditp_putf(b, ", %llu records could not be read", (unsigned long long)a->nfailed);
    put(b, "; groups by <b>");
    esc(b, main ? main->name : "all");
    put(b, "</b>");
    if (s->time_field) {
        put(b, ", time by <b>");
        esc(b, s->time_field);
        auditp_putf(b, "</b> (%s)", auditp_unit_name(s->unit));
    }
    auditp_putf(b, ". Model checksum %016llx.</p>\n", (unsigned long long)s->model_sum);
    put(b, "<nav><a href=\"#mix\">Outlet mix</a><a href=\"#profiles\">Frame profiles</a>"
           "<a href=\"#trends\">Over time</a><a href=\"#phrases\">Distinctive phrases</a>"
           "<a href=\"#examples\">Examples</a>" AUDITP_TRACE_NAV "</nav>\n");
}

static void section_mix(slant_buffer *b, const auditp *a, const auditp_dim *d, auditp_cell **cells,
                        size_t n)
{
    const auditp_spec *s = &a->spec;
    put(b, "<h2 id=mix>Outlet mix</h2>\n");
    for (size_t h = 0; h < s->nheads; h++) {
        if (s->multilabel[h])
            continue;
        put(b, "<h3>Predicted ");
        esc(b, s->head[h]);
        put(b, " by ");
        esc(b, d->name);
        put(b, "</h3>\n");
        legend(b, s, h);
        mix_chart(b, a, cells, n, h);
    }
}

static void section_profiles(slant_buffer *b, const auditp *a, auditp_cell **cells, size_t n)
{
    const auditp_spec *s = &a->spec;
    const auditp_cell *all = find_cell(find_dim(a, AUDIT_DIM_ALL), "all");
    put(b, "<h2 id=profiles>Frame profiles</h2>\n<p class=note>Share of the group's documents "
           "given each label, with its 95% Wilson interval; the red tick is the share over "
           "all documents.</p>\n");
    for (size_t h = 0; h < s->nheads; h++) {
        if (!s->multilabel[h])
            continue;
        double scale = 0.1;
        for (size_t i = 0; i < n; i++)
            for (size_t l = 0; l < s->nlabels[h]; l++) {
                double lo, hi;
                auditp_wilson(cells[i]->npred[s->first[h] + l], cells[i]->ndocs, &lo, &hi);
                scale = fmax(scale, hi);
            }
        scale = fmin(1, ceil(scale * 10) / 10);
        put(b, "<div class=grid2>\n");
        for (size_t i = 0; i < n; i++) {
            put(b, "<div><h3>");
            esc(b, cells[i]->key);
            auditp_putf(b, " <span class=sub>(%llu documents, ", (unsigned long long)cells[i]->ndocs);
            esc(b, s->head[h]);
            put(b, ")</span></h3>\n");
            profile_chart(b, a, cells[i], all, h, scale);
            put(b, "</div>\n");
        }
        put(b, "</div>\n");
    }
}

/* The periods of the time dimension in order, "unknown" left out. */
static auditp_cell **periods(const auditp_dim *t, size_t *np)
{
    auditp_cell **v = auditp_dim_sorted(t);
    *np = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < t->ncells; i++)
        if (strcmp(v[i]->key, AUDIT_UNKNOWN) != 0)
            v[(*np)++] = v[i];
    return v;
}

/* The labels of head h, most often predicted over all documents first. */
static void labels_by_share(const auditp *a, const auditp_cell *all, size_t h, size_t *order)
{
    const auditp_spec *s = &a->spec;
    size_t n = s->nlabels[h];
    for (size_t l = 0; l < n; l++)
        order[l] = l;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && all->npred[s->first[h] + order[j]] >
                                       all->npred[s->first[h] + order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* Over time, all documents: one line per label of head h (the 6 most
 * common). */
static void trend_labels(slant_buffer *b, const auditp *a, auditp_cell **per, size_t np,
                         const char **names, const auditp_cell *all, size_t h)
{
    const auditp_spec *s = &a->spec;
    size_t order[4096], ns = s->nlabels[h] < 6 ? s->nlabels[h] : 6;
    series sr[6];
    double *vals = malloc((ns * np + 1) * sizeof *vals);
    if (!vals)
        return;
    labels_by_share(a, all, h, order);
    for (size_t k = 0; k < ns; k++) {
        size_t g = s->first[h] + order[k];
        sr[k] = (series){s->label[g], palette[order[k] % NPALETTE], vals + k * np};
        for (size_t i = 0; i < np; i++)
            sr[k].v[i] = per[i]->ndocs >= MIN_POINT_DOCS ? share(per[i], g) : (double)NAN;
    }
    put(b, "<h3>");
    esc(b, s->head[h]);
    auditp_putf(b, ": share of documents by period <span class=sub>(periods with %d or more "
            "documents)</span></h3>\n", MIN_POINT_DOCS);
    line_chart(b, names, np, sr, ns);
    free(vals);
}

/* Over time, by group: one line per group (the 6 largest) for label g. */
static void trend_groups(slant_buffer *b, const auditp *a, const auditp_dim *cross, auditp_cell **top,
                         size_t ntop, const char **names, size_t np, size_t g)
{
    size_t ns = ntop < 6 ? ntop : 6;
    series sr[6];
    double *vals = malloc((ns * np + 1) * sizeof *vals);
    slant_buffer key = {0};
    if (!vals)
        return;
    for (size_t k = 0; k < ns; k++) {
        sr[k] = (series){top[k]->key, palette[k % NPALETTE], vals + k * np};
        for (size_t i = 0; i < np; i++) {
            key.len = 0;
            put(&key, top[k]->key);
            slant_buffer_write(&key, (char[]){AUDIT_SEP}, 1);
            put(&key, names[i]);
            const auditp_cell *c = key.data ? find_cell(cross, key.data) : NULL;
            sr[k].v[i] = c && c->ndocs >= MIN_POINT_DOCS ? share(c, g) : (double)NAN;
        }
    }
    put(b, "<h3>");
    label(b, a->spec.label[g], 60);
    put(b, ": share of each group's documents by period</h3>\n");
    line_chart(b, names, np, sr, ns);
    slant_buffer_release(&key);
    free(vals);
}

static void section_trends(slant_buffer *b, const auditp *a, const auditp_dim *main,
                           auditp_cell **top, size_t ntop)
{
    const auditp_spec *s = &a->spec;
    const auditp_dim *t = find_dim(a, AUDIT_DIM_TIME);
    const auditp_cell *all = find_cell(find_dim(a, AUDIT_DIM_ALL), "all");
    put(b, "<h2 id=trends>Over time</h2>\n");
    size_t np;
    auditp_cell **per = t ? periods(t, &np) : NULL;
    if (!per || np == 0 || !all) {
        put(b, "<p class=note>No time field was given, or no record had a readable date "
               "(audit with --time FIELD:UNIT).</p>\n");
        free(per);
        return;
    }
    const char **names = malloc(np * sizeof *names);
    if (names) {
        for (size_t i = 0; i < np; i++)
            names[i] = per[i]->key;
        const auditp_cell *unknown = find_cell(t, AUDIT_UNKNOWN);
        if (unknown)
            auditp_putf(b, "<p class=note>%llu documents without a readable date are left out of "
                    "these lines (period \"unknown\" in the tables).</p>\n",
                 (unsigned long long)unknown->ndocs);
        for (size_t h = 0; h < s->nheads; h++)
            trend_labels(b, a, per, np, names, all, h);
        const auditp_dim *cross = NULL;
        for (size_t i = 0; i < a->ndims; i++)
            if (a->dims[i].kind == AUDIT_DIM_CROSS && main && main->kind == AUDIT_DIM_BY &&
                a->dims[i].field == main->field)
                cross = &a->dims[i];
        for (size_t h = 0; cross && h < s->nheads; h++) {
            if (!s->multilabel[h])
                continue;
            size_t order[4096];
            labels_by_share(a, all, h, order);
            for (size_t k = 0; k < 2 && k < s->nlabels[h]; k++)
                trend_groups(b, a, cross, top, ntop, names, np, s->first[h] + order[k]);
        }
    }
    free(names);
    free(per);
}

/* The label of head h that the phrase pushes up most, as "label +w". */
static void pushes(slant_buffer *b, const auditp *a, const slant_model *m, size_t h, uint32_t fid)
{
    const auditp_spec *s = &a->spec;
    size_t best = 0;
    double bw = -HUGE_VAL;
    for (size_t l = 0; l < s->nlabels[h]; l++) {
        double w = slant_model_weight(m, h, l, fid);
        if (w > bw)
            bw = w, best = l;
    }
    if (!(bw > 0)) {
        put(b, "<span class=sub>none</span>");
        return;
    }
    esc(b, s->label[s->first[h] + best]);
    auditp_putf(b, " <span class=pos>+%.3f</span>", bw);
}

static void phrase_table(slant_buffer *b, const auditp *a, const slant_model *m,
                         const auditp_render_options *o, const auditp_dim *d, const auditp_cell *c,
                         const auditp_phrase *ph, size_t n)
{
    const auditp_spec *s = &a->spec;
    put(b, "<table><tr><th>phrase</th><th>z</th><th>in group</th><th>elsewhere</th>"
           "<th>docs</th>");
    for (size_t h = 0; h < s->nheads; h++) {
        put(b, "<th>pushes ");
        esc(b, s->head[h]);
        put(b, " to</th>");
    }
    put(b, "<th>example</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const char *text = a->surface[ph[i].fid].text ? a->surface[ph[i].fid].text
                                                      : slant_model_feature_text(m, ph[i].fid);
        put(b, "<tr><td><b>");
        esc(b, text);
        auditp_putf(b, "</b></td><td class=n>%.1f</td><td class=n>%llu</td><td class=n>%llu</td>"
                "<td class=n>%u</td>", ph[i].z, (unsigned long long)ph[i].count,
             (unsigned long long)ph[i].rest, ph[i].ndocs);
        for (size_t h = 0; h < s->nheads; h++) {
            put(b, "<td>");
            pushes(b, a, m, h, ph[i].fid);
            put(b, "</td>");
        }
        put(b, "<td>");
        doc_link(b, o, a->ids[ph[i].ex].id, d->name, c->key);
        put(b, "</td></tr>\n");
    }
    put(b, "</table>\n");
}

static void section_phrases(slant_buffer *b, const auditp *a, const slant_model *m,
                            const auditp_render_options *o, const auditp_dim *const *dims,
                            size_t ndims)
{
    put(b, "<h2 id=phrases>Distinctive phrases</h2>\n<p class=note>Phrases a group uses more "
           "than the other groups of its grouping: log-odds ratio with an informative "
           "Dirichlet prior (Monroe et al. 2008), ranked by z-score; in the documents' own "
           "words. The model's weight shows the label each phrase pushes a document's score "
           "towards most.</p>\n");
    for (size_t k = 0; k < ndims; k++) {
        const auditp_dim *d = dims[k];
        if (!d->phrases)
            continue;
        auditp_cell **cells = largest(d);
        size_t n = d->ncells < o->max_groups ? d->ncells : o->max_groups;
        for (size_t i = 0; cells && i < n; i++) {
            size_t np = cells[i]->ntop;
            const auditp_phrase *ph = cells[i]->top;
            put(b, "<h3>");
            esc(b, d->name);
            put(b, ": ");
            esc(b, cells[i]->key);
            auditp_putf(b, " <span class=sub>(%llu documents)</span></h3>\n",
                 (unsigned long long)cells[i]->ndocs);
            if (np)
                phrase_table(b, a, m, o, d, cells[i], ph, np);
            else
                put(b, "<p class=note>No phrase stands out.</p>\n");
        }
        free(cells);
    }
}

static void section_examples(slant_buffer *b, const auditp *a, const auditp_render_options *o,
                             const auditp_dim *const *dims, size_t ndims)
{
    put(b, "<h2 id=examples>Example documents</h2>\n<p class=note>Per group, the documents "
           "whose id hashes lowest: a fixed sample, the same in every run and merge.</p>\n"
           "<table><tr><th>grouping</th><th>group</th><th>documents</th></tr>\n");
    for (size_t k = 0; k < ndims; k++) {
        const auditp_dim *d = dims[k];
        auditp_cell **cells = auditp_dim_sorted(d);
        for (size_t i = 0; cells && i < d->ncells; i++) {
            put(b, "<tr id=\"");
            auditp_html_anchor(b, d->name, cells[i]->key);
            put(b, "\"><td>");
            esc(b, d->name);
            put(b, "</td><td>");
            esc(b, cells[i]->key);
            put(b, "</td><td>");
            for (size_t e = 0; e < cells[i]->nex; e++) {
                auditp_render_options lo = *o;
                if (!o->link)
                    put(b, "<code>"), esc(b, a->ids[cells[i]->ex[e]].id), put(b, "</code> ");
                else
                    doc_link(b, &lo, a->ids[cells[i]->ex[e]].id, d->name, cells[i]->key), put(b, " ");
            }
            put(b, "</td></tr>\n");
        }
        free(cells);
    }
    put(b, "</table>\n");
}

int auditp_html(const auditp *a, const slant_model *m, const auditp_render_options *o,
               slant_buffer *b)
{
    const auditp_dim *main = find_dim(a, AUDIT_DIM_BY);
    const auditp_dim *shown[2];
    size_t nshown = 0;
    if (main)
        shown[nshown++] = main;
    for (size_t i = 0; i < a->ndims; i++)
        if (a->dims[i].kind == AUDIT_DIM_PRED) {
            if (!main)
                main = &a->dims[i];
            if (nshown < 2 && shown[0] != &a->dims[i])
                shown[nshown++] = &a->dims[i];
            break;
        }
    if (!main)
        main = find_dim(a, AUDIT_DIM_ALL);
    auditp_cell **cells = largest(main);
    if (!cells)
        return -1;
    size_t n = main->ncells < o->max_groups ? main->ncells : o->max_groups;
    header(b, a, main);
    if (main->ncells > n)
        auditp_putf(b, "<p class=note>The charts show the %zu largest of %zu groups; the CSV tables "
                "have them all.</p>\n", n, main->ncells);
    section_mix(b, a, main, cells, n);
    section_profiles(b, a, cells, n);
    section_trends(b, a, main, cells, n);
    section_phrases(b, a, m, o, shown, nshown);
    put(b, AUDITP_TRACE_SECTION "\n");
    section_examples(b, a, o, shown, nshown);
    put(b, "<p class=note>Written by slant " SLANT_VERSION " (slant audit). Tables: "
           "summary.json, groups.csv, labels.csv, phrases.csv, examples.csv.</p>\n"
           "</body></html>\n");
    free(cells);
    return b->failed ? -1 : 0;
}
