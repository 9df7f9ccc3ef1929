#!/usr/bin/env python3
"""Validate slant training snippets (JSONL) and print corpus counts.

Usage:
    validate.py [--strict] [--json] [--min-frame N] [--min-regions N] [PATH ...]

Each PATH is a .jsonl file or a directory (all *.jsonl files directly inside
it are read, in name order).  With no PATH, every training/data/*.jsonl file
next to this script is read.

Every line must be one JSON object with exactly the keys
    id, story, region, domain, text, labels
where labels has exactly the keys outlet_type and frames, and:
  * outlet_type is one of the six outlet registers;
  * frames is a list of 1 to 3 distinct frames from the 14 Policy Frames
    Codebook frames (SemEval-2023 Task 3 spelling);
  * id is unique across all files read and equals story + "-" + outlet_type;
  * text has 40 to 250 words, counted as len(text.split());
  * region and domain come from the lists in training/briefs/snippet-brief.md;
  * every story has each of the six outlet types exactly once.

Errors are printed to standard error as
    validate.py: FILE:LINE:COL: message
(COL is the 1-based character column of the offending key or JSON error where
it can be found, else 1).  Corpus-wide errors that belong to no single line are
printed as "validate.py: --strict: message".

After checking, the counts are printed to standard output: snippets, stories,
per outlet_type, per frame, per region (and number of regions), per domain,
and the word-count distribution (min, median, max).  --json prints the same
counts as one JSON object instead.

--strict also makes these corpus-level shortfalls errors:
  * any frame labelling fewer than --min-frame snippets (default 80);
  * fewer than --min-regions distinct regions (default 8).

Exit status: 0 if no error was found, 1 otherwise, 2 on a usage error.
Standard library only.
"""

import argparse
import json
import os
import statistics
import sys

PROG = "validate.py"

OUTLET_TYPES = [
    "wire",
    "mainstream",
    "state_media",
    "partisan",
    "official",
    "content_farm",
]

FRAMES = [
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
]

REGIONS = [
    "West Africa",
    "East Africa",
    "Southern Africa",
    "North Africa",
    "Middle East",
    "South Asia",
    "East Asia",
    "Southeast Asia",
    "Central Asia",
    "Western Europe",
    "Eastern Europe",
    "Latin America",
    "North America",
    "Oceania",
    "Caribbean",
]

DOMAINS = [
    "war_ceasefire",
    "election",
    "protest",
    "court",
    "economy_trade",
    "energy",
    "health",
    "climate",
    "migration",
    "technology",
    "sport",
    "culture",
    "disaster",
    "crime",
    "education",
    "religion",
    "diplomacy",
    "agriculture",
    "labour",
    "media_freedom",
]

TOP_KEYS = ["id", "story", "region", "domain", "text", "labels"]
LABEL_KEYS = ["outlet_type", "frames"]
MIN_WORDS = 40
MAX_WORDS = 250
MAX_FRAMES = 3


class Report:
    """Collects errors and prints them as they are found."""

    def __init__(self):
        self.errors = 0

    def error(self, path, line, col, message):
        self.errors += 1
        print(f"{PROG}: {path}:{line}:{col}: {message}", file=sys.stderr)

    def corpus_error(self, message):
        self.errors += 1
        print(f"{PROG}: --strict: {message}", file=sys.stderr)


def _find_key(raw, key, after=0):
    """0-based index of the JSON key "key" in raw (searching from after), or -1."""
    pos = raw.find(json.dumps(key) + ":", after)
    if pos < 0:
        pos = raw.find(json.dumps(key) + " :", after)
    return pos


def key_column(raw, key, after=0):
    """1-based column where the JSON key "key" appears in raw, else 1."""
    pos = _find_key(raw, key, after)
    return pos + 1 if pos >= 0 else 1


def value_column(raw, key, after=0):
    """1-based column of the value that follows key, else 1."""
    pos = _find_key(raw, key, after)
    if pos < 0:
        return 1
    colon = raw.find(":", pos + len(json.dumps(key)))
    pos = colon + 1
    while pos < len(raw) and raw[pos] in " \t":
        pos += 1
    return pos + 1


def collect_paths(args, report):
    """Expand the command-line paths into a list of .jsonl files."""
    if not args:
        here = os.path.dirname(os.path.abspath(__file__))
        args = [os.path.join(here, "data")]
    files = []
    for arg in args:
        if os.path.isdir(arg):
            names = sorted(n for n in os.listdir(arg) if n.endswith(".jsonl"))
            files.extend(os.path.join(arg, n) for n in names)
        elif os.path.isfile(arg):
            files.append(arg)
        else:
            report.error(arg, 1, 1, "no such file or directory")
    return files


