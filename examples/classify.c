/* classify.c - the smallest complete program on slant's public API: find
 * and load the default model, classify each file named on the command
 * line, and print the best label of every head with its probability and
 * the phrase that pushed it most.
 *
 *     cc classify.c $(pkg-config --cflags --libs slant) -o classify
 *     ./classify article.txt
 *
 * 'make install-check' builds and runs it against an installed slant.
 */
#include <stdio.h>
#include <stdlib.h>

#include <slant.h>

/* The whole file, malloc'd, or NULL. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536;
    char *buf = malloc(cap);
    *len = 0;
    size_t r;
    while (buf && (r = fread(buf + *len, 1, cap - *len, f)) > 0) {
        *len += r;
        if (*len == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void print_result(const slant_model *m, const slant_result *r)
{
    for (size_t h = 0; h < slant_model_nheads(m); h++) {
        size_t best = slant_result_best(r, h);
        slant_term top;
        printf("  %s %s %.2f", slant_model_head_name(m, h), slant_model_label(m, h, best),
               slant_result_score(r, h, best));
        if (slant_result_terms(r, h, best, &top, 1) == 1)
            printf("  (%+.3f \"%s\")", top.weight, top.text);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    slant_error err;
    char path[4096];
    if (slant_model_default_path(path, sizeof path, &err) != SLANT_OK) {
        fprintf(stderr, "classify: %s\n", err.text);
        return 1;
    }
    slant_model *m = slant_model_load(path, &err);
    slant_workspace *ws = m ? slant_workspace_new(m, &err) : NULL;
    if (!ws) {
        fprintf(stderr, "classify: %s: %s\n", path, err.text);
        slant_model_free(m);
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        size_t len;
        char *text = read_all(argv[i], &len);
        const slant_result *r;
        if (!text) {
            fprintf(stderr, "classify: cannot read '%s'\n", argv[i]);
            status = 1;
        } else if (slant_classify(ws, text, len, &r, &err) != SLANT_OK) {
            fprintf(stderr, "classify: %s: %s\n", argv[i], err.text);
            status = 1;
        } else {
            printf("%s\n", argv[i]);
            print_result(m, r);
        }
        free(text);
    }
    slant_workspace_free(ws);
    slant_model_free(m);
    return status;
}
