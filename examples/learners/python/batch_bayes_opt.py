"""Batch Bayesian optimisation over a DesignSpace.

Each call proposes a batch of designs never measured and not pending. Within a batch, and for
designs submitted but not yet measured (pending), the "kriging believer" heuristic stands in for
the missing result: the GP's own mean is taken as if it had been observed, which shrinks the
uncertainty there, so the next pick goes elsewhere instead of next to (or onto) the same design.
The model works on log titer: titer is a product of strain traits, so effects add in log space.
"""
import numpy as np

from acquisition import expected_improvement, upper_confidence_bound
from gaussian_process import GaussianProcess


class BatchBayesOpt:
    name = "GP-BO"

    def __init__(self, space, seed=0, acquisition="ei", xi=0.01, beta=2.0, initial_random=None):
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.acquisition = acquisition
        self.xi = xi
        self.beta = beta
        self.initial_random = initial_random  # None: the first batch is random, the rest model-based
        self.candidates = space.all_indices()
        self.gp = GaussianProcess(len(space.sizes), self.rng)

    def propose(self, batch_size, observed, pending=()):
        """observed: {design key: titer}; pending: design keys submitted, result not yet in."""
        taken = set(observed) | set(pending)
        free = np.array([c for c in self.candidates if self.space.key(c) not in taken])
        if len(free) == 0:
            return []
        batch_size = min(batch_size, len(free))
        minimum = self.initial_random if self.initial_random is not None else 3
        if len(observed) < minimum:
            picks = self.rng.choice(len(free), size=batch_size, replace=False)
            return [self.space.key(free[i]) for i in picks]

        x = [np.array(k) for k in observed]
        y = [np.log(max(v, 1e-6)) for v in observed.values()]
        self.gp.fit(x, y, optimise=True)
        best = max(y)
        for k in pending:  # believe the model about designs still in the lab
            mu, _ = self.gp.predict(np.array([k]))
            x.append(np.array(k))
            y.append(float(mu[0]))
        if pending:
            self.gp.fit(x, y, optimise=False)

        chosen = []
        available = np.ones(len(free), dtype=bool)
        for _ in range(batch_size):
            mu, sigma = self.gp.predict(free)
            if self.acquisition == "ucb":
                score = upper_confidence_bound(mu, sigma, self.beta)
            else:
                score = expected_improvement(mu, sigma, best, self.xi)
            score[~available] = -np.inf
            i = int(np.argmax(score))
            available[i] = False
            chosen.append(self.space.key(free[i]))
            x.append(free[i])
            y.append(float(mu[i]))
            self.gp.fit(x, y, optimise=False)
        return chosen

