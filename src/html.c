/* html.c - a saved news page to its headline and article text.
 *
 * Called by decode.c with the page already in UTF-8. The page is parsed
 * with libxml2's HTML parser: a real parser that recovers from the broken
 * markup of saved pages the way browsers do, and decodes every entity;
 * scanning tags by hand would mistake scripts, comments and attributes
 * for text. From the tree we keep the headline (an h1, else og:title,
 * else the title) and the paragraphs of the article: inside the largest
 * <article>, else <main>, else the body; never inside scripts, styles,
 * navigation, forms and the like, nor inside elements whose class, id or
 * role names page furniture (menus, cookie banners, share buttons,
 * related links). Blocks that are mostly link text are dropped too. Every
 * block element ends a paragraph; paragraphs are separated by a blank line.
 */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

#include "decode.h"

/* Deeper elements are not read: bounded stack, whatever the page. */
#define MAX_DEPTH 256

/* ======================================================== element kinds */

static int name_in(const xmlChar *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp((const char *)name, list[i]) == 0)
            return 1;
    return 0;
}

static int is_dropped_tag(const xmlChar *name)
{
    static const char *const tags[] = {
        "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
        "iframe", "svg", "template", "select", "textarea", "object", "embed", "canvas",
        "video", "audio", "menu", "dialog", "head", "math", NULL};
    return name_in(name, tags);
}

static int is_block_tag(const xmlChar *name)
{
    static const char *const tags[] = {
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
        "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th",
        "figure", "figcaption", "hr", "address", "center", "details", "summary",
        "caption", "body", "html", NULL};
    return name_in(name, tags);
}

static int is_heading(const xmlChar *name)
{
    return tolower(name[0]) == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0';
}

/* Words of class, id and role values that name page furniture; a word
 * matches when it starts with one of these ("navbar", "cookie-consent"
 * split at '-' and '_' gives "cookie"). */
static const char *const furniture[] = {
    "nav", "menu", "footer", "sidebar", "cookie", "consent", "share", "sharing", "social",
    "related", "comment", "advert", "newsletter", "breadcrumb", "subscribe", "subscription",
    "promo", "popup", "modal", "banner", "masthead", "toolbar", "skip", "paywall", "signup",
    "complementary", "contentinfo", "search", NULL};
/* ... and these only as whole words ("ad-slot" but not "address") */
static const char *const furniture_words[] = {"ad", "ads", "adv", "dfp", "taboola", "outbrain",
                                              NULL};

static int furniture_word(const char *w, size_t n)
{
    for (size_t i = 0; furniture[i]; i++) {
        size_t k = strlen(furniture[i]);
        if (n >= k && strncasecmp(w, furniture[i], k) == 0)
            return 1;
    }
    for (size_t i = 0; furniture_words[i]; i++)
        if (n == strlen(furniture_words[i]) && strncasecmp(w, furniture_words[i], n) == 0)
            return 1;
    return 0;
}

static int attr_names_furniture(xmlNode *el, const char *attr)
{
    xmlChar *v = xmlGetProp(el, (const xmlChar *)attr);
    if (!v)
        return 0;
    int hit = 0;
    const char *s = (const char *)v;
    while (*s && !hit) {
        size_t n = strcspn(s, " \t\n\r\f-_");
        if (n > 0)
            hit = furniture_word(s, n);
        s += n + (s[n] != '\0');
    }
    xmlFree(v);
    return hit;
}

static int names_furniture(xmlNode *el)
{
    return attr_names_furniture(el, "class") || attr_names_furniture(el, "id") ||
           attr_names_furniture(el, "role");
}

/* ======================================================== text lengths */

/* Bytes of text under a node, outside dropped elements, kept in the
 * node's _private field (libxml2 leaves it to the application). */
static size_t text_len(const xmlNode *n)
{
    return (size_t)(uintptr_t)n->_private;
}

static size_t measure(xmlNode *n, int depth)
{
    size_t len = 0;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        len = n->content ? strlen((const char *)n->content) : 0;
    } else if (n->type == XML_ELEMENT_NODE && depth < MAX_DEPTH && !is_dropped_tag(n->name)) {
        for (xmlNode *c = n->children; c; c = c->next)
            len += measure(c, depth + 1);
    }
    n->_private = (void *)(uintptr_t)len;
    return len;
}

/* ======================================================== finding things */

