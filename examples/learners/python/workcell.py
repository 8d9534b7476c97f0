"""A copy of a workcell with another landscape seed: a titer landscape the learner never saw."""
import json
import os


def write_seeded_workcell(source, seed, directory):
    with open(source) as f:
        workcell = json.load(f)
    for device in workcell.get("devices", []):
        # Every simulator accepts landscape_seed; give it to all so they describe the same strains.
        device.setdefault("driver", {}).setdefault("settings", {})["landscape_seed"] = int(seed)
    path = os.path.join(directory, f"workcell-seed{seed}.json")
    with open(path, "w") as f:
        json.dump(workcell, f, indent=1)
    return path
