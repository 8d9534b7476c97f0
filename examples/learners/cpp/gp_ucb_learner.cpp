#include "gp_ucb_learner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace foundry::learners {

std::vector<Levels> GpUcbLearner::propose(std::size_t batch_size, const std::map<Levels, double>& observed,
                                          const std::vector<Levels>& pending) {
  constexpr std::size_t min_observations = 3;
  if (observed.size() < min_observations) return first_batch_.propose(batch_size, observed, pending);

  std::vector<Levels> x;
  std::vector<double> y;
  for (const auto& [design, titer] : observed) {
    x.push_back(design);
    y.push_back(std::log(std::max(titer, 1e-6)));  // titer is a product of traits: effects add in log space
  }
  gp_.fit_by_likelihood(x, y);
  for (const auto& design : pending) {
    x.push_back(design);
    y.push_back(gp_.predict(design).mean);
  }
  if (!pending.empty()) gp_.refit(x, y);

  std::vector<Levels> free = free_designs(space_, observed, pending);
  std::vector<Levels> batch;
  std::vector<bool> picked(free.size(), false);
  while (batch.size() < batch_size && batch.size() < free.size()) {
    double best = -std::numeric_limits<double>::infinity();
    std::size_t best_i = 0;
    for (std::size_t i = 0; i < free.size(); ++i) {
      if (picked[i]) continue;
      const Prediction p = gp_.predict(free[i]);
      const double score = p.mean + kappa_ * p.sd;
      if (score > best) {
        best = score;
        best_i = i;
      }
    }
    picked[best_i] = true;
    batch.push_back(free[best_i]);
    x.push_back(free[best_i]);
    y.push_back(gp_.predict(free[best_i]).mean);
    gp_.refit(x, y);
  }
  return batch;
}

}  // namespace foundry::learners
