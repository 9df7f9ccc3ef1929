/* dataset.c - labelled data in: JSONL, fastText, TSV and directory trees.
 *
 * Every reader appends records to one slant_dataset, which keeps each
 * record's text, id, optional group value (for grouped folds) and its
 * (head, label) pairs. A head is multi-label as soon as any record gives
 * it a list or several labels; single labels then count as one-element
 * lists. Errors name the file, line and column of the offending record.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record.h"
#include "core.h"
#include "dataset.h"
#include "io.h"
#include "mask.h"
#include "vocab.h"

slant_dataset *slant_dataset_new(void)
{
    return calloc(1, sizeof(slant_dataset));
}

void slant_dataset_free(slant_dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->recs[i].id);
        free(d->recs[i].text);
        free(d->recs[i].group);
    }
    free(d->recs);
    free(d->pairs);
    for (size_t h = 0; h < d->nheads; h++) {
        free(d->heads[h].name);
        slantp_strtab_release(&d->heads[h].labels);
    }
    for (size_t i = 0; i < d->nsources; i++)
        free(d->sources[i]);
    free(d->sources);
    free(d);
}

size_t slant_dataset_size(const slant_dataset *d) { return d->n; }
size_t slant_dataset_nheads(const slant_dataset *d) { return d->nheads; }
const char *slant_dataset_head_name(const slant_dataset *d, size_t h)
{
    return h < d->nheads ? d->heads[h].name : NULL;
}

size_t slantp_dataset_find_head(const slant_dataset *d, const char *name)
{
    for (size_t h = 0; h < d->nheads; h++)
        if (strcmp(d->heads[h].name, name) == 0)
            return h;
    return (size_t)-1;
}

int slantp_record_has_head(const slant_dataset *d, const slantp_record *r, size_t h)
{
    for (size_t i = 0; i < r->lab_n; i++)
        if (d->pairs[r->lab_start + i].head == h)
            return 1;
    return 0;
}

int slantp_record_has_label(const slant_dataset *d, const slantp_record *r, size_t h, size_t l)
{
    for (size_t i = 0; i < r->lab_n; i++) {
        const slantp_pair *p = &d->pairs[r->lab_start + i];
        if (p->head == h && p->label == l)
            return 1;
    }
    return 0;
}

static const char *intern_source(slant_dataset *d, const char *source)
{
    if (d->nsources && strcmp(d->sources[d->nsources - 1], source) == 0)
        return d->sources[d->nsources - 1];
    if (slantp_grow(&d->sources, &d->sources_cap, d->nsources + 1, sizeof *d->sources) < 0)
        return NULL;
    char *s = slantp_strndup(source, strlen(source));
    if (!s)
        return NULL;
    d->sources[d->nsources++] = s;
    return s;
}

int slantp_dataset_add(slant_dataset *d, const char *id, const char *text, size_t len,
                       const char *group, const char *source, long line)
{
    if (slantp_grow(&d->recs, &d->cap, d->n + 1, sizeof *d->recs) < 0)
        return -1;
    slantp_record *r = &d->recs[d->n];
    memset(r, 0, sizeof *r);
    r->source = intern_source(d, source ? source : "");
    r->id = slantp_strndup(id, strlen(id));
    r->text = slantp_strndup(text, len);
    r->group = group ? slantp_strndup(group, strlen(group)) : NULL;
    if (!r->source || !r->id || !r->text || (group && !r->group)) {
        free(r->id);
        free(r->text);
        free(r->group);
        return -1;
    }
    r->len = len;
    r->line = line;
    r->lab_start = d->npairs;
    d->n++;
    return 0;
}

int slantp_dataset_add_label(slant_dataset *d, const char *head, int multilabel,
                             const char *label, slant_error *err)
{
    slantp_record *r = &d->recs[d->n - 1];
    size_t h;
    for (h = 0; h < d->nheads; h++)
        if (strcmp(d->heads[h].name, head) == 0)
            break;
    if (h == d->nheads) {
        if (d->nheads == SLANTP_MAX_HEADS)
            return slantp_error(err, SLANT_EFORMAT, r->source, r->line, 1,
                                "more than %d heads", SLANTP_MAX_HEADS);
        slantp_dhead *dh = &d->heads[h];
        memset(dh, 0, sizeof *dh);
        dh->name = slantp_strndup(head, strlen(head));
        if (!dh->name || slantp_strtab_init(&dh->labels, 16) < 0) {
            free(dh->name);
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        }
        d->nheads++;
    }
    slantp_dhead *dh = &d->heads[h];
    if (multilabel)
        dh->multilabel = 1;
    uint32_t l = SLANTP_NO_LABEL;
    if (label) {
        if (!*label)
            return slantp_error(err, SLANT_EFORMAT, r->source, r->line, 1,
                                "empty label for head '%s'", head);
        long li = slantp_strtab_intern(&dh->labels, label, strlen(label));
        if (li < 0)
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        if ((size_t)li >= SLANTP_MAX_LABELS)
            return slantp_error(err, SLANT_EFORMAT, r->source, r->line, 1,
                                "head '%s' has more than %d labels", head, SLANTP_MAX_LABELS);
        l = (uint32_t)li;
        /* one label repeated in a list counts once; a second label on a
         * single-label head makes it multi-label */
        size_t have = 0;
        for (size_t i = 0; i < r->lab_n; i++) {
            slantp_pair *p = &d->pairs[r->lab_start + i];
            if (p->head != h)
                continue;
            if (p->label == l)
                return SLANT_OK;
            if (p->label != SLANTP_NO_LABEL)
                have++;
            else
                p->label = l;   /* replace the "empty" marker */
        }
        if (have)
            dh->multilabel = 1;
        for (size_t i = 0; i < r->lab_n; i++)
            if (d->pairs[r->lab_start + i].head == h && d->pairs[r->lab_start + i].label == l)
                return SLANT_OK;
    } else if (slantp_record_has_head(d, r, h)) {
        return SLANT_OK;
    }
    if (slantp_grow(&d->pairs, &d->pairs_cap, d->npairs + 1, sizeof *d->pairs) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    d->pairs[d->npairs++] = (slantp_pair){(uint32_t)h, l};
    r->lab_n++;
    return SLANT_OK;
}

