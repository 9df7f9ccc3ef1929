#!/usr/bin/env python3
"""Generate content_farm training records from real articles.

    python3 training/farm/generate.py --corpus ../shared/corpus/real.jsonl \\
        --out build/farm.jsonl --per-class 300 --seed 1

Reads a JSONL corpus of real articles ({"id", "text": "title\\n\\nbody",
"source", "labels": {"outlet_type"}}), picks --per-class articles from each
outlet class (spread over the class's outlets), and turns each into one copy
of the kind a content farm publishes:

  scrape   the verbatim article wrapped in a farm site's page furniture;
  spin     the article put through a thesaurus spinner (word-level swaps in
           place), usually wrapped in furniture too;
  rewrite  a machine-rewritten version (filler intro, condensed and
           reshuffled sentences, listicle headings, "In conclusion,", FAQ,
           "Author: OpenAI"-style tells), usually wrapped, sometimes spun first.

Fold rule: every outlet of the corpus belongs to exactly one of the 26
invented farm sites (dealt out by load, independent of the seed), and
a site copies only articles of its own outlets. Each record carries
"fold_group", the group of its site; --merged-out writes the corpus and the
copies together with "fold_group" on every record, so that
`slant train --group fold_group` keeps every copy in the fold of its source
article and of the source's outlet. Teasers on a page are headlines of other
copies by the same site, so no text crosses a fold through them either.

Output is deterministic: the same corpus, options and seed give the same bytes.
Only the Python 3 standard library is used, plus a MyThes thesaurus (Debian
package mythes-en-us) or any file in its format given with --thesaurus.
"""

import argparse
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import furniture  # noqa: E402
import rewrite  # noqa: E402
import spin  # noqa: E402
import thesaurus  # noqa: E402
from textutil import (keywords, made_up_headline, paragraphs,  # noqa: E402
                      rng_for, split_article, word_count, words)

KINDS = ("scrape", "spin", "rewrite")
WRAP_CHANCE = {"scrape": 1.0, "spin": 0.8, "rewrite": 0.7}
SPIN_BEFORE_REWRITE_CHANCE = 0.3
SPIN_RATE_BEFORE_REWRITE_FACTOR = 0.6
FILLER_TEASERS_PER_PAGE = (0, 1, 1, 2)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", required=True, help="JSONL of real articles")
    p.add_argument("--out", required=True, help="JSONL to write the copies to")
    p.add_argument("--per-class", type=int, default=300,
                   help="source articles per outlet class (one copy each)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--kinds", default=",".join(KINDS),
                   help="comma-separated kinds to make, dealt out evenly")
    p.add_argument("--spin-rate", type=float, default=0.3,
                   help="base chance that an eligible word is swapped")
    p.add_argument("--min-words", type=int, default=60,
                   help="skip source articles shorter than this")
    p.add_argument("--max-words", type=int, default=2500,
                   help="skip source articles longer than this")
    p.add_argument("--thesaurus", default=thesaurus.DEFAULT_PATH,
                   help="MyThes .dat file (default: Debian's mythes-en-us)")
    p.add_argument("--merged-out", help="also write corpus + copies, each with fold_group")
    p.add_argument("--groups-out", help="also write a TSV: outlet, site, fold_group")
    args = p.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    bad = [k for k in args.kinds if k not in KINDS]
    if bad or not args.kinds:
        p.error("--kinds must be a subset of %s" % ",".join(KINDS))
    return args


# ---------------------------------------------------------------- corpus


def load_corpus(path):
    records = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit("generate: %s:%d: not JSON (%s)" % (path, lineno, e))
            if isinstance(rec.get("text"), str) and rec.get("source") and rec.get("id"):
                records.append(rec)
    return records


def outlet_class(rec):
    return (rec.get("labels") or {}).get("outlet_type", "unknown")


def outlet_sizes(records):
    """{class: {outlet: documents}}, content_farm records left out."""
    found = {}
    for rec in records:
        cls = outlet_class(rec)
        if cls != "content_farm":
            by_outlet = found.setdefault(cls, {})
            by_outlet[rec["source"]] = by_outlet.get(rec["source"], 0) + 1
    return found


# ---------------------------------------------------------------- fold rule


