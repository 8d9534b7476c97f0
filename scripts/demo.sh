#!/usr/bin/env bash
# Quick start (1): set up, build, and run the demo campaign in virtual time:
#   foundryd hosts the simulated foundry (a landscape the learner was never tuned on, and one
#   injected fault: lh1 fails its 2nd sampling command; the protocol's policy retries it), a
#   Bayesian-optimisation learner and a random baseline run 5 DBTL cycles each through
#   foundryd's ZeroMQ API (CURVE-authenticated learner key), and `foundry report` writes the
#   campaign report. Everything lands in build/demo/.
#   scripts/demo.sh [--cycles N] [--batch N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths in ccache keys: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

cycles=5 batch=8 seed=7
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--cycles N] [--batch N] [--seed S]" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target foundry foundryd foundry_drivers
bin=build/default/bin
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo"

# The simulated foundry on landscape $seed, with one injected fault.
/usr/bin/python3 - "$seed" "$demo/workcell.json" <<'EOF'
import json, sys
seed, out = int(sys.argv[1]), sys.argv[2]
workcell = json.load(open("protocols/workcells/sim-foundry.json"))
for device in workcell["devices"]:
    settings = device["driver"].setdefault("settings", {})
    if "landscape_seed" in settings:
        settings["landscape_seed"] = seed
    if device["id"] == "lh1":
        settings["faults"] = [{"operation": "sample", "on_command": 2, "kind": "execution",
                               "message": "clot_detected: the demo's injected fault"}]
json.dump(workcell, open(out, "w"), indent=1)
EOF

echo "== starting foundryd (virtual time, loopback, CURVE) =="
"$bin/foundryd" --workcell "$demo/workcell.json" --db "$demo/campaign.db" --virtual-time \
  --protocols protocols --bind tcp://127.0.0.1:0 --stream-bind tcp://127.0.0.1:0 \
  --ready-file "$demo/ready.json" >"$demo/foundryd.log" 2>&1 &
foundryd_pid=$!
trap 'kill -TERM $foundryd_pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  [ -s "$demo/ready.json" ] && break
  kill -0 $foundryd_pid 2>/dev/null || { cat "$demo/foundryd.log" >&2; exit 1; }
  sleep 0.05
done
"$bin/foundry" keys generate learner --dir "$demo/campaign.db.keys" --allow learner >/dev/null

echo "== $cycles DBTL cycles x $batch designs: GP learner vs random baseline, through foundryd =="
/usr/bin/python3 examples/learners/python/dbtl_loop.py --backend foundryd --ready-file "$demo/ready.json" \
  --key "$demo/campaign.db.keys/learner.secret" --seeds "$seed" --cycles "$cycles" --batch "$batch" \
  --learners gp,random

kill -TERM $foundryd_pid && wait $foundryd_pid || true
trap - EXIT

echo "== the injected fault and its recovery =="
sqlite3 "$demo/campaign.db" "SELECT run_id || '/' || step_id || ': ' || kind || ' ' || detail_json FROM events
  WHERE kind IN ('step_attempt_failed','step_requeued','step_failed','step_held') LIMIT 6" 2>/dev/null || true
"$bin/foundry" report --db "$demo/campaign.db" --workcell "$demo/workcell.json" --out "$demo/report.html"
echo "report: $demo/report.html   database: $demo/campaign.db   service log: $demo/foundryd.log"
