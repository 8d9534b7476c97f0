// A Gaussian process over categorical designs with one length scale: k(x, x') = exp(-theta * h)
// with h the number of factors in which x and x' differ (the exponential Hamming kernel, a
// squared-exponential kernel on one-hot codes with one shared length scale). Simpler than the
// Python learner's per-factor scales, enough to learn which neighbourhoods of the space are good.
// Targets are standardised; theta and the noise are chosen on a grid by marginal likelihood.
#pragma once

#include "cholesky.hpp"
#include "design_space.hpp"

#include <vector>

namespace foundry::learners {

struct Prediction {
  double mean;
  double sd;  // of the noise-free outcome
};

class GaussianProcess {
 public:
  // Fits with the given hyperparameters; false when the kernel matrix is not positive definite.
  bool fit(const std::vector<Levels>& x, const std::vector<double>& y, double theta, double noise);
  // Tries every (theta, noise) of a small grid and keeps the most likely. Needs at least one point.
  void fit_by_likelihood(const std::vector<Levels>& x, const std::vector<double>& y);
  // Refits to more points with the hyperparameters already chosen (the kriging believer's step).
  void refit(const std::vector<Levels>& x, const std::vector<double>& y) { fit(x, y, theta_, noise_); }

  double log_marginal_likelihood() const { return lml_; }
  double theta() const { return theta_; }
  double noise() const { return noise_; }
  Prediction predict(const Levels& x) const;

 private:
  double kernel(const Levels& a, const Levels& b) const;

  std::vector<Levels> x_;
  double mean_ = 0, scale_ = 1, theta_ = 0.5, noise_ = 0.05, lml_ = 0;
  Matrix chol_{0};
  std::vector<double> alpha_;
};

}  // namespace foundry::learners
