"""The DBTL loop: the learner designs a batch, the foundry builds and tests it, the learner learns.

With in_flight > 1 the next batch is designed while earlier ones are still in the lab (their
designs are pending), as a busy foundry would run a campaign; the learner must not propose them again.
"""


def run_campaign(learner, backend, space, cycles, batch_size, in_flight=1, log=None, on_cycle=None):
    """on_cycle(entry), if given, sees each cycle's history entry as soon as it is complete."""
    observed = {}   # design key -> titer
    pending = {}    # ticket -> list of keys
    proposed = []   # every key ever proposed, in order (to check nothing is proposed twice)
    history = []

    def submit():
        keys = learner.propose(batch_size, observed, [k for ks in pending.values() for k in ks])
        proposed.extend(keys)
        ticket = backend.submit_designs([space.to_design(k) for k in keys])
        pending[ticket] = keys

    submitted = 0
    for cycle in range(1, cycles + 1):
        while submitted < cycles and len(pending) < in_flight:
            submit()
            submitted += 1
        ticket = next(iter(pending))  # oldest batch first
        keys = pending.pop(ticket)
        results = backend.wait_results(ticket)
        by_id = {space.design_id(k): k for k in keys}
        for design_id, titer in results.items():
            observed[by_id[design_id]] = titer
        best_key = max(observed, key=observed.get) if observed else None
        entry = {"cycle": cycle, "run": ticket, "batch": [space.design_id(k) for k in keys],
                 "batch_best": max(results.values()) if results else None,
                 "best": observed[best_key] if best_key else None,
                 "best_design": space.to_design(best_key) if best_key else None}
        history.append(entry)
        if on_cycle:
            on_cycle(entry)
        if log:
            log(f"  {learner.name:7s} cycle {cycle}: batch best {entry['batch_best']:.3f} g/L, "
                f"best so far {entry['best']:.3f} g/L ({entry['best_design']['id']})")
    return {"history": history, "proposed": [space.design_id(k) for k in proposed], "observed": observed}