def check_record(path, lineno, raw, obj, report):
    """Check one decoded line.  Returns a dict of usable fields (may be partial)."""
    rec = {}
    if not isinstance(obj, dict):
        report.error(path, lineno, 1, f"line is a JSON {type(obj).__name__}, not an object")
        return None

    keys = list(obj.keys())
    missing = [k for k in TOP_KEYS if k not in obj]
    extra = [k for k in keys if k not in TOP_KEYS]
    for k in missing:
        report.error(path, lineno, 1, f"missing key {json.dumps(k)}")
    for k in extra:
        report.error(path, lineno, key_column(raw, k), f"unexpected key {json.dumps(k)}")

    for k in ("id", "story", "region", "domain", "text"):
        if k in obj and not isinstance(obj[k], str):
            report.error(path, lineno, value_column(raw, k),
                         f"{json.dumps(k)} must be a string, got {type(obj[k]).__name__}")
        elif k in obj:
            rec[k] = obj[k]

    if "id" in rec and not rec["id"].strip():
        report.error(path, lineno, value_column(raw, "id"), "empty id")
    if "story" in rec and not rec["story"].strip():
        report.error(path, lineno, value_column(raw, "story"), "empty story")

    if "region" in rec and rec["region"] not in REGIONS:
        report.error(path, lineno, value_column(raw, "region"),
                     f"unknown region {json.dumps(rec['region'])}")
    if "domain" in rec and rec["domain"] not in DOMAINS:
        report.error(path, lineno, value_column(raw, "domain"),
                     f"unknown domain {json.dumps(rec['domain'])}")

    if "text" in rec:
        words = len(rec["text"].split())
        rec["words"] = words
        if words < MIN_WORDS or words > MAX_WORDS:
            report.error(path, lineno, value_column(raw, "text"),
                         f"text has {words} words (allowed {MIN_WORDS}-{MAX_WORDS})")

    labels = obj.get("labels")
    lab_at = raw.find('"labels"')
    lab_at = max(lab_at, 0)
    if "labels" in obj:
        if not isinstance(labels, dict):
            report.error(path, lineno, value_column(raw, "labels"),
                         f"\"labels\" must be an object, got {type(labels).__name__}")
        else:
            for k in LABEL_KEYS:
                if k not in labels:
                    report.error(path, lineno, key_column(raw, "labels"),
                                 f"labels: missing key {json.dumps(k)}")
            for k in labels:
                if k not in LABEL_KEYS:
                    report.error(path, lineno, key_column(raw, k, lab_at),
                                 f"labels: unexpected key {json.dumps(k)}")
            if "outlet_type" in labels:
                ot = labels["outlet_type"]
                if ot not in OUTLET_TYPES:
                    report.error(path, lineno, value_column(raw, "outlet_type", lab_at),
                                 f"labels: unknown outlet_type {json.dumps(ot)}"
                                 f" (expected one of {', '.join(OUTLET_TYPES)})")
                else:
                    rec["outlet_type"] = ot
            if "frames" in labels:
                fr = labels["frames"]
                col = value_column(raw, "frames", lab_at)
                if not isinstance(fr, list):
                    report.error(path, lineno, col,
                                 f"labels: frames must be a list, got {type(fr).__name__}")
                else:
                    good = []
                    if not 1 <= len(fr) <= MAX_FRAMES:
                        report.error(path, lineno, col,
                                     f"labels: {len(fr)} frames (allowed 1-{MAX_FRAMES})")
                    for f in fr:
                        if not isinstance(f, str) or f not in FRAMES:
                            report.error(path, lineno, col,
                                         f"labels: unknown frame {json.dumps(f)}")
                        elif f in good:
                            report.error(path, lineno, col,
                                         f"labels: frame {json.dumps(f)} repeated")
                        else:
                            good.append(f)
                    rec["frames"] = good

    if "id" in rec and "story" in rec and "outlet_type" in rec:
        want = rec["story"] + "-" + rec["outlet_type"]
        if rec["id"] != want:
            report.error(path, lineno, value_column(raw, "id"),
                         f"id {json.dumps(rec['id'])} should be {json.dumps(want)}"
                         " (story + \"-\" + outlet_type)")
    return rec


