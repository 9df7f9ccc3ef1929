"""MinHash against SimHash as the candidate step of `slant trace`, on the
trace test set (tests/data/trace/set.jsonl).

For every planted pair (original, version) and every pair of independent
texts on the same story, with word k-gram shingles (k = 3, 4, 5):
- MinHash: a 64-bin one-permutation signature (empty bins filled from the
  next filled bin, as src/shingle.c does); the share of equal bins
  estimates the Jaccard similarity, and the chance of becoming a candidate
  is shown for bands of 1, 2 and 4 bins;
- SimHash: a 64-bit sign sketch of the same shingles; the Hamming distance,
  and the share of pairs within 3 and 6 bits (what permuted tables find).

    python3 bench/trace_lsh.py
"""

import collections
import hashlib
import json
import os
import re
import statistics
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SET = os.path.join(HERE, "..", "tests", "data", "trace", "set.jsonl")
WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
BINS = 64


def h64(s):
    return struct.unpack("<Q", hashlib.blake2b(s.encode(), digest_size=8).digest())[0]


def shingles(text, k):
    w = [x.lower() for x in WORD.findall(text)]
    return {h64(" ".join(w[i:i + k])) for i in range(max(1, len(w) - k + 1))}


def minhash(s):
    best = [None] * BINS
    for x in s:
        b, v = x >> 58, x & 0xffffffff
        if best[b] is None or v < best[b]:
            best[b] = v
    out = []
    for b in range(BINS):
        d = 0
        while best[(b + d) % BINS] is None:
            d += 1
        out.append((best[(b + d) % BINS], d))
    return out


def simhash(s):
    v = [0] * 64
    for x in s:
        for b in range(64):
            v[b] += 1 if (x >> b) & 1 else -1
    return sum(1 << b for b in range(64) if v[b] > 0)


def pairs(recs):
    fam = collections.defaultdict(list)
    for r in recs:
        fam[r["family"]].append(r)
    originals = collections.defaultdict(list)
    for r in recs:
        if r["relation"] == "original":
            originals[r["id"][:7]].append(r)
    for members in fam.values():
        if len(members) < 2:
            continue
        o = next(r for r in members if r["relation"] == "original")
        for r in members:
            if r is not o:
                yield r["relation"], o, r
        for r in originals[o["id"][:7]]:
            if r is not o:
                yield "independent", o, r


def main():
    recs = [json.loads(line) for line in open(SET)]
    for k in (3, 4, 5):
        sig = {}
        for r in recs:
            s = shingles(r["text"], k)
            sig[r["id"]] = (minhash(s), simhash(s))
        res = collections.defaultdict(list)
        for rel, a, b in pairs(recs):
            (ma, sa), (mb, sb) = sig[a["id"]], sig[b["id"]]
            eq = [x == y for x, y in zip(ma, mb)]
            band = lambda r: any(all(eq[i:i + r]) for i in range(0, BINS, r))
            res[rel].append((sum(eq) / BINS, band(1), band(2), band(4), bin(sa ^ sb).count("1")))
        for rel in sorted(res):
            v = res[rel]
            n = len(v)
            share = lambda i: sum(x[i] for x in v) / n
            ham = [x[4] for x in v]
            print("k=%d %-12s n=%3d  MinHash est. J median %.2f  candidate r=1 %.2f r=2 %.2f "
                  "r=4 %.2f  |  SimHash bits median %2d, <=3 %.2f, <=6 %.2f"
                  % (k, rel, n, statistics.median(x[0] for x in v), share(1), share(2), share(3),
                     statistics.median(ham), sum(h <= 3 for h in ham) / n,
                     sum(h <= 6 for h in ham) / n))


if __name__ == "__main__":
    main()
