#include "gaussian_process.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace foundry::learners {

double GaussianProcess::kernel(const Levels& a, const Levels& b) const {
  int differing = 0;
  for (std::size_t f = 0; f < a.size(); ++f) differing += a[f] != b[f] ? 1 : 0;
  return std::exp(-theta_ * differing);
}

bool GaussianProcess::fit(const std::vector<Levels>& x, const std::vector<double>& y, double theta, double noise) {
  if (x.empty() || x.size() != y.size()) throw std::invalid_argument("GaussianProcess::fit: need as many targets as points, at least one");
  x_ = x;
  theta_ = theta;
  noise_ = noise;
  double sum = 0, sq = 0;
  for (double v : y) sum += v;
  mean_ = sum / static_cast<double>(y.size());
  for (double v : y) sq += (v - mean_) * (v - mean_);
  const double sd = std::sqrt(sq / static_cast<double>(y.size()));
  scale_ = sd > 1e-12 ? sd : 1.0;

  const std::size_t n = x.size();
  Matrix k(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) k(i, j) = kernel(x[i], x[j]) + (i == j ? noise : 0.0);
  }
  auto l = cholesky(k);
  if (!l) {
    lml_ = -std::numeric_limits<double>::infinity();
    return false;
  }
  chol_ = *l;
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = (y[i] - mean_) / scale_;
  alpha_ = solve_upper_transposed(chol_, solve_lower(chol_, z));
  lml_ = 0;
  for (std::size_t i = 0; i < n; ++i) lml_ += -0.5 * z[i] * alpha_[i] - std::log(chol_(i, i));
  lml_ -= 0.5 * static_cast<double>(n) * std::log(2 * std::numbers::pi);
  return true;
}

void GaussianProcess::fit_by_likelihood(const std::vector<Levels>& x, const std::vector<double>& y) {
  double best = -std::numeric_limits<double>::infinity(), best_theta = 0.5, best_noise = 0.05;
  for (double theta : {0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5}) {
    for (double noise : {0.005, 0.02, 0.05, 0.1, 0.2, 0.4}) {
      if (fit(x, y, theta, noise) && lml_ > best) {
        best = lml_;
        best_theta = theta;
        best_noise = noise;
      }
    }
  }
  fit(x, y, best_theta, best_noise);
}

Prediction GaussianProcess::predict(const Levels& x) const {
  std::vector<double> ks(x_.size());
  double mu = 0;
  for (std::size_t i = 0; i < x_.size(); ++i) {
    ks[i] = kernel(x, x_[i]);
    mu += ks[i] * alpha_[i];
  }
  const std::vector<double> v = solve_lower(chol_, ks);
  double var = 1.0;
  for (double e : v) var -= e * e;
  return {mean_ + scale_ * mu, scale_ * std::sqrt(std::max(var, 1e-12))};
}

}  // namespace foundry::learners