def read_file(path, report, records, seen_ids):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        report.error(path, 1, 1, f"cannot read: {exc.strerror}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        report.error(path, line, col, "invalid UTF-8")
        return
    if text.startswith("\ufeff"):
        report.error(path, 1, 1, "byte order mark at start of file")
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        report.error(path, 1, 1, "file is empty")
    for lineno, raw in enumerate(lines, 1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if not raw.strip():
            report.error(path, lineno, 1, "blank line")
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.error(path, lineno, exc.colno, f"invalid JSON: {exc.msg}")
            continue
        rec = check_record(path, lineno, raw, obj, report)
        if rec is None:
            continue
        rec["path"] = path
        rec["line"] = lineno
        if "id" in rec:
            if rec["id"] in seen_ids:
                p, ln = seen_ids[rec["id"]]
                report.error(path, lineno, value_column(raw, "id"),
                             f"duplicate id {json.dumps(rec['id'])} (first at {p}:{ln})")
            else:
                seen_ids[rec["id"]] = (path, lineno)
        records.append(rec)


def check_stories(records, report):
    """Every story must have each outlet type exactly once."""
    stories = {}
    for rec in records:
        if "story" in rec:
            stories.setdefault(rec["story"], []).append(rec)
    for story, recs in stories.items():
        first = recs[0]
        by_type = {}
        for rec in recs:
            if "outlet_type" in rec:
                by_type.setdefault(rec["outlet_type"], []).append(rec)
        for ot in OUTLET_TYPES:
            got = by_type.get(ot, [])
            if not got:
                report.error(first["path"], first["line"], 1,
                             f"story {json.dumps(story)} has no {ot} snippet")
            for extra in got[1:]:
                report.error(extra["path"], extra["line"], 1,
                             f"story {json.dumps(story)} has more than one {ot} snippet"
                             f" (first at {got[0]['path']}:{got[0]['line']})")
    return stories


def ordered_counts(values, order):
    counts = {k: 0 for k in order}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Validate slant training JSONL files and print corpus counts.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="JSONL files or directories (default: training/data)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail on rare frames and too few regions")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--min-frame", type=int, default=80, metavar="N",
                        help="with --strict, minimum snippets per frame (default 80)")
    parser.add_argument("--min-regions", type=int, default=8, metavar="N",
                        help="with --strict, minimum distinct regions (default 8)")
    args = parser.parse_args(argv)

    report = Report()
    records = []
    seen_ids = {}
    files = collect_paths(args.paths, report)
    if not files and not report.errors:
        report.error(args.paths[0] if args.paths else "training/data", 1, 1,
                     "no .jsonl files found")
    for path in files:
        read_file(path, report, records, seen_ids)
    stories = check_stories(records, report)

    outlet = ordered_counts((r["outlet_type"] for r in records if "outlet_type" in r),
                            OUTLET_TYPES)
    frames = ordered_counts((f for r in records for f in r.get("frames", [])), FRAMES)
    regions = ordered_counts((r["region"] for r in records if "region" in r), [])
    regions = dict(sorted(regions.items(), key=lambda kv: (-kv[1], kv[0])))
    domains = ordered_counts((r["domain"] for r in records if "domain" in r), [])
    domains = dict(sorted(domains.items(), key=lambda kv: (-kv[1], kv[0])))
    words = sorted(r["words"] for r in records if "words" in r)
    frames_per = ordered_counts((len(r["frames"]) for r in records if r.get("frames")), [])
    frames_per = {str(k): frames_per[k] for k in sorted(frames_per)}

    if args.strict:
        for f, n in frames.items():
            if n < args.min_frame:
                report.corpus_error(f"frame {f} labels {n} snippets (minimum {args.min_frame})")
        known_regions = [r for r in regions if r in REGIONS]
        if len(known_regions) < args.min_regions:
            report.corpus_error(f"{len(known_regions)} regions (minimum {args.min_regions})")

    counts = {
        "files": len(files),
        "snippets": len(records),
        "stories": len(stories),
        "outlet_type": outlet,
        "frames": frames,
        "frames_per_snippet": frames_per,
        "regions": regions,
        "n_regions": len(regions),
        "domains": domains,
        "words": {
            "min": words[0] if words else 0,
            "median": statistics.median(words) if words else 0,
            "max": words[-1] if words else 0,
        },
        "errors": report.errors,
    }

    if args.json:
        print(json.dumps(counts, indent=2, ensure_ascii=False))
    else:
        out = []
        out.append(f"files: {counts['files']}   snippets: {counts['snippets']}"
                   f"   stories: {counts['stories']}")
        out.append("outlet_type:")
        out.extend(f"  {k:<46} {v:>6}" for k, v in outlet.items())
        out.append("frames:")
        for k, v in frames.items():
            flag = ""
            if v < args.min_frame:
                flag = f"   < {args.min_frame}" + (" ERROR" if args.strict else "")
            out.append(f"  {k:<46} {v:>6}{flag}")
        out.append("frames per snippet: " +
                   ", ".join(f"{k}: {v}" for k, v in frames_per.items()))
        out.append(f"regions ({len(regions)}):")
        out.extend(f"  {k:<46} {v:>6}" for k, v in regions.items())
        out.append(f"domains ({len(domains)}):")
        out.extend(f"  {k:<46} {v:>6}" for k, v in domains.items())
        w = counts["words"]
        out.append(f"words: min {w['min']}   median {w['median']}   max {w['max']}")
        out.append(f"errors: {report.errors}")
        print("\n".join(out))

    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
