#!/bin/bash
# audit_throughput.sh - 'slant audit' against plain 'slant classify' on the
# same corpus with the same threads: wall and CPU seconds of each (best of
# RUNS), and the audit's throughput as a share of classify's. classify
# writes JSONL to /dev/null; audit groups by source and month and writes
# its whole directory (the renders included).
#
#   bench/audit_throughput.sh [CORPUS] [THREADS] [RUNS]
set -euo pipefail
SLANT=${SLANT:-./slant}
CORPUS=${1:-../shared/corpus/real.jsonl}
J=${2:-2}
RUNS=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best() {    # best wall and its CPU seconds of RUNS runs of "$@"
    local bw="" bc=""
    for _ in $(seq "$RUNS"); do
        rm -rf "$tmp/audit"
        /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" > /dev/null 2>&1 || [ $? -eq 1 ]
        read -r w u s < "$tmp/t"
        c=$(echo "$u + $s" | bc)
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc)" -eq 1 ]; then bw=$w; bc=$c; fi
    done
    echo "$bw $bc"
}
docs=$(grep -c . "$CORPUS")
read -r cw cc < <(best "$SLANT" classify -j "$J" --format jsonl "$CORPUS")
read -r aw ac < <(best "$SLANT" audit -q -j "$J" --by source --time date:month --out "$tmp/audit" "$CORPUS")
printf 'corpus %s: %d documents, -j %d, best of %d\n' "$CORPUS" "$docs" "$J" "$RUNS"
printf 'classify: %6.2f s wall %6.2f s CPU  %8.0f docs/s\n' "$cw" "$cc" "$(echo "$docs / $cw" | bc -l)"
printf 'audit:    %6.2f s wall %6.2f s CPU  %8.0f docs/s\n' "$aw" "$ac" "$(echo "$docs / $aw" | bc -l)"
printf 'audit throughput / classify throughput: %.2f (wall), %.2f (CPU)\n' \
    "$(echo "$cw / $aw" | bc -l)" "$(echo "$cc / $ac" | bc -l)"
