// The DBTL loop: the learner designs a batch, the backend builds and tests it, the learner learns.
// With in_flight > 1 the next batches are designed while earlier ones are still in the lab.
#pragma once

#include "backend.hpp"
#include "learner.hpp"

#include <functional>
#include <optional>

namespace foundry::learners {

struct CycleResult {
  int cycle;
  std::string run;
  std::vector<std::string> batch;  // design ids
  std::optional<double> batch_best;
  double best = 0;                 // best titer observed so far
  std::string best_design;
};

struct CampaignResult {
  std::vector<CycleResult> cycles;
  std::vector<std::string> proposed;  // every design id proposed, in order
};

CampaignResult run_campaign(Learner& learner, Backend& backend, const DesignSpace& space, int cycles,
                            std::size_t batch_size, int in_flight = 1,
                            const std::function<void(const CycleResult&)>& on_cycle = {});

}  // namespace foundry::learners
