// 50 clients at once, each submitting (and re-sending its submission, as a retry would) and
// polling until its run is done: every run is created exactly once, none is lost.
#include "foundryd_process.hpp"

#include <map>
#include <mutex>
#include <set>

using foundry::service::testing::FoundrydProcess;
using nlohmann::json;

namespace {

constexpr int kClients = 50;

// A small protocol without max-lag windows, inline: the test is about the service (no lost or
// duplicated run), not about how the planner packs 50 tight DBTL runs.
json incubation_request(int client) {
  json protocol = {{"name", "load-test"},
                   {"version", "1.0.0"},
                   {"steps", json::array({{{"id", "incubate"},
                                            {"operation", "incubate"},
                                            {"device_type", "incubator"},
                                            {"duration", 3600 + 60 * client},
                                            {"parameters", {{"vessel", "agar_plate"}, {"temperature_c", 37}}}}})}};
  return {{"protocol", protocol}};
}

TEST(ConcurrentClients, FiftyClientsSubmittingAndPollingLoseAndDuplicateNothing) {
  FoundrydProcess foundryd;
  std::mutex mutex;
  std::map<int, std::string> run_of_client;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      try {
        auto client = foundryd.client(i % 2 ? "learner" : "staff", 20, 2);
        auto request = incubation_request(i).dump();
        auto id = "submit-" + std::to_string(i);
        auto run = json::parse(client.request("submit", request, id)).at("run_id").get<std::string>();
        // A retry (same request id): the same run.
        auto again = json::parse(client.request("submit", request, id)).at("run_id").get<std::string>();
        if (again != run) throw std::runtime_error("retry made another run: " + run + " / " + again);
        for (int poll = 0;; ++poll) {
          auto status = json::parse(client.request("status", json{{"run_id", run}, {"steps", false}}.dump()));
          if (status["state"] == "done") break;
          if (poll > 3000 || status["state"] == "failed" || status["state"] == "cancelled")
            throw std::runtime_error("run " + run + " ended " + status["state"].get<std::string>());
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::lock_guard lock(mutex);
        run_of_client[i] = run;
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        failures.push_back("client " + std::to_string(i) + ": " + e.what());
      }
    });
  }
  for (auto& t : clients) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  ASSERT_EQ(run_of_client.size(), static_cast<std::size_t>(kClients));
  std::set<std::string> distinct;
  for (const auto& [client, run] : run_of_client) distinct.insert(run);
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kClients));
  auto runs = json::parse(foundryd.client("staff").request("list")).at("runs");
  EXPECT_EQ(runs.size(), static_cast<std::size_t>(kClients));  // nothing extra
  for (const auto& r : runs) EXPECT_TRUE(distinct.count(r["run_id"].get<std::string>())) << r.dump();
}

}  // namespace
