#include <foundry/sim/schema_check.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>
#include <stdexcept>

namespace foundry::sim {
namespace {

using nlohmann::json;

std::string join(const std::string& path, const std::string& child) {
  return path.empty() ? child : path + "." + child;
}

std::string number_text(const json& n) { return n.dump(); }

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    // JSON Schema counts 3.0 as an integer.
    const double v = value.is_number_float() ? value.get<double>() : 0.5;
    return std::isfinite(v) && std::floor(v) == v;
  }
  return false;
}

std::string article(const std::string& type) {
  return (type == "object" || type == "array" || type == "integer") ? "an " + type : "a " + type;
}

std::optional<SchemaViolation> check(const json& schema, const json& value, const std::string& path) {
  if (auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    std::string expected;
    if (it->is_string()) {
      ok = has_type(value, it->get<std::string>());
      expected = article(it->get<std::string>());
    } else {
      for (const auto& t : *it) {
        ok = ok || has_type(value, t.get<std::string>());
        expected += (expected.empty() ? "" : " or ") + article(t.get<std::string>());
      }
    }
    if (!ok) return SchemaViolation{path, "must be " + expected};
  }
  if (auto it = schema.find("enum"); it != schema.end()) {
    bool found = false;
    for (const auto& option : *it) found = found || option == value;
    if (!found) return SchemaViolation{path, "must be one of " + it->dump()};
  }
  if (value.is_number()) {
    const double v = value.get<double>();
    if (auto it = schema.find("minimum"); it != schema.end() && v < it->get<double>())
      return SchemaViolation{path, "must be >= " + number_text(*it)};
    if (auto it = schema.find("maximum"); it != schema.end() && v > it->get<double>())
      return SchemaViolation{path, "must be <= " + number_text(*it)};
    if (auto it = schema.find("exclusiveMinimum"); it != schema.end() && v <= it->get<double>())
      return SchemaViolation{path, "must be > " + number_text(*it)};
    if (auto it = schema.find("exclusiveMaximum"); it != schema.end() && v >= it->get<double>())
      return SchemaViolation{path, "must be < " + number_text(*it)};
  }
  if (value.is_string()) {
    const auto length = value.get_ref<const std::string&>().size();
    if (auto it = schema.find("minLength"); it != schema.end() && length < it->get<std::size_t>())
      return SchemaViolation{path, "must have at least " + number_text(*it) + " characters"};
    if (auto it = schema.find("maxLength"); it != schema.end() && length > it->get<std::size_t>())
      return SchemaViolation{path, "must have at most " + number_text(*it) + " characters"};
  }
  if (value.is_array()) {
    if (auto it = schema.find("minItems"); it != schema.end() && value.size() < it->get<std::size_t>())
      return SchemaViolation{path, "must have at least " + number_text(*it) + " items"};
    if (auto it = schema.find("maxItems"); it != schema.end() && value.size() > it->get<std::size_t>())
      return SchemaViolation{path, "must have at most " + number_text(*it) + " items"};
    if (auto it = schema.find("items"); it != schema.end()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (auto v = check(*it, value[i], path + "[" + std::to_string(i) + "]")) return v;
      }
    }
  }
  if (value.is_object()) {
    if (auto it = schema.find("required"); it != schema.end()) {
      for (const auto& name : *it) {
        if (!value.contains(name.get<std::string>())) return SchemaViolation{join(path, name.get<std::string>()), "is required"};
      }
    }
    const json* properties = schema.contains("properties") ? &schema["properties"] : nullptr;
    const auto additional = schema.find("additionalProperties");
    for (const auto& [name, member] : value.items()) {
      if (properties != nullptr && properties->contains(name)) {
        if (auto v = check((*properties)[name], member, join(path, name))) return v;
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>())
          return SchemaViolation{join(path, name), "is not a known field"};
        if (additional->is_object()) {
          if (auto v = check(*additional, member, join(path, name))) return v;
        }
      }
    }
  }
  return std::nullopt;
}

void check_keywords(const json& schema, const std::string& where) {
  static const std::set<std::string> known = {
      "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
      "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "minLength", "maxLength",
      "description", "default", "title", "examples", "unit"};
  if (!schema.is_object()) throw std::logic_error(where + ": a schema must be an object");
  for (const auto& [keyword, value] : schema.items()) {
    if (known.count(keyword) == 0) throw std::logic_error(where + ": unsupported schema keyword '" + keyword + "'");
    if (keyword == "properties") {
      for (const auto& [name, sub] : value.items()) check_keywords(sub, where + ".properties." + name);
    } else if (keyword == "items" || (keyword == "additionalProperties" && value.is_object())) {
      check_keywords(value, where + "." + keyword);
    }
  }
}

}  // namespace

std::optional<SchemaViolation> schema_violation(const nlohmann::json& schema, const nlohmann::json& value) {
  return check(schema, value, "");
}

void check_schema_keywords(const nlohmann::json& schema, const std::string& where) { check_keywords(schema, where); }

}  // namespace foundry::sim
