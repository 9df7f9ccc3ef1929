"""Tests of the content-farm generator, on the invented fixture only.

    python3 -m unittest discover -s training/farm -v

Needs no package: the fixture thesaurus (fixtures/thesaurus.dat, MyThes
format) stands in for Debian's mythes-en-us, and fixtures/articles.jsonl holds
eight invented articles from five outlet classes.
"""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import furniture  # noqa: E402
import generate  # noqa: E402
import rewrite  # noqa: E402
import spin  # noqa: E402
import thesaurus  # noqa: E402
from textutil import rng_for, split_article, words  # noqa: E402

ARTICLES = os.path.join(HERE, "fixtures", "articles.jsonl")
THESAURUS = os.path.join(HERE, "fixtures", "thesaurus.dat")
FIELDS = ("id", "text", "source", "labels", "origin_id", "origin_source",
          "farm_kind", "spins", "fold_group")


def run_generator(out_dir, seed=1, per_class=2, extra=()):
    """Run the CLI on the fixture; return the output file's bytes."""
    out = os.path.join(out_dir, "farm-%d.jsonl" % seed)
    argv = ["--corpus", ARTICLES, "--out", out, "--per-class", str(per_class),
            "--seed", str(seed), "--thesaurus", THESAURUS, "--min-words", "20"]
    with redirect_stderr(io.StringIO()):
        generate.main(argv + list(extra))
    with open(out, "rb") as f:
        return f.read()


def furniture_found(rec):
    """How many of the site's own furniture strings the copy shows."""
    site = next(s for s in furniture.SITES if s.name == rec["source"])
    templates = (site.share, site.category_line, site.tag_line, site.read_more,
                 site.cookie, site.newsletter, site.seo, site.footer, site.teaser_heading)
    prefixes = [t.split("{")[0].strip() for t in templates]
    return sum(1 for p in prefixes if len(p) > 3 and p in rec["text"])


