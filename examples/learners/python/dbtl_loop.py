#!/usr/bin/python3
"""Run DBTL campaigns with the GP learner and the random baseline on fresh landscapes.

Each landscape seed gets its own workcell copy (every simulator's landscape_seed set), so the
titers come from a landscape the learner was not tuned on (it was tuned on seed 42). Both learners
get the same budget (cycles x batch). Prints the best titer per cycle side by side.

  /usr/bin/python3 examples/learners/python/dbtl_loop.py --foundry build/default/bin/foundry \
      --seeds 7,1234,2026 --cycles 6 --batch 8
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from batch_bayes_opt import BatchBayesOpt  # noqa: E402
from campaign import run_campaign  # noqa: E402
from design_space import DesignSpace  # noqa: E402
from local_backend import LocalFoundryBackend  # noqa: E402
from random_designs import RandomDesigns  # noqa: E402
from workcell import write_seeded_workcell  # noqa: E402

SOURCE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def make_backend(args, workcell, db, campaign):
    if args.backend == "foundryd":
        from foundryd_backend import FoundrydBackend
        protocol = os.path.splitext(os.path.basename(args.protocol))[0]  # foundryd knows protocols by name
        return FoundrydBackend.connect(args.ready_file, args.key, protocol=protocol, extra_params=args.param,
                                       campaign=campaign)
    return LocalFoundryBackend(args.foundry, args.protocol, workcell, db, extra_params=args.param)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--foundry", default=os.environ.get("FOUNDRY", "foundry"), help="the foundry command")
    ap.add_argument("--workcell", default=os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"))
    ap.add_argument("--protocol", default=os.path.join(SOURCE, "protocols/dbtl-campaign.json"))
    ap.add_argument("--param", action="append", default=[], help="extra protocol parameter NAME=VALUE")
    ap.add_argument("--seeds", default="7,1234,2026", help="landscape seeds (comma-separated)")
    ap.add_argument("--cycles", type=int, default=6)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--in-flight", type=int, default=1, help="batches in the lab at once")
    ap.add_argument("--learners", default="gp,random")
    ap.add_argument("--acquisition", default="ei", choices=["ei", "ucb"])
    ap.add_argument("--xi", type=float, default=0.01, help="EI exploration margin (log titer)")
    ap.add_argument("--beta", type=float, default=2.0, help="UCB exploration weight")
    ap.add_argument("--learner-seed", type=int, default=1)
    ap.add_argument("--backend", default="local", choices=["local", "foundryd"])
    ap.add_argument("--ready-file", help="foundryd backend: the file foundryd --ready-file wrote (endpoints, server key)")
    ap.add_argument("--key", help="foundryd backend: our key pair file (role learner or staff)")
    ap.add_argument("--dir", help="where workcells and databases go (default: a temporary folder)")
    ap.add_argument("--json", help="write every campaign's history to this file")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)

    space = DesignSpace()
    if args.backend == "foundryd":
        if not (args.ready_file and args.key):
            ap.error("the foundryd backend needs --ready-file and --key")
        args.seeds = "foundryd"  # the landscape is the one foundryd's workcell has
    seeds = [s if args.backend == "foundryd" else int(s) for s in args.seeds.split(",")]
    learners = args.learners.split(",")
    # Scratch databases go to memory when possible: the store fsyncs every commit (docs/database.md).
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = args.dir or tempfile.mkdtemp(prefix="dbtl-loop-", dir=scratch)
    os.makedirs(work, exist_ok=True)
    log = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    results = {}
    for seed in seeds:
        workcell = None if args.backend == "foundryd" else write_seeded_workcell(args.workcell, seed, work)
        for name in learners:
            if name == "gp":
                learner = BatchBayesOpt(space, seed=args.learner_seed, acquisition=args.acquisition,
                                        xi=args.xi, beta=args.beta)
            elif name == "random":
                learner = RandomDesigns(space, seed=args.learner_seed)
            else:
                ap.error(f"unknown learner '{name}' (known: gp, random)")
            db = os.path.join(work, f"seed{seed}-{name}.db")
            if os.path.exists(db):
                os.remove(db)
            if log:
                log(f"seed {seed}, {learner.name}: {args.cycles} cycles of {args.batch} designs ({space.size} possible)")
            campaign = f"{name}-{args.learner_seed}-{os.getpid()}-{int(time.time())}"
            results[(seed, name)] = run_campaign(learner, make_backend(args, workcell, db, campaign), space,
                                                 args.cycles, args.batch, args.in_flight, log)

    print(f"best titer (g/L) per cycle; {args.batch} designs per cycle, {space.size} possible designs")
    for seed in seeds:
        print(f"\nlandscape seed {seed}" if args.backend == "local" else "\nlandscape of foundryd's workcell")
        print("cycle  " + "".join(f"{n:>10s}" for n in learners))
        for c in range(args.cycles):
            row = "".join(f"{results[(seed, n)]['history'][c]['best']:10.3f}" for n in learners)
            print(f"{c + 1:5d}  {row}")
    if len(seeds) > 1:
        print(f"\nmean over seeds {args.seeds}")
        for c in range(args.cycles):
            row = "".join(f"{sum(results[(s, n)]['history'][c]['best'] for s in seeds) / len(seeds):10.3f}"
                          for n in learners)
            print(f"{c + 1:5d}  {row}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"seed": s, "learner": n, **{k: v for k, v in r.items() if k != "observed"}}
                       for (s, n), r in results.items()], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