/* First element called 'tag' under n (n included), outside dropped ones. */
static xmlNode *find_first(xmlNode *n, const char *tag, int depth)
{
    if (n->type != XML_ELEMENT_NODE || depth >= MAX_DEPTH)
        return NULL;
    if (strcasecmp((const char *)n->name, tag) == 0)
        return n;
    if (strcasecmp((const char *)n->name, "nav") == 0)
        return NULL;
    for (xmlNode *c = n->children; c; c = c->next) {
        xmlNode *f = find_first(c, tag, depth + 1);
        if (f)
            return f;
    }
    return NULL;
}

/* The element called 'tag' with the most text under n. */
static xmlNode *find_largest(xmlNode *n, const char *tag, int depth, xmlNode *best)
{
    if (n->type != XML_ELEMENT_NODE || depth >= MAX_DEPTH || is_dropped_tag(n->name))
        return best;
    if (strcasecmp((const char *)n->name, tag) == 0 && (!best || text_len(n) > text_len(best)))
        best = n;
    for (xmlNode *c = n->children; c; c = c->next)
        best = find_largest(c, tag, depth + 1, best);
    return best;
}

/* The largest <article>, else <main>, unless it holds less than a third
 * of the page's text: then it is a teaser or a sidebar item (on an index
 * page, say), and the whole page is read. NULL for the whole page. */
static xmlNode *find_content(xmlNode *root)
{
    static const char *const tags[] = {"article", "main"};
    for (size_t i = 0; i < 2; i++) {
        xmlNode *n = find_largest(root, tags[i], 0, NULL);
        if (n && text_len(n) > 0 && 3 * text_len(n) >= text_len(root))
            return n;
    }
    return NULL;
}

/* <meta property="og:title" content="..."> under n, as a new string. */
static xmlChar *find_og_title(xmlNode *n, int depth)
{
    if (n->type != XML_ELEMENT_NODE || depth >= MAX_DEPTH)
        return NULL;
    if (strcasecmp((const char *)n->name, "meta") == 0) {
        xmlChar *prop = xmlGetProp(n, (const xmlChar *)"property");
        int og = prop && strcasecmp((const char *)prop, "og:title") == 0;
        xmlFree(prop);
        if (og)
            return xmlGetProp(n, (const xmlChar *)"content");
    }
    for (xmlNode *c = n->children; c; c = c->next) {
        xmlChar *t = find_og_title(c, depth + 1);
        if (t)
            return t;
    }
    return NULL;
}

/* ======================================================== collecting blocks */

typedef struct block {
    size_t start, len;     /* in the walker's text */
    size_t link_len;       /* bytes of it inside <a> */
    size_t words;
    int kind;              /* BLOCK_* */
    int in_headline;       /* inside the element the headline was taken from */
} block;

enum { BLOCK_OTHER, BLOCK_HEADING, BLOCK_PARAGRAPH };

typedef struct walker {
    slantp_buf text;       /* every block's text, one after the other */
    block *blocks;
    size_t nblocks, cap;
    size_t root_len;       /* text under the content root */
    int kind;              /* BLOCK_* of the innermost open block element */
    int in_link;
    const xmlNode *headline;   /* the h1 the headline was taken from, or NULL */
    int in_headline;
    int nomem;
} walker;

static block *current(walker *w)
{
    return w->nblocks ? &w->blocks[w->nblocks - 1] : NULL;
}

/* Close the current block and open an empty one. */
static void new_block(walker *w, int kind)
{
    block *b = current(w);
    if (b && b->len == 0) {
        b->kind = kind;
        b->in_headline = w->in_headline > 0;
        return;
    }
    if (slantp_grow(&w->blocks, &w->cap, w->nblocks + 1, sizeof *w->blocks) < 0) {
        w->nomem = 1;
        return;
    }
    w->blocks[w->nblocks++] =
        (block){.start = w->text.len, .kind = kind, .in_headline = w->in_headline > 0};
}

static int is_space_at(const unsigned char *s, size_t n, size_t i, size_t *k)
{
    *k = 1;
    if (s[i] && strchr(" \t\n\r\f\v", s[i]))
        return 1;
    if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) {
        *k = 2;   /* no-break space */
        return 1;
    }
    return 0;
}

