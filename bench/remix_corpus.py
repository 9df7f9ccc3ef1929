#!/usr/bin/env python3
"""remix_corpus.py CORPUS N [SEED] - N real-shaped records as JSONL on stdout.

For benchmarks at scale with the vocabulary, lengths and outlets of a real
corpus when only a few thousand articles exist: each output record takes a
random article of the corpus as its model, keeps its source and date, and
gets as many paragraphs as that article had, each drawn at random from the
articles of the same source. Ids are new ("remix-K"). Deterministic for a
seed. The output is made at run time and never belongs in the repository:
it is the corpus's text rearranged.
"""
import json
import random
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: remix_corpus.py CORPUS N [SEED]")
    path, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    articles, paragraphs = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            paras = [p for p in rec.get("text", "").split("\n") if p.strip()]
            if not paras:
                continue
            source = rec.get("source", "")
            articles.append((source, rec.get("date"), len(paras)))
            paragraphs.setdefault(source, []).extend(paras)
    out = sys.stdout
    for k in range(n):
        source, date, npara = rng.choice(articles)
        pool = paragraphs[source]
        text = "\n\n".join(rng.choice(pool) for _ in range(npara))
        rec = {"id": "remix-%d" % k, "source": source, "text": text}
        if date is not None:
            rec["date"] = date
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
