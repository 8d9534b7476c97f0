// Runs each batch with `foundry run <protocol> --param designs=[...] --db <db>` in the background
// and reads the titers of its cultivations from the database (steps "<id>/cultivate",
// measurement "titer"). Runs of one backend share one database, so they go one at a time.
#pragma once

#include "backend.hpp"

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace foundry::learners {

struct LocalBackendOptions {
  std::string foundry;                  // the foundry command
  std::string protocol;                 // protocols/dbtl-campaign.json
  std::string workcell;                 // a workcell file (its landscape seed decides the titers)
  std::string db;                       // SQLite file for every run
  std::vector<std::string> parameters;  // extra NAME=VALUE protocol parameters
  double planner_time_limit_s = 0.1;
  // Wall clock: a virtual-time run takes seconds; one that hangs is killed and reported.
  double timeout_s = 120;
};

class LocalFoundryBackend final : public Backend {
 public:
  explicit LocalFoundryBackend(LocalBackendOptions options) : options_(std::move(options)) {}
  ~LocalFoundryBackend() override;
  LocalFoundryBackend(const LocalFoundryBackend&) = delete;
  LocalFoundryBackend& operator=(const LocalFoundryBackend&) = delete;

  std::string submit_designs(const std::vector<Design>& batch) override;
  std::map<std::string, double> wait_results(const std::string& ticket) override;

 private:
  struct Running {
    pid_t pid;
    std::string output_file;
    std::vector<std::string> ids;
  };
  struct Finished {
    std::string run_id;
    std::vector<std::string> ids;
  };
  void finish(std::string ticket);  // by value: callers pass keys of running_, which it erases

  LocalBackendOptions options_;
  int tickets_ = 0;
  std::map<std::string, Running> running_;
  std::map<std::string, Finished> finished_;
};

}  // namespace foundry::learners
