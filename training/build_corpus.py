#!/usr/bin/python3
"""Assemble the shipped model's training set: the team's snippets, a capped
sample of real articles labelled by outlet type, and content-farm copies
generated from real articles.

usage: training/build_corpus.py --corpus DIR --out FILE [--seed N]
                                [--per-outlet N] [--per-class N] [--farm N]

DIR holds real.jsonl (see training/SOURCES.md for what it is and how to
assemble it from its public sources). The output is JSONL in slant's
training format, with two extra fields that `make model` hands to
`slant train`:
  source  the outlet whose name is blanked from the record's own text
          (--mask-field source); snippets have none
  group   the unit cross-validation keeps whole (--group group): for a real
          article and a content-farm copy, the farm site that copies its
          outlet (each outlet is copied by one site, so a copy is held out
          with its original's outlet and a site's furniture is never on both
          sides of a split); for a snippet, its story (six registers of one
          story)

Sampling, so the model learns outlet types rather than outlets:
  - at most --per-outlet articles of any one outlet (a member of Congress,
    a newspaper, a state broadcaster), so no house style dominates its class;
  - at most --per-class articles of any one type, so the largest classes
    (official, state_media) do not swamp the others;
  - members of Congress count as outlets of their own; their press releases
    are capped together at the same share as kremlin.ru so that "official"
    is not only one country's legislature.
Everything is chosen by a seeded hash of each record's id: the same corpus
and options give the same bytes.
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def rank(seed, key):
    """A seeded, stable pseudo-random order of records."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def outlet_name(source):
    """The name to blank: a member of Congress is named in their releases."""
    prefix = "US Congress: "
    return source[len(prefix):] if source.startswith(prefix) else source


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# Mentions of the US and western Europe: the topics of the mainstream and
# partisan articles, which state media also covers.
WESTERN = re.compile(r"\b(Trump|Obama|Biden|Washington|Americans?|U\.S\.|US|United States|"
                     r"Congress|White House|Pentagon|Europe|European|British|UK|Britain|France|"
                     r"Germany)\b")


def western_topic(d):
    return len(WESTERN.findall(d["text"])) >= 3


def sample_real(path, seed, per_outlet, per_class, congress_share):
    """Capped, seeded sample of the real corpus, by outlet and by class.
    A state broadcaster's articles about the US and Europe come first, so
    that state media is learned on the topics the other types write about
    too, not as 'foreign affairs of Asia and the Middle East'."""
    by_outlet = collections.defaultdict(list)
    for d in read_jsonl(path):
        by_outlet[(d["labels"]["outlet_type"], d["source"])].append(d)
    by_class = collections.defaultdict(list)
    for (kind, source), docs in sorted(by_outlet.items()):
        first = (lambda d: not western_topic(d)) if kind == "state_media" else (lambda d: False)
        docs.sort(key=lambda d: (first(d), rank(seed, d["id"])))
        by_class[kind].extend(docs[:per_outlet])
    chosen = []
    for kind, docs in sorted(by_class.items()):
        docs.sort(key=lambda d: rank(seed, "class:" + d["id"]))
        if kind == "official":
            congress = [d for d in docs if d["source"].startswith("US Congress: ")]
            others = [d for d in docs if not d["source"].startswith("US Congress: ")]
            keep = int(per_class * congress_share)
            docs = congress[:keep] + others[: per_class - min(keep, len(congress))]
        chosen.extend(docs[:per_class])
    return chosen


def real_record(d, group):
    return {"id": d["id"], "text": d["text"], "source": outlet_name(d["source"]),
            "group": group, "labels": {"outlet_type": d["labels"]["outlet_type"]}}


# h7's stories are set in US and European domestic affairs, the topics of
# most real mainstream and partisan articles: told in all six registers,
# they teach type within topic, so they count more than the other files.
# h8 is more stories of the same kind, kept and validated but not trained on
# (0 copies) until it earns its place: see training/README.md, "State media
# on Western news".
SNIPPET_COPIES = {"h7.jsonl": 3, "h8.jsonl": 0}


def snippet_records():
    for path in sorted(glob.glob(os.path.join(HERE, "data", "*.jsonl"))):
        copies = SNIPPET_COPIES.get(os.path.basename(path), 1)
        for d in read_jsonl(path):
            for c in range(copies):
                yield {"id": d["id"] + (f"#{c + 1}" if c else ""), "text": d["text"],
                       "group": "story:" + d["story"], "labels": d["labels"]}


def load_farm():
    sys.path.insert(0, os.path.join(HERE, "farm"))
    import generate  # training/farm/generate.py
    return generate


def farm_copies(farm, corpus, owner, seed, per_class):
    """Content-farm copies of real articles (training/farm): per_class
    source articles of each outlet type, one copy each."""
    table = farm.thesaurus.load(farm.thesaurus.DEFAULT_PATH)
    args = farm.parse_args(["--corpus", "-", "--out", "-", "--per-class", str(per_class),
                            "--seed", str(seed)])
    copies, _ = farm.build_records(farm.pick_sources(corpus, args), owner, table, args)
    return [{"id": c["id"], "text": c["text"], "source": c["source"], "group": c["fold_group"],
             "labels": c["labels"]} for c in copies]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="directory holding real.jsonl")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-outlet", type=int, default=300)
    ap.add_argument("--per-class", type=int, default=1200)
    ap.add_argument("--congress-share", type=float, default=0.5)
    ap.add_argument("--farm", type=int, default=200,
                    help="real articles per outlet type to make content-farm copies of")
    a = ap.parse_args()
    real = os.path.join(a.corpus, "real.jsonl")
    if not os.path.exists(real):
        sys.exit(f"build_corpus: {real} is missing: see training/SOURCES.md for how to assemble it")
    farm = load_farm()
    try:
        farm.thesaurus.load(farm.thesaurus.DEFAULT_PATH)
    except farm.thesaurus.ThesaurusMissing as e:
        sys.exit(f"build_corpus: {e}")
    corpus = farm.load_corpus(real)
    # one farm site copies each outlet, and an outlet's articles and their
    # copies share a group: copies are held out with their originals
    owner = farm.assign_sites(farm.outlet_sizes(corpus))
    records = list(snippet_records())
    chosen = sample_real(real, a.seed, a.per_outlet, a.per_class, a.congress_share)
    records += [real_record(d, farm.fold_group(owner[d["source"]])) for d in chosen]
    if a.farm:
        records += farm_copies(farm, corpus, owner, a.seed, a.farm)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, a.out)
    counts = collections.Counter(r["labels"].get("outlet_type") for r in records)
    print(f"build_corpus: {len(records)} records -> {a.out}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=str)), file=sys.stderr)


if __name__ == "__main__":
    main()
