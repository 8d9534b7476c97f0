"""The discrete space of strain designs: every combination of one level per factor.

A design is what the campaign protocol takes: {"id": ..., "promoter": ..., "rbs": ..., "gene": ...}.
Learners work on level indices (one integer per factor); the id is derived from the indices, so the
same design always has the same id and a result can be matched to its design by id alone.
"""
import itertools

import numpy as np

# The default library: Anderson promoters, Registry RBSs, enzyme variants (8 x 5 x 6 = 240 designs).
DEFAULT_FACTORS = {
    "promoter": ["J23100", "J23101", "J23102", "J23104", "J23105", "J23106", "J23110", "J23114"],
    "rbs": ["B0029", "B0030", "B0031", "B0032", "B0034"],
    "gene": ["var1", "var2", "var3", "var4", "var5", "var6"],
}


class DesignSpace:
    def __init__(self, factors=None):
        self.factors = dict(factors or DEFAULT_FACTORS)
        if not self.factors or any(len(levels) == 0 for levels in self.factors.values()):
            raise ValueError("every factor needs at least one level")
        self.names = list(self.factors)
        self.sizes = [len(self.factors[n]) for n in self.names]

    @property
    def size(self):
        return int(np.prod(self.sizes))

    def all_indices(self):
        """Every design as a row of level indices, shape (size, number of factors)."""
        return np.array(list(itertools.product(*[range(s) for s in self.sizes])), dtype=int)

    def design_id(self, idx):
        # e.g. "p3r1g5": short, unique, without '/' (the protocol names steps "<id>/cultivate").
        return "".join(f"{name[0]}{int(i)}" for name, i in zip(self.names, idx))

    def to_design(self, idx):
        design = {"id": self.design_id(idx)}
        for name, i in zip(self.names, idx):
            design[name] = self.factors[name][int(i)]
        return design

    def key(self, idx):
        return tuple(int(i) for i in idx)
