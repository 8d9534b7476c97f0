#!/usr/bin/python3
"""Measures every design of the space once on a landscape seed (batches of 12): the best titer a
campaign could find there, and the rank of any titer. For the README's table; learners never see it.

  /usr/bin/python3 examples/learners/python/landscape_reference.py --foundry build/default/bin/foundry --seed 7
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from design_space import DesignSpace  # noqa: E402
from local_backend import LocalFoundryBackend  # noqa: E402
from workcell import write_seeded_workcell  # noqa: E402

SOURCE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

ap = argparse.ArgumentParser()
ap.add_argument("--foundry", required=True)
ap.add_argument("--seed", type=int, required=True)
args = ap.parse_args()
space = DesignSpace()
work = tempfile.mkdtemp(prefix="dbtl-reference-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
workcell = write_seeded_workcell(os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"), args.seed, work)
backend = LocalFoundryBackend(args.foundry, os.path.join(SOURCE, "protocols/dbtl-campaign.json"), workcell,
                              os.path.join(work, "all.db"))
designs = [space.to_design(k) for k in space.all_indices()]
titers = {}
for i in range(0, len(designs), 12):
    titers.update(backend.wait_results(backend.submit_designs(designs[i:i + 12])))
ranked = sorted(titers.values(), reverse=True)
print(f"seed {args.seed}: {len(titers)} designs, best {ranked[0]:.3f} g/L "
      f"({max(titers, key=titers.get)}), 2nd {ranked[1]:.3f}, 10th {ranked[9]:.3f}, median {ranked[len(ranked) // 2]:.3f}")
