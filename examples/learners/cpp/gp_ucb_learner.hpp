// Batch GP-UCB: the GP (on log titer) ranks every free design by mean + kappa * sd and takes the
// best; before the next pick of the batch it believes its own mean at the picked design (kriging
// believer), which removes that design's uncertainty and so steers the next pick elsewhere.
// Designs still in the lab are believed the same way. The first batch is random.
#pragma once

#include "gaussian_process.hpp"
#include "learner.hpp"
#include "random_designs.hpp"

namespace foundry::learners {

class GpUcbLearner final : public Learner {
 public:
  GpUcbLearner(const DesignSpace& space, std::uint64_t seed, double kappa = 1.5)
      : space_(space), first_batch_(space, seed), kappa_(kappa) {}
  std::string name() const override { return "GP-UCB"; }
  std::vector<Levels> propose(std::size_t batch_size, const std::map<Levels, double>& observed,
                              const std::vector<Levels>& pending) override;

 private:
  const DesignSpace& space_;
  RandomDesigns first_batch_;
  double kappa_;
  GaussianProcess gp_;
};

}  // namespace foundry::learners
