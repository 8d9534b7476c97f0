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
scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2 "$@"
