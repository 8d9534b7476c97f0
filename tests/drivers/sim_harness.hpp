// Drives one simulated driver plugin through the engine's real loader and host wrapper
// (PluginLibrary, DriverSession) on a virtual clock, the way the executor does.
#pragma once

#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_session.hpp>
#include <foundry/engine/plugin_library.hpp>
#include <foundry/sim/schema_check.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace foundry::test {

inline std::string driver_file(const std::string& plugin) { return foundry::testing::driver_dir() + "/" + plugin + ".so"; }

struct Outcome {
  engine::CommandOutcome outcome;
  std::vector<double> progress;  // fractions reported, in order
  double started = 0;            // virtual time of execute()
  double ended = -1;             // virtual time of the completion
  nlohmann::json result() const { return nlohmann::json::parse(outcome.result_json); }
  double duration() const { return ended - started; }
  // The value of the first measurement called `name` (NaN if none).
  double measurement(const std::string& name) const {
    const nlohmann::json r = result();
    for (const auto& m : r.at("measurements"))
      if (m.at("name") == name) return m.at("value").get<double>();
    return std::nan("");
  }
};

class SimHarness {
 public:
  static constexpr double start_epoch_s = 1.7e9;

  SimHarness(const std::string& plugin, const std::string& model, const nlohmann::json& settings = nlohmann::json::object())
      : clock(engine::make_virtual_clock(start_epoch_s)),
        library(engine::PluginLibrary::load(driver_file(plugin))),
        session(std::make_unique<engine::DriverSession>(library, model, settings.dump(), *clock)) {}

  // Starts a command without running the clock; the outcome lands in `*out` once it completes.
  void start(std::shared_ptr<Outcome> out, const std::string& operation, const nlohmann::json& parameters,
             int unit = -1, const std::string& id = "") {
    const std::string command_id = id.empty() ? "cmd-" + std::to_string(++counter_) : id;
    out->started = clock->now();
    engine::Clock* c = clock.get();
    session->execute({command_id, "run/" + command_id + "/1", operation, parameters.dump(), unit},
                     [out](double fraction, double) { out->progress.push_back(fraction); },
                     [out, c](const engine::CommandOutcome& o) {
                       out->outcome = o;
                       out->ended = c->now();
                     });
  }

  // Lets `hours` pass in virtual time (cultures grow, media age) with nothing else to do.
  void wait_hours(double hours) {
    clock->call_after(hours * 3600.0, [] {});
    clock->run();
  }

  // Runs one command to its end in virtual time.
  Outcome run(const std::string& operation, const nlohmann::json& parameters, int unit = -1, const std::string& id = "") {
    auto out = std::make_shared<Outcome>();
    start(out, operation, parameters, unit, id);
    clock->run();
    EXPECT_GE(out->ended, 0) << operation << " never completed";
    return *out;
  }

  std::unique_ptr<engine::Clock> clock;
  std::shared_ptr<engine::PluginLibrary> library;
  std::unique_ptr<engine::DriverSession> session;

 private:
  int counter_ = 0;
};

// Does `result` match the result schema `library` publishes for `model`'s `operation`?
// Returns "" when it does, else where and why not.
inline std::string result_schema_violation(const engine::PluginLibrary& library, const std::string& model,
                                           const std::string& operation, const nlohmann::json& result) {
  const auto description = nlohmann::json::parse(library.description_json());
  for (const auto& m : description.at("models")) {
    if (m.at("model") != model) continue;
    for (const auto& op : m.at("operations")) {
      if (op.at("name") != operation) continue;
      auto v = sim::schema_violation(op.at("result"), result);
      return v ? "'" + v->path + "' " + v->reason : "";
    }
  }
  return "no operation " + operation + " in model " + model;
}

// A design for the landscape: factors plus an id.
inline nlohmann::json design(const std::string& id, const std::string& promoter, const std::string& rbs,
                             const std::string& gene = "crtE") {
  return {{"id", id}, {"promoter", promoter}, {"rbs", rbs}, {"gene", gene}};
}

}  // namespace foundry::test
