// The same simulated driver gives the same results in-process and through a driver host in
// virtual time: outcomes, results (time series and noise included), progress, and the virtual
// times of every event. Forwarded timers keep the engine's clock the only clock.
#include "isolation_support.hpp"
#include "build_paths.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace foundry;
using nlohmann::json;

namespace {

using Trace = std::vector<std::string>;
using SessionFactory = std::function<std::unique_ptr<engine::DriverSession>(engine::Clock&)>;

std::filesystem::path sim_driver(const std::string& name) {
  return std::filesystem::path(foundry::testing::driver_dir()) / (name + ".so");
}

// Records every event with its virtual time, in the order the engine saw them.
struct Recorder {
  engine::Clock& clock;
  Trace trace;

  void execute(engine::DriverSession& session, const std::string& id, const std::string& operation, const json& params,
               int unit, std::function<void()> then = nullptr) {
    trace.push_back(at() + " start " + id);
    session.execute(
        {id, "run/" + id + "/1", operation, params.dump(), unit},
        [this, id](double fraction, double remaining) {
          std::ostringstream line;
          line << at() << " progress " << id << " " << fraction << " " << remaining;
          trace.push_back(line.str());
        },
        [this, id, then](const engine::CommandOutcome& o) {
          trace.push_back(at() + " end " + id + " ok=" + std::to_string(o.ok) + " kind=" + std::to_string(o.error_kind) +
                          " " + (o.ok ? o.result_json : o.message));
          if (then) then();
        });
  }
  std::string at() const {
    std::ostringstream t;
    t.precision(17);
    t << "t=" << clock.now();
    return t.str();
  }
};

Trace bioreactor_campaign(const SessionFactory& make) {
  auto clock = engine::make_virtual_clock(1.7e9);
  auto session = make(*clock);
  Recorder r{*clock, {}};
  auto design = [](const std::string& id, const std::string& promoter) {
    return json{{"id", id}, {"promoter", promoter}, {"rbs", "B0034"}, {"gene", "crtE"}};
  };
  // Two vessels at once, a third cancelled an hour in, a fourth chained onto the first's end.
  r.execute(*session, "c1", "cultivate", {{"design", design("d01", "J23100")}, {"duration_s", 48 * 3600.0}}, 0, [&] {
    r.execute(*session, "c4", "cultivate", {{"design", design("d04", "pTrc")}, {"duration_s", 24 * 3600.0}}, 0);
  });
  r.execute(*session, "c2", "cultivate", {{"design", design("d02", "J23106")}, {"duration_s", 36 * 3600.0}}, 3);
  r.execute(*session, "c3", "cultivate", {{"design", design("d03", "pBAD")}, {"duration_s", 48 * 3600.0}}, 5);
  clock->call_after(3600, [&] { r.trace.push_back(r.at() + " cancel c3 -> " + std::to_string(session->cancel("c3"))); });
  r.execute(*session, "bad", "cultivate", {{"duration_s", 10.0}}, 1);  // no design: refused
  test::run_with_deadline(*clock);
  r.trace.push_back("state c1 " + session->command_state("c1"));
  r.trace.push_back("state c3 " + session->command_state("c3"));
  return r.trace;
}

Trace test_driver_campaign(const SessionFactory& make) {
  auto clock = engine::make_virtual_clock(0.0);
  auto session = make(*clock);
  Recorder r{*clock, {}};
  r.execute(*session, "w1", "work", {{"duration_s", 30.0}}, 0);
  r.execute(*session, "s1", "slow", {{"duration_s", 10.0}, {"factor", 3.0}}, 1, [&] {
    r.execute(*session, "w2", "work", {{"duration_s", 0.0}}, 1);
  });
  r.execute(*session, "f1", "fail", json::object(), 0);
  r.execute(*session, "r1", "reject", json::object(), 0);
  test::run_with_deadline(*clock);
  return r.trace;
}

SessionFactory in_process(const std::filesystem::path& plugin, const std::string& model, const std::string& settings) {
  auto library = engine::PluginLibrary::load(plugin);
  return [library, model, settings](engine::Clock& clock) {
    return std::make_unique<engine::DriverSession>(library, model, settings, clock);
  };
}

SessionFactory in_host(const std::filesystem::path& plugin, const std::string& model, const std::string& settings) {
  return [plugin, model, settings](engine::Clock& clock) {
    return std::make_unique<engine::DriverSession>(test::quick_host(plugin), model, settings, clock);
  };
}

}  // namespace

TEST(DriverHostEquivalence, BioreactorGivesTheSameCampaignInProcessAndInAHost) {
  const auto plugin = sim_driver("foundry_sim_bioreactor");
  const std::string settings = R"({"landscape_seed": 7})";
  Trace local = bioreactor_campaign(in_process(plugin, "sim-br-24x250ml", settings));
  Trace hosted = bioreactor_campaign(in_host(plugin, "sim-br-24x250ml", settings));
  ASSERT_GE(local.size(), 12u);
  EXPECT_NE(local.back().find("\"failed\""), std::string::npos) << "c3 was cancelled: " << local.back();
  EXPECT_EQ(local, hosted);
}

TEST(DriverHostEquivalence, TestDriverGivesTheSameTraceInProcessAndInAHost) {
  const auto plugin = test::engine_test_plugin("foundry_test_driver");
  Trace local = test_driver_campaign(in_process(plugin, "bench-device", "{}"));
  Trace hosted = test_driver_campaign(in_host(plugin, "bench-device", "{}"));
  ASSERT_GE(local.size(), 10u);
  EXPECT_EQ(local, hosted);
}
