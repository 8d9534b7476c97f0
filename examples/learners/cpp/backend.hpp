// Where designs go to be built and tested. Kept narrow on purpose: a batch in, a run id out;
// a run id in, its titers out. Implementations: LocalFoundryBackend (the `foundry run` command
// and its SQLite database) and, against a running service, a foundryd backend.
#pragma once

#include "design_space.hpp"

#include <map>
#include <string>
#include <vector>

namespace foundry::learners {

class Backend {
 public:
  virtual ~Backend() = default;
  // Starts building and testing the batch; returns at once with the run's id.
  virtual std::string submit_designs(const std::vector<Design>& batch) = 0;
  // Waits for the run and returns {design id: titer in g/L}; a design whose test failed is missing.
  virtual std::map<std::string, double> wait_results(const std::string& run_id) = 0;
};

}  // namespace foundry::learners
