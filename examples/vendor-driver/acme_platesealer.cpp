// The Foundry driver for the Acme PlateSealer 3000 (plugin "com.acme.platesealer", model "PS-3000").
//
// What a driver does, in the order Foundry calls it (see docs/driver-sdk.md for the lifecycle):
//  1. describe(): publishes the model, its operations with parameter/result schemas, units and
//     ranges, whether each is idempotent, a duration model the planner uses, and declared errors.
//  2. create():   the factory below checks the settings and "connects" (here: starts the
//     simulation). Throwing refuses the device with the message.
//  3. execute():  checks parameters (throw CommandRejected: nothing happened), then runs the
//     command on the host's timers and reports progress and exactly one finish()/fail().
//  4. cancel():   stops a running command; it then fails with an execution error "cancelled".
//  5. destruction: the host destroys the driver; pending timers are told "cancelled".
// The SDK answers command_state() from what finish()/fail() recorded, so a restarted engine can
// ask what became of a command.
#include "plate_sealer.hpp"

#include <foundry/driver/driver.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#ifndef ACME_DRIVER_VERSION
#define ACME_DRIVER_VERSION "0.0.0"
#endif

namespace {

using foundry::driver::CommandEvents;
using foundry::driver::CommandRejected;
using nlohmann::json;

// The description: JSON Schema for parameters and results ("unit" annotates physical values),
// "duration_s" {nominal, min, max} for the planner, "example" parameters for the conformance kit,
// and the execution errors the operation may end with (SiLA 2's "defined execution errors").
const char* describe() {
  static const std::string text = [] {
    namespace l = acme::limits;
    const double seal_min = 2 * l::drawer_s + l::min_time_s;
    const double seal_max = 2 * l::drawer_s + (l::max_temperature_c - l::min_temperature_c) / l::ramp_c_per_s + l::max_time_s;
    const double seal_nominal = 2 * l::drawer_s + (170.0 - 150.0) / l::ramp_c_per_s + 2;  // defaults, from standby
    json seal = {
        {"name", "seal"},
        {"description", "Heat-seals the plate in the drawer with film from the roll."},
        {"idempotent", false},  // sealing twice is an error (plate_already_sealed), not a no-op
        {"parameters",
         {{"type", "object"},
          {"additionalProperties", false},
          {"properties",
           {{"temperature_c", {{"type", "number"}, {"minimum", l::min_temperature_c}, {"maximum", l::max_temperature_c},
                               {"default", 170}, {"unit", "degC"}}},
            {"time_s", {{"type", "number"}, {"minimum", l::min_time_s}, {"maximum", l::max_time_s}, {"default", 2},
                        {"unit", "s"}, {"description", "dwell time of the heated plate on the film"}}},
            {"film", {{"type", "string"}, {"enum", {"foil", "clear_pp"}}, {"default", "foil"}}}}}}},
        {"result",
         {{"type", "object"},
          {"required", {"sealed", "temperature_c", "film", "films_left"}},
          {"properties",
           {{"sealed", {{"type", "boolean"}}},
            {"temperature_c", {{"type", "number"}, {"unit", "degC"}}},
            {"film", {{"type", "string"}}},
            {"films_left", {{"type", "integer"}, {"minimum", 0}}}}}}},
        {"duration_s", {{"nominal", seal_nominal}, {"min", seal_min}, {"max", seal_max}}},
        {"example", {{"temperature_c", 165}, {"time_s", 3}, {"film", "clear_pp"}}},
        {"errors",
         {{{"id", "plate_already_sealed"}, {"description", "the plate is sealed already; peel it first"}},
          {{"id", "film_empty"}, {"description", "the film roll is used up"}}}}};
    json peel = {
        {"name", "peel"},
        {"description", "Peels the seal off the plate in the drawer. Harmless on an unsealed plate."},
        {"idempotent", true},
        {"parameters",
         {{"type", "object"},
          {"additionalProperties", false},
          {"properties", {{"speed", {{"type", "string"}, {"enum", {"slow", "fast"}}, {"default", "slow"}}}}}}},
        {"result", {{"type", "object"}, {"required", {"peeled"}}, {"properties", {{"peeled", {{"type", "boolean"}}}}}}},
        {"duration_s", {{"nominal", l::peel_slow_s}, {"min", l::peel_fast_s}, {"max", l::peel_slow_s}}},
        {"example", {{"speed", "fast"}}},
        {"errors", json::array()}};
    json description = {
        {"vendor", "Acme Lab Automation"},
        {"version", ACME_DRIVER_VERSION},
        {"simulated", true},
        {"models",
         {{{"model", "PS-3000"}, {"device_type", "plate_sealer"}, {"units", 1}, {"operations", {seal, peel}}}}}};
    return description.dump();
  }();
  return text.c_str();  // static storage: valid while the library is loaded, as the ABI asks
}

// --- reading parameters (a validation error names the parameter and changes nothing) ---

double number_in(const json& p, const char* name, double fallback, double low, double high) {
  if (!p.contains(name)) return fallback;
  if (!p[name].is_number()) throw acme::InvalidParameter(name, "must be a number");
  const double v = p[name].get<double>();
  if (v < low || v > high)
    throw acme::InvalidParameter(name, "must be between " + json(low).dump() + " and " + json(high).dump());
  return v;
}

std::string one_of(const json& p, const char* name, const std::string& fallback, const std::vector<std::string>& allowed) {
  if (!p.contains(name)) return fallback;
  if (p[name].is_string())
    for (const auto& a : allowed)
      if (p[name].get<std::string>() == a) return a;
  throw acme::InvalidParameter(name, "must be one of " + json(allowed).dump());
}

json parse_parameters(const std::string& text, const std::vector<std::string>& known) {
  json p = json::parse(text, nullptr, false);
  if (!p.is_object()) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameters: must be a JSON object");
  for (const auto& [name, value] : p.items()) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == name;
    if (!ok) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter '" + name + "': not a parameter of this operation");
  }
  return p;
}

