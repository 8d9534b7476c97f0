#!/usr/bin/env bash
# Quick start (1): set up, build, and run the demo campaign in virtual time with `foundry demo`:
#   foundryd hosts the full simulated foundry (a titer landscape the learner was never tuned on,
#   and one injected fault: lh1 fails its 2nd sampling command; the protocol's policy retries it);
#   the cell-culture station keeps a culture alive alongside (medium every ~24 h in hard windows,
#   passages, harvest; the robot arm brings and takes its flask); a Bayesian-optimisation learner
#   runs DBTL cycles through foundryd's ZeroMQ API (the arm carries the PCR and reading plates),
#   its best designs are grown again at 1 L, a random baseline gets the same budget; then the
#   campaign report. Everything lands in build/demo/.
#   scripts/demo.sh [--cycles N] [--batch N] [--seed S]   (any `foundry demo` option; see --help)
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths in ccache keys: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target foundry foundryd foundry_drivers
exec build/default/bin/foundry demo --out build/demo "$@"
