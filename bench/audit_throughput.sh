#!/bin/bash
# audit_throughput.sh - 'slant audit' against plain 'slant classify' on the
# same corpus with the same threads: RUNS alternating runs of each, the
# median wall and CPU seconds, and the audit's throughput as a share of
# classify's. classify writes JSONL to /dev/null; audit groups by source
# and month and writes its whole directory (the renders included).
# Alternating runs keep a load from other jobs from favouring either.
#
#   bench/audit_throughput.sh [CORPUS] [THREADS] [RUNS]
set -euo pipefail
SLANT=${SLANT:-./slant}
CORPUS=${1:-../shared/corpus/real.jsonl}
J=${2:-2}
RUNS=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {     # appends "wall cpu" of one run of "$@" to file $1
    local out=$1; shift
    rm -rf "$tmp/audit"
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" > /dev/null 2>&1 || [ $? -eq 1 ]
    read -r w u s < "$tmp/t"
    echo "$w $(echo "$u + $s" | bc)" >> "$out"
}
median() {  # median of column $2 of file $1
    sort -g -k"$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
for _ in $(seq "$RUNS"); do
    run "$tmp/c" "$SLANT" classify -j "$J" --format jsonl "$CORPUS"
    run "$tmp/a" "$SLANT" audit -q -j "$J" --by source --time date:month --out "$tmp/audit" "$CORPUS"
done
docs=$(grep -c . "$CORPUS")
cw=$(median "$tmp/c" 1); cc=$(median "$tmp/c" 2); aw=$(median "$tmp/a" 1); ac=$(median "$tmp/a" 2)
printf 'corpus %s: %d documents, -j %d, medians of %d alternating runs\n' "$CORPUS" "$docs" "$J" "$RUNS"
printf 'classify: %6.2f s wall %6.2f s CPU  %8.0f docs/s\n' "$cw" "$cc" "$(echo "$docs / $cw" | bc -l)"
printf 'audit:    %6.2f s wall %6.2f s CPU  %8.0f docs/s\n' "$aw" "$ac" "$(echo "$docs / $aw" | bc -l)"
printf 'audit throughput / classify throughput: %.2f (wall), %.2f (CPU)\n' \
    "$(echo "$cw / $aw" | bc -l)" "$(echo "$cc / $ac" | bc -l)"
