"""Acquisition functions: how much a candidate's posterior promises (maximisation)."""
import math

import numpy as np

_SQRT2 = math.sqrt(2.0)


def _norm_cdf(z):
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / _SQRT2))


def _norm_pdf(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def expected_improvement(mu, sigma, best, xi=0.0):
    sigma = np.maximum(sigma, 1e-12)
    z = (mu - best - xi) / sigma
    return (mu - best - xi) * _norm_cdf(z) + sigma * _norm_pdf(z)


def upper_confidence_bound(mu, sigma, beta=2.0):
    return mu + math.sqrt(beta) * sigma
