#!/usr/bin/python3
"""Two slant models side by side on the same labelled JSONL documents.

    bench/compare_models.py [--slant ./slant] MODEL_A MODEL_B DATA.jsonl

Classifies DATA with each model and prints, per head: how many documents get
the same label from both, the largest and mean difference of their label
probabilities, and each model's accuracy and macro-F1 against the labels in
DATA. Used to show that the working-set path (a Gram cache smaller than the
data) gives the model an exact solve gives.
"""
import argparse, json, os, subprocess, sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def classify(slant, model, data):
    out = subprocess.run([slant, "classify", "-m", model, "--format", "jsonl", "-k", "0", data],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def macro_f1(gold, pred):
    labels = sorted(set(gold) | set(pred))
    f1s = []
    for l in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == l and p == l)
        fp = sum(1 for g, p in zip(gold, pred) if g != l and p == l)
        fn = sum(1 for g, p in zip(gold, pred) if g == l and p != l)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(f1s) / len(f1s) if f1s else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slant", default=os.path.join(ROOT, "slant"))
    ap.add_argument("model_a")
    ap.add_argument("model_b")
    ap.add_argument("data")
    a = ap.parse_args()
    gold = [json.loads(line).get("labels", {}) for line in open(a.data, encoding="utf-8")]
    ra, rb = classify(a.slant, a.model_a, a.data), classify(a.slant, a.model_b, a.data)
    if len(ra) != len(rb) or len(ra) != len(gold):
        sys.exit("compare_models: the two runs disagree on the number of documents")
    heads = sorted({h for r in ra for h in r.get("scores", {})})
    for h in heads:
        same = n = 0
        dmax = dsum = 0.0
        cnt = 0
        ga, pa, pb = [], [], []
        for x, y, g in zip(ra, rb, gold):
            sx, sy = x["scores"].get(h), y["scores"].get(h)
            if sx is None or sy is None:
                continue
            n += 1
            la, lb = max(sx, key=sx.get), max(sy, key=sy.get)
            same += la == lb
            for k in sx:
                d = abs(sx[k] - sy.get(k, 0.0))
                dmax = max(dmax, d)
                dsum += d
                cnt += 1
            if isinstance(g.get(h), str):
                ga.append(g[h])
                pa.append(la)
                pb.append(lb)
        print(f"{h}: {n} documents, same top label {same}/{n}, "
              f"probability difference max {dmax:.2e} mean {dsum / max(cnt, 1):.2e}")
        if ga:
            acc_a = sum(g == p for g, p in zip(ga, pa)) / len(ga)
            acc_b = sum(g == p for g, p in zip(ga, pb)) / len(ga)
            print(f"  A: accuracy {acc_a:.4f} macro-F1 {macro_f1(ga, pa):.4f}   "
                  f"B: accuracy {acc_b:.4f} macro-F1 {macro_f1(ga, pb):.4f}   ({len(ga)} labelled)")


if __name__ == "__main__":
    main()
