#!/bin/bash
# parallel.sh - the GNU parallel recipe of docs/audit.md, end to end: a
# corpus cut into blocks at line ends by 'parallel --pipepart', one shard
# audit per block, 'slant audit merge', and the result compared byte for
# byte with one run over the whole corpus. Skips (exit 0 with a note)
# when GNU parallel is not installed.
#
#   tests/scale/parallel.sh [SLANT] [N_RECORDS]
set -euo pipefail
SLANT=$(realpath "${1:-./slant}")
N=${2:-3000}
command -v parallel >/dev/null || { echo "parallel.sh: skipped (no GNU parallel: apt-get install parallel)"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$(dirname "$0")/synth_corpus.py" "$N" > "$dir/corpus.jsonl"
opts=(--by source --time date:month)

"$SLANT" audit -q "${opts[@]}" --out "$dir/one" "$dir/corpus.jsonl" || [ $? -eq 1 ]

# the recipe: blocks of ~1/8 of the file, two jobs at a time, one shard each
size=$(stat -c %s "$dir/corpus.jsonl")
parallel --pipepart -a "$dir/corpus.jsonl" --block $((size / 8 + 1)) -j 2 \
    "$SLANT audit -q ${opts[*]} --out $dir/shards/{#} - || [ \$? -eq 1 ]"
nshards=$(ls "$dir/shards" | wc -l)
"$SLANT" audit merge --out "$dir/merged" "$dir"/shards/*/

for f in summary.json groups.csv labels.csv phrases.csv examples.csv report.html; do
    cmp "$dir/one/$f" "$dir/merged/$f"
done
echo "parallel.sh: $N records, $nshards shards from parallel --pipepart, merged: byte-identical to one run"
