/* test_jsonl.c - jsonl.c: the fast decoder of {"id", "text"} lines agrees
 * with jansson on every line it takes (escapes of every kind, at every
 * offset from a 16-byte boundary, raw UTF-8, numeric ids, other fields
 * skipped), declines what it must leave to jansson, and leaves nothing of
 * an earlier line in the buffers it reuses. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "slant_private.h"

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
    cr_assert_eq(have_id, want_id != NULL, "id of %s", line);
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
        "{\"text\": \"nul \\u0000 inside\"}",
        "{\"text\": \"lone low \\udc00 surrogate\"}",
        "{\"text\": \"lone high \\ud83d alone\"}",
        "{\"text\": \"invalid UTF-8 \xc3\x28 here\"}",
        "{\"text\": \"twice\", \"text\": \"again\"}",
        "{\"text\": 42}",
        "{\"id\": \"no text\"}",
        "{\"text\": \"trailing\"} x",
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
