"""A Gaussian process over categorical designs, in numpy only.

Kernel: k(x, x') = exp(-sum_f theta_f * [x_f != x'_f]) (the exponential Hamming kernel). It equals
an ARD squared-exponential kernel on one-hot codes, and being a product over factors it holds
main effects and every interaction; theta_f says how much changing factor f changes the outcome.
Targets are standardised, so the signal variance is 1 and only theta and the noise are fitted, by
maximising the log marginal likelihood over random candidates (cheap for the tens of points a
campaign has, and it never fails the way a gradient optimiser on a flat likelihood can).
"""
import numpy as np


def hamming_kernel(a, b, theta):
    # a: (n, F), b: (m, F) level indices; result (n, m).
    mismatch = (a[:, None, :] != b[None, :, :]).astype(float)
    return np.exp(-mismatch @ theta)


class GaussianProcess:
    def __init__(self, n_factors, rng, theta_range=(0.05, 3.0), noise_range=(1e-3, 0.3), candidates=64):
        self.n_factors = n_factors
        self.rng = rng
        self.theta_range = theta_range
        self.noise_range = noise_range
        self.candidates = candidates
        self.theta = np.full(n_factors, 0.5)
        self.noise = 0.05

    def fit(self, x, y, optimise=True):
        self.x = np.asarray(x, dtype=int)
        y = np.asarray(y, dtype=float)
        self.mean = y.mean()
        self.scale = y.std() if y.std() > 1e-12 else 1.0
        self.z = (y - self.mean) / self.scale
        if optimise and len(y) >= 3:
            self._optimise_hyperparameters()
        self._factor()
        return self

    def log_marginal_likelihood(self, theta, noise):
        k = hamming_kernel(self.x, self.x, theta) + noise * np.eye(len(self.x))
        try:
            chol = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            return -np.inf
        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, self.z))
        return -0.5 * self.z @ alpha - np.log(np.diag(chol)).sum() - 0.5 * len(self.z) * np.log(2 * np.pi)

    def _optimise_hyperparameters(self):
        lo, hi = np.log(self.theta_range)
        nlo, nhi = np.log(self.noise_range)
        best = (self.log_marginal_likelihood(self.theta, self.noise), self.theta, self.noise)
        for _ in range(self.candidates):
            theta = np.exp(self.rng.uniform(lo, hi, self.n_factors))
            noise = float(np.exp(self.rng.uniform(nlo, nhi)))
            lml = self.log_marginal_likelihood(theta, noise)
            if lml > best[0]:
                best = (lml, theta, noise)
        _, self.theta, self.noise = best

    def _factor(self):
        k = hamming_kernel(self.x, self.x, self.theta) + self.noise * np.eye(len(self.x))
        self.chol = np.linalg.cholesky(k)
        self.alpha = np.linalg.solve(self.chol.T, np.linalg.solve(self.chol, self.z))

    def predict(self, x):
        """Posterior mean and standard deviation of the (noise-free) outcome, in target units."""
        ks = hamming_kernel(np.asarray(x, dtype=int), self.x, self.theta)
        mu = ks @ self.alpha
        v = np.linalg.solve(self.chol, ks.T)
        var = np.clip(1.0 - (v * v).sum(axis=0), 1e-12, None)
        return self.mean + self.scale * mu, self.scale * np.sqrt(var)