/* Append text to the current block, white space folded to one space. */
static void add_text(walker *w, const xmlChar *content)
{
    block *b = current(w);
    if (!b || !content || w->nomem)
        return;
    const unsigned char *s = content;
    size_t n = strlen((const char *)s);
    for (size_t i = 0; i < n;) {
        size_t k;
        int space = is_space_at(s, n, i, &k);
        int at_start = b->len == 0 || w->text.data[w->text.len - 1] == ' ';
        if (space && at_start) {
            i += k;
            continue;
        }
        const char *piece = space ? " " : (const char *)s + i;
        size_t plen = space ? 1 : k;
        if (slantp_buf_append(&w->text, piece, plen) < 0) {
            w->nomem = 1;
            return;
        }
        if (!space && at_start)
            b->words++;
        b->len += plen;
        b->link_len += w->in_link ? plen : 0;
        i += k;
    }
}

static void walk(walker *w, xmlNode *n, int depth);

static void walk_element(walker *w, xmlNode *el, int depth)
{
    const xmlChar *name = el->name;
    if (is_dropped_tag(name) || depth >= MAX_DEPTH)
        return;
    /* a furniture name on a wrapper of most of the article is a site's
     * layout class ("content with-sidebar"), not furniture */
    if (!name_in(name, (const char *const[]){"html", "body", "article", "main", NULL}) &&
        text_len(el) * 2 <= w->root_len && names_furniture(el))
        return;
    if (strcasecmp((const char *)name, "br") == 0) {
        add_text(w, (const xmlChar *)" ");   /* a line break, not a new paragraph */
        return;
    }
    int is_block = is_block_tag(name);
    int link = strcasecmp((const char *)name, "a") == 0;
    int head = el == w->headline;
    int outer = w->kind;
    w->in_headline += head;
    if (is_block) {
        w->kind = is_heading(name)                             ? BLOCK_HEADING
                  : strcasecmp((const char *)name, "p") == 0 ? BLOCK_PARAGRAPH
                                                               : BLOCK_OTHER;
        new_block(w, w->kind);
    }
    w->in_link += link;
    for (xmlNode *c = el->children; c; c = c->next)
        walk(w, c, depth + 1);
    w->in_link -= link;
    w->in_headline -= head;
    if (is_block) {
        /* text after a nested block belongs to the enclosing one */
        w->kind = outer;
        new_block(w, outer);
    }
}

static void walk(walker *w, xmlNode *n, int depth)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        add_text(w, n->content);
    else if (n->type == XML_ELEMENT_NODE)
        walk_element(w, n, depth);
}

/* ======================================================== output */

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (*s)[*n - 1] == ' ')
        (*n)--;
}

/* A block is kept when less than half of it is link text and, outside an
 * <article> or <main>, when it is a heading, a paragraph, or a run of text
 * of a few words (not a "Log in" or a "Menu"). */
static int keep_block(const block *b, int in_article)
{
    if (b->len == 0 || b->link_len * 2 >= b->len)
        return 0;
    return in_article || b->kind != BLOCK_OTHER || b->words >= 4;
}

static int append_par(slantp_buf *out, const char *s, size_t n)
{
    if (out->len > 0 && slantp_buf_append(out, "\n\n", 2) < 0)
        return -1;
    return slantp_buf_append(out, s, n);
}

/* The text of a headline element read as the article is: a line break or
 * a block inside it is a space ("coast<br>Thousands" is two words). A new
 * string, or NULL when out of memory. */
static xmlChar *heading_text(xmlNode *h1)
{
    walker t = {.root_len = text_len(h1)};
    new_block(&t, BLOCK_HEADING);
    walk(&t, h1, 0);
    xmlChar *text = t.nomem ? NULL : xmlStrdup((const xmlChar *)"");
    for (size_t i = 0; text && i < t.nblocks; i++) {
        if (t.blocks[i].len == 0)
            continue;
        if (text[0])
            text = xmlStrcat(text, (const xmlChar *)" ");
        if (text)
            text = xmlStrncat(text, (const xmlChar *)t.text.data + t.blocks[i].start,
                              (int)t.blocks[i].len);
    }
    free(t.blocks);
    slantp_buf_release(&t.text);
    return text;
}

/* The headline: the first h1 of the article, else og:title, else the
 * first h1 of the page, else the title. A new string or NULL; *from is
 * the h1 it was read from, if any. */
static xmlChar *headline(xmlNode *root, xmlNode *content, xmlNode **from)
{
    *from = find_first(content, "h1", 0);
    if (*from)
        return heading_text(*from);
    xmlChar *og = find_og_title(root, 0);
    if (og)
        return og;
    *from = find_first(root, "h1", 0);
    if (*from)
        return heading_text(*from);
    xmlNode *title = find_first(root, "title", 0);
    return title ? xmlNodeGetContent(title) : NULL;
}

