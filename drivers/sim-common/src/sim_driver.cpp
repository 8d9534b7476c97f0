#include <foundry/sim/sim_driver.hpp>

#include <foundry/sim/design.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/schema_check.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <vector>

namespace foundry::sim {

using driver::CommandEvents;
using driver::CommandRejected;
using nlohmann::json;

namespace {

// "parameter 'source.well': must be a string"; "parameters: must be an object" for the whole.
std::string violation_text(const char* whole, const char* part, const SchemaViolation& v) {
  if (v.path.empty()) return std::string(whole) + ": " + v.reason;
  return std::string(part) + " '" + v.path + "': " + v.reason;
}

// Long commands report progress every 10 %, short ones once half-way.
int progress_steps(double duration_s) { return duration_s >= 600 ? 10 : 2; }

}  // namespace

struct SimDriver::State {
  explicit State(driver::Host h) : host(h) {}

  struct Running {
    std::shared_ptr<CommandEvents> events;
    std::uint64_t generation = 0;  // tells this run apart from an earlier command with the same id
    int unit = 0;
    double started_at = 0;
    double duration_s = 0;
  };

  driver::Host host;
  ModelSpec spec;
  std::map<std::string, json> schemas;  // operation -> enforced parameter schema
  std::uint64_t seed = default_landscape_seed;
  double jitter = default_duration_jitter;

  std::mutex mutex;
  std::vector<std::string> unit_owner;  // command id per unit; empty when free
  std::map<std::string, Running> running;
  std::uint64_t next_generation = 1;

