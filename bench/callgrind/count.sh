#!/usr/bin/env bash
# Instructions an item of one workload script, counted by valgrind's callgrind.
#
#   bench/callgrind/count.sh SCRIPT N [ARGS...]
#
# Runs "python SCRIPT 0 ARGS..." and "python SCRIPT N ARGS..." under callgrind and prints
# (instructions of the N run - instructions of the 0 run) / N: what the loop costs an item,
# without the interpreter start, imports and setup both runs share. Counts repeat to within
# ~1 % from run to run, unlike wall-clock time on a shared machine. PYTHON picks the
# interpreter (default: python3); the callgrind outputs stay in $OUT (default: a temp dir) for
# callgrind_annotate.
set -euo pipefail
script=$1; n=$2; shift 2
python=${PYTHON:-python3}
out=${OUT:-$(mktemp -d)}
count() {
  local k=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.$k" "$python" "$script" "$k" "$@" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count 0 "$@")
loop=$(count "$n" "$@")
"$python" -c "print(round(($loop - $base) / $n))"
