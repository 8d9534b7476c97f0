// A small driver that satisfies the conformance kit, and, built with one FOUNDRY_KIT_FAULT_*
// macro, variants that each break exactly one rule (tests/sdk/CMakeLists.txt builds them all):
//   FOUNDRY_KIT_FAULT_NO_PROGRESS      never reports progress                 -> progress
//   FOUNDRY_KIT_FAULT_BAD_RESULT       "read" result breaks its schema        -> result-schema
//   FOUNDRY_KIT_FAULT_IGNORES_CANCEL   cancel() says yes and does nothing     -> cancel
//   FOUNDRY_KIT_FAULT_SLOW             "read" takes longer than declared      -> duration
//   FOUNDRY_KIT_FAULT_LAX_VALIDATION   runs with wrong-typed parameters       -> validation-error
//   FOUNDRY_KIT_FAULT_BAD_DESCRIPTION  "read" lacks idempotent and duration_s -> description
//   FOUNDRY_KIT_FAULT_FORGETS_STATE    command_state() forgets finished ids   -> state-finished
//   FOUNDRY_KIT_FAULT_BAD_ERRORS       "mix" declares malformed errors        -> description
//
// Model "kit-device" (1 unit). Operations:
//   mix  {speed_rpm: 100..2000 (required), duration_s: (0, 3600], default 60}; with an example.
//   read {wavelength_nm: 300..900 (required)}; 30 s; no example (the kit generates parameters).
#include <foundry/driver/driver.hpp>

#include <nlohmann/json.hpp>

#include <cstring>
#include <map>
#include <string>
#include <memory>
#include <mutex>

namespace {

using foundry::driver::CommandEvents;
using foundry::driver::CommandRejected;
using nlohmann::json;

#ifdef FOUNDRY_KIT_FAULT_SLOW
constexpr double kReadSeconds = 45;  // declared max is 30
#else
constexpr double kReadSeconds = 30;
#endif

const char* describe() {
  return R"({"vendor": "Foundry tests", "version": "1.0", "models": [
    {"model": "kit-device", "device_type": "test_device", "units": 1, "operations": [
      {"name": "mix", "idempotent": true,
       "parameters": {"type": "object", "required": ["speed_rpm"], "properties": {
          "speed_rpm": {"type": "integer", "minimum": 100, "maximum": 2000},
          "duration_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "default": 60}}},
       "result": {"type": "object", "required": ["speed_rpm"], "properties": {"speed_rpm": {"type": "integer"}}},
       "duration_s": {"nominal": 60, "min": 1, "max": 3600},
       "example": {"speed_rpm": 500, "duration_s": 120},)"
#ifdef FOUNDRY_KIT_FAULT_BAD_ERRORS
         R"( "errors": [{"id": "9lives", "description": "starts with a digit"}, {"id": "jam", "description": ""},
                      {"id": "jam", "description": "declared twice"}, "not an object"]},)"
#else
         R"( "errors": [{"id": "motor_stall", "description": "the stirrer motor stalled; check the vessel"}]},)"
#endif
      R"(
      {"name": "read",)"
#ifndef FOUNDRY_KIT_FAULT_BAD_DESCRIPTION
         R"( "idempotent": true, "duration_s": {"nominal": 30, "min": 30, "max": 30},)"
#endif
         R"( "parameters": {"type": "object", "required": ["wavelength_nm"], "properties": {
          "wavelength_nm": {"type": "integer", "minimum": 300, "maximum": 900}}},
       "result": {"type": "object", "required": ["measurements"], "properties": {
          "measurements": {"type": "array", "items": {"type": "object", "required": ["name", "value", "unit"],
            "properties": {"name": {"type": "string"}, "value": {"type": "number"}, "unit": {"type": "string"}}}}}}}
    ]}]})";
}

// An integer parameter in [low, high]; a validation error naming it otherwise.
long long integer(const json& p, const char* name, long long low, long long high) {
#ifdef FOUNDRY_KIT_FAULT_LAX_VALIDATION
  if (!p.contains(name) || !p[name].is_number()) return low;  // "be liberal": runs with anything
#else
  if (!p.contains(name)) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, std::string("parameter '") + name + "': is required");
  if (!p[name].is_number_integer())
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, std::string("parameter '") + name + "': must be an integer");
#endif
  const long long v = p[name].get<long long>();
  if (v < low || v > high)
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, std::string("parameter '") + name + "': out of range");
  return v;
}

class KitDevice final : public foundry::driver::Driver {
 public:
  explicit KitDevice(foundry::driver::Host host) : host_(host), state_(std::make_shared<State>()) {}