def fixture_records():
    with open(ARTICLES, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class GeneratorOutput(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.raw = run_generator(cls.tmp.name)
        cls.records = [json.loads(line) for line in cls.raw.decode("utf-8").splitlines()]
        cls.sources = {r["id"]: r for r in fixture_records()}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_seed_same_bytes(self):
        with tempfile.TemporaryDirectory() as other:
            self.assertEqual(self.raw, run_generator(other))

    def test_other_seed_other_output(self):
        with tempfile.TemporaryDirectory() as other:
            self.assertNotEqual(self.raw, run_generator(other, seed=2))

    def test_every_record_has_the_format(self):
        self.assertEqual(len(self.records), 8)
        for rec in self.records:
            self.assertEqual(tuple(rec), FIELDS)
            self.assertEqual(rec["labels"], {"outlet_type": "content_farm"})
            self.assertIn(rec["farm_kind"], generate.KINDS)
            self.assertEqual(rec["id"], "farm-%s-%s" % (rec["farm_kind"], rec["origin_id"]))
            self.assertIn(rec["source"], furniture.SITE_NAMES)
            self.assertEqual(rec["origin_source"], self.sources[rec["origin_id"]]["source"])
            for pair in rec["spins"]:
                self.assertEqual(len(pair), 2)
                self.assertTrue(all(isinstance(w, str) and w for w in pair))

    def test_ids_unique(self):
        ids = [r["id"] for r in self.records]
        self.assertEqual(len(ids), len(set(ids)))

    def test_kinds_dealt_evenly(self):
        counts = {k: sum(r["farm_kind"] == k for r in self.records) for k in generate.KINDS}
        self.assertEqual(sorted(counts.values()), [2, 3, 3])

    def test_scrape_keeps_body_verbatim_inside_furniture(self):
        for rec in self.by_kind("scrape"):
            _, body = split_article(self.sources[rec["origin_id"]]["text"])
            for para in body.split("\n\n"):
                self.assertIn(para, rec["text"])
            self.assertGreater(len(rec["text"]), len(body) + 80)
            self.assertEqual(rec["spins"], [])
            self.assertGreaterEqual(furniture_found(rec), 2, rec["text"])

    def test_rewrite_has_machine_tells(self):
        openers = [i.split("{")[0] for i in rewrite.INTROS]
        for rec in self.by_kind("rewrite"):
            text = rec["text"]
            self.assertTrue(any(o in text for o in openers), text)
            self.assertTrue(any(c in text for c in ("In conclusion,", "Overall,", "To sum up,")), text)

    def test_spun_copies_list_their_swaps(self):
        for rec in self.by_kind("spin"):
            self.assertTrue(rec["spins"], rec["id"])
            for original, replacement in rec["spins"]:
                self.assertIn(replacement, rec["text"])
                self.assertNotEqual(original.lower(), replacement.lower())

    def test_spun_core_keeps_token_positions(self):
        table = thesaurus.load(THESAURUS)
        args = generate.parse_args(["--corpus", ARTICLES, "--out", "x", "--thesaurus", THESAURUS])
        for source in self.sources.values():
            headline, paras, spins, _ = generate.make_core(source, "spin", table, args)
            original = words(generate.headline_of(source)[0]) + words(split_article(source["text"])[1])
            spun = words(headline) + words("\n\n".join(paras))
            self.assertEqual(len(original), len(spun))
            changed = [[a, b] for a, b in zip(original, spun) if a != b]
            self.assertEqual(changed, spins)

    def test_fold_rule_one_site_per_outlet(self):
        site_of_outlet = {}
        for rec in self.records:
            site = site_of_outlet.setdefault(rec["origin_source"], rec["source"])
            self.assertEqual(site, rec["source"])
        outlets_of_site = {}
        for outlet, site in site_of_outlet.items():
            outlets_of_site.setdefault(site, []).append(outlet)
        for rec in self.records:
            self.assertIn(rec["origin_source"], outlets_of_site[rec["source"]])

    def test_merged_output_groups_copies_with_their_outlet(self):
        with tempfile.TemporaryDirectory() as other:
            merged = os.path.join(other, "merged.jsonl")
            run_generator(other, extra=["--merged-out", merged])
            with open(merged, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f]
        group_of_outlet = {}
        for row in rows:
            if row["labels"]["outlet_type"] != "content_farm":
                group_of_outlet.setdefault(row["source"], set()).add(row["fold_group"])
        for row in rows:
            if row["labels"]["outlet_type"] == "content_farm":
                self.assertEqual(group_of_outlet[row["origin_source"]], {row["fold_group"]})

    def test_teasers_never_cross_sites(self):
        headlines = {}
        table = thesaurus.load(THESAURUS)
        args = generate.parse_args(["--corpus", ARTICLES, "--out", "x", "--thesaurus", THESAURUS])
        for rec in self.records:
            source = self.sources[rec["origin_id"]]
            headlines[rec["id"]] = generate.make_core(source, rec["farm_kind"], table, args)[0]
        for rec in self.records:
            for other in self.records:
                if other["source"] != rec["source"]:
                    self.assertNotIn(headlines[other["id"]], rec["text"])

    def by_kind(self, kind):
        found = [r for r in self.records if r["farm_kind"] == kind]
        self.assertTrue(found, "no %s copy in the fixture run" % kind)
        return found


class Spinner(unittest.TestCase):

    def setUp(self):
        self.table = thesaurus.load(THESAURUS)

    def test_breaks_collocations_in_place(self):
        text = "Prime Minister Duarte will meet the unions in Harbor City."
        spun, spins = spin.spin_text(text, self.table, rng_for(1, "t"), 1.0)
        self.assertEqual(len(words(spun)), len(words(text)))
        swapped = dict(spins)
        self.assertIn(swapped.get("Prime"), ("Top", "Leading", "Key", "Premier"))
        self.assertIn(swapped.get("City"), ("Town", "Metropolis"))
        self.assertIn(swapped.get("meet"), ("fulfill", "satisfy", "encounter", "run"))
        self.assertTrue(spun.endswith("."))

    def test_names_the_thesaurus_knows_stay(self):
        text = "Senator Olive Lark said the harvest was a record."
        spun, spins = spin.spin_text(text, self.table, rng_for(1, "n"), 1.0)
        self.assertIn("Olive Lark", spun)
        self.assertTrue(spins)

    def test_inflection_put_back(self):
        spun, spins = spin.spin_text("The fees closed three harbors.", self.table, rng_for(3, "i"), 1.0)
        swapped = dict(spins)
        self.assertIn(swapped.get("harbors"), ("ports", "havens", "shelters", "hides"))
        self.assertEqual(len(words(spun)), 5)

    def test_case_copied(self):
        self.assertEqual(spin.match_case("CITY", "town"), "TOWN")
        self.assertEqual(spin.match_case("City", "town"), "Town")
        self.assertEqual(spin.match_case("city", "town"), "town")


class MissingThesaurus(unittest.TestCase):

    def test_error_names_the_debian_package(self):
        with tempfile.TemporaryDirectory() as tmp:
            argv = ["--corpus", ARTICLES, "--out", os.path.join(tmp, "o.jsonl"),
                    "--thesaurus", os.path.join(tmp, "absent.dat")]
            with self.assertRaises(SystemExit) as caught:
                generate.main(argv)
        self.assertIn("mythes-en-us", str(caught.exception.code))


class Sites(unittest.TestCase):

    def test_sites_differ_in_house_style(self):
        styles = set()
        for site in furniture.SITES:
            styles.add((site.share, site.byline, site.read_more, site.footer, tuple(site.tail)))
        self.assertEqual(len(styles), len(furniture.SITES))
        self.assertGreaterEqual(len(furniture.SITES), 20)


if __name__ == "__main__":
    unittest.main()
