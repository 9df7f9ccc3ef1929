/* test_jsonl.c - jsonl.c: the fast decoder of {"id", "text"} lines agrees
 * with jansson on every line it takes (escapes of every kind, at every
 * offset from a 16-byte boundary, raw UTF-8, numeric ids, other fields
 * skipped), declines what it must leave to jansson, and leaves nothing of
 * an earlier line in the buffers it reuses. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "jsonl.h"

/* What jansson makes of the line: text and id (a string id as it is, a
 * number as its digits), as the fast path must give them. */
static void decode_with_jansson(const char *line, char **text, size_t *text_len, char **id)
{
    json_error_t e;
    json_t *o = json_loadb(line, strlen(line), JSON_REJECT_DUPLICATES, &e);
    cr_assert_not_null(o, "jansson rejects %s: %s", line, e.text);
    json_t *t = json_object_get(o, "text");
    cr_assert(json_is_string(t), "no text in %s", line);
    *text_len = json_string_length(t);
    *text = malloc(*text_len + 1);
    cr_assert_not_null(*text);
    memcpy(*text, json_string_value(t), *text_len + 1);
    json_t *i = json_object_get(o, "id");
    *id = NULL;
    if (json_is_string(i)) {
        *id = strdup(json_string_value(i));
    } else if (json_is_integer(i)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(i));
        *id = strdup(buf);
    }
    json_decref(o);
}

static void expect_same_as_jansson(const char *line, slantp_buf *text, slantp_buf *id)
{
    char *want_text, *want_id;
    size_t want_len;
    decode_with_jansson(line, &want_text, &want_len, &want_id);
    int have_id;
    cr_assert_eq(slantp_jsonl_doc(line, strlen(line), text, id, &have_id), 0, "declined: %s",
                 line);
    cr_assert_eq(text->len, want_len, "text length of %s", line);
    cr_assert_eq(memcmp(text->data, want_text, want_len), 0, "text of %s", line);
    cr_assert_eq(text->data[text->len], '\0', "text of %s is not NUL-terminated", line);
    cr_assert_eq(have_id != 0, want_id != NULL, "id of %s", line);
    if (want_id)
        cr_assert_str_eq(id->data, want_id, "id of %s", line);
    free(want_text);
    free(want_id);
}

Test(jsonl, decodes_lines_as_jansson_does)
{
    static const char *const lines[] = {
        "{\"id\": \"a1\", \"text\": \"Plain words only.\"}",
        "{\"text\": \"\", \"id\": \"empty\"}",
        "{\"id\": 42, \"text\": \"numeric id\"}",
        "{\"id\": -7, \"text\": \"negative id\"}",
        "{\"text\": \"no id at all\"}",
        "{\"text\": \"quote \\\" backslash \\\\ slash \\/ done\"}",
        "{\"text\": \"controls \\b\\f\\n\\r\\t end\"}",
        "{\"text\": \"\\u00e9t\\u00e9 \\u2019 \\u20ac \\u0041\"}",
        "{\"text\": \"a pair \\ud83d\\ude00 and more text after it, well past sixteen\"}",
        "{\"text\": \"raw UTF-8: caf\xc3\xa9, \xe2\x80\x9cquoted\xe2\x80\x9d, \xf0\x9f\x98\x80.\"}",
        "{\"text\": \"\\n\\nstarts and ends with escapes\\n\"}",
        ("{\"label\": {\"frames\": [\"Economic\", \"Political\"]}, \"text\": \"other fields\", "
         "\"n\": 3.5, \"ok\": true, \"none\": null, \"id\": \"x\"}"),
        "  {  \"text\" :  \"spaces around\"  ,  \"id\" : \"s\"  }  ",
    };
    slantp_buf text = {0}, id = {0};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        expect_same_as_jansson(lines[i], &text, &id);
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}

/* The decoder copies 16 bytes at a time and lets later bytes overwrite
 * what it stored past a stop: an escape or a multi-byte character at each
 * offset from 0 to 40, after and before runs of plain text. */
Test(jsonl, escapes_at_every_offset_decode_as_jansson_does)
{
    static const char *const inserts[] = {"\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00",
                                          "\xc3\xa9", "\xe2\x80\x99"};
    slantp_buf text = {0}, id = {0};
    for (size_t k = 0; k < sizeof inserts / sizeof inserts[0]; k++)
        for (int before = 0; before <= 40; before++) {
            char line[256];
            snprintf(line, sizeof line, "{\"text\": \"%.*s%s%s\"}", before,
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", inserts[k],
                     before % 2 ? "tail of plain words past a vector" : "");
            expect_same_as_jansson(line, &text, &id);
        }
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}

Test(jsonl, a_short_line_after_a_long_one_keeps_nothing_of_it)
{
    slantp_buf text = {0}, id = {0};
    expect_same_as_jansson("{\"id\": \"long\", \"text\": \"a long line of text, with "
                           "\\\"escapes\\\" and more words after them than the next one\"}",
                           &text, &id);
    expect_same_as_jansson("{\"id\": \"s\", \"text\": \"short\"}", &text, &id);
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}

/* Lines the fast path leaves to jansson, which then says what is wrong
 * (or decodes what the fast path does not take). */
