#!/usr/bin/python3
"""Peers on slant's own cross-validation folds.

slant train --cv K --folds-out FOLDS.tsv writes each record's fold. This
script trains scikit-learn (Tfidf 1-2-grams, sublinear tf, min_df 2, and a
one-vs-rest LinearSVC) and fastText (bigrams, 25 epochs; one-vs-all loss for
multi-label heads) on exactly those folds, with the same masking slant was
given (--mask-field: each record's own field value and its short forms;
--mask-names: a file of names), and prints micro- and macro-F1 (and accuracy
for single-label heads) over all folds' predictions, as slant does.

usage: bench/cv_peers.py DATA.jsonl HEAD FOLDS.tsv [--mask-field F] [--mask-names FILE]
                         [--systems sklearn,fasttext]
Needs Debian's python3-sklearn and fasttext.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def short_forms(value):
    """The value and the short forms slant's masking also blanks."""
    forms = [value.strip()]
    if "(" in value and value.index("(") > 0:
        forms.append(value[: value.index("(")].strip())
    if " - " in value and value.index(" - ") > 0:
        forms.append(value[: value.index(" - ")].strip())
    if forms[-1].lower().startswith("the ") and " " in forms[-1][4:].strip():
        forms.append(forms[-1][4:].strip())
    return forms


def blank(text, names):
    """Spaces over each name as written or in capitals, at ASCII word
    boundaries, longest first (slant's rule)."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        left = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", name[0]) else ""
        right = r"(?![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", name[-1]) else ""
        for form in {name, name.upper()}:
            text = re.sub(left + re.escape(form) + right, lambda m: " " * len(m.group(0)), text)
    return text


def load(path, head, mask_field, names):
    docs = []
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        if head not in d.get("labels", {}) or d["labels"][head] is None:
            continue
        own = short_forms(d[mask_field]) if mask_field and isinstance(d.get(mask_field), str) else []
        d["text"] = blank(d["text"].replace("\0", " "), own + names)
        v = d["labels"][head]
        d["gold"] = set(v) if isinstance(v, list) else {v}
        d["multi"] = isinstance(v, list)
        docs.append(d)
    return docs


def scores(gold, pred, labels):
    tp = {l: 0 for l in labels}
    fp, fn = dict(tp), dict(tp)
    exact = 0
    for g, p in zip(gold, pred):
        exact += g == p
        for l in labels:
            tp[l] += l in g and l in p
            fp[l] += l in p and l not in g
            fn[l] += l in g and l not in p
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro = 2 * T / (2 * T + P + N) if T + P + N else 0.0
    f1 = [2 * tp[l] / (2 * tp[l] + fp[l] + fn[l]) if tp[l] + fp[l] + fn[l] else 0.0 for l in labels]
    return micro, sum(f1) / len(f1), exact / len(gold)


def sklearn_fold(train, test, multi):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    X = vec.fit_transform([d["text"] for d in train])
    T = vec.transform([d["text"] for d in test])
    if not multi:
        clf = LinearSVC(C=1.0).fit(X, [next(iter(d["gold"])) for d in train])
        return [{p} for p in clf.predict(T)]
    mlb = MultiLabelBinarizer()
    Y = mlb.fit_transform([d["gold"] for d in train])
    keep = [j for j in range(Y.shape[1]) if 0 < Y[:, j].sum() < Y.shape[0]]
    clf = OneVsRestClassifier(LinearSVC(C=1.0)).fit(X, Y[:, keep])
    P = clf.predict(T)
    return [{mlb.classes_[keep[j]] for j in range(len(keep)) if row[j]} for row in P]


def fasttext_fold(train, test, multi):
    clean = lambda t: re.sub(r"\s+", " ", t).strip().lower()
    with tempfile.TemporaryDirectory() as td:
        tr, te, model = (os.path.join(td, n) for n in ("train.txt", "test.txt", "m"))
        with open(tr, "w") as f:
            for d in train:
                f.write(" ".join("__label__" + l for l in sorted(d["gold"])) + " " + clean(d["text"]) + "\n")
        with open(te, "w") as f:
            for d in test:
                f.write(clean(d["text"]) + "\n")
        args = ["fasttext", "supervised", "-input", tr, "-output", model, "-wordNgrams", "2",
                "-epoch", "25", "-lr", "0.5", "-thread", "2", "-verbose", "0", "-seed", "1"]
        subprocess.run(args + (["-loss", "ova"] if multi else []), check=True,
                       stdout=subprocess.DEVNULL)
        k = ["-1", "0.5"] if multi else ["1"]
        out = subprocess.run(["fasttext", "predict", model + ".bin", te] + k, check=True,
                             capture_output=True, text=True).stdout.splitlines()
    pred = [{w[len("__label__"):] for w in line.split()} for line in out]
    return pred + [set()] * (len(test) - len(pred))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("head")
    ap.add_argument("folds")
    ap.add_argument("--mask-field")
    ap.add_argument("--mask-names")
    ap.add_argument("--systems", default="sklearn,fasttext")
    a = ap.parse_args()
    names = []
    if a.mask_names:
        names = [l.strip() for l in open(a.mask_names) if l.strip() and not l.startswith("#")]
    docs = load(a.data, a.head, a.mask_field, names)
    fold_of = {}
    for i, line in enumerate(open(a.folds)):
        if i:
            rid, fold = line.rstrip("\n").split("\t")[:2]
            fold_of[rid] = int(fold)
    missing = [d["id"] for d in docs if d["id"] not in fold_of]
    if missing:
        sys.exit(f"cv_peers: {len(missing)} records have no fold in {a.folds}, e.g. {missing[0]}")
    multi = any(d["multi"] for d in docs)
    labels = sorted(set().union(*(d["gold"] for d in docs)))
    k = max(fold_of.values())
    print(f"# {os.path.basename(a.data)} head={a.head} docs={len(docs)} folds={k} (slant's)")
    print(f"{'system':12s} {'microF1':>8s} {'macroF1':>8s} {'acc':>6s}")
    for system in a.systems.split(","):
        run = sklearn_fold if system == "sklearn" else fasttext_fold
        gold, pred = [], []
        for f in range(1, k + 1):
            train = [d for d in docs if fold_of[d["id"]] != f]
            test = [d for d in docs if fold_of[d["id"]] == f]
            if test:
                pred += run(train, test, multi)
                gold += [d["gold"] for d in test]
        mi, ma, acc = scores(gold, pred, labels)
        print(f"{system:12s} {mi:8.3f} {ma:8.3f} {acc:6.3f}", flush=True)


if __name__ == "__main__":
    main()
