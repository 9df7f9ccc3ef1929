#!/usr/bin/python3
"""Training cost against corpus size, slant beside scikit-learn (part of make bench).

    bench/train_scale.py [--slant ./slant] [--sizes 2000,5000,10000,all] [--runs 1]
                         [--gram-mb N]

Samples of ../shared/corpus/real.jsonl (shuffled with a fixed seed; its one
head is outlet_type) and "all": real.jsonl plus ../shared/data/*.jsonl,
every head (outlet_type, bias, topic, frames, mbfc_bias). For each size:
  - slant train (1-3-grams, C from 5 values by 5-fold CV, Platt
    calibration, every head), whole process;
  - scikit-learn: TfidfVectorizer(1-2-grams, sublinear_tf, min_df=2) +
    LinearSVC fit per head, whole process (Python start and JSON load
    included).
Seconds are wall-clock medians of --runs runs, peak RSS the largest, both
measured by GNU time. The machine is shared: read the CPU seconds as well.
"""
import argparse, json, os, random, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared")

SKLEARN = """
import json, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
heads = sorted({h for d in docs for h in d.get("labels", {})})
X = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform([d["text"] for d in docs])
for h in heads:
    idx = [i for i, d in enumerate(docs) if isinstance(d["labels"].get(h), str)]
    if idx:
        LinearSVC().fit(X[idx], [docs[i]["labels"][h] for i in idx])
    else:  # a multi-label head: one binary problem per label
        idx = [i for i, d in enumerate(docs) if h in d["labels"]]
        for l in sorted({l for i in idx for l in docs[i]["labels"][h]}):
            y = [l in docs[i]["labels"][h] for i in idx]
            if 0 < sum(y) < len(y):
                LinearSVC().fit(X[idx], y)
"""


def timed(cmd):
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one whole process."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        out = f.name
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", out] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"train_scale: command failed ({p.returncode}): {' '.join(cmd)}\n"
                 f"{p.stderr.decode(errors='replace')[-2000:]}")
    with open(out) as f:
        user, system, rss = map(float, f.read().split()[-3:])
    os.unlink(out)
    return wall, user + system, rss / 1024.0


def samples(td, sizes):
    real = open(os.path.join(SHARED, "corpus", "real.jsonl"), encoding="utf-8").read().splitlines()
    random.Random(7).shuffle(real)
    out = []
    for s in sizes:
        path = os.path.join(td, f"train-{s}.jsonl")
        if s == "all":
            lines = list(real)
            for f in ("allsides_media_test.jsonl", "narrative_frames.jsonl"):
                lines += open(os.path.join(SHARED, "data", f), encoding="utf-8").read().splitlines()
        else:
            lines = real[:int(s)]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        out.append((s, len(lines), path))
    return out


def table(slant, sizes, runs, gram_mb=None):
    td = tempfile.mkdtemp(prefix="slant-train-")
    extra = ["--gram-mb", str(gram_mb)] if gram_mb else []
    print(f"# training cost: slant train (every head, 1-3-grams, 5 C x 5 folds, Platt) and "
          f"scikit-learn Tfidf(1-2) + LinearSVC per head; whole processes, median of {runs}")
    print(f"{'documents':>10s} {'slant s':>9s} {'CPU s':>8s} {'peak MB':>8s}   "
          f"{'sklearn s':>9s} {'CPU s':>8s} {'peak MB':>8s}")
    for name, n, path in samples(td, sizes):
        rs = [timed([slant, "train", *extra, "--out", os.path.join(td, "m.slant"), path]) for _ in range(runs)]
        rk = [timed(["/usr/bin/python3", "-c", SKLEARN, path]) for _ in range(runs)]
        med = lambda r, k: statistics.median(x[k] for x in r)
        label = f"{n}" + (" (all)" if name == "all" else "")
        print(f"{label:>10s} {med(rs, 0):9.1f} {med(rs, 1):8.1f} {max(x[2] for x in rs):8.0f}   "
              f"{med(rk, 0):9.1f} {med(rk, 1):8.1f} {max(x[2] for x in rk):8.0f}", flush=True)
    subprocess.run(["rm", "-rf", td])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slant", default=os.path.join(ROOT, "slant"))
    ap.add_argument("--sizes", default="2000,5000,10000,all")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--gram-mb", type=int, default=None)
    a = ap.parse_args()
    table(a.slant, [s for s in a.sizes.split(",") if s], a.runs, a.gram_mb)


if __name__ == "__main__":
    main()