// --- the driver ---

class PlateSealerDriver final : public foundry::driver::Driver {
 public:
  PlateSealerDriver(foundry::driver::Host host, const acme::SealerSettings& settings)
      : host_(host), state_(std::make_shared<State>(settings)) {}

  void execute(const foundry::driver::Command& command, std::shared_ptr<CommandEvents> events) override {
    std::unique_lock lock(state_->mutex);
    if (state_->running)  // one plate, one drawer: the host's planner never sends two at once
      throw CommandRejected(FOUNDRY_ERROR_EXECUTION, "busy with command '" + state_->running->command_id() + "'");

    std::vector<acme::Phase> phases;
    std::function<json()> complete;  // runs at the end, under the lock
    try {
      if (command.operation == "seal") {
        const json p = parse_parameters(command.parameters_json, {"temperature_c", "time_s", "film"});
        namespace l = acme::limits;
        acme::SealRequest request;
        request.temperature_c = number_in(p, "temperature_c", 170, l::min_temperature_c, l::max_temperature_c);
        request.time_s = number_in(p, "time_s", 2, l::min_time_s, l::max_time_s);
        request.film = one_of(p, "film", "foil", {"foil", "clear_pp"});
        phases = state_->sealer.plan_seal(request);
        complete = [state = state_.get(), request] {
          state->sealer.sealed(request);
          return json{{"sealed", true}, {"temperature_c", request.temperature_c}, {"film", request.film},
                      {"films_left", state->sealer.films_left()}};
        };
      } else if (command.operation == "peel") {
        const json p = parse_parameters(command.parameters_json, {"speed"});
        acme::PeelRequest request;
        request.speed = one_of(p, "speed", "slow", {"slow", "fast"});
        phases = state_->sealer.plan_peel(request);
        complete = [state = state_.get()] { return json{{"peeled", state->sealer.peeled()}}; };
      } else {
        throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "operation '" + command.operation + "': PS-3000 offers seal, peel");
      }
    } catch (const acme::InvalidParameter& e) {
      throw CommandRejected(FOUNDRY_ERROR_VALIDATION, e.what());
    } catch (const acme::InstrumentError& e) {
      // A declared error found before anything moved. Reported as a failed command (not a
      // refusal) because it is the instrument's state, not the request, that is wrong.
      lock.unlock();
      events->fail(FOUNDRY_ERROR_EXECUTION, e.what());
      return;
    }

