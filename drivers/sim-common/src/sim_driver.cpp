#include <foundry/sim/sim_driver.hpp>

#include <foundry/sim/design.hpp>
#include <foundry/sim/fault_plan.hpp>
#include <foundry/sim/physical_ledger.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/schema_check.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <unistd.h>
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

// What a ledger line says about a command, whichever event it records.
json ledger_line(const char* event, const std::string& id, const std::string& key, const std::string& operation,
                 int unit, const std::string& device, const std::string& model, double time) {
  return {{"event", event}, {"command_id", id}, {"idempotency_key", key}, {"operation", operation}, {"unit", unit},
          {"device", device}, {"model", model}, {"time", time}, {"pid", static_cast<long>(::getpid())}};
}

}  // namespace

struct SimDriver::State {
  explicit State(driver::Host h) : host(h) {}

  struct Running {
    std::shared_ptr<CommandEvents> events;
    std::uint64_t generation = 0;  // tells this run apart from an earlier command with the same id
    std::string idempotency_key;
    std::string operation;
    int unit = 0;
    double started_at = 0;
    double duration_s = 0;
  };

  driver::Host host;
  ModelSpec spec;
  std::map<std::string, json> schemas;  // operation -> enforced parameter schema
  std::uint64_t seed = default_landscape_seed;
  double jitter = default_duration_jitter;
  std::unique_ptr<PhysicalLedger> ledger;  // null without the "ledger" setting
  std::string device;                      // ledger lines' "device"
  FaultPlan faults;

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