  // Removes a running command if it is still the same run; returns its events (null if gone).
  std::shared_ptr<CommandEvents> take(const std::string& id, std::uint64_t generation) {
    auto it = running.find(id);
    if (it == running.end() || it->second.generation != generation) return nullptr;
    auto events = it->second.events;
    unit_owner[static_cast<std::size_t>(it->second.unit)].clear();
    running.erase(it);
    return events;
  }
};

SimDriver::SimDriver(driver::Host host, const ModelSpec& spec, const json& settings, int units)
    : state_(std::make_shared<State>(host)) {
  state_->spec = spec;
  state_->spec.units = units;
  for (const auto& op : spec.operations) state_->schemas[op.name] = parameters_schema(op);
  state_->seed = settings.value("landscape_seed", default_landscape_seed);
  state_->jitter = settings.value("duration_jitter", default_duration_jitter);
  state_->unit_owner.resize(static_cast<std::size_t>(units));
}

// Timers still pending hold only a weak_ptr to the state and are told "cancelled" by the host.
SimDriver::~SimDriver() = default;

const ModelSpec& SimDriver::spec() const { return state_->spec; }
const driver::Host& SimDriver::host() const { return state_->host; }
std::uint64_t SimDriver::seed() const { return state_->seed; }
int SimDriver::units() const { return state_->spec.units; }

void SimDriver::execute(const driver::Command& command, std::shared_ptr<CommandEvents> events) {
  State& s = *state_;
  const OperationSpec* op = s.spec.find(command.operation);
  if (op == nullptr) {
    std::string offered;
    for (const auto& o : s.spec.operations) offered += (offered.empty() ? "" : ", ") + o.name;
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "operation '" + command.operation + "': not offered by model " +
                                                        s.spec.model + " (offers: " + offered + ")");
  }
  json parameters;
  try {
    parameters = json::parse(command.parameters_json);
  } catch (const json::exception& e) {
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, std::string("parameters: not valid JSON: ") + e.what());
  }
  if (auto v = schema_violation(s.schemas.at(op->name), parameters)) {
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, violation_text("parameters", "parameter", *v));
  }
  if (command.unit < -1 || command.unit >= s.spec.units) {
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "unit: " + std::to_string(command.unit) + " is out of range 0.." +
                                                        std::to_string(s.spec.units - 1) + " (or -1 for any)");
  }

  std::unique_lock lock(s.mutex);
  if (s.running.count(command.id) != 0) {
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "command id '" + command.id + "' is already running");
  }
  int unit = command.unit;
  if (unit >= 0 && !s.unit_owner[static_cast<std::size_t>(unit)].empty()) {
    throw CommandRejected(FOUNDRY_ERROR_EXECUTION, "unit " + std::to_string(unit) + " is busy with command '" +
                                                       s.unit_owner[static_cast<std::size_t>(unit)] + "'");
  }
  if (unit < 0) {
    for (int u = 0; u < s.spec.units && unit < 0; ++u) {
      if (s.unit_owner[static_cast<std::size_t>(u)].empty() && unit_suits(command, u)) unit = u;
    }
    for (int u = 0; u < s.spec.units && unit < 0; ++u) {
      if (s.unit_owner[static_cast<std::size_t>(u)].empty()) unit = u;
    }
    if (unit < 0) {
      throw CommandRejected(FOUNDRY_ERROR_EXECUTION, "all " + std::to_string(s.spec.units) + " units are busy");
    }
  }

  Activity activity;
  try {
    activity = start(Request{command, parameters, unit});
  } catch (const ExecutionFailure& e) {
    // Accepted, but the instrument runs into the error shortly after starting.
    activity = Activity{};
    activity.failure = e.what();
  }

  const double planned = parameters.contains("duration_s")
                             ? parameters["duration_s"].get<double>()
                             : activity.estimated_duration_s.value_or(op->duration.nominal_s);
  const std::string& jitter_key = command.idempotency_key.empty() ? command.id : command.idempotency_key;
  const double u = uniform_draw(key(s.seed, "duration", command.operation, jitter_key));
  const double duration = planned * (1.0 + s.jitter * (2.0 * u - 1.0));

  const std::uint64_t generation = s.next_generation++;
  s.unit_owner[static_cast<std::size_t>(unit)] = command.id;
  s.running[command.id] = State::Running{events, generation, unit, s.host.now(), duration};
  lock.unlock();

  std::weak_ptr<State> weak = state_;
  const std::string id = command.id;
  const double end_fraction = activity.failure ? activity.failure_fraction : 1.0;
  const int steps = progress_steps(duration);
  for (int k = 1; k < steps; ++k) {
    const double fraction = static_cast<double>(k) / steps;
    if (fraction >= end_fraction) break;
    s.host.call_after(fraction * duration, [weak, id, generation, fraction, duration](bool cancelled) {
      auto state = weak.lock();
      if (cancelled || !state) return;
      std::shared_ptr<CommandEvents> ev;
      {
        std::lock_guard guard(state->mutex);
        auto it = state->running.find(id);
        if (it == state->running.end() || it->second.generation != generation) return;
        ev = it->second.events;
      }
      ev->progress(fraction, (1.0 - fraction) * duration);
    });
  }

  s.host.call_after(end_fraction * duration, [weak, id, generation, activity = std::move(activity),
                                              unit, duration](bool cancelled) {
    auto state = weak.lock();
    if (cancelled || !state) return;
    std::unique_lock guard(state->mutex);
    auto ev = state->take(id, generation);
    if (!ev) return;  // cancelled earlier
    if (activity.failure) {
      guard.unlock();
      ev->fail(FOUNDRY_ERROR_EXECUTION, *activity.failure);
      return;
    }
    json result;
    try {
      result = activity.complete ? activity.complete() : json::object();
      result["unit"] = unit;
      result["duration_s"] = duration;
    } catch (const ExecutionFailure& e) {
      guard.unlock();
      ev->fail(FOUNDRY_ERROR_EXECUTION, e.what());
      return;
    } catch (const std::exception& e) {
      guard.unlock();
      ev->fail(FOUNDRY_ERROR_UNEXPECTED, e.what());
      return;
    }
    guard.unlock();
    ev->progress(1.0, 0.0);
    ev->finish(result.dump());
  });
}

bool SimDriver::cancel(const std::string& command_id) {
  std::shared_ptr<CommandEvents> events;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->running.find(command_id);
    if (it == state_->running.end()) return false;
    events = state_->take(command_id, it->second.generation);
  }
  events->fail(FOUNDRY_ERROR_EXECUTION, "cancelled");
  return true;
}

json parse_settings(const std::string& settings_json, const char* extra_schema) {
  json settings;
  try {
    settings = settings_json.empty() ? json::object() : json::parse(settings_json);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("settings: not valid JSON: ") + e.what());
  }
  for (const char* schema_text : {common_settings_schema, extra_schema}) {
    if (schema_text == nullptr) continue;
    if (auto v = schema_violation(json::parse(schema_text), settings)) {
      throw std::invalid_argument(violation_text("settings", "settings", *v));
    }
  }
  return settings;
}

Design design_parameter(const json& parameters, const std::string& name, const std::string& prefix) {
  auto it = parameters.find(name);
  if (it == parameters.end()) throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter '" + prefix + name + "': is required");
  try {
    return Design::from_json(*it);
  } catch (const std::invalid_argument& e) {
    throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter '" + prefix + name + "': " + e.what());
  }
}

}  // namespace foundry::sim
