#include <foundry/sim/model_spec.hpp>

#include <foundry/sim/schema_check.hpp>
#include <foundry/version.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace foundry::sim {

using nlohmann::json;

const char* const measurements_schema = R"({
  "type": "array",
  "items": {
    "type": "object",
    "required": ["name", "value", "unit"],
    "properties": {
      "name": {"type": "string"},
      "value": {"type": "number"},
      "unit": {"type": "string"},
      "sample": {"type": "string"}
    }
  }
})";

const OperationSpec* ModelSpec::find(std::string_view operation) const {
  for (const auto& op : operations) {
    if (op.name == operation) return &op;
  }
  return nullptr;
}

namespace {
json parse_schema(const std::string& text, const std::string& where) {
  json schema;
  try {
    schema = json::parse(text);
  } catch (const json::exception& e) {
    throw std::logic_error(where + ": schema is not valid JSON: " + e.what());
  }
  check_schema_keywords(schema, where);
  return schema;
}
}  // namespace

const DeclaredError* OperationSpec::find_error(std::string_view id) const {
  if (id == unit_busy_error) {
    static const DeclaredError busy{unit_busy_error, ""};
    return &busy;
  }
  for (const auto& e : errors) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

ModelSpec with_errors(ModelSpec spec, const std::vector<std::pair<std::string, std::vector<DeclaredError>>>& errors) {
  for (const auto& [name, list] : errors)
    for (auto& op : spec.operations)
      if (op.name == name) op.errors.insert(op.errors.end(), list.begin(), list.end());
  return spec;
}

json parameters_schema(const OperationSpec& op) {
  json schema = parse_schema(op.parameters_schema, op.name + ".parameters");
  // Every simulated operation accepts the planned duration from the engine.
  schema["properties"]["duration_s"] = {
      {"type", "number"},
      {"exclusiveMinimum", 0},
      {"maximum", 30 * 86400},
      {"description", "planned duration; the simulation takes about this long (a few % jitter)"}};
  return schema;
}

json result_schema(const OperationSpec& op) {
  json schema = parse_schema(op.result_schema, op.name + ".result");
  // SimDriver adds where and how long the command ran to every result.
  schema["properties"]["unit"] = {{"type", "integer"}, {"description", "the unit the command ran on"}};
  schema["properties"]["duration_s"] = {{"type", "number"}, {"description", "simulated duration"}};
  schema["required"].push_back("unit");
  schema["required"].push_back("duration_s");
  return schema;
}

ModelSpec with_examples(ModelSpec spec, const std::vector<std::pair<std::string, std::string>>& examples) {
  for (const auto& [name, example] : examples)
    for (auto& op : spec.operations)
      if (op.name == name) op.example_json = example;
  return spec;
}

std::string describe_models(std::string_view version, const std::vector<ModelSpec>& models) {
  json out = {{"vendor", "Foundry simulators"}, {"version", std::string(version)}, {"simulated", true}};
  json list = json::array();
  for (const auto& model : models) {
    json ops = json::array();
    for (const auto& op : model.operations) {
      json entry = {{"name", op.name},
                    {"description", op.description},
                    {"idempotent", op.idempotent},
                    {"parameters", parameters_schema(op)},
                    {"result", result_schema(op)},
                    {"duration_s",
                     {{"nominal", op.duration.nominal_s},
                      {"min", op.duration.min_s * (1.0 - max_duration_jitter)},
                      {"max", op.duration.max_s * (1.0 + max_duration_jitter)}}}};
      if (!op.example_json.empty()) entry["example"] = json::parse(op.example_json);
      json errors = json::array();
      for (const auto& e : op.errors) errors.push_back({{"id", e.id}, {"description", e.description}});
      errors.push_back({{"id", unit_busy_error},
                        {"description", "the unit the command names is running another command (or every unit is, for any unit)"}});
      entry["errors"] = std::move(errors);
      ops.push_back(std::move(entry));
    }
    list.push_back({{"model", model.model}, {"device_type", model.device_type}, {"units", model.units}, {"operations", ops}});
  }
  out["models"] = list;
  return out.dump();
}

std::string describe_models_noexcept(const std::vector<ModelSpec>& models) noexcept {
  try {
    return describe_models(fleet_version(), models);
  } catch (const std::exception& e) {
    try {
      return json{{"error", e.what()}}.dump();
    } catch (...) {
    }
  } catch (...) {
  }
  return R"({"error":"describe failed"})";
}

std::string fleet_version() {
  return std::to_string(FOUNDRY_VERSION_MAJOR) + "." + std::to_string(FOUNDRY_VERSION_MINOR) + "." +
         std::to_string(FOUNDRY_VERSION_PATCH);
}

}  // namespace foundry::sim
