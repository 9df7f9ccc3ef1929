"""Read an OpenOffice MyThes thesaurus into single-word synonym lists.

The real run reads Debian's `mythes-en-us` (/usr/share/mythes/th_en_US_v2.dat);
the tests read a small file in the same format (fixtures/thesaurus.dat). The
format is a first line naming the encoding, then entries:

    meet|2
    (verb)|encounter|run into|see
    (verb)|satisfy|fulfill|fill|provide (generic term)

Only what an article spinner can swap in place is kept: single words, no
antonyms, plain synonyms first (in sense order), then "similar" terms, then
"generic" terms, since spinners happily pick a broader word when that is all
their table has.
"""

import os
import re

DEBIAN_PACKAGE = "mythes-en-us"
DEFAULT_PATH = "/usr/share/mythes/th_en_US_v2.dat"

SINGLE_WORD_RE = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
NOTE_RE = re.compile(r"\s*\(([a-z ]+)\)\s*$")
RANK_OF_NOTE = {None: 0, "similar term": 1, "generic term": 2}


class Thesaurus:
    """Single-word synonyms per headword, and the headwords that also name
    someone or something ("graham", "carter"): a spinner is told to leave
    those alone when they are capitalised in the text."""

    def __init__(self, synonyms, proper):
        self.synonyms = synonyms
        self.proper = proper

    def get(self, word, default=()):
        return self.synonyms.get(word, default)

    def __contains__(self, word):
        return word in self.synonyms

    def __len__(self):
        return len(self.synonyms)


class ThesaurusMissing(Exception):
    """The thesaurus file is not there (the Debian package is not installed)."""


def missing_message(path):
    return ("thesaurus not found at %s: install Debian's %s package "
            "(apt-get install %s) or pass --thesaurus FILE (MyThes format)"
            % (path, DEBIAN_PACKAGE, DEBIAN_PACKAGE))


def load(path=DEFAULT_PATH):
    """Return the Thesaurus of a MyThes .dat file."""
    if not os.path.isfile(path):
        raise ThesaurusMissing(missing_message(path))
    with open(path, "rb") as raw:
        encoding = raw.readline().decode("ascii", "replace").strip() or "UTF-8"
        text = raw.read().decode(_python_encoding(encoding), "replace")
    return parse_entries(text.split("\n"))


def _python_encoding(name):
    return {"ISO8859-1": "latin-1"}.get(name.upper(), name)


def parse_entries(lines):
    """Parse entry lines (without the encoding line) into a Thesaurus."""
    table = {}
    proper = set()
    i = 0
    n = len(lines)
    while i < n:
        head, _, count = lines[i].partition("|")
        i += 1
        if not count.strip().isdigit():
            continue
        senses = lines[i:i + int(count)]
        i += int(count)
        if SINGLE_WORD_RE.match(head):
            synonyms = synonyms_from_senses(head, senses)
            if synonyms:
                table[head] = synonyms
            if names_something(senses):
                proper.add(head)
    return Thesaurus(table, frozenset(proper))


def names_something(senses):
    """True when a sense lists capitalised terms (a person, place, brand)."""
    return any(term[:1].isupper() for sense in senses for term in sense.split("|")[1:])


def synonyms_from_senses(head, senses):
    """Single-word, non-antonym candidates, best rank first, sense order kept."""
    ranked = []
    seen = {head}
    for sense in senses:
        for position, term in enumerate(sense.split("|")[1:]):
            word, note = split_note(term)
            if note not in RANK_OF_NOTE or word in seen:
                continue
            if not SINGLE_WORD_RE.match(word):
                continue
            seen.add(word)
            ranked.append((RANK_OF_NOTE[note], len(ranked), word))
    ranked.sort()
    return tuple(word for _, _, word in ranked)


def split_note(term):
    """"provide (generic term)" -> ("provide", "generic term")."""
    m = NOTE_RE.search(term)
    if m:
        return term[:m.start()].strip(), m.group(1)
    return term.strip(), None