    state_->running = events;
    lock.unlock();
    run_phases(events, phases, std::move(complete));
  }

  bool cancel(const std::string& command_id) override {
    std::shared_ptr<CommandEvents> events;
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->running || state_->running->command_id() != command_id) return false;
      events = std::move(state_->running);  // the pending timers find nothing running and stop
    }
    host_.log(FOUNDRY_LOG_INFO, "cancelling " + command_id + ": drawer opens, plate left unsealed");
    events->fail(FOUNDRY_ERROR_EXECUTION, "cancelled");
    return true;
  }

 private:
  struct State {
    explicit State(const acme::SealerSettings& settings) : sealer(settings) {}
    std::mutex mutex;
    acme::PlateSealer sealer;
    std::shared_ptr<CommandEvents> running;  // the command in the drawer, if any
  };

  // One host timer per phase boundary, so the command follows the host's clock (virtual time in
  // simulation and in the conformance kit) and progress is reported as each phase ends.
  void run_phases(const std::shared_ptr<CommandEvents>& events, const std::vector<acme::Phase>& phases,
                  std::function<json()> complete) {
    double total = 0;
    for (const auto& phase : phases) total += phase.seconds;
    std::weak_ptr<State> weak = state_;
    double at = 0;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      at += phases[i].seconds;
      const bool last = i + 1 == phases.size();
      host_.call_after(at, [weak, events, at, total, last, complete](bool destroyed) {
        auto state = weak.lock();
        if (destroyed || !state) return;  // the driver is gone: report nothing
        std::unique_lock lock(state->mutex);
        if (state->running != events) return;  // cancelled meanwhile
        if (!last) {
          lock.unlock();
          events->progress(total > 0 ? at / total : 1.0, total - at);
          return;
        }
        json result = complete();
        state->running.reset();
        lock.unlock();
        events->progress(1.0, 0.0);
        events->finish(result.dump());
      });
    }
  }

  foundry::driver::Host host_;
  std::shared_ptr<State> state_;
};

// create(): configure and connect. Settings come from the workcell file's driver "settings".
std::unique_ptr<foundry::driver::Driver> create(const std::string& model, const std::string& settings_json,
                                                foundry::driver::Host host) {
  if (model != "PS-3000") return nullptr;  // the SDK reports "unknown model"
  const json s = json::parse(settings_json, nullptr, false);
  if (!s.is_object()) throw std::invalid_argument("settings: must be a JSON object");
  if (!s.value("simulation", true))
    throw std::invalid_argument("settings 'simulation': this example driver only simulates the PS-3000");
  acme::SealerSettings settings;
  settings.standby_c = number_in(s, "standby_c", settings.standby_c, acme::limits::min_temperature_c,
                                 acme::limits::max_temperature_c);
  settings.film_capacity = static_cast<int>(number_in(s, "film_capacity", settings.film_capacity, 0, 10000));
  host.log(FOUNDRY_LOG_INFO, "PS-3000 simulated, heater at " + json(settings.standby_c).dump() + " degC");
  return std::make_unique<PlateSealerDriver>(host, settings);
}

}  // namespace

FOUNDRY_DRIVER_PLUGIN("com.acme.platesealer", describe, create)
