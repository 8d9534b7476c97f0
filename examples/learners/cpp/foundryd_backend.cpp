#include "foundryd_backend.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace foundry::learners {

FoundrydBackend::FoundrydBackend(FoundrydBackendOptions options) : options_(std::move(options)) {
  std::ifstream in(options_.ready_file);
  if (!in) throw std::runtime_error(options_.ready_file + ": cannot read foundryd's ready file");
  const auto ready = nlohmann::json::parse(in);
  const auto [public_key, secret_key] = client::read_key_file(options_.key_file);
  client_ = std::make_unique<client::Client>(
      client::ClientOptions{ready.at("api").get<std::string>(), ready.at("server_public_key").get<std::string>(),
                            public_key, secret_key, 5, 3});
  stream_ = std::make_unique<client::ResultStream>(*client_, ready.at("stream").get<std::string>(), 0);
}

std::string FoundrydBackend::submit_designs(const std::vector<Design>& batch) {
  const std::string designs = designs_json(batch);
  std::ostringstream rid;
  rid << options_.campaign << "-" << std::hex << std::hash<std::string>{}(designs);
  const std::string run = client_->submit(options_.protocol, R"({"designs": )" + designs + "}", rid.str());
  for (const auto& d : batch) batches_[run].push_back(d.id);
  return run;
}

void FoundrydBackend::take(const std::vector<client::Result>& results) {
  for (const auto& r : results) {
    if (!seen_.insert(r.seq).second) continue;  // fetched through the API already
    const auto slash = r.step_id.find('/');
    if (slash == std::string::npos || r.step_id.substr(slash) != "/cultivate") continue;
    for (const auto& m : r.measurements) {
      if (m.name == "titer") titers_[r.run_id][r.step_id.substr(0, slash)] = m.value;
    }
  }
}

std::map<std::string, double> FoundrydBackend::wait_results(const std::string& run_id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.timeout_s);
  const auto& expected = batches_[run_id];
  while (true) {
    take(stream_->poll(0.2));
    auto& got = titers_[run_id];
    bool all = true;
    for (const auto& id : expected) all = all && got.contains(id);
    if (all) return got;
    const auto status = nlohmann::json::parse(client_->request("status", nlohmann::json{{"run_id", run_id}, {"steps", false}}.dump()));
    const std::string state = status.value("state", "");
    if (state == "done" || state == "failed" || state == "cancelled") {
      // Results committed before the run ended but not yet on the stream: fetch them.
      bool more = true;
      std::int64_t after = stream_->last_seq();
      while (more) {
        auto page = client_->results(after, &more);
        if (page.empty()) break;
        after = page.back().seq;
        take(page);
      }
      return titers_[run_id];
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("run " + run_id + " still " + state);
  }
}

}  // namespace foundry::learners