/* ---------------------------------------------------------------- reading */

/* What every record of one file is read with. */
typedef struct reader {
    slant_dataset *d;
    const slant_read_options *o;
    const char *src;
    slantp_buf text;        /* the record's text with NULs and names blanked */
    slantp_jsonl_record rec;    /* the JSONL record being read */
} reader;

/* The text as the dataset keeps it: NUL bytes as spaces, names masked. */
static int prepare_text(reader *rd, const char *text, size_t len, const char *mask_value)
{
    rd->text.len = 0;
    if (slantp_buf_append(&rd->text, text, len) < 0 || slantp_buf_append(&rd->text, "", 1) < 0)
        return -1;
    rd->text.len = len;
    for (size_t i = 0; i < len; i++)
        if (rd->text.data[i] == '\0')
            rd->text.data[i] = ' ';
    if (mask_value || rd->o->nmask_names)
        if (slantp_mask_names(rd->text.data, len, mask_value, rd->o->mask_names,
                              rd->o->nmask_names) == (size_t)-1)
            return -1;
    return 0;
}

static int add_record(reader *rd, const char *id, const char *text, size_t len,
                      const char *group, const char *mask_value, long lineno)
{
    /* the dataset copies the text: copy it here first only to change it */
    if (mask_value || rd->o->nmask_names || memchr(text, '\0', len)) {
        if (prepare_text(rd, text, len, mask_value) < 0)
            return -1;
        text = rd->text.data;
    }
    if (slantp_dataset_add(rd->d, id, text, len, group, rd->src, lineno) < 0)
        return -1;
    rd->d->grouped += group != NULL;
    return 0;
}

/* ---------------------------------------------------------------- JSONL */

/* The heads of a labels object to read, in sorted key order (so head
 * numbering does not depend on key order in the file), each checked to
 * be a string, a list of strings or null, no label empty. */
