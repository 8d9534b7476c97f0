// What a simulated device model offers, written once and used twice: describe() publishes it and
// SimDriver::execute() enforces it (parameter schemas), so description and behaviour agree.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace foundry::sim {

struct DurationModel {
  double nominal_s = 0;
  double min_s = 0;
  double max_s = 0;
};

// A defined execution error of an operation (SiLA 2 style): an identifier and what it means.
// Its failures carry the message "<id>: <details>".
struct DeclaredError {
  std::string id;           // snake_case identifier, e.g. "missing_tips"
  std::string description;  // what happened and what an operator can do about it
};

struct OperationSpec {
  std::string name;
  std::string description;
  bool idempotent = false;        // re-running with the same idempotency key is harmless
  std::string parameters_schema;  // JSON Schema text (an object schema); "duration_s" is added
  std::string result_schema;      // JSON Schema text of the result object
  DurationModel duration;         // used when the command carries no "duration_s"
  std::string example_json = {};  // example parameters (JSON object text) for the conformance kit
  std::vector<DeclaredError> errors = {};  // its defined execution errors ("unit_busy" is added)

  const DeclaredError* find_error(std::string_view id) const;
};

// Every simulated operation may end with this one: the unit named by the command is busy.
inline constexpr const char* unit_busy_error = "unit_busy";

struct ModelSpec {
  std::string model;
  std::string device_type;
  int units = 1;
  std::vector<OperationSpec> operations;

  const OperationSpec* find(std::string_view operation) const;
};

// `spec` with declared errors added to the named operations (operation name -> errors).
ModelSpec with_errors(ModelSpec spec, const std::vector<std::pair<std::string, std::vector<DeclaredError>>>& errors);

// `spec` with example parameters set on the named operations (operation name -> JSON text).
// Examples are published in the description so the conformance kit runs meaningful commands.
ModelSpec with_examples(ModelSpec spec, const std::vector<std::pair<std::string, std::string>>& examples);

// The largest duration jitter a simulator applies (SimDriver's "duration_jitter" setting is
// capped here); published duration ranges are widened by it so every run falls inside them.
inline constexpr double max_duration_jitter = 0.1;

// The parameter schema of `op` as enforced: its own schema plus the common "duration_s".
nlohmann::json parameters_schema(const OperationSpec& op);

// The result schema of `op` as published: its own plus the "unit" and "duration_s" every result has.
nlohmann::json result_schema(const OperationSpec& op);

// The plugin description JSON (see foundry_plugin::describe). Throws std::logic_error if a schema
// is not valid JSON or uses a keyword the checker does not support.
std::string describe_models(std::string_view version, const std::vector<ModelSpec>& models);

// The same, for a plugin's describe(): never throws (a C function may not), and returns
// {"error": "..."} instead, which the host refuses as a description without models.
std::string describe_models_noexcept(const std::vector<ModelSpec>& models) noexcept;

// The simulators' version: Foundry's own (foundry/version.h).
std::string fleet_version();

// The measurement entry schema shared by result schemas ({"name","value","unit","sample"}).
extern const char* const measurements_schema;

}  // namespace foundry::sim
