#include "random_designs.hpp"

#include <algorithm>
#include <set>

namespace foundry::learners {

std::vector<Levels> free_designs(const DesignSpace& space, const std::map<Levels, double>& observed,
                                 const std::vector<Levels>& pending) {
  const std::set<Levels> taken(pending.begin(), pending.end());
  std::vector<Levels> out;
  for (auto& d : space.all()) {
    if (!observed.contains(d) && !taken.contains(d)) out.push_back(std::move(d));
  }
  return out;
}

std::vector<Levels> RandomDesigns::propose(std::size_t batch_size, const std::map<Levels, double>& observed,
                                           const std::vector<Levels>& pending) {
  std::vector<Levels> free = free_designs(space_, observed, pending);
  std::shuffle(free.begin(), free.end(), rng_);
  free.resize(std::min(batch_size, free.size()));
  return free;
}

}  // namespace foundry::learners