static int jsonl_heads(const reader *rd, json_t *labels, long lineno, const char **keys,
                       size_t *nk, slant_error *err)
{
    const char *k;
    json_t *v;
    *nk = 0;
    if (!labels || json_is_null(labels))
        return SLANT_OK;
    if (!json_is_object(labels))
        return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1, "field 'labels' is not an object");
    json_object_foreach(labels, k, v) {
        if (rd->o->head && strcmp(k, rd->o->head) != 0)
            continue;
        if (!*k)
            return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1, "a head has an empty name");
        if (*nk == SLANTP_MAX_HEADS)
            return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1, "more than %d heads",
                                SLANTP_MAX_HEADS);
        if (json_is_string(v) && json_string_length(v) == 0)
            return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1, "empty label for head '%s'", k);
        if (json_is_array(v)) {
            size_t j;
            json_t *e;
            json_array_foreach(v, j, e) {
                if (!json_is_string(e))
                    return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1,
                                        "labels of head '%s' must be strings", k);
                if (json_string_length(e) == 0)
                    return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1,
                                        "empty label for head '%s'", k);
            }
        } else if (!json_is_string(v) && !json_is_null(v)) {
            return slantp_error(err, SLANT_EFORMAT, rd->src, lineno, 1,
                                "head '%s' must be a string or a list of strings", k);
        }
        keys[(*nk)++] = k;
    }
    for (size_t i = 1; i < *nk; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    return SLANT_OK;
}

static int jsonl_labels(slant_dataset *d, json_t *labels, const char *const *keys, size_t nk,
                        slant_error *err)
{
    for (size_t i = 0; i < nk; i++) {
        json_t *v = json_object_get(labels, keys[i]), *e;
        size_t j;
        int rc = SLANT_OK;
        if (json_is_null(v))
            continue;
        if (json_is_string(v))
            rc = slantp_dataset_add_label(d, keys[i], 0, json_string_value(v), err);
        else
            rc = slantp_dataset_add_label(d, keys[i], 1, NULL, err);
        if (json_is_array(v))
            json_array_foreach(v, j, e) {
                if (rc)
                    break;
                rc = slantp_dataset_add_label(d, keys[i], 1, json_string_value(e), err);
            }
        if (rc)
            return rc;
    }
    return SLANT_OK;
}

/* Checks the whole record before adding any of it, so a record refused
 * (and skipped, with skip_bad) leaves nothing behind. */
static int jsonl_record(reader *rd, const char *line, size_t len, long lineno, slant_error *err)
{
    slantp_jsonl_record *rec = &rd->rec;
    char idbuf[64], gbuf[64];
    const char *keys[SLANTP_MAX_HEADS];
    size_t nk = 0;
    int rc = slantp_record_decode(rec, line, len, 1, rd->src, lineno, err);
    if (rc)
        return rc;
    const char *id = rec->id.data;
    if (!rec->has_id) {
        snprintf(idbuf, sizeof idbuf, "%ld", lineno);
        id = idbuf;
    }
    json_t *labels = json_object_get(rec->root, "labels");
    rc = jsonl_heads(rd, labels, lineno, keys, &nk, err);
    if (rc)
        goto out;
    const char *group = slantp_record_field(rec, rd->o->group_field, gbuf, sizeof gbuf);
    json_t *mask = rd->o->mask_field ? json_object_get(rec->root, rd->o->mask_field) : NULL;
    if (add_record(rd, id, rec->text.data, rec->text.len, group,
                   json_is_string(mask) ? json_string_value(mask) : NULL, lineno) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    rc = jsonl_labels(rd->d, labels, keys, nk, err);
out:
    slantp_record_clear(rec);
    return rc;
}

/* ---------------------------------------------------------------- fastText, TSV */

static int fasttext_record(reader *rd, const char *line, size_t len, long lineno,
                           slant_error *err)
{
    const char *src = rd->src, *head = rd->o->head ? rd->o->head : "label";
    const char *p = line, *end = line + len;
    const char *labs[256];
    size_t labn[256], nl = 0;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 9 || memcmp(p, "__label__", 9) != 0)
            break;
        const char *q = p + 9;
        while (q < end && *q != ' ' && *q != '\t')
            q++;
        if (nl == 256)
            return slantp_error(err, SLANT_EFORMAT, src, lineno, (long)(p - line) + 1,
                                "too many labels");
        labs[nl] = p + 9;
        labn[nl++] = (size_t)(q - p - 9);
        p = q;
    }
    if (nl == 0)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "expected '__label__' at the start");
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%ld", lineno);
    if (add_record(rd, idbuf, p, (size_t)(end - p), NULL, NULL, lineno) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < nl; i++) {
        char *l = slantp_strndup(labs[i], labn[i]);
        if (!l)
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        int rc = slantp_dataset_add_label(rd->d, head, nl > 1, l, err);
        free(l);
        if (rc)
            return rc;
    }
    return SLANT_OK;
}

