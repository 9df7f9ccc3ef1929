#!/usr/bin/env bash
# make bench: install the peers from Debian if missing, then run bench/bench.py and
# bench/audit_throughput.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
command -v fasttext >/dev/null || need="$need fasttext"
/usr/bin/python3 -c 'import sklearn' 2>/dev/null || need="$need python3-sklearn"
[ -x /usr/bin/time ] || need="$need time"
command -v bc >/dev/null || need="$need bc"
if [ -n "$need" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
fi
/usr/bin/python3 bench/bench.py "$@"
# slant audit against slant classify (bench/README.md): on the real articles, where the
# audit's fixed end (the final merge, the renders) weighs most, and on 250,000 records
# remixed from them, to see the throughput of a corpus of real text at scale
corpus=${CORPUS:-../shared/corpus}/real.jsonl
if [ -f "$corpus" ]; then
    bench/audit_throughput.sh "$corpus" 2 3
    remix=$(mktemp --suffix=.jsonl)
    trap 'rm -f "$remix"' EXIT
    /usr/bin/python3 bench/remix_corpus.py "$corpus" 250000 > "$remix"
    bench/audit_throughput.sh "$remix" 2 3
fi
