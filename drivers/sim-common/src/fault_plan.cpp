#include <foundry/sim/fault_plan.hpp>

#include <foundry/sim/random.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace foundry::sim {

using nlohmann::json;

const char* const faults_settings_schema = R"({
  "type": "array",
  "description": "commands that fail on purpose , see drivers/README.md",
  "items": {
    "type": "object",
    "required": ["kind"],
    "additionalProperties": false,
    "properties": {
      "operation": {"type": "string", "minLength": 1},
      "on_command": {"type": "integer", "minimum": 1},
      "probability": {"type": "number", "minimum": 0, "maximum": 1},
      "kind": {"enum": ["validation", "connection", "execution", "unexpected", "hang"]},
      "message": {"type": "string"},
      "at_fraction": {"type": "number", "minimum": 0, "maximum": 1}
    }
  }
})";

namespace {

FaultKind kind_of(const std::string& name) {
  if (name == "validation") return FaultKind::validation;
  if (name == "connection") return FaultKind::connection;
  if (name == "unexpected") return FaultKind::unexpected;
  if (name == "hang") return FaultKind::hang;
  return FaultKind::execution;
}

}  // namespace

foundry_error_kind Fault::error_kind() const {
  switch (kind) {
    case FaultKind::validation: return FOUNDRY_ERROR_VALIDATION;
    case FaultKind::connection: return FOUNDRY_ERROR_CONNECTION;
    case FaultKind::execution: return FOUNDRY_ERROR_EXECUTION;
    case FaultKind::unexpected: return FOUNDRY_ERROR_UNEXPECTED;
    case FaultKind::hang: return FOUNDRY_ERROR_NONE;
  }
  return FOUNDRY_ERROR_NONE;
}

FaultPlan::FaultPlan(const json& faults, std::uint64_t seed) : seed_(seed) {
  int index = 0;
  for (const auto& item : faults) {
    const std::string where = "settings 'faults[" + std::to_string(index) + "]'";
    Entry entry;
    entry.index = index++;
    if (item.contains("operation")) entry.operation = item["operation"].get<std::string>();
    if (item.contains("on_command")) entry.on_command = item["on_command"].get<int>();
    if (item.contains("probability")) entry.probability = item["probability"].get<double>();
    if (entry.on_command.has_value() == entry.probability.has_value()) {
      throw std::invalid_argument(where + ": needs on_command or probability, not both");
    }
    entry.fault.kind = kind_of(item.at("kind").get<std::string>());
    entry.fault.at_fraction = item.value("at_fraction", 0.1);
    entry.fault.message = item.value("message", "");
    entries_.push_back(std::move(entry));
  }
}

std::optional<Fault> FaultPlan::next(const std::string& operation, const std::string& idempotency_key) {
  const int nth_of_operation = ++seen_per_operation_[operation];
  const int nth = ++seen_;
  for (const Entry& e : entries_) {
    if (e.operation && *e.operation != operation) continue;
    const int n = e.operation ? nth_of_operation : nth;
    bool strikes = false;
    if (e.on_command) strikes = n == *e.on_command;
    if (e.probability) strikes = uniform_draw(key(seed_, "fault", e.index, idempotency_key)) < *e.probability;
    if (!strikes) continue;
    Fault fault = e.fault;
    if (fault.message.empty()) {
      static const char* const names[] = {"validation", "connection", "execution", "unexpected", "hang"};
      fault.message = std::string("injected ") + names[static_cast<int>(fault.kind)] + " fault (command " +
                      std::to_string(n) + " of '" + (e.operation ? *e.operation : std::string("any operation")) + "')";
    }
    return fault;
  }
  return std::nullopt;
}

}  // namespace foundry::sim
