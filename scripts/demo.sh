#!/usr/bin/env bash
# Quick start (1): set up, build, and run the demo: the DBTL build-and-test protocol on the
# simulated foundry, in virtual time.
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths in ccache keys: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target foundry foundry_drivers
mkdir -p build/demo
rm -f build/demo/dbtl-demo.db*
exec build/default/bin/foundry run protocols/dbtl-build-test.json \
  --workcell protocols/workcells/sim-foundry.json --db build/demo/dbtl-demo.db "$@"
