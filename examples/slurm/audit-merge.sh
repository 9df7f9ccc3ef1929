#!/bin/sh
# audit-merge.sh - merge the shards of audit-array.sh into one audit.
#SBATCH --job-name=slant-audit-merge
#SBATCH --output=slant-audit-merge-%j.log
set -eu
SHARDS=${1:?usage: audit-merge.sh SHARDS_DIR OUT_DIR}
OUT=${2:?usage: audit-merge.sh SHARDS_DIR OUT_DIR}
"${SLANT:-slant}" audit merge --out "$OUT" "$SHARDS"/*/
