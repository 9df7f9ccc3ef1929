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

#include "slant_private.h"

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

/* ---------------------------------------------------------------- JSONL */

static int jsonl_record(slant_dataset *d, const char *line, size_t len, const char *src,
                        long lineno, const char *group_field, slant_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    int rc = SLANT_OK;
    char idbuf[64];
    if (!root)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, je.column > 0 ? je.column : 1,
                            "%s", je.text);
    if (!json_is_object(root)) {
        rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "expected a JSON object");
        goto out;
    }
    json_t *text = json_object_get(root, "text");
    if (!json_is_string(text)) {
        rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1,
                          text ? "field 'text' is not a string" : "missing field 'text'");
        goto out;
    }
    json_t *jid = json_object_get(root, "id");
    const char *id;
    if (json_is_string(jid)) {
        id = json_string_value(jid);
    } else if (json_is_integer(jid)) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(jid));
        id = idbuf;
    } else if (!jid || json_is_null(jid)) {
        snprintf(idbuf, sizeof idbuf, "%ld", lineno);
        id = idbuf;
    } else {
        rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "field 'id' is not a string");
        goto out;
    }
    const char *group = NULL;
    char gbuf[64];
    if (group_field) {
        json_t *g = json_object_get(root, group_field);
        if (json_is_string(g)) {
            group = json_string_value(g);
        } else if (json_is_integer(g)) {
            snprintf(gbuf, sizeof gbuf, "%lld", (long long)json_integer_value(g));
            group = gbuf;
        }
    }
    if (slantp_dataset_add(d, id, json_string_value(text), json_string_length(text), group, src,
                           lineno) < 0) {
        rc = slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        goto out;
    }
    json_t *labels = json_object_get(root, "labels");
    if (labels && !json_is_null(labels)) {
        if (!json_is_object(labels)) {
            rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "field 'labels' is not an object");
            goto out;
        }
        /* iterate in sorted key order so head numbering does not depend
         * on key order in the file */
        const char *keys[SLANTP_MAX_HEADS];
        size_t nk = 0;
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v) {
            if (nk == SLANTP_MAX_HEADS) {
                rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "too many heads");
                goto out;
            }
            keys[nk++] = k;
        }
        for (size_t i = 1; i < nk; i++)
            for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
                const char *t = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = t;
            }
        for (size_t i = 0; i < nk; i++) {
            v = json_object_get(labels, keys[i]);
            if (json_is_null(v))
                continue;
            if (json_is_string(v)) {
                rc = slantp_dataset_add_label(d, keys[i], 0, json_string_value(v), err);
            } else if (json_is_array(v)) {
                size_t j;
                json_t *e;
                rc = slantp_dataset_add_label(d, keys[i], 1, NULL, err);
                json_array_foreach(v, j, e) {
                    if (rc)
                        break;
                    if (!json_is_string(e)) {
                        rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1,
                                          "labels of head '%s' must be strings", keys[i]);
                        break;
                    }
                    rc = slantp_dataset_add_label(d, keys[i], 1, json_string_value(e), err);
                }
            } else {
                rc = slantp_error(err, SLANT_EFORMAT, src, lineno, 1,
                                  "head '%s' must be a string or a list of strings", keys[i]);
            }
            if (rc)
                goto out;
        }
    }
out:
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------- fastText, TSV */

static int fasttext_record(slant_dataset *d, const char *line, size_t len, const char *src,
                           long lineno, const char *head, slant_error *err)
{
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
    if (slantp_dataset_add(d, idbuf, p, (size_t)(end - p), NULL, src, lineno) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < nl; i++) {
        char *l = slantp_strndup(labs[i], labn[i]);
        if (!l)
            return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
        int rc = slantp_dataset_add_label(d, head, nl > 1, l, err);
        free(l);
        if (rc)
            return rc;
    }
    return SLANT_OK;
}

static int tsv_record(slant_dataset *d, const char *line, size_t len, const char *src, long lineno,
                      const char *head, slant_error *err)
{
    const char *tab = memchr(line, '\t', len);
    if (!tab)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, (long)len + 1,
                            "expected 'label<TAB>text'");
    if (tab == line)
        return slantp_error(err, SLANT_EFORMAT, src, lineno, 1, "empty label");
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%ld", lineno);
    if (slantp_dataset_add(d, idbuf, tab + 1, len - (size_t)(tab + 1 - line), NULL, src, lineno) < 0)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    char *l = slantp_strndup(line, (size_t)(tab - line));
    if (!l)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    int rc = slantp_dataset_add_label(d, head, 0, l, err);
    free(l);
    return rc;
}

static int read_lines(slant_dataset *d, const char *path, enum slant_format fmt, const char *head,
                      const char *group_field, slant_error *err)
{
    slantp_lines lr;
    int rc = slantp_lines_open(&lr, path, SLANTP_MAX_LINE, err);
    if (rc)
        return rc;
    const char *line;
    size_t len;
    int r;
    while ((r = slantp_lines_next(&lr, &line, &len, err)) == 1) {
        if (lr.lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            len -= 3;
        }
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
            k++;
        if (k == len)
            continue;   /* blank lines separate nothing and are skipped */
        if (fmt == SLANT_FORMAT_AUTO)
            fmt = line[k] == '{' ? SLANT_FORMAT_JSONL
                  : (len - k >= 9 && memcmp(line + k, "__label__", 9) == 0) ? SLANT_FORMAT_FASTTEXT
                                                                            : SLANT_FORMAT_TSV;
        if (fmt == SLANT_FORMAT_JSONL)
            rc = jsonl_record(d, line, len, lr.name, lr.lineno, group_field, err);
        else if (fmt == SLANT_FORMAT_FASTTEXT)
            rc = fasttext_record(d, line, len, lr.name, lr.lineno, head, err);
        else
            rc = tsv_record(d, line, len, lr.name, lr.lineno, head, err);
        if (rc)
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

static int read_dir(slant_dataset *d, const char *path, const char *head, slant_error *err)
{
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
            if (slantp_dataset_add(d, id, file.data, file.len, NULL, full.data, -1) < 0)
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

int slant_dataset_read(slant_dataset *d, const char *path, enum slant_format fmt, const char *head,
                       const char *group_field, slant_error *err)
{
    struct stat st;
    slantp_error_clear(err);
    if (!head)
        head = "label";
    if (fmt == SLANT_FORMAT_DIR ||
        (fmt == SLANT_FORMAT_AUTO && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
         S_ISDIR(st.st_mode)))
        return read_dir(d, path, head, err);
    return read_lines(d, path, fmt, head, group_field, err);
}