/* The headline (white space folded) then every kept block. */
static int emit(walker *w, const xmlChar *head, int in_article, slantp_buf *out)
{
    size_t hstart = w->text.len, hlen = 0;
    if (head) {
        new_block(w, BLOCK_HEADING);
        add_text(w, head);
        hstart = current(w) ? current(w)->start : hstart;
        hlen = current(w) ? current(w)->len : 0;
        w->nblocks--;
    }
    if (w->nomem)
        return -1;
    const char *h = w->text.data ? w->text.data + hstart : "";
    trim(&h, &hlen);
    if (hlen > 0 && append_par(out, h, hlen) < 0)
        return -1;
    for (size_t i = 0; i < w->nblocks; i++) {
        const block *b = &w->blocks[i];
        if (b->in_headline || !keep_block(b, in_article))
            continue;   /* the headline's own text is out already */
        const char *s = w->text.data + b->start;
        size_t n = b->len;
        trim(&s, &n);
        if (n == hlen && memcmp(s, h, n) == 0)
            continue;
        if (append_par(out, s, n) < 0)
            return -1;
    }
    return out->len == 0 ? 0 : slantp_buf_append(out, "\n", 1);
}

/* ======================================================== entry points */

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_parser(void)
{
    xmlInitParser();
}

void slantp_decode_init(void)
{
    pthread_once(&init_once, init_parser);
}

int slantp_looks_like_html(const char *name, const char *text, size_t len)
{
    static const char *const suffixes[] = {".html", ".htm", ".xhtml", ".shtml", ".html.gz",
                                           ".htm.gz", ".xhtml.gz", NULL};
    size_t nl = name ? strlen(name) : 0;
    for (size_t i = 0; suffixes[i]; i++) {
        size_t k = strlen(suffixes[i]);
        if (nl > k && strcasecmp(name + nl - k, suffixes[i]) == 0)
            return 1;
    }
    size_t i = 0;
    while (i < len && text[i] && strchr(" \t\r\n", text[i]))
        i++;
    if (i >= len || text[i] != '<')
        return 0;
    static const char *const marks[] = {"<!doctype html", "<html", "<head", "<body", "<meta",
                                        "<title", "<p>", "<p ", "<div", "<article", NULL};
    size_t end = len - i < 1024 ? len : i + 1024;
    for (size_t j = i; j < end; j++) {
        if (text[j] != '<')
            continue;
        for (size_t m = 0; marks[m]; m++) {
            size_t k = strlen(marks[m]);
            if (j + k <= len && strncasecmp(text + j, marks[m], k) == 0)
                return 1;
        }
    }
    return 0;
}

int slantp_html_to_text(const char *name, const char *utf8, size_t len, slantp_buf *out,
                        slant_error *err)
{
    out->len = 0;
    if (len > INT_MAX)
        return slantp_error(err, SLANT_EFORMAT, name, -1, -1, "HTML page larger than %d bytes",
                            INT_MAX);
    slantp_decode_init();
    /* the options keep libxml2 silent; the handlers catch what is left */
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT;
    htmlDocPtr doc = htmlReadMemory(utf8, (int)len, NULL, "UTF-8", opts);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        if (doc)
            xmlFreeDoc(doc);
        return slantp_error(err, SLANT_EFORMAT, name, -1, -1, "no text");
    }
    measure(root, 0);
    xmlNode *content = find_content(root);
    int in_article = content != NULL;
    if (!in_article)
        content = root;
    xmlNode *head_node;
    xmlChar *head = headline(root, content, &head_node);
    walker w = {.root_len = text_len(content), .headline = head_node, .nomem = head_node && !head};
    /* broken markup can put the article inside the headline's h1: then
     * all of its text is out already, in the headline */
    for (const xmlNode *up = content; head_node && up; up = up->parent)
        w.in_headline += up == head_node;
    new_block(&w, BLOCK_OTHER);
    walk(&w, content, 0);
    int rc = emit(&w, head, in_article, out) < 0 || w.nomem
                 ? slantp_error(err, SLANT_ENOMEM, name, -1, -1, "out of memory reading HTML")
                 : SLANT_OK;
    if (rc == SLANT_OK && out->len == 0)
        rc = slantp_error(err, SLANT_EFORMAT, name, -1, -1, "no text");
    xmlFree(head);
    free(w.blocks);
    slantp_buf_release(&w.text);
    xmlFreeDoc(doc);
    return rc;
}
