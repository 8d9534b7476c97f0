#!/usr/bin/python3
"""The lab side of `foundry demo`: a whole DBTL campaign against a running foundryd.

`foundry demo` starts foundryd (virtual time, the simulated foundry with one injected fault) and
runs this script, which
  1. submits the cell-culture maintenance run (protocol cell-culture-maintenance, staff key): a
     culture on cc1 fed every ~24 h and passaged, alongside everything else;
  2. runs the GP learner's DBTL cycles (protocol dbtl-campaign, learner key), closing the loop on
     the measured titers;
  3. submits the scale-up of the learner's best designs at 1 L (protocol dbtl-scale-up, br1l);
  4. runs the random baseline's cycles with the same budget, while the scale-up grows;
  5. waits for every run to end.
It reports on stdout as JSON lines for `foundry demo` to display (human notes go to stderr):
  {"event": "submitted", "run": ..., "what": ...}
  {"event": "progress", "learner": ..., "cycle": k, "cycles": n, "steps_done": ..., "steps": ...,
   "now": <clock s>, "start": <clock s>, "best": <g/L or null>}
  {"event": "cycle", "learner": ..., "cycle": k, "run": ..., "batch_best": ..., "best": ..., "best_design": ...}
  {"event": "scale_up", "run": ..., "design": ..., "titer_small": ..., "titer_1l": ...}
  {"event": "finished", "runs": {run id: state}}
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from batch_bayes_opt import BatchBayesOpt  # noqa: E402
from campaign import run_campaign  # noqa: E402
from design_space import DesignSpace  # noqa: E402
from foundryd_backend import ENDED, FoundrydBackend  # noqa: E402
from random_designs import RandomDesigns  # noqa: E402


def emit(**fields):
    print(json.dumps(fields), flush=True)


class LabWatch:
    """Counts steps done over every run and reads foundryd's clock, at most every `period` s."""

    def __init__(self, client, period=0.25):
        self.client = client
        self.period = period
        self.final = {}  # run id -> (done, total) of runs that have ended: never asked again
        self.start = client.hello()["now"]
        self.last = 0.0
        self.learner, self.cycle, self.cycles, self.best = "", 0, 0, None

    def counts(self):
        done = total = 0
        states = {}
        for run in self.client.list_runs():
            run_id = run["run_id"]
            states[run_id] = run["state"]
            if run_id not in self.final:
                c = self.client.status(run_id, steps=False)["step_counts"]
                pair = (c.get("done", 0), sum(c.values()))
                if run["state"] in ENDED:
                    self.final[run_id] = pair
            else:
                pair = self.final[run_id]
            done, total = done + pair[0], total + pair[1]
        return done, total, states

    def tick(self, force=False):
        if not force and time.monotonic() - self.last < self.period:
            return
        self.last = time.monotonic()
        done, total, _ = self.counts()
        emit(event="progress", learner=self.learner, cycle=self.cycle, cycles=self.cycles, steps_done=done,
             steps=total, now=self.client.hello()["now"], start=self.start, best=self.best)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ready-file", required=True, help="the file foundryd --ready-file wrote")
    ap.add_argument("--staff-key", required=True, help="a staff key pair file (submits the maintenance run)")
    ap.add_argument("--learner-key", required=True, help="a learner key pair file (submits the DBTL cycles)")
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--scale-up", type=int, default=2, help="best designs to scale up to 1 L (0: none)")
    ap.add_argument("--passages", type=int, default=2, help="passages of the maintained culture")
    ap.add_argument("--learner-seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120, help="wall-clock seconds to wait for one batch")
    args = ap.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    learner_backend = FoundrydBackend.connect(args.ready_file, args.learner_key, protocol="dbtl-campaign",
                                              timeout_s=args.timeout)
    staff = FoundrydBackend.connect(args.ready_file, args.staff_key).client
    watch = LabWatch(staff)
    learner_backend.on_wait = watch.tick

    maintenance = staff.submit("cell-culture-maintenance", parameters={"passages": args.passages},
                               request_id=f"demo-maintenance-{os.getpid()}")["run_id"]
    emit(event="submitted", run=maintenance, what="cell-culture maintenance on cc1")

    space = DesignSpace()
    observed_gp = {}
    scale_run = None
    for key, learner in (("gp", BatchBayesOpt(space, seed=args.learner_seed)),
                         ("random", RandomDesigns(space, seed=args.learner_seed))):
        watch.learner, watch.cycle, watch.cycles, watch.best = key, 1, args.cycles, None
        # A campaign name per learner: their request ids differ even when both propose the same batch.
        learner_backend.campaign = f"demo-{key}-{os.getpid()}"

        def on_cycle(entry, key=key):
            emit(event="cycle", learner=key, cycle=entry["cycle"], run=entry["run"],
                 batch_best=entry["batch_best"], best=entry["best"], best_design=entry["best_design"])
            watch.best = entry["best"]
            watch.cycle = min(entry["cycle"] + 1, args.cycles)
            watch.tick(force=True)

        log(f"{learner.name}: {args.cycles} cycles of {args.batch} designs ({space.size} possible)")
        result = run_campaign(learner, learner_backend, space, args.cycles, args.batch, 1, log, on_cycle)
        if key == "gp":
            observed_gp = result["observed"]
            if args.scale_up > 0:
                best = sorted(observed_gp, key=observed_gp.get, reverse=True)[:args.scale_up]
                designs = [space.to_design(k) for k in best]
                learner_backend.protocol = "dbtl-scale-up"
                scale_run = learner_backend.submit_designs(designs)
                learner_backend.protocol = "dbtl-campaign"
                emit(event="submitted", run=scale_run, what="1 L scale-up of " + ", ".join(d["id"] for d in designs))

    if scale_run:
        watch.learner, watch.cycle = "scale-up", args.cycles
        titers = learner_backend.wait_results(scale_run)
        small = {space.design_id(k): v for k, v in observed_gp.items()}
        for design, titer in sorted(titers.items()):
            emit(event="scale_up", run=scale_run, design=design, titer_small=small.get(design), titer_1l=titer)

    deadline = time.monotonic() + args.timeout
    while True:
        watch.tick()
        _, _, states = watch.counts()
        if all(s in ENDED for s in states.values()):
            break
        if time.monotonic() > deadline:
            log(f"runs still going after {args.timeout} s: {states}")
            return 1
        time.sleep(0.1)
    watch.tick(force=True)
    emit(event="finished", runs=states)
    learner_backend.close()
    staff.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