def assign_sites(sizes):
    """{outlet: Site}. Each outlet goes to one site, never split. Outlets are
    taken from the largest expected share of copies down (the share its
    class's sampling gives it) and each goes to the site with the least load
    so far, so sites get similar volumes and a mix of classes. Depends on the
    corpus only, not on the seed or --per-class."""
    shares = []
    for cls in sorted(sizes):
        total = sum(math.sqrt(n) for n in sizes[cls].values())
        shares += [(math.sqrt(n) / total, outlet) for outlet, n in sizes[cls].items()]
    shares.sort(key=lambda s: (-s[0], s[1]))
    load = [0.0] * len(furniture.SITES)
    owner = {}
    for share, outlet in shares:
        lightest = min(range(len(load)), key=lambda i: (load[i], i))
        owner[outlet] = furniture.SITES[lightest]
        load[lightest] += share
    return owner


def fold_group(site):
    return "fold-" + site.name.lower().replace(" ", "-")


# ---------------------------------------------------------------- sampling


def eligible(rec, args):
    n = word_count(rec["text"])
    return args.min_words <= n <= args.max_words


def outlet_quotas(sizes, total):
    """Split `total` over outlets in proportion to the square root of their
    sizes (so big outlets do not swamp a class), capped by each size."""
    quotas = {o: 0 for o in sizes}
    left = min(total, sum(sizes.values()))
    while left > 0:
        open_outlets = [o for o in sorted(sizes) if quotas[o] < sizes[o]]
        weights = {o: math.sqrt(sizes[o]) for o in open_outlets}
        scale = left / sum(weights.values())
        shares = {o: min(sizes[o] - quotas[o], int(weights[o] * scale)) for o in open_outlets}
        if sum(shares.values()) == 0:
            ranked = sorted(open_outlets, key=lambda o: (-weights[o], o))
            shares = {o: 1 for o in ranked[:left]}
        for o, s in shares.items():
            quotas[o] += s
            left -= s
    return quotas


def pick_sources(records, args):
    """The source articles, each with its kind: --per-class per class,
    spread over outlets, kinds dealt in turn (evenly within each class and
    over all)."""
    pool = {}
    for rec in records:
        cls = outlet_class(rec)
        if cls != "content_farm" and eligible(rec, args):
            pool.setdefault(cls, {}).setdefault(rec["source"], []).append(rec)
    picked = []
    turn = 0
    for cls in sorted(pool):
        by_outlet = pool[cls]
        quotas = outlet_quotas({o: len(v) for o, v in by_outlet.items()}, args.per_class)
        chosen = []
        for outlet in sorted(by_outlet):
            docs = sorted(by_outlet[outlet], key=lambda r: r["id"])
            chosen += rng_for(args.seed, "pick", outlet).sample(docs, quotas[outlet])
        chosen.sort(key=lambda r: r["id"])
        rng_for(args.seed, "kinds", cls).shuffle(chosen)
        for rec in chosen:
            picked.append((rec, args.kinds[turn % len(args.kinds)]))
            turn += 1
    return picked


# ---------------------------------------------------------------- copies


def headline_of(rec):
    """The article's headline, or its opening words when it has none."""
    head, body = split_article(rec["text"])
    return (head or made_up_headline(body)), body


def source_date(rec, rng):
    try:
        y, m, d = (int(x) for x in rec.get("date", "")[:10].split("-"))
    except ValueError:
        y, m, d = rng.randint(2016, 2021), rng.randint(1, 12), rng.randint(1, 28)
    return y, m, min(28, d + rng.randint(0, 2))


def make_core(rec, kind, table, args):
    """The copy before furniture: (headline, paragraphs, spins, spun_words)."""
    rng = rng_for(args.seed, "copy", rec["id"])
    headline, body = headline_of(rec)
    spins = []
    spun_words = 0
    if kind == "spin":
        headline, head_spins = spin.spin_text(headline, table, rng, args.spin_rate)
        body, body_spins = spin.spin_text(body, table, rng, args.spin_rate)
        spins = head_spins + body_spins
        spun_words = len(words(headline)) + len(words(body))
    if kind == "scrape" or kind == "spin":
        return headline, paragraphs(body), spins, spun_words
    if rng.random() < SPIN_BEFORE_REWRITE_CHANCE:
        rate = args.spin_rate * SPIN_RATE_BEFORE_REWRITE_FACTOR
        body, spins = spin.spin_text(body, table, rng, rate)
    title, paras = rewrite.rewrite_article(headline, body, keywords(headline, body), rng)
    return title, paras, spins, 0


