/* locate.c - where the default model is: slant_model_default_path().
 *
 * The places, in order: $SLANT_MODEL (when set, and then alone); beside
 * the executable as a checkout has it (models/ next to ./slant or one
 * directory up from build/slant); beside the executable as an install
 * has it (PREFIX/bin/slant and PREFIX/share/slant), which keeps working
 * when the whole tree is moved; the data directory slant was built for
 * (SLANT_DATADIR, from the Makefile's PREFIX); models/ in the current
 * directory. The first readable one wins; when none is, the error lists
 * every place, so that a copied binary says where it looked.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define MAX_PLACES 6
#define PLACE_SIZE (PATH_MAX + 64)

/* Fill places[] with the candidates in order; returns their number. */
static size_t places(char (*out)[PLACE_SIZE])
{
    size_t n = 0;
    const char *env = getenv("SLANT_MODEL");
    if (env && *env) {
        snprintf(out[n++], PLACE_SIZE, "%s", env);
        return n;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
        snprintf(out[n++], PLACE_SIZE, "%s/models/default.slant", exe);
        snprintf(out[n++], PLACE_SIZE, "%s/../models/default.slant", exe);
        snprintf(out[n++], PLACE_SIZE, "%s/../share/slant/default.slant", exe);
    }
#ifdef SLANT_DATADIR
    snprintf(out[n++], PLACE_SIZE, "%s/default.slant", SLANT_DATADIR);
#endif
    snprintf(out[n++], PLACE_SIZE, "models/default.slant");
    return n;
}

int slant_model_search_path(size_t i, char *path, size_t size)
{
    char (*all)[PLACE_SIZE] = malloc(MAX_PLACES * sizeof *all);
    if (!all)
        return 0;
    size_t n = places(all);
    int found = i < n;
    if (found && size > 0)
        snprintf(path, size, "%s", all[i]);
    free(all);
    return found;
}

int slant_model_default_path(char *path, size_t size, slant_error *err)
{
    slantp_error_clear(err);
    if (!path || size == 0)
        return slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "no room for the model path");
    char (*all)[PLACE_SIZE] = malloc(MAX_PLACES * sizeof *all);
    if (!all)
        return slantp_error(err, SLANT_ENOMEM, NULL, -1, -1, "out of memory");
    size_t n = places(all);
    int rc = SLANT_EIO;
    /* $SLANT_MODEL is the user's choice: used as given, found or not */
    int env = getenv("SLANT_MODEL") && *getenv("SLANT_MODEL");
    for (size_t i = 0; i < n && rc != SLANT_OK; i++) {
        if (env || access(all[i], R_OK) == 0) {
            if (strlen(all[i]) >= size)
                rc = slantp_error(err, SLANT_EINVAL, NULL, -1, -1, "model path longer than %zu bytes",
                                  size - 1);
            else
                rc = SLANT_OK;
            snprintf(path, size, "%s", all[i]);
        }
    }
    if (rc == SLANT_EIO) {
        char list[sizeof err->text];
        size_t used = 0;
        for (size_t i = 0; i < n && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", all[i]);
        slantp_error(err, SLANT_EIO, NULL, -1, -1, "no model found (looked in %s)", list);
        snprintf(path, size, "%s", all[n - 1]);
    }
    free(all);
    return rc;
}
