#!/bin/bash
# parallel.sh - the GNU parallel recipe of docs/audit.md, end to end: a
# corpus cut into blocks at line ends by 'parallel --pipepart', one shard
# audit per block, 'slant audit merge', and the result compared byte for
# byte with one run over the whole corpus (and, so that the check is seen
# to bite, a merge leaving one shard out compared unequal). Exits 1 with a
# FAILED line on any difference. Skips (exit 0 with a note)
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
[ "$nshards" -ge 2 ] || { echo "parallel.sh: FAILED: parallel made $nshards shard(s), not several"; exit 1; }
"$SLANT" audit merge --out "$dir/merged" "$dir"/shards/*/

same() {    # the six outputs of audit dirs $1 and $2 byte for byte; 0 when all equal
    local f bad=0
    for f in summary.json groups.csv labels.csv phrases.csv examples.csv report.html; do
        cmp -s "$1/$f" "$2/$f" || { bad=1; echo "  $f differs"; }
    done
    return $bad
}
same "$dir/one" "$dir/merged" \
    || { echo "parallel.sh: FAILED: the merged audit is not byte-identical to one run"; exit 1; }
# the comparison must be able to fail: a merge that leaves out a shard differs
"$SLANT" audit merge --out "$dir/partial-merge" $(ls -d "$dir"/shards/*/ | tail -n +2) 2>/dev/null
! same "$dir/one" "$dir/partial-merge" >/dev/null \
    || { echo "parallel.sh: FAILED: a merge missing a shard compared equal (the check is blind)"; exit 1; }
echo "parallel.sh: $N records, $nshards shards from parallel --pipepart, merged: byte-identical to one run"