Test(jsonl, declines_what_it_leaves_to_jansson)
{
    static const char *const lines[] = {
        "",
        "[\"text\"]",
        "{\"text\": \"unterminated}",
        "{\"text\": \"raw control \x01 char\"}",
        "{\"text\": \"bad escape \\x41\"}",
        "{\"text\": \"short \\u12\"}",
        "{\"text\": \"lone low \\udc00 surrogate\"}",
        "{\"text\": \"lone high \\ud83d alone\"}",
        "{\"text\": \"invalid UTF-8 \xc3\x28 here\"}",
        "{\"text\": \"twice\", \"text\": \"again\"}",
        "{\"text\": 42}",
        "{\"id\": \"no text\"}",
        "{\"text\": \"trailing\"} x",
        /* issue 29, defect 4: lines that are not JSON, or that jansson reads otherwise */
        "{\"text\": \"t\", \"n\": 00-1.2.3}",
        "{\"text\": \"t\", \"n\": 1.}",
        "{\"text\": \"t\", \"n\": .5}",
        "{\"text\": \"t\", \"n\": -}",
        "{\"text\": \"t\", \"n\": 01}",
        "{\"text\": \"t\", \"n\": 1e400}",
        "{\"text\": \"t\", \"n\": 123456789012345678901234}",
        "{\"text\": \"t\", \"n\": 1.5.5}",
        "{\"text\": \"t\", \"id\": -}",
        "{\"text\": \"t\", \"id\": -0}",
        "{\"text\": \"t\", \"id\": 1.5}",
        "{\"text\": \"t\", \"meta\": {\"a\": 1, \"a\": 2}}",
        "{\"text\": \"t\", \"meta\": [{\"x\": {\"b\": 1, \"b\": 1}}]}",
        "{\"text\": \"t\", \"meta\": {\"\\u0061\": 1}}",
        /* found by fuzz_jsonl: an id with a NUL, which jansson's string cuts */
        "{\"text\": \"n\\u0000t\", \"id\": \"n\\u0000\\u0000t$\"}",
    };
    slantp_buf text = {0}, id = {0};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int have_id;
        cr_assert_eq(slantp_jsonl_doc(lines[i], strlen(lines[i]), &text, &id, &have_id), -1,
                     "took: %s", lines[i]);
    }
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}

Test(jsonl, an_escaped_nul_reads_as_a_space)
{
    slantp_buf text = {0}, id = {0};
    int have_id;
    const char *line = "{\"text\": \"nul\\u0000inside\"}";
    cr_assert_eq(slantp_jsonl_doc(line, strlen(line), &text, &id, &have_id), 0);
    cr_assert_str_eq(text.data, "nul inside");
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}

/* The fast path is a strict subset of jansson, shown on random lines: each
 * is a valid document line with a few bytes replaced, inserted or deleted
 * from an alphabet of JSON's own characters. Whatever the fast path takes,
 * jansson must take too and read the same text and id. */
Test(jsonl, whatever_it_takes_jansson_takes_and_reads_the_same)
{
    static const char *const seeds[] = {
        "{\"id\": \"a1\", \"text\": \"Plain words.\", \"n\": -12.5, \"ok\": [true, null]}",
        "{\"id\": 42, \"meta\": {\"k\": [1, 2, {\"q\": \"\\u00e9\"}]}, \"text\": \"x\\ny\"}",
        "{\"text\": \"caf\xc3\xa9 \\ud83d\\ude00\", \"id\": -7, \"z\": 0.0}",
    };
    static const char alphabet[] = "{}[]:,\"\\ -+.0123456789eEtrufalsnx\xc3\xa9";
    slantp_buf text = {0}, id = {0};
    uint64_t r = 0x2545f4914f6cdd1dULL;
    size_t taken = 0;
    for (int iter = 0; iter < 30000; iter++) {
        char line[512];
        const char *seed = seeds[iter % 3];
        size_t n = strlen(seed);
        memcpy(line, seed, n + 1);
        int edits = 1 + iter % 3;
        for (int e = 0; e < edits; e++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            size_t at = (size_t)(r % (n + 1));
            char ch = alphabet[(r >> 20) % (sizeof alphabet - 1)];
            int op = (int)((r >> 40) % 3);
            if (op == 0 && at < n) {
                line[at] = ch;
            } else if (op == 1 && n + 1 < sizeof line) {
                memmove(line + at + 1, line + at, n - at + 1);
                line[at] = ch;
                n++;
            } else if (at < n) {
                memmove(line + at, line + at + 1, n - at);
                n--;
            }
        }
        int have_id;
        if (slantp_jsonl_doc(line, n, &text, &id, &have_id) != 0)
            continue;
        taken++;
        json_error_t je;
        json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
        cr_assert_not_null(o, "fast path took what jansson refuses: %s (%s)", line, je.text);
        json_t *t = json_object_get(o, "text");
        cr_assert(json_is_string(t), "%s", line);
        cr_assert_eq(text.len, json_string_length(t), "%s", line);
        cr_assert_eq(memcmp(text.data, json_string_value(t), text.len), 0, "%s", line);
        json_t *i = json_object_get(o, "id");
        char want[64] = "";
        if (json_is_integer(i))
            snprintf(want, sizeof want, "%" JSON_INTEGER_FORMAT, json_integer_value(i));
        cr_assert_eq(have_id, json_is_string(i)    ? SLANTP_JSONL_ID_STRING
                              : json_is_integer(i) ? SLANTP_JSONL_ID_NUMBER
                                                   : 0, "%s", line);
        if (have_id)
            cr_assert_str_eq(id.data, json_is_string(i) ? json_string_value(i) : want, "%s", line);
        json_decref(o);
    }
    cr_assert_gt(taken, 1000, "the mutations left too few lines to compare (%zu)", taken);
    slantp_buf_release(&text);
    slantp_buf_release(&id);
}