static int tsv_record(reader *rd, const char *line, size_t len, long lineno, slant_error *err)
{
    const char *src = rd->src, *head = rd->o->head ? rd->o->head : "label";
    const char *tab = memchr(line, '\t', len);
    if (!tab)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, (long)len + 1,
                            "expected 'label<TAB>text'");
    if (tab == line)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "empty label");
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%ld", lineno);
    if (add_record(rd, idbuf, tab + 1, len - (size_t)(tab + 1 - line), NULL, NULL, lineno) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    char *l = slantp_strndup(line, (size_t)(tab - line));
    if (!l)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    int rc = slantp_dataset_add_label(rd->d, head, 0, l, err);
    free(l);
    return rc;
}

static const char *format_name(enum slant_format fmt)
{
    return fmt == SLANT_FORMAT_FASTTEXT ? "fastText" : fmt == SLANT_FORMAT_TSV ? "TSV"
           : fmt == SLANT_FORMAT_DIR    ? "a directory"
                                        : "JSONL";
}

/* A record refused as malformed: with skip_bad it is reported and counted,
 * and reading goes on. */
static int skip_or_fail(reader *rd, int rc, slant_error *err)
{
    if (rc != SLANT_EFORMAT || !rd->o->skip_bad)
        return rc;
    rd->d->skipped++;
    if (rd->o->skipped)
        rd->o->skipped(rd->o->skipped_ctx, err);
    slantp_error_clear(err);
    return SLANT_OK;
}

