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
    """Non-empty paragraphs of a body, in order. Blank lines separate
    paragraphs when the body has any (single newlines inside are then hard
    wraps, kept as they are); otherwise single newlines do."""
    if re.search(r"\n\s*\n", body):
        parts = re.split(r"\n\s*\n", body)
    else:
        parts = body.split("\n")
    return [p.strip() for p in parts if p.strip()]


# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset("""
mr mrs ms dr st gov sen rep gen lt col maj capt sgt jr sr prof rev u.s u.k
u.n no vs calif mich fla ill mass conn ariz colo wash ore minn wis tenn ky
la md mo nev okla pa va ind ala ga inc corp co ltd jan feb mar apr aug sept
sep oct nov dec
""".split())


def sentences(paragraph):
    """Rough sentence split, good enough to reshuffle news prose: no break
    after an abbreviation ("Gov.") or an initial ("J.")."""
    pieces = [s.strip() for s in SENTENCE_END_RE.split(paragraph) if s.strip()]
    merged = []
    for piece in pieces:
        if merged and ends_with_abbreviation(merged[-1]):
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return merged


def ends_with_abbreviation(sentence):
    """"...Gov.", "(H.R.", "WASHINGTON—Rep.", "J." end no sentence."""
    m = re.search(r"([A-Za-z.]+)\.$", sentence)
    if not m:
        return False
    last = m.group(1).lower()
    return last in ABBREVIATIONS or len(last) == 1 or "." in last


def words(text):
    """Word tokens of a text, in order."""
    return WORD_RE.findall(text)


def word_count(text):
    return len(text.split())


def keywords(headline, body, limit=5):
    """Keywords a content-farm CMS would tag a post with: the headline's
    content words first, then the body's most frequent capitalised words.
    Possessives are dropped; names keep their capital."""
    capitalised = {}
    order = []
    for w in words(body[:6000]):
        w = strip_possessive(w)
        if w[0].isupper() and len(w) > 3 and w.lower() not in STOPWORDS:
            if w not in capitalised:
                capitalised[w] = 0
                order.append(w)
            capitalised[w] += 1
    lowered = set(w for w in words(body[:6000]) if w.islower())
    picked = []
    for w in words(headline):
        w = strip_possessive(w)
        low = w.lower()
        shown = w if (w in capitalised and low not in lowered) else low
        if len(low) > 3 and low not in STOPWORDS and shown not in picked:
            picked.append(shown)
    ranked = sorted(order, key=lambda w: (-capitalised[w], order.index(w)))
    for w in ranked:
        if w not in picked and w.lower() not in picked:
            picked.append(w)
    return picked[:limit]


NAME_RE = re.compile(r"\b[A-Z][a-z]+(?: (?:of |de |al-)?[A-Z][a-z]+){1,3}\b")


def main_name(text):
    """The most frequent multi-word capitalised name of a text ("Harbor
    City", "Olive Lark"), or "" when there is none worth naming."""
    counts = {}
    order = []
    for m in NAME_RE.finditer(text[:8000]):
        name = m.group(0)
        if name.split()[0].lower() in STOPWORDS:
            name = name.split(" ", 1)[1]
            if " " not in name:
                continue
        if name not in counts:
            counts[name] = 0
            order.append(name)
        counts[name] += 1
    if not order:
        return ""
    return sorted(order, key=lambda n: (-counts[n], order.index(n)))[0]


def strip_possessive(word):
    for tail in ("'s", "\u2019s", "'", "\u2019"):
        if word.endswith(tail) and len(word) > len(tail):
            return word[:-len(tail)]
    return word


# Openings of press releases and datelines that no farm keeps in a title.
LEAD_NOISE_RE = re.compile(
    r"^(?:(?:for immediate release|photo attached\s*-\s*caption:|contact:[^.]*?\d{3}[^A-Za-z]*)\s*)*"
    r"(?:[A-Z][A-Za-z.]*(?:[ ,]+[A-Z][A-Za-z.]*)*\s*[\u2013\u2014-]+\s*)?"
    r"(?:today,?\s+)?", re.IGNORECASE)


def made_up_headline(body, max_words=12):
    """A title for an article that has none: its first sentence, cleaned of
    release boilerplate and datelines, cut short and title-cased."""
    first = (sentences(body[:1500]) or [body[:300]])[0]
    first = LEAD_NOISE_RE.sub("", first, count=1).strip() or first
    picked = []
    for w in first.split():
        picked.append(w)
        if len(picked) >= max_words or (len(picked) >= 6 and w.endswith(",")):
            break
    title = " ".join(picked).rstrip(",.;:")
    return title[:1].upper() + title[1:]


COMMON_OPENERS = frozenset("""
despite however after although since meanwhile still yet last earlier later
many several another every instead even though unlike like while until
""".split())


def lower_first(sentence):
    """Lower-case a sentence's first letter when it starts with a common word
    (so "The talks..." can follow "Moreover, "), leaving names alone."""
    first = sentence.split(" ", 1)[0]
    if (first.lower() in STOPWORDS or first.lower() in COMMON_OPENERS) and first.lower() != "i":
        return sentence[0].lower() + sentence[1:]
    return sentence


def title_case(text):
    """Capitalise every word of a short phrase (SEO title style)."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split())
