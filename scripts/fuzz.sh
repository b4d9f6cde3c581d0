#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for FUZZTIME each (make fuzz,
# make fuzz-short). A real failure (a crasher written to testdata/fuzz) stops
# the run. A run that fails only with the fuzzing engine's own "context
# deadline exceeded" (the deadline hit while it was minimising a new input,
# which short runs make likely) is tried again (up to three runs) before it counts.
set -uo pipefail
fuzztime=${1:-60s}
go=${GO:-go}
status=0
while read -r f; do
  dir=$(dirname "$f")
  for fz in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$f"); do
    for attempt in 1 2 3; do
      echo "== fuzz $dir $fz ($fuzztime)"
      out=$($go test -run '^$' -fuzz "^${fz}\$" -fuzztime "$fuzztime" "./$dir" 2>&1)
      rc=$?
      echo "$out" | tail -3
      if [ $rc -eq 0 ]; then break; fi
      if [ $attempt -lt 3 ] && echo "$out" | grep -q "context deadline exceeded" && ! echo "$out" | grep -q "Failing input"; then
        echo "   (engine deadline, not a crasher: trying again)"
        continue
      fi
      echo "$out"
      status=1
      break
    done
    [ $status -eq 0 ] || exit $status
  done
done < <(grep -rl --include='*_test.go' --exclude-dir=node_modules '^func Fuzz' . | sort)
exit $status
