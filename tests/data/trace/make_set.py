"""Build the trace test set from the team's own stories (training/data/h7.jsonl).

Each of the 48 stories was written in six registers by the team; the six are
independent texts on the same story, so each is its own family unless copied.
One register per story is the original of a planted family; three versions
of it are made, kinds dealt in turn so each kind appears equally often:

  verbatim     the same text republished (white space may differ)
  furniture    the text inside a content-farm page (training/farm/furniture.py)
  spun         thesaurus word swaps in place (training/farm/spin.py), half of
               them also wrapped in a page
  edited       one or two sentences dropped, one sentence from another
               register of the story added
  rewritten    a language-model style rewrite (training/farm/rewrite.py)

Every record carries its gold family ("family"), its relation to the
original ("relation", "original" for the original itself) and, for spun
copies, the swaps made ("spins"). Half the families have dates (the original
earliest); half have none. Deterministic for a given seed.

    python3 tests/data/trace/make_set.py > tests/data/trace/set.jsonl
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "training", "farm"))

import furniture  # noqa: E402
import rewrite  # noqa: E402
import spin  # noqa: E402
import thesaurus  # noqa: E402
from textutil import keywords, paragraphs, sentences, split_article  # noqa: E402

KINDS = ("verbatim", "furniture", "spun", "edited", "rewritten")
REPUBLISHERS = ("Harbor Gazette", "Midland Courier", "Lakeshore Ledger", "Northfield Times")


def split(text):
    head, body = split_article(text)
    if not head:
        first, _, rest = text.partition("\n")
        head, body = first, rest
    return head, body


def verbatim(text, rng):
    if rng.random() < 0.5:
        return text
    return text.replace("\n", "\n\n") + "\n"


def wrapped(head, paras, rng, story_heads):
    site = rng.choice(furniture.SITES)
    teasers = rng.sample(story_heads, 4)
    keys = keywords(head, "\n".join(paras))
    return furniture.wrap_page(site, head, paras, teasers, keys, (2024, 3, 2), rng)


def spun(head, body, table, rng, story_heads):
    head2, s1 = spin.spin_text(head, table, rng, 0.3)
    body2, s2 = spin.spin_text(body, table, rng, 0.3)
    if rng.random() < 0.5:
        return wrapped(head2, paragraphs(body2), rng, story_heads), s1 + s2
    return head2 + "\n" + body2, s1 + s2


def edited(head, body, other, rng):
    paras = paragraphs(body)
    sents = [s for p in paras for s in sentences(p)]
    drop = rng.sample(range(1, len(sents)), min(2, len(sents) - 1) if len(sents) > 4 else 1)
    kept = [s for i, s in enumerate(sents) if i not in drop]
    extra = [s for p in paragraphs(split(other)[1]) for s in sentences(p) if len(s.split()) > 8]
    kept.insert(rng.randint(1, len(kept)), rng.choice(extra))
    return head + "\n" + "\n".join(kept)


def rewritten(head, body, rng):
    title, paras = rewrite.rewrite_article(head, body, keywords(head, body), rng)
    return title + "\n\n" + "\n\n".join(paras)


def version(kind, rec, others, table, rng, story_heads):
    head, body = split(rec["text"])
    if kind == "verbatim":
        return verbatim(rec["text"], rng), []
    if kind == "furniture":
        return wrapped(head, paragraphs(body), rng, story_heads), []
    if kind == "spun":
        return spun(head, body, table, rng, story_heads)
    if kind == "edited":
        return edited(head, body, rng.choice(others)["text"], rng), []
    return rewritten(head, body, rng), []


def main():
    rng = random.Random(28)
    table = thesaurus.load()
    recs = [json.loads(line) for line in open(os.path.join(ROOT, "training/data/h7.jsonl"))]
    stories = {}
    for r in recs:
        stories.setdefault(r["story"], []).append(r)
    # teasers: the opening words of other stories, as a farm lists its other pages
    story_heads = [" ".join(r["text"].split()[:10]) for r in recs if r["id"].endswith("-wire")]
    out = []
    deal = 0
    for n, (story, regs) in enumerate(sorted(stories.items())):
        orig = regs[n % len(regs)]
        dated = n % 2 == 0
        for r in regs:
            fam = story + "-orig" if r is orig else r["id"]
            rec = {"id": r["id"], "source": r["labels"]["outlet_type"] + "-desk",
                   "text": r["text"], "family": fam, "relation": "original"}
            if dated:
                rec["date"] = "2024-03-01"
            out.append(rec)
        others = [r for r in regs if r is not orig]
        for k in range(3):
            kind = KINDS[deal % len(KINDS)]
            deal += 1
            text, spins = version(kind, orig, others, table, rng, story_heads)
            rec = {"id": "%s-%s" % (orig["id"], kind), "source": REPUBLISHERS[k],
                   "text": text, "family": story + "-orig", "relation": kind}
            if dated:
                rec["date"] = "2024-03-%02d" % (2 + k)
            if spins:
                rec["spins"] = spins
            out.append(rec)
    rng.shuffle(out)
    for rec in out:
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