static int read_lines(reader *rd, const char *path, slant_error *err)
{
    enum slant_format fmt = rd->o->format;
    slantp_lines lr;
    int rc = slantp_lines_open(&lr, path, SLANTP_MAX_LINE, err);
    if (rc)
        return rc;
    rd->src = lr.name;
    const char *line;
    size_t len;
    int r;
    while ((r = slantp_records_next(&lr, &line, &len, err)) == 1) {
        size_t k = 0;
        while (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')
            k++;
        if (fmt == SLANT_FORMAT_AUTO)
            fmt = line[k] == '{' ? SLANT_FORMAT_JSONL
                  : (len - k >= 9 && memcmp(line + k, "__label__", 9) == 0) ? SLANT_FORMAT_FASTTEXT
                                                                            : SLANT_FORMAT_TSV;
        if (fmt != SLANT_FORMAT_JSONL && (rd->o->group_field || rd->o->mask_field)) {
            rc = slantp_error(err, SLANT_EINVAL, lr.name, -1, -1,
                              "%s data has no fields: a group or mask field needs JSONL",
                              format_name(fmt));
            break;
        }
        if (fmt == SLANT_FORMAT_JSONL)
            rc = jsonl_record(rd, line, len, lr.lineno, err);
        else if (fmt == SLANT_FORMAT_FASTTEXT)
            rc = fasttext_record(rd, line, len, lr.lineno, err);
        else
            rc = tsv_record(rd, line, len, lr.lineno, err);
        if ((rc = skip_or_fail(rd, rc, err)) != SLANT_OK)
            break;
    }
    if (r < 0)
        rc = err ? err->code : SLANT_EIO;
    slantp_lines_close(&lr);
    return rc;
}

/* ---------------------------------------------------------------- directories */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of 'dir' (no dot files). */
static int list_dir(const char *dir, char ***names, size_t *n, slant_error *err)
{
    DIR *dp = opendir(dir);
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (!dp)
        return slantp_error(err, SLANT_EIO, NULL, -1, -1, "cannot open directory '%s': %s", dir,
                            strerror(errno));
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.')
            continue;
        if (slantp_grow(names, &cap, *n + 1, sizeof **names) < 0 ||
            !((*names)[*n] = slantp_strndup(e->d_name, strlen(e->d_name)))) {
            closedir(dp);
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        }
        (*n)++;
    }
    closedir(dp);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_str);
    return SLANT_OK;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int read_dir(reader *rd, const char *path, slant_error *err)
{
    slant_dataset *d = rd->d;
    const char *head = rd->o->head ? rd->o->head : "label";
    if (rd->o->group_field || rd->o->mask_field)
        return slantp_error(err, SLANT_EINVAL, path, -1, -1,
                            "a directory of texts has no fields: a group or mask field needs JSONL");
    char **labels;
    size_t nl;
    int rc = list_dir(path, &labels, &nl, err);
    slantp_buf file = {0}, full = {0};
    for (size_t i = 0; rc == SLANT_OK && i < nl; i++) {
        full.len = 0;
        if (slantp_buf_append(&full, path, strlen(path)) || slantp_buf_append(&full, "/", 1) ||
            slantp_buf_append(&full, labels[i], strlen(labels[i]))) {
            rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
            break;
        }
        struct stat st;
        if (stat(full.data, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;   /* loose files beside the label directories are not data */
        char *labdir = slantp_strndup(full.data, full.len);
        char **files;
        size_t nf;
        if (!labdir) {
            rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
            break;
        }
        rc = list_dir(labdir, &files, &nf, err);
        for (size_t j = 0; rc == SLANT_OK && j < nf; j++) {
            size_t fl = strlen(files[j]);
            if (fl < 4 || strcmp(files[j] + fl - 4, ".txt") != 0)
                continue;
            full.len = 0;
            if (slantp_buf_append(&full, labdir, strlen(labdir)) || slantp_buf_append(&full, "/", 1) ||
                slantp_buf_append(&full, files[j], fl)) {
                rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
                break;
            }
            rc = slantp_read_file(full.data, SLANTP_MAX_DOC, &file, err);
            if (rc)
                break;
            char *id = full.data + strlen(path) + 1;
            rd->src = full.data;
            if (add_record(rd, id, file.data, file.len, NULL, NULL, -1) < 0)
                rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
            else
                rc = slantp_dataset_add_label(d, head, 0, labels[i], err);
        }
        free_names(files, nf);
        free(labdir);
    }
    free_names(labels, nl);
    slantp_buf_release(&file);
    slantp_buf_release(&full);
    return rc;
}

void slant_read_options_init(slant_read_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = SLANT_FORMAT_AUTO;
}

int slant_dataset_read_with(slant_dataset *d, const char *path, const slant_read_options *o,
                            slant_error *err)
{
    struct stat st;
    slant_read_options def;
    slantp_error_clear(err);
    if (!o) {
        slant_read_options_init(&def);
        o = &def;
    }
    reader rd = {.d = d, .o = o, .src = path};
    int rc;
    if (o->format == SLANT_FORMAT_DIR ||
        (o->format == SLANT_FORMAT_AUTO && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
         S_ISDIR(st.st_mode)))
        rc = read_dir(&rd, path, err);
    else
        rc = read_lines(&rd, path, err);
    slantp_buf_release(&rd.text);
    slantp_record_release(&rd.rec);
    return rc;
}

int slant_dataset_read(slant_dataset *d, const char *path, enum slant_format fmt, const char *head,
                       const char *group_field, slant_error *err)
{
    slant_read_options o;
    slant_read_options_init(&o);
    o.format = fmt;
    o.head = head;
    o.group_field = group_field;
    return slant_dataset_read_with(d, path, &o, err);
}

size_t slant_dataset_skipped(const slant_dataset *d) { return d->skipped; }
size_t slant_dataset_grouped(const slant_dataset *d) { return d->grouped; }

const char *slant_dataset_id(const slant_dataset *d, size_t i)
{
    return i < d->n ? d->recs[i].id : NULL;
}

const char *slant_dataset_group(const slant_dataset *d, size_t i)
{
    return i < d->n ? d->recs[i].group : NULL;
}

long slant_dataset_labels(const slant_dataset *d, size_t i, size_t head, const char **out,
                          size_t max)
{
    if (i >= d->n || head >= d->nheads || !slantp_record_has_head(d, &d->recs[i], head))
        return -1;
    const slantp_record *r = &d->recs[i];
    size_t k = 0;
    for (size_t q = 0; q < r->lab_n; q++) {
        const slantp_pair *p = &d->pairs[r->lab_start + q];
        if (p->head != head || p->label == SLANTP_NO_LABEL)
            continue;
        if (k < max)
            out[k] = slantp_strtab_key(&d->heads[head].labels, p->label);
        k++;
    }
    return (long)k;
}
