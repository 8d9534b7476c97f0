// The baseline: designs drawn uniformly at random among those neither observed nor pending.
#pragma once

#include "learner.hpp"

#include <cstdint>
#include <random>

namespace foundry::learners {

class RandomDesigns final : public Learner {
 public:
  RandomDesigns(const DesignSpace& space, std::uint64_t seed) : space_(space), rng_(seed) {}
  std::string name() const override { return "random"; }
  std::vector<Levels> propose(std::size_t batch_size, const std::map<Levels, double>& observed,
                              const std::vector<Levels>& pending) override;

 private:
  const DesignSpace& space_;
  std::mt19937_64 rng_;
};

// The designs of `space` that are neither observed nor pending, in the space's order.
std::vector<Levels> free_designs(const DesignSpace& space, const std::map<Levels, double>& observed,
                                 const std::vector<Levels>& pending);

}  // namespace foundry::learners
