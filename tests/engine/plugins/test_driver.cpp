// A small, fully controllable driver for engine tests.
// Model "bench-device" (type "test_device", 2 units). Operations:
//   work   finishes after parameters.duration_s (default 10) of host time with a measurement
//          {"name":"elapsed","value":<duration>}; progress 0.5 half way.
//   slow   like work, but takes parameters.factor (default 2) times as long.
//   fail   fails after 1 s with a declared execution error.
//   reject refused up front with a validation error naming parameter 'x'.
//   flaky  like work, but attempts 1..parameters.fail_attempts (default 1; the attempt is the
//          last part of the idempotency key run/step/attempt) fail after 1 s with an execution
//          error, or are refused as unreachable when parameters.fail_kind is "connection".
//   dispense  like work, but not idempotent (recovery must not repeat it on its own).
// Setting {"broken": true}: every command is refused as unreachable (a device that is down).
// Setting {"journal": "/path"}: accepted commands and their results are appended to the file, and
// a new instance answers command_state from it (begin without end: "interrupted"), as a real
// instrument's log would after the engine was killed.
#include <foundry/driver/driver.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

namespace {

class TestDriver final : public foundry::driver::Driver {
 public:
  TestDriver(foundry::driver::Host host, bool broken, std::string journal)
      : host_(host), broken_(broken), journal_(std::move(journal)) {}

  std::string recorded_command_state(const std::string& command_id) const override {
    if (journal_.empty()) return {};
    std::ifstream in(journal_);
    std::string line, state;
    nlohmann::json result;
    while (std::getline(in, line)) {
      auto entry = nlohmann::json::parse(line, nullptr, false);
      if (!entry.is_object() || entry.value("key", "") != command_id) continue;
      state = entry.value("e", "");
      if (entry.contains("result")) result = entry["result"];
    }
    if (state == "begin") return R"({"state":"interrupted","message":"began, no outcome recorded"})";
    if (state == "end") return nlohmann::json{{"state", "finished"}, {"result", result}}.dump();
    return {};
  }

  void execute(const foundry::driver::Command& command,
               std::shared_ptr<foundry::driver::CommandEvents> events) override {
    auto params = nlohmann::json::parse(command.parameters_json);
    double duration = params.value("duration_s", 10.0);
    if (broken_) throw foundry::driver::CommandRejected(FOUNDRY_ERROR_CONNECTION, "device unreachable (broken)");
    if (command.operation == "flaky") {
      std::string key = command.idempotency_key;
      int attempt = std::atoi(key.substr(key.rfind('/') + 1).c_str());
      if (attempt <= params.value("fail_attempts", 1)) {
        if (params.value("fail_kind", std::string("execution")) == "connection")
          throw foundry::driver::CommandRejected(FOUNDRY_ERROR_CONNECTION, "lost connection (attempt " + std::to_string(attempt) + ")");
        host_.call_after(1.0, [events, attempt](bool cancelled) {
          if (!cancelled) events->fail(FOUNDRY_ERROR_EXECUTION, "tip pickup error (attempt " + std::to_string(attempt) + ")");
        });
        return;
      }
    }
    if (command.operation == "reject")
      throw foundry::driver::CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'x': must be given");
    if (command.operation == "fail") {
      host_.call_after(1.0, [events](bool cancelled) {
        if (!cancelled) events->fail(FOUNDRY_ERROR_EXECUTION, "simulated jam");
      });
      return;
    }
    if (command.operation == "slow") duration *= params.value("factor", 2.0);
    else if (command.operation != "work" && command.operation != "flaky" && command.operation != "dispense")
      throw foundry::driver::CommandRejected(FOUNDRY_ERROR_VALIDATION, "unknown operation " + command.operation);
    note({{"e", "begin"}, {"key", command.idempotency_key}});
    host_.call_after(duration / 2, [events, duration](bool cancelled) {
      if (!cancelled) events->progress(0.5, duration / 2);
    });
    host_.call_after(duration, [this, events, duration, unit = command.unit, key = command.idempotency_key](bool cancelled) {
      if (cancelled) return;
      nlohmann::json result = {{"unit", unit},
                               {"measurements", {{{"name", "elapsed"}, {"value", duration}, {"unit", "s"}}}}};
      note({{"e", "end"}, {"key", key}, {"result", result}});
      events->finish(result.dump());
    });
  }

 private:
  void note(const nlohmann::json& entry) {
    if (journal_.empty()) return;
    std::ofstream(journal_, std::ios::app) << entry.dump() << "\n";
  }

  foundry::driver::Host host_;
  bool broken_ = false;
  std::string journal_;
};

const char* describe() {
  return R"({"vendor":"Foundry tests","version":"1.0","models":[
    {"model":"bench-device","device_type":"test_device","units":2,"operations":[
      {"name":"work","idempotent":true},{"name":"slow","idempotent":true},
      {"name":"fail","idempotent":false},{"name":"reject","idempotent":false},
      {"name":"flaky","idempotent":true},{"name":"dispense","idempotent":false}]}]})";
}

std::unique_ptr<foundry::driver::Driver> create(const std::string& model, const std::string& settings,
                                                foundry::driver::Host host) {
  if (model != "bench-device") return nullptr;
  auto parsed = nlohmann::json::parse(settings.empty() ? "{}" : settings, nullptr, false);
  bool broken = parsed.is_object() && parsed.value("broken", false);
  std::string journal = parsed.is_object() ? parsed.value("journal", "") : "";
  return std::make_unique<TestDriver>(host, broken, journal);
}

}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.test.driver", describe, create)
