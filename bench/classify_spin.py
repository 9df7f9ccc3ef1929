#!/usr/bin/python3
"""What spin evidence costs slant classify: CPU seconds with --spin and
--no-spin on the same corpus, in alternating runs, medians reported.

The corpus is built as bench.py builds it (real article texts from
../shared/data, repeated up to --mb MB, JSONL). Both runs write JSONL to
/dev/null on one thread.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared")


def cpu(cmd):
    """User + system CPU seconds and peak RSS (MB) of one whole process."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, "/bin/sh", "-c",
                        "exec " + cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"classify_spin: failed ({p.returncode}): {cmd}\n{p.stderr.decode()}")
    with open(out.name) as f:
        user, system, rss = map(float, f.read().split()[-3:])
    os.unlink(out.name)
    return user + system, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=16)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slant", default=os.path.join(ROOT, "slant"))
    a = ap.parse_args()
    texts = []
    for f in ("allsides_media_test.jsonl", "narrative_frames.jsonl"):
        for line in open(os.path.join(SHARED, "data", f), encoding="utf-8"):
            texts.append(re.sub(r"\s+", " ", json.loads(line)["text"]).strip())
    td = tempfile.mkdtemp(prefix="slant-spin-")
    jsl = os.path.join(td, "corpus.jsonl")
    n = size = 0
    with open(jsl, "w") as fj:
        while size < a.mb * 1e6:
            t = texts[n % len(texts)]
            n += 1
            fj.write(json.dumps({"id": str(n), "text": t}) + "\n")
            size += len(t.encode()) + 1
    print(f"# corpus: {n} documents, {size / 1e6:.1f} MB of text; {a.runs} alternating runs")
    cmds = {"spin": f"{a.slant} classify --format jsonl --spin {jsl} >/dev/null",
            "no-spin": f"{a.slant} classify --format jsonl --no-spin {jsl} >/dev/null"}
    t = {k: [] for k in cmds}
    rss = {k: [] for k in cmds}
    ratios = []
    for r in range(a.runs):
        order = list(cmds) if r % 2 == 0 else list(reversed(list(cmds)))
        got = {}
        for k in order:
            c, m = cpu(cmds[k])
            t[k].append(c)
            rss[k].append(m)
            got[k] = c
        ratios.append(got["spin"] / got["no-spin"])
    for k in cmds:
        print(f"{k:8s} CPU s median {statistics.median(t[k]):.2f} "
              f"(runs {' '.join(f'{x:.2f}' for x in t[k])}), peak RSS {max(rss[k]):.0f} MB")
    print(f"spin / no-spin CPU, median of per-round ratios: {statistics.median(ratios):.3f}")
    os.unlink(jsl)
    os.rmdir(td)


if __name__ == "__main__":
    main()
