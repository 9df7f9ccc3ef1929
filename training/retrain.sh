#!/bin/sh
# training/retrain.sh - build the shipped model: what 'make model' runs, and
# what the reproducibility test runs again to compare the bytes.
#
#   training/retrain.sh CORPUS_DIR OUT [SLANT]
#
# CORPUS_DIR holds real.jsonl (training/SOURCES.md says what it is and how to
# assemble it). The training set is the team's snippets (training/data), a
# capped sample of the real articles and content-farm copies of some of them
# (training/build_corpus.py); outlet names are blanked (each record's own,
# and training/mask-names.txt) and cross-validation folds keep outlets whole.
# Exit status 3: no corpus.
set -eu
corpus=$1
out=$2
slant=${3:-./slant}
if [ ! -f "$corpus/real.jsonl" ]; then
    echo "retrain.sh: $corpus/real.jsonl is missing: training/SOURCES.md says how to assemble it" >&2
    exit 3
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 training/build_corpus.py --corpus "$corpus" --out "$tmp/train.jsonl"
# phrases in 3 or more documents, the 120,000 most frequent: more made the
# model larger and slower to load without knowing real outlets any better
"$slant" train --group group --mask-field source --mask-names training/mask-names.txt \
    --min-df 3 --max-features 120000 --out "$out" "$tmp/train.jsonl"
