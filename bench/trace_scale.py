"""Cost of `slant trace` at 10k, 100k and 1M documents, on synthetic corpora
with planted families.

Each corpus is news-shaped: sentences of Zipf-distributed words over a
60,000-word vocabulary (so common phrases recur across unrelated texts, as
in news), 150-350 words a document, a date on half of them. A tenth of the
documents are originals of planted families, each with one to four versions
made from it: verbatim, inside page furniture (one of 40 fixed boilerplate
blocks), spun (15% of words swapped for another word), or edited (a
sentence dropped, another added). Every run is the whole process, timed by
GNU time (wall seconds, CPU seconds, peak RSS); the families found are
scored against the planted ones (pairwise precision and recall).

    python3 bench/trace_scale.py [--sizes 10000,100000,1000000] [--slant ./slant]
        [--threads 2] [--frames] [--workdir build/trace-bench]
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys

VOCAB = 60000
KINDS = ("verbatim", "furniture", "spun", "edited")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--slant", default="./slant")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--frames", action="store_true", help="also classify family members")
    p.add_argument("--workdir", default="build/trace-bench")
    p.add_argument("--seed", type=int, default=28)
    return p.parse_args(argv)


def make_words(rng):
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCAB:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(2, 10))))
    words = sorted(words)
    rng.shuffle(words)
    cum, total = [], 0.0
    for r in range(VOCAB):                              # Zipf, s = 1
        total += 1.0 / (r + 1)
        cum.append(total)
    return words, cum


class Maker:
    def __init__(self, rng):
        self.rng = rng
        self.words, self.cum = make_words(rng)
        self.pool, self.at = [], 0
        self.boiler = [self.sentences(4) for _ in range(40)]

    def draw(self, k):
        if self.at + k > len(self.pool):
            self.pool = self.rng.choices(self.words, cum_weights=self.cum, k=200000)
            self.at = 0
        self.at += k
        return self.pool[self.at - k:self.at]

    def sentences(self, n):
        out = []
        for _ in range(n):
            w = self.draw(self.rng.randint(12, 28))
            w[0] = w[0].capitalize()
            out.append(" ".join(w) + ".")
        return out

    def article(self):
        return self.sentences(self.rng.randint(8, 14))

    def version(self, kind, sents):
        rng = self.rng
        if kind == "verbatim":
            return " ".join(sents)
        if kind == "furniture":
            top, bottom = rng.choice(self.boiler), rng.choice(self.boiler)
            return "\n".join(top[:2] + sents + bottom)
        if kind == "spun":
            words = " ".join(sents).split(" ")
            for i in range(len(words)):
                if rng.random() < 0.15:
                    words[i] = self.draw(1)[0]
            return " ".join(words)
        kept = [s for i, s in enumerate(sents) if i == 0 or rng.random() > 0.15]
        kept.insert(rng.randint(1, len(kept)), self.sentences(1)[0])
        return " ".join(kept)


def generate(path, n, seed):
    rng = random.Random(seed)
    mk = Maker(rng)
    written = 0
    with open(path, "w") as f:
        while written < n:
            sents = mk.article()
            fam = "f%d" % written
            recs = [("original", " ".join(sents))]
            if rng.random() < 0.1:
                for _ in range(rng.randint(1, 4)):
                    kind = rng.choice(KINDS)
                    recs.append((kind, mk.version(kind, sents)))
            for k, (kind, text) in enumerate(recs[: n - written]):
                rec = {"id": "d%d" % written, "text": text, "family": fam, "kind": kind}
                if rng.random() < 0.5:
                    rec["date"] = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
                f.write(json.dumps(rec) + "\n")
                written += 1


def pairs(counts):
    return sum(c * (c - 1) // 2 for c in counts)


def score(corpus, families):
    gold = {}
    with open(corpus) as f:
        for line in f:
            rec = json.loads(line)
            gold[rec["id"]] = rec["family"]
    cell, pred_sizes = collections.Counter(), []
    with open(families) as f:
        for line in f:
            fam = json.loads(line)
            pred_sizes.append(fam["size"])
            for m in fam["members"]:
                cell[(fam["family"], gold[m["id"]])] += 1
    gold_sizes = collections.Counter(gold.values()).values()
    tp = pairs(cell.values())
    return tp / max(1, pairs(pred_sizes)), tp / max(1, pairs(gold_sizes))


def run(args, corpus, out):
    cmd = ["/usr/bin/time", "-v", args.slant, "trace", "-v", "-j", str(args.threads),
           "--no-spin", "--out", out, corpus]
    if not args.frames:
        cmd.insert(4, "--no-frames")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("trace failed:\n" + p.stderr)
    def field(name):
        return re.search(re.escape(name) + r": (.*)", p.stderr).group(1).strip()
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) / 1024
    counts = [l for l in p.stderr.splitlines() if "traced" in l]
    return secs, cpu, rss, counts[0] if counts else ""


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    print("| documents | corpus MB | wall s | CPU s | peak RSS MB | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        corpus = os.path.join(args.workdir, "corpus-%d.jsonl" % n)
        if not os.path.exists(corpus):
            generate(corpus, n, args.seed)
        out = os.path.join(args.workdir, "out-%d" % n)
        secs, cpu, rss, counts = run(args, corpus, out)
        p, r = score(corpus, os.path.join(out, "families.jsonl"))
        mb = os.path.getsize(corpus) / 2**20
        print("| %s | %.0f | %.1f | %.1f | %.0f | %.4f | %.4f |" % (
            format(n, ","), mb, secs, cpu, rss, p, r))
        print("    " + counts, file=sys.stderr)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
