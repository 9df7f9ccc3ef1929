#!/bin/bash
# slurm.sh - the Slurm recipe of docs/audit.md on a one-node cluster started
# here: munged with its own key and socket, slurmctld and slurmd with a
# minimal slurm.conf in a temporary directory (no cgroups, no accounting),
# then examples/slurm/audit-array.sh as a 4-task array, audit-merge.sh after
# it, and the merged audit compared byte for byte with one local run (and,
# so that the check is seen to bite, a merge leaving one shard out compared
# unequal). Exits 1 with a FAILED line on any failure or difference.
# Skips (exit 0 with a note) without slurm-wlm and munge; must run as root
# (the daemons run as root here).
#
#   tests/scale/slurm.sh [SLANT] [N_RECORDS]
set -euo pipefail
SLANT=$(realpath "${1:-./slant}")
N=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../examples/slurm" && pwd)
for p in munged slurmctld slurmd sbatch sinfo; do
    command -v "$p" >/dev/null || { echo "slurm.sh: skipped (no $p: apt-get install slurm-wlm munge)"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm.sh: skipped (needs root to start the daemons)"; exit 0; }

dir=$(mktemp -d -t slant-slurm.XXXXXX)
chmod 755 "$dir"
pids=()
cleanup() {
    for f in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    sleep 1
    rm -rf "$dir"
}
trap cleanup EXIT

# munge: a key and a socket of our own
mkdir -p "$dir/munge"
dd if=/dev/urandom of="$dir/munge/key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/key"
sock="$dir/munge/munge.socket"
munged --force --key-file="$dir/munge/key" --socket="$sock" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munge/log" --seed-file="$dir/munge/seed"

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mkdir -p "$dir/state" "$dir/spool"
cat > "$dir/slurm.conf" <<EOF
ClusterName=slanttest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for i in $(seq 60); do
    sinfo -h -o %t 2>/dev/null | grep -qE '^idle' && break
    sleep 1
done
sinfo -h -o %t | grep -qE '^idle' || { echo "slurm.sh: FAILED: the node did not come up"; tail -20 "$dir"/slurm*.log; exit 1; }

# the corpus, one local run, then the recipe
python3 "$here/synth_corpus.py" "$N" > "$dir/corpus.jsonl"
"$SLANT" audit -q --by source --time date:month --out "$dir/one" "$dir/corpus.jsonl" || [ $? -eq 1 ]
mkdir -p "$dir/chunks"
(cd "$dir" && split -n l/4 -d --additional-suffix=.jsonl corpus.jsonl chunks/part-)
cd "$dir"
export SLANT
fail() {    # a FAILED line, what the daemons and jobs said, exit 1
    echo "slurm.sh: FAILED: $*"
    tail -n 20 "$dir"/slurm*.log "$dir"/slant-audit-*.log 2>/dev/null || true
    exit 1
}
jobid=$(sbatch --parsable --array=0-3 --cpus-per-task=1 "$examples/audit-array.sh" chunks shards) \
    || fail "sbatch refused the array"
# --kill-on-invalid-dep: if a task fails, the merge is cancelled rather than
# left pending for ever; the timeout bounds a cluster that never runs it
timeout -k 5 240 sbatch --wait --kill-on-invalid-dep=yes --dependency=afterok:"$jobid" \
    "$examples/audit-merge.sh" shards merged >/dev/null \
    || fail "the array or the merge job did not succeed (or took over 240 s)"

same() {    # the six outputs of audit dirs $1 and $2 byte for byte; 0 when all equal
    local f bad=0
    for f in summary.json groups.csv labels.csv phrases.csv examples.csv report.html; do
        cmp -s "$1/$f" "$2/$f" || { bad=1; echo "  $f differs"; }
    done
    return $bad
}
same "$dir/one" "$dir/merged" || fail "the merged audit is not byte-identical to one run"
# the comparison must be able to fail: a merge that leaves out a shard differs
"$SLANT" audit merge --out "$dir/partial-merge" shards/1/ shards/2/ shards/3/ 2>/dev/null
! same "$dir/one" "$dir/partial-merge" >/dev/null \
    || fail "a merge missing a shard compared equal (the check is blind)"
echo "slurm.sh: $N records, a 4-task Slurm array and a dependent merge: byte-identical to one run"
