#include "campaign.hpp"

#include <deque>

namespace foundry::learners {

CampaignResult run_campaign(Learner& learner, Backend& backend, const DesignSpace& space, int cycles,
                            std::size_t batch_size, int in_flight, const std::function<void(const CycleResult&)>& on_cycle) {
  std::map<Levels, double> observed;
  std::deque<std::pair<std::string, std::vector<Levels>>> in_lab;  // oldest first
  CampaignResult result;
  int submitted = 0;
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    while (submitted < cycles && static_cast<int>(in_lab.size()) < std::max(1, in_flight)) {
      std::vector<Levels> pending;
      for (const auto& [run, designs] : in_lab) pending.insert(pending.end(), designs.begin(), designs.end());
      std::vector<Levels> batch = learner.propose(batch_size, observed, pending);
      std::vector<Design> designs;
      for (const auto& d : batch) {
        designs.push_back(space.design(d));
        result.proposed.push_back(space.id(d));
      }
      in_lab.emplace_back(backend.submit_designs(designs), std::move(batch));
      ++submitted;
    }
    auto [run, batch] = std::move(in_lab.front());
    in_lab.pop_front();
    const auto titers = backend.wait_results(run);
    CycleResult c{cycle, run, {}, std::nullopt, 0, ""};
    for (const auto& d : batch) {
      c.batch.push_back(space.id(d));
      if (auto t = titers.find(space.id(d)); t != titers.end()) {
        observed[d] = t->second;
        c.batch_best = std::max(c.batch_best.value_or(t->second), t->second);
      }
    }
    for (const auto& [d, titer] : observed) {
      if (c.best_design.empty() || titer > c.best) {
        c.best = titer;
        c.best_design = space.id(d);
      }
    }
    if (on_cycle) on_cycle(c);
    result.cycles.push_back(std::move(c));
  }
  return result;
}

}  // namespace foundry::learners
