"""Build the spin scanner's collocation table (models/collocations.tsv).

A spinner swaps words for thesaurus synonyms without reading the sentence,
so fixed phrases break: "Top Minister" for "Prime Minister", "Gaza Town" for
"Gaza City". The scanner (src/spin.c) flags a bigram that is a known
collocation with one word replaced by a synonym, when the collocation itself
is not in the text. This script finds the collocations and their broken
forms from real news text:

1. collocations: adjacent word pairs inside a sentence, both content words,
   seen in at least --min-count documents' worth of occurrences, with
   pointwise mutual information of at least --min-pmi (natural log), the
   --max-collocations most frequent kept;
2. broken forms: for each word of a collocation, its single-word synonyms
   from the MyThes thesaurus (both directions: the word's own entry and the
   entries listing the word), plus a short list of blunt swaps written for
   this project (SWAPS below), kept only where the resulting pair is
   (almost) never written in the real text (fewer than --max-attested
   occurrences): "top official" is English, "top minister" is not.

Only derived phrase statistics are written, never the corpus's text.

    python3 training/collocations.py --corpus ../shared/corpus/real.jsonl \
        --out models/collocations.tsv

Output: a header of '#' lines, then one collocation a line:
    first second<TAB>count<TAB>synonyms of first (comma-separated)<TAB>synonyms of second
"""

import argparse
import collections
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "farm"))

import thesaurus  # noqa: E402

WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")
SENTENCE = re.compile(r"[.!?;:\n]+")

# Function words never make a collocation here (a bigram must be two
# content words).
STOP = set("""a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers herself him himself his how i if
in into is it its itself just me more most my myself no nor not now of off on once only or
other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours
yourself yourselves said says say told mr mrs ms one two three new last year years""".split())

# Blunt swaps of the kind spinner tools offer beyond a thesaurus, written
# for this project (the two in the issue among them).
SWAPS = {
    "prime": ("top", "major"),
    "city": ("town", "metropolis"),
    "minister": ("priest", "clergyman"),
    "states": ("nations", "countries"),
    "house": ("home",),
    "court": ("tribunal",),
    "rate": ("charge",),
    "change": ("alteration",),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--thesaurus", default=thesaurus.DEFAULT_PATH)
    p.add_argument("--min-count", type=int, default=15)
    p.add_argument("--min-pmi", type=float, default=4.0)
    p.add_argument("--max-collocations", type=int, default=4000)
    p.add_argument("--max-synonyms", type=int, default=24)
    p.add_argument("--max-attested", type=int, default=2)
    return p.parse_args(argv)


def count(corpus):
    uni, bi = collections.Counter(), collections.Counter()
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text") or ""
            for sentence in SENTENCE.split(text):
                words = [w.lower() for w in WORD.findall(sentence)]
                uni.update(words)
                bi.update(zip(words, words[1:]))
    return uni, bi


def collocations(uni, bi, args):
    total = sum(uni.values())
    found = []
    for (x, y), n in bi.items():
        if n < args.min_count or x in STOP or y in STOP or len(x) < 3 or len(y) < 3:
            continue
        pmi = math.log(n * total / (uni[x] * uni[y]))
        if pmi >= args.min_pmi:
            found.append((n, x, y))
    found.sort(key=lambda t: (-t[0], t[1], t[2]))
    return found[:args.max_collocations]


def synonym_index(table):
    """word -> synonyms, both directions, single lower-case words only."""
    both = collections.defaultdict(list)
    for head, syns in table.synonyms.items():      # a word's own entry first ...
        both[head] += [s for s in syns if WORD.fullmatch(s) and s != head]
    for head, syns in table.synonyms.items():      # ... then the entries listing it
        for s in syns:
            if WORD.fullmatch(s) and s != head:
                both[s].append(head)
    for word, swaps in SWAPS.items():
        both[word] = list(swaps) + both[word]
    return both


def broken_forms(word, other, first, syns, bi, args):
    out = []
    for s in syns.get(word, ()):
        pair = (s, other) if first else (other, s)
        if s not in out and s != other and bi.get(pair, 0) < args.max_attested:
            out.append(s)
        if len(out) == args.max_synonyms:
            break
    return out


def main(argv=None):
    args = parse_args(argv)
    uni, bi = count(args.corpus)
    syns = synonym_index(thesaurus.load(args.thesaurus))
    rows = []
    for n, x, y in collocations(uni, bi, args):
        sx = broken_forms(x, y, True, syns, bi, args)
        sy = broken_forms(y, x, False, syns, bi, args)
        if sx or sy:
            rows.append("%s %s\t%d\t%s\t%s" % (x, y, n, ",".join(sx), ",".join(sy)))
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("# slant collocations 1: first second, count, broken first, broken second\n")
        f.write("# built by training/collocations.py (min-count %d, min-pmi %.1f)\n"
                % (args.min_count, args.min_pmi))
        for r in rows:
            f.write(r + "\n")
    os.replace(tmp, args.out)
    print("collocations: %d written to %s" % (len(rows), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