  void execute(const foundry::driver::Command& command, std::shared_ptr<CommandEvents> events) override {
    const json p = json::parse(command.parameters_json, nullptr, false);
    if (!p.is_object()) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameters: must be an object");
    double seconds = 0;
    json result;
    if (command.operation == "mix") {
      const long long speed = integer(p, "speed_rpm", 100, 2000);
      seconds = p.contains("duration_s") && p["duration_s"].is_number() ? p["duration_s"].get<double>() : 60.0;
      if (seconds <= 0 || seconds > 3600) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'duration_s': out of range");
      result = {{"speed_rpm", speed}};
    } else if (command.operation == "read") {
      const long long wavelength = integer(p, "wavelength_nm", 300, 900);
      seconds = kReadSeconds;
      const double absorbance = 0.42 + 1e-4 * static_cast<double>(wavelength);
#ifdef FOUNDRY_KIT_FAULT_BAD_RESULT
      result = {{"measurements", {{{"name", "absorbance"}, {"value", std::to_string(absorbance)}, {"unit", "AU"}}}}};
#else
      result = {{"measurements", {{{"name", "absorbance"}, {"value", absorbance}, {"unit", "AU"}}}}};
#endif
    } else {
      throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "operation '" + command.operation + "': not offered");
    }
    {
      std::lock_guard lock(state_->mutex);
      state_->running[command.id] = events;
    }
    std::weak_ptr<State> weak = state_;
    const std::string id = command.id;
#ifndef FOUNDRY_KIT_FAULT_NO_PROGRESS
    host_.call_after(seconds / 2, [weak, id, seconds](bool destroyed) {
      if (auto ev = destroyed ? nullptr : running(weak, id, false)) ev->progress(0.5, seconds / 2);
    });
#endif
    host_.call_after(seconds, [weak, id, result](bool destroyed) {
      if (auto ev = destroyed ? nullptr : running(weak, id, true)) {
#ifndef FOUNDRY_KIT_FAULT_NO_PROGRESS
        ev->progress(1.0, 0.0);
#endif
        ev->finish(result.dump());
      }
    });
  }

  bool cancel(const std::string& command_id) override {
#ifdef FOUNDRY_KIT_FAULT_IGNORES_CANCEL
    std::lock_guard lock(state_->mutex);
    return state_->running.count(command_id) > 0;  // "yes", and then nothing happens
#else
    auto events = running(state_, command_id, true);
    if (!events) return false;
    events->fail(FOUNDRY_ERROR_EXECUTION, "cancelled");
    return true;
#endif
  }

 private:
  struct State {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<CommandEvents>> running;
  };

  // The events of a running command (removed from the table when `take`), or null.
  static std::shared_ptr<CommandEvents> running(const std::weak_ptr<State>& weak, const std::string& id, bool take) {
    auto state = weak.lock();
    if (!state) return nullptr;
    std::lock_guard lock(state->mutex);
    auto it = state->running.find(id);
    if (it == state->running.end()) return nullptr;
    auto events = it->second;
    if (take) state->running.erase(it);
    return events;
  }

  foundry::driver::Host host_;
  std::shared_ptr<State> state_;
};

std::unique_ptr<foundry::driver::Driver> create(const std::string& model, const std::string&, foundry::driver::Host host) {
  if (model != "kit-device") return nullptr;
  return std::make_unique<KitDevice>(host);
}

}  // namespace

#ifndef FOUNDRY_KIT_FAULT_FORGETS_STATE
FOUNDRY_DRIVER_PLUGIN("org.foundry.test.kit-device", describe, create)
#else
// The C ABI by hand, to break what the C++ layer gets right: command_state() forgets every id.
namespace {
std::size_t forgetful_state(foundry_driver_instance*, const char*, char* out, std::size_t size) {
  const std::string text = R"({"state":"unknown"})";
  if (size > 0) {
    const std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
  }
  return text.size();
}
}  // namespace
extern "C" FOUNDRY_DRIVER_EXPORT const foundry_plugin* foundry_driver_plugin(void) {
  static const foundry_plugin plugin = {
      sizeof(foundry_plugin), FOUNDRY_DRIVER_ABI_MAJOR, FOUNDRY_DRIVER_ABI_MINOR, "org.foundry.test.kit-device",
      describe, &foundry::driver::detail::create<create>, &foundry::driver::detail::destroy,
      &foundry::driver::detail::execute, &foundry::driver::detail::cancel, &forgetful_state};
  return &plugin;
}
#endif
