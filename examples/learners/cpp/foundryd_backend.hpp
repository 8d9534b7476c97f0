// Sends each batch to a running foundryd (through the SDK's C++ client) and takes the titers from
// its result stream: each result once, in seq order, missed ones fetched through the API.
#pragma once

#include "backend.hpp"

#include <foundry/client/client.hpp>

#include <cstdint>
#include <memory>
#include <set>

namespace foundry::learners {

struct FoundrydBackendOptions {
  std::string ready_file;   // written by foundryd --ready-file: endpoints and server key
  std::string key_file;     // our key pair (role learner or staff)
  std::string protocol = "dbtl-campaign";
  std::string campaign;     // names the request ids: the same batch of a campaign is one run
  double timeout_s = 300;   // per run, wall clock
};

class FoundrydBackend final : public Backend {
 public:
  explicit FoundrydBackend(FoundrydBackendOptions options);
  std::string submit_designs(const std::vector<Design>& batch) override;
  std::map<std::string, double> wait_results(const std::string& run_id) override;

 private:
  void take(const std::vector<client::Result>& results);

  FoundrydBackendOptions options_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<client::ResultStream> stream_;
  std::set<std::int64_t> seen_;
  std::map<std::string, std::map<std::string, double>> titers_;  // run -> design -> titer
  std::map<std::string, std::vector<std::string>> batches_;      // run -> design ids
};

}  // namespace foundry::learners
