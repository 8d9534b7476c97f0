#!/usr/bin/env bash
# Quick start (2): set up, build, and run every test.
#   scripts/test.sh          the normal build (warnings are errors), all tests
#   scripts/test.sh --asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths in ccache keys: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
preset=ci
if [ "${1:-}" = "--asan" ]; then preset=asan; shift; fi
# A build and test run of one preset needs several GB (the ASan build about 9); a full disk makes
# compilers and installs fail with messages that do not say so.
free_mib() { df -Pm . | awk 'NR == 2 {print $4}'; }
echo "test.sh: $(free_mib) MiB free on the disk of $PWD"
if [ "$(free_mib)" -lt 10240 ]; then echo "test.sh: warning: less than 10 GiB free; the build or tests may fail" >&2; fi
scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
status=0
ctest --preset "$preset" -j2 "$@" || status=$?
if [ "$status" -ne 0 ]; then
  # ctest's own output interleaves parallel tests; repeat each failure's end in one place.
  # The output is taken from that run's log, not from a second run that might pass.
  log="build/$preset/Testing/Temporary/LastTest.log"
  failed="build/$preset/Testing/Temporary/LastTestsFailed.log"
  echo "test.sh: ctest failed (exit $status); $(free_mib) MiB free now" >&2
  if [ -f "$failed" ] && [ -f "$log" ]; then
    while IFS=: read -r number name; do
      echo "---- failed: #$number $name (its last 40 lines of output) ----" >&2
      awk -v want="$name" '
        $0 ~ /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); inside = ($0 == want); next }
        inside && /^<end of output>$/ { inside = 0 }
        inside' "$log" | tail -n 40 >&2
    done < "$failed"
  fi
fi
exit "$status"
