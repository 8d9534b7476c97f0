// Fault injection for the simulators: the "faults" setting names commands that fail, and how.
// The engine's fault and recovery tests use it to make a chosen step fail on a real plugin.
// Semantics (documented for users in drivers/README.md): an entry matches an operation (or
// every one) and picks either the n-th valid command it sees or each with a seeded probability.
#pragma once

#include <foundry/driver/abi.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace foundry::sim {

enum class FaultKind { validation, connection, execution, unexpected, hang };

struct Fault {
  FaultKind kind = FaultKind::execution;
  std::string message;
  double at_fraction = 0.1;  // execution / unexpected: how far into the command it strikes

  // The error kind the command is refused or fails with (none for a hang).
  foundry_error_kind error_kind() const;
  // Refused by execute() before anything happened (validation, connection)?
  bool refused_up_front() const { return kind == FaultKind::validation || kind == FaultKind::connection; }
};

class FaultPlan {
 public:
  FaultPlan() = default;
  // `faults` is the setting's value (an array), already checked against faults_settings_schema.
  // Throws std::invalid_argument("settings 'faults[1]': ...") for what the schema cannot say.
  FaultPlan(const nlohmann::json& faults, std::uint64_t seed);

  bool empty() const { return entries_.empty(); }

  // Counts a valid command of `operation` and says whether it fails. Not thread-safe (SimDriver
  // calls it under its lock).
  std::optional<Fault> next(const std::string& operation, const std::string& idempotency_key);

 private:
  struct Entry {
    std::optional<std::string> operation;  // nothing: every operation
    std::optional<int> on_command;
    std::optional<double> probability;
    Fault fault;
    int index = 0;  // position in the setting, keys the probability draws
  };
  std::vector<Entry> entries_;
  std::uint64_t seed_ = 0;
  std::map<std::string, int> seen_per_operation_;
  int seen_ = 0;
};

// The JSON Schema of the "faults" setting (one entry's fields and their ranges).
extern const char* const faults_settings_schema;

}  // namespace foundry::sim
