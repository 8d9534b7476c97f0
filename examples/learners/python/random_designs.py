"""The baseline learner."""
import numpy as np


class RandomDesigns:
    """The baseline: designs drawn uniformly at random, never one already measured or pending."""

    name = "random"

    def __init__(self, space, seed=0):
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.candidates = space.all_indices()

    def propose(self, batch_size, observed, pending=()):
        taken = set(observed) | set(pending)
        free = [c for c in self.candidates if self.space.key(c) not in taken]
        picks = self.rng.choice(len(free), size=min(batch_size, len(free)), replace=False)
        return [self.space.key(free[i]) for i in picks]
