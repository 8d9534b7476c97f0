#include "engine/conformance_parameters.hpp"

#include "engine/conformance_schema.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace foundry::engine::conformance {
namespace {

using nlohmann::json;

// The type a generated value takes: the first one listed that is not "null", else a guess from
// the keywords present.
std::string primary_type(const json& schema) {
  if (auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
      for (const auto& t : *it)
        if (t.is_string() && t.get<std::string>() != "null") return t.get<std::string>();
      return "null";
    }
  }
  if (schema.contains("properties") || schema.contains("required")) return "object";
  if (schema.contains("items")) return "array";
  if (schema.contains("minimum") || schema.contains("maximum") || schema.contains("exclusiveMinimum") ||
      schema.contains("exclusiveMaximum"))
    return "number";
  if (schema.contains("minLength") || schema.contains("maxLength")) return "string";
  return "null";
}

struct Range {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_exclusive = false;
  bool high_exclusive = false;
};

Range range_of(const json& schema) {
  Range r;
  auto number = [&](const char* key) -> std::optional<double> {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  if (auto v = number("minimum")) r.low = *v;
  if (auto v = number("exclusiveMinimum"); v && *v >= r.low) {
    r.low = *v;
    r.low_exclusive = true;
  }
  if (auto v = number("maximum")) r.high = *v;
  if (auto v = number("exclusiveMaximum"); v && *v <= r.high) {
    r.high = *v;
    r.high_exclusive = true;
  }
  return r;
}

// The smallest allowed value (1 above an exclusive minimum), or 0 when unbounded below.
json number_from(const json& schema, bool integer) {
  const Range r = range_of(schema);
  if (integer) {
    long long v = 0;
    if (std::isfinite(r.low)) v = static_cast<long long>(r.low_exclusive ? std::floor(r.low) + 1 : std::ceil(r.low));
    else if (std::isfinite(r.high))
      v = std::min(0LL, static_cast<long long>(r.high_exclusive ? std::ceil(r.high) - 1 : std::floor(r.high)));
    return v;
  }
  if (std::isfinite(r.low)) {
    if (!r.low_exclusive) return r.low;
    const double above = r.low + 1;
    if (above < r.high || (!r.high_exclusive && above <= r.high)) return above;
    return (r.low + r.high) / 2;  // a narrow open interval: its middle
  }
  if (std::isfinite(r.high)) return std::min(0.0, r.high_exclusive ? r.high - 1 : r.high);
  return 0.0;
}

// "example", padded or cut to the allowed length.
json string_from(const json& schema) {
  std::string text = "example";
  if (auto it = schema.find("minLength"); it != schema.end() && it->is_number_unsigned() && text.size() < it->get<std::size_t>())
    text.append(it->get<std::size_t>() - text.size(), 'x');
  if (auto it = schema.find("maxLength"); it != schema.end() && it->is_number_unsigned())
    text.resize(std::min(text.size(), it->get<std::size_t>()));
  return text;
}

}  // namespace

json value_from_schema(const json& schema) {
  if (!schema.is_object()) return nullptr;
  if (auto it = schema.find("default"); it != schema.end()) return *it;
  if (auto it = schema.find("const"); it != schema.end()) return *it;
  if (auto it = schema.find("examples"); it != schema.end() && it->is_array() && !it->empty()) return (*it)[0];
  if (auto it = schema.find("enum"); it != schema.end() && it->is_array() && !it->empty()) return (*it)[0];
  const std::string type = primary_type(schema);
  if (type == "object") {
    json out = json::object();
    const auto required = schema.find("required");
    const auto properties = schema.find("properties");
    if (required != schema.end() && required->is_array()) {
      for (const auto& name : *required) {
        if (!name.is_string()) continue;
        const std::string key = name.get<std::string>();
        json property = json::object();
        if (properties != schema.end() && properties->is_object() && properties->contains(key)) property = (*properties)[key];
        out[key] = value_from_schema(property);
      }
    }
    return out;
  }
  if (type == "array") {
    json out = json::array();
    std::size_t count = 0;
    if (auto it = schema.find("minItems"); it != schema.end() && it->is_number_unsigned()) count = it->get<std::size_t>();
    const json item = schema.contains("items") ? value_from_schema(schema["items"]) : json(nullptr);
    for (std::size_t i = 0; i < count; ++i) out.push_back(item);
    return out;
  }
  if (type == "integer") return number_from(schema, true);
  if (type == "number") return number_from(schema, false);
  if (type == "string") return string_from(schema);
  if (type == "boolean") return false;
  return nullptr;
}

ExampleParameters example_parameters(const json& operation) {
  if (auto it = operation.find("example"); it != operation.end() && it->is_object())
    return {*it, "the operation's example", false};
  const json schema = operation.contains("parameters") ? operation["parameters"] : json::object();
  if (schema.is_object()) {
    if (auto it = schema.find("examples"); it != schema.end() && it->is_array() && !it->empty() && (*it)[0].is_object())
      return {(*it)[0], "the parameter schema's examples", false};
  }
  json generated = value_from_schema(schema);
  if (!generated.is_object()) generated = json::object();
  return {generated, "generated from the schema: the operation has no example", true};
}

std::optional<InvalidParameters> invalid_parameters(const json& schema, const json& valid) {
  if (!schema.is_object()) return std::nullopt;
  // Values of every JSON type but integer-vs-number; the first the property refuses is used.
  const std::vector<json> wrong_values = {json("not-a-valid-value"), json::array(), json::object(), json(true),
                                          json(-1.5)};
  const auto properties = schema.find("properties");
  if (properties != schema.end() && properties->is_object()) {
    // Required properties first: a driver that ignores optional ones may still be correct.
    std::vector<std::string> names;
    if (auto required = schema.find("required"); required != schema.end() && required->is_array())
      for (const auto& name : *required)
        if (name.is_string() && properties->contains(name.get<std::string>())) names.push_back(name.get<std::string>());
    for (const auto& [name, sub] : properties->items())
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);

    for (const auto& name : names) {
      const json& property = (*properties)[name];
      if (!property.is_object() || !property.contains("type")) continue;
      for (const auto& wrong : wrong_values) {
        auto violation = schema_violation(property, wrong);
        if (!violation) continue;
        json value = valid.is_object() ? valid : json::object();
        value[name] = wrong;
        if (!schema_violation(schema, value)) continue;
        return InvalidParameters{value, name, "'" + name + "' = " + wrong.dump() + " (" + violation->reason + ")"};
      }
    }
  }
  if (primary_type(schema) == "object" && schema_violation(schema, json::array()))
    return InvalidParameters{json::array(), "", "parameters sent as an array instead of an object"};
  return std::nullopt;
}

}  // namespace foundry::engine::conformance
