#!/usr/bin/env python3
"""synth_corpus.py N [SEED] - N synthetic news records as JSONL on stdout.

Each record has an id, a source (40 outlets in four styles), a date (2021-2024,
some missing or unreadable) and a text of 120-400 words drawn from a shared
news vocabulary plus phrases typical of its outlet's style. Deterministic for
a seed; for scale tests and benchmarks, not for accuracy.
"""
import json
import random
import sys

COMMON = ("the government said on Monday that the new policy would take effect next year "
          "officials police court economy prices inflation election voters minister "
          "president parliament health hospital schools workers union strike budget tax "
          "security military border trade exports energy climate floods drought farmers "
          "report study researchers data growth jobs market bank interest rates housing "
          "crime arrest trial judge ruling law rights protest city council mayor").split()
STYLES = {
    "state": ["the Israeli regime", "Zionist entity", "Western media lies", "hegemony",
              "resistance forces", "the brotherly nation", "imperialist sanctions"],
    "wire": ["said in a statement", "according to officials", "told reporters",
             "could not be reached for comment", "declined to comment"],
    "farm": ["you will not believe", "shocking truth", "doctors hate", "this one trick",
             "miracle cure", "what happened next"],
    "partisan": ["radical left", "woke agenda", "fake news", "deep state",
                 "patriots", "open borders"],
}


def main():
    n = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    styles = sorted(STYLES)
    out = sys.stdout
    for i in range(n):
        o = rng.randrange(40)
        style = styles[o % 4]
        words = [rng.choice(COMMON) for _ in range(rng.randrange(120, 400))]
        for _ in range(rng.randrange(2, 6)):
            words.insert(rng.randrange(len(words)), rng.choice(STYLES[style]))
        r = rng.random()
        date = ("" if r < 0.02 else "unknown" if r < 0.03 else
                "%04d-%02d-%02d" % (rng.randrange(2021, 2025), rng.randrange(1, 13), rng.randrange(1, 29)))
        rec = {"id": "s%07d" % i, "source": "%s-%02d" % (style, o), "text": " ".join(words) + "."}
        if date:
            rec["date"] = date
        out.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
