/* fuzz_jsonl.c - libFuzzer harness: the fast JSONL scanner (jsonl.c)
 * against jansson. Whatever line the scanner takes, jansson must take too
 * and read the same text and id: the scanner is a strict subset. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static slantp_buf text, id;
    int have_id;
    const char *line = (const char *)data;
    if (slantp_jsonl_doc(line, size, &text, &id, &have_id) != 0)
        return 0;
    json_error_t je;
    json_t *o = json_loadb(line, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!o)
        abort();    /* taken by the scanner, refused by jansson */
    json_t *t = json_object_get(o, "text"), *i = json_object_get(o, "id");
    if (!json_is_string(t) || json_string_length(t) != text.len)
        abort();
    /* the scanner reads an escaped NUL as a space */
    const char *want = json_string_value(t);
    for (size_t k = 0; k < text.len; k++)
        if (text.data[k] != (want[k] ? want[k] : ' '))
            abort();
    if (have_id != (json_is_string(i)    ? SLANTP_JSONL_ID_STRING
                     : json_is_integer(i) ? SLANTP_JSONL_ID_NUMBER
                                          : 0))
        abort();
    if (json_is_string(i) && strcmp(id.data, json_string_value(i)) != 0)
        abort();
    if (json_is_integer(i)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(i));
        if (strcmp(id.data, buf) != 0)
            abort();
    }
    json_decref(o);
    return 0;
}