  // Appends a command's end to the ledger (if any) before it is reported. Returns the error
  // that replaces the outcome if the ledger cannot be written.
  std::optional<std::string> record_end(const std::string& id, const Running& run, const json& outcome) noexcept {
    if (!ledger) return std::nullopt;
    try {
      json line = ledger_line("end", id, run.idempotency_key, run.operation, run.unit, device, spec.model, host.now());
      line.update(outcome);
      ledger->append(line);
      return std::nullopt;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
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
  state_->device = settings.value("device", spec.model);
  if (settings.contains("faults")) state_->faults = FaultPlan(settings["faults"], state_->seed);
  if (settings.contains("ledger")) {
    try {
      state_->ledger = std::make_unique<PhysicalLedger>(settings["ledger"].get<std::string>());
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(std::string("settings 'ledger': ") + e.what());
    }
  }
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
  const std::string& key_or_id = retry_key(command);
  const std::optional<Fault> fault = s.faults.empty() ? std::nullopt : s.faults.next(command.operation, key_or_id);
  if (fault && fault->refused_up_front()) throw CommandRejected(fault->error_kind(), fault->message);
  int unit = command.unit;
  if (unit >= 0 && !s.unit_owner[static_cast<std::size_t>(unit)].empty()) {
    throw CommandRejected(FOUNDRY_ERROR_EXECUTION, std::string(unit_busy_error) + ": unit " + std::to_string(unit) +
                                                       " is busy with command '" +
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
      throw CommandRejected(FOUNDRY_ERROR_EXECUTION,
                            std::string(unit_busy_error) + ": all " + std::to_string(s.spec.units) + " units are busy");
    }
  }

  Activity activity;
  if (fault) {
    // Injected: the instrument's own start() never runs, so its state stays as it was.
    activity.failure = fault->message;
    activity.failure_kind = fault->error_kind();
    activity.failure_fraction = fault->at_fraction;
    activity.hangs = fault->kind == FaultKind::hang;
  } else {
    try {
      activity = start(Request{command, parameters, unit});
    } catch (const ExecutionFailure& e) {
      // Accepted, but the instrument runs into the error shortly after starting.
      activity = Activity{};
      activity.failure = e.what();
      if (op->find_error(e.id()) == nullptr) {
        activity.failure_kind = FOUNDRY_ERROR_UNEXPECTED;
        activity.failure = "undeclared execution error " + std::string(e.what());
      }
    }
  }

  const double planned = parameters.contains("duration_s")
                             ? parameters["duration_s"].get<double>()
                             : activity.estimated_duration_s.value_or(op->duration.nominal_s);
  const double u = uniform_draw(key(s.seed, "duration", command.operation, key_or_id));
  const double duration = planned * (1.0 + s.jitter * (2.0 * u - 1.0));

  if (s.ledger) {
    // The action begins physically now: on record before execute() returns.
    try {
      s.ledger->append(ledger_line("begin", command.id, command.idempotency_key, command.operation, unit, s.device,
                                   s.spec.model, s.host.now()));
    } catch (const std::exception& e) {
      throw CommandRejected(FOUNDRY_ERROR_UNEXPECTED, e.what());
    }
  }
  const std::uint64_t generation = s.next_generation++;
  s.unit_owner[static_cast<std::size_t>(unit)] = command.id;
  s.running[command.id] =
      State::Running{events, generation, command.idempotency_key, command.operation, unit, s.host.now(), duration};
  lock.unlock();
  if (activity.hangs) return;  // silent until cancel() or destroy

  std::weak_ptr<State> weak = state_;
  const std::string id = command.id;
  const double end_fraction = activity.failure ? activity.failure_fraction : 1.0;
  const int steps = progress_steps(duration);
  for (int k = 1; k < steps; ++k) {
    const double fraction = static_cast<double>(k) / steps;
    if (fraction >= end_fraction) break;
    s.host.call_after(fraction * duration, events, [weak, id, generation, fraction, duration](bool cancelled) {
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

  s.host.call_after(end_fraction * duration, events, [weak, id, generation, activity = std::move(activity),
                                                      unit, duration, op](bool cancelled) {
    auto state = weak.lock();
    if (cancelled || !state) return;
    std::unique_lock guard(state->mutex);
    const auto it = state->running.find(id);
    if (it == state->running.end() || it->second.generation != generation) return;  // cancelled earlier
    const State::Running run = it->second;
    auto ev = state->take(id, generation);
    // The outcome: a failure (kind, message) or a result.
    std::optional<std::pair<foundry_error_kind, std::string>> failure;
    json result;
    if (activity.failure) {
      failure.emplace(activity.failure_kind, *activity.failure);
    } else {
      try {
        result = activity.complete ? activity.complete() : json::object();
        result["unit"] = unit;
        result["duration_s"] = duration;
      } catch (const ExecutionFailure& e) {
        if (op->find_error(e.id()) != nullptr) {
          failure.emplace(FOUNDRY_ERROR_EXECUTION, e.what());
        } else {
          failure.emplace(FOUNDRY_ERROR_UNEXPECTED, "undeclared execution error " + std::string(e.what()));
        }
      } catch (const std::exception& e) {
        failure.emplace(FOUNDRY_ERROR_UNEXPECTED, e.what());
      }
    }
    guard.unlock();
    // On record before it is reported (a crash in between leaves it "finished" in the ledger).
    const json outcome = failure ? json{{"outcome", "failed"}, {"error_kind", failure->first}, {"message", failure->second}}
                                 : json{{"outcome", "finished"}, {"result", result}};
    if (auto ledger_error = state->record_end(id, run, outcome)) failure.emplace(FOUNDRY_ERROR_UNEXPECTED, *ledger_error);
    if (failure) {
      ev->fail(failure->first, failure->second);
      return;
    }
    ev->progress(1.0, 0.0);
    ev->finish(result.dump());
  });
}

bool SimDriver::cancel(const std::string& command_id) {
  std::shared_ptr<CommandEvents> events;
  State::Running run;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->running.find(command_id);
    if (it == state_->running.end()) return false;
    run = it->second;
    events = state_->take(command_id, it->second.generation);
  }
  const auto ledger_error = state_->record_end(
      command_id, run, {{"outcome", "failed"}, {"error_kind", FOUNDRY_ERROR_EXECUTION}, {"message", "cancelled"}});
  events->fail(ledger_error ? FOUNDRY_ERROR_UNEXPECTED : FOUNDRY_ERROR_EXECUTION, ledger_error.value_or("cancelled"));
  return true;
}

std::string SimDriver::recorded_command_state(const std::string& command_id) const {
  if (!state_->ledger) return {};
  const auto record = state_->ledger->find(command_id);
  if (!record) return {};
  if (!record->end) {
    const json& begin = record->begin;
    return json{{"state", "interrupted"},
                {"idempotency_key", begin.value("idempotency_key", "")},
                {"operation", begin.value("operation", "")},
                {"unit", begin.value("unit", -1)},
                {"began_at", begin.value("time", 0.0)},
                {"message", "begun at " + std::to_string(begin.value("time", 0.0)) + " by process " +
                                std::to_string(begin.value("pid", 0L)) + ", never ended"}}
        .dump();
  }
  const json& end = *record->end;
  if (end.value("outcome", "") == "finished") return json{{"state", "finished"}, {"result", end.value("result", json::object())}}.dump();
  return json{{"state", "failed"}, {"error_kind", end.value("error_kind", 0)}, {"message", end.value("message", "")}}.dump();
}

json parse_settings(const std::string& settings_json, const char* extra_schema) {
  json settings;
  try {
    settings = settings_json.empty() ? json::object() : json::parse(settings_json);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("settings: not valid JSON: ") + e.what());
  }
  json common = json::parse(common_settings_schema);
  common["properties"]["faults"] = json::parse(faults_settings_schema);
  if (auto v = schema_violation(common, settings)) throw std::invalid_argument(violation_text("settings", "settings", *v));
  if (extra_schema != nullptr) {
    if (auto v = schema_violation(json::parse(extra_schema), settings)) {
      throw std::invalid_argument(violation_text("settings", "settings", *v));
    }
  }
  if (settings.contains("faults")) FaultPlan(settings["faults"], 0);  // what the schema cannot say
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