def teasers_for(index, site_members, cores, rng):
    """Headlines of other copies by the same site, plus stock clickbait."""
    others = [cores[j][0] for j in site_members if j != index]
    count = min(len(others), rng.randint(3, 7))
    chosen = rng.sample(others, count)
    fillers = rng.sample(furniture.FILLER_TEASERS, rng.choice(FILLER_TEASERS_PER_PAGE))
    chosen += fillers
    rng.shuffle(chosen)
    return chosen or [rng.choice(furniture.FILLER_TEASERS)]


def bare_text(headline, paras):
    return "\n\n".join([headline] + paras)


def build_records(picked, owner, table, args):
    cores = [make_core(rec, kind, table, args) for rec, kind in picked]
    members = {}
    for i, (rec, _) in enumerate(picked):
        members.setdefault(owner[rec["source"]].name, []).append(i)
    out = []
    stats = {"spins": 0, "spun_words": 0}
    for i, (rec, kind) in enumerate(picked):
        site = owner[rec["source"]]
        headline, paras, spins, spun_words = cores[i]
        rng = rng_for(args.seed, "page", rec["id"])
        if rng.random() < WRAP_CHANCE[kind]:
            teasers = teasers_for(i, members[site.name], cores, rng)
            keys = keywords(headline, "\n".join(paras))
            text = furniture.wrap_page(site, headline, paras, teasers, keys,
                                       source_date(rec, rng), rng)
        else:
            text = bare_text(headline, paras)
        if kind == "spin":
            stats["spins"] += len(spins)
            stats["spun_words"] += spun_words
        out.append(farm_record(rec, kind, site, text, spins))
    return out, stats


def farm_record(rec, kind, site, text, spins):
    return {
        "id": "farm-%s-%s" % (kind, rec["id"]),
        "text": text,
        "source": site.name,
        "labels": {"outlet_type": "content_farm"},
        "origin_id": rec["id"],
        "origin_source": rec["source"],
        "farm_kind": kind,
        "spins": spins,
        "fold_group": fold_group(site),
    }


# ---------------------------------------------------------------- output


def write_jsonl(path, records):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_merged(path, corpus, owner, copies):
    def with_group(rec):
        site = owner.get(rec["source"])
        merged = dict(rec)
        merged["fold_group"] = fold_group(site) if site else "fold-outlet-" + rec["source"]
        return merged
    write_jsonl(path, [with_group(r) for r in corpus] + copies)


def write_groups(path, owner):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("outlet\tsite\tfold_group\n")
        for outlet in sorted(owner):
            site = owner[outlet]
            f.write("%s\t%s\t%s\n" % (outlet, site.name, fold_group(site)))


def summary(copies, stats):
    lines = ["generate: %d copies" % len(copies)]
    for kind in KINDS:
        mine = [c for c in copies if c["farm_kind"] == kind]
        if mine:
            lengths = [word_count(c["text"]) for c in mine]
            lines.append("  %-8s %5d  median %d words" % (kind, len(mine), statistics.median(lengths)))
    if copies:
        lines.append("  all      %5d  median %d words" % (
            len(copies), statistics.median(word_count(c["text"]) for c in copies)))
    if stats["spun_words"]:
        lines.append("  spin rate: %d of %d words swapped (%.1f%%)" % (
            stats["spins"], stats["spun_words"], 100.0 * stats["spins"] / stats["spun_words"]))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    try:
        table = thesaurus.load(args.thesaurus)
    except thesaurus.ThesaurusMissing as e:
        sys.exit("generate: %s" % e)
    corpus = load_corpus(args.corpus)
    owner = assign_sites(outlet_sizes(corpus))
    picked = pick_sources(corpus, args)
    copies, stats = build_records(picked, owner, table, args)
    write_jsonl(args.out, copies)
    if args.merged_out:
        write_merged(args.merged_out, corpus, owner, copies)
    if args.groups_out:
        write_groups(args.groups_out, owner)
    print(summary(copies, stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
