"""Small text helpers shared by the content-farm generator.

Word tokens, headline/body splitting, sentence splitting, keyword picking and
seeded random streams. Everything here is deterministic: the same input gives
the same output on every run and every Python 3 (no set or hash ordering is
ever relied on).
"""

import random
import re

# A word token: letters, with inner hyphens or apostrophes ("long-term", "it's").
WORD_RE = re.compile(r"[A-Za-z]+(?:['\u2019-][A-Za-z]+)*")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"\u201d']?\s+(?=[\"\u201c]?[A-Z0-9])")

# Function words: never spun, never used as keywords.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down
during each few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me more most my myself
no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours
yourself yourselves mr mrs ms dr st says said say according told one two three
four five six seven eight nine ten new year years per cent percent may might
must shall s t don didn doesn isn wasn aren weren hasn haven hadn won wouldn
""".split())


def rng_for(seed, *parts):
    """A random stream fixed by the seed and the given parts (strings seed
    random.Random through SHA-512, so this does not depend on hash seeds)."""
    return random.Random("farm|%s|%s" % (seed, "|".join(str(p) for p in parts)))


def split_article(text):
    """Split a corpus text ("title\\n\\nbody") into (headline, body)."""
    text = text.strip()
    head, sep, body = text.partition("\n\n")
    if not sep or len(head) > 300:
        return "", text
    return head.strip(), body.strip()


def paragraphs(body):
    """Non-empty paragraphs of a body, in order."""
    parts = re.split(r"\n\s*\n|\n", body)
    return [p.strip() for p in parts if p.strip()]


def sentences(paragraph):
    """Rough sentence split: good enough to reshuffle news prose."""
    return [s.strip() for s in SENTENCE_END_RE.split(paragraph) if s.strip()]


def words(text):
    """Word tokens of a text, in order."""
    return WORD_RE.findall(text)


def word_count(text):
    return len(text.split())


def keywords(headline, body, limit=5):
    """Keywords a content-farm CMS would tag a post with: the headline's
    content words first, then the body's most frequent capitalised words."""
    picked = []
    for w in words(headline):
        low = w.lower()
        if len(low) > 3 and low not in STOPWORDS and low not in picked:
            picked.append(low)
    counts = {}
    order = []
    for w in words(body[:6000]):
        if w[0].isupper() and len(w) > 3 and w.lower() not in STOPWORDS:
            if w not in counts:
                counts[w] = 0
                order.append(w)
            counts[w] += 1
    ranked = sorted(order, key=lambda w: (-counts[w], order.index(w)))
    for w in ranked:
        if w.lower() not in picked:
            picked.append(w.lower())
    return picked[:limit]


def lower_first(sentence):
    """Lower-case a sentence's first letter when it starts with a common word
    (so "The talks..." can follow "Moreover, "), leaving names alone."""
    first = sentence.split(" ", 1)[0]
    if first.lower() in STOPWORDS and first.lower() != "i":
        return sentence[0].lower() + sentence[1:]
    return sentence


def title_case(text):
    """Capitalise every word of a short phrase (SEO title style)."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split())
