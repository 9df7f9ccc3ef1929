#!/bin/sh
# audit-array.sh - one shard of a slant audit per Slurm array task.
#
#   split -n l/16 -d --additional-suffix=.jsonl corpus.jsonl chunks/part-
#   jobid=$(sbatch --parsable --array=0-15 examples/slurm/audit-array.sh chunks shards)
#   sbatch --dependency=afterok:$jobid examples/slurm/audit-merge.sh shards audit
#
# Task i audits the i-th chunk (in name order) into SHARDS/i. --resume
# makes a requeued or restarted task go on from its last checkpoint, and a
# task that already finished only renders again. Records need an "id" for
# the merged audit to equal one run over the whole corpus.
#SBATCH --job-name=slant-audit
#SBATCH --cpus-per-task=2
#SBATCH --requeue
#SBATCH --output=slant-audit-%A_%a.log
set -eu
CHUNKS=${1:?usage: audit-array.sh CHUNKS_DIR SHARDS_DIR}
SHARDS=${2:?usage: audit-array.sh CHUNKS_DIR SHARDS_DIR}
SLANT=${SLANT:-slant}
AUDIT_OPTS=${AUDIT_OPTS:---by source --time date:month}
task=${SLURM_ARRAY_TASK_ID:?not an array task}
chunk=$(ls "$CHUNKS"/*.jsonl | sed -n "$((task + 1))p")
[ -n "$chunk" ] || { echo "no chunk $task in $CHUNKS" >&2; exit 2; }
mkdir -p "$SHARDS"
# status 1: some records could not be read (counted in the shard); not a
# failure of the task
# shellcheck disable=SC2086
"$SLANT" audit -q --resume -j "${SLURM_CPUS_PER_TASK:-1}" $AUDIT_OPTS \
    --out "$SHARDS/$task" "$chunk" || [ $? -eq 1 ]
