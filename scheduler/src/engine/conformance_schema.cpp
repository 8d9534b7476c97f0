#include "engine/conformance_schema.hpp"

#include <cmath>

namespace foundry::engine::conformance {
namespace {

using nlohmann::json;

const std::set<std::string>& verified_keywords() {
  static const std::set<std::string> keywords = {
      "type",    "enum",    "const",   "required",         "properties",       "additionalProperties",
      "items",   "minItems", "maxItems", "minimum",         "maximum",          "exclusiveMinimum",
      "exclusiveMaximum", "minLength", "maxLength"};
  return keywords;
}

const std::set<std::string>& annotations() {
  static const std::set<std::string> keywords = {"description", "title", "default", "examples", "unit",
                                                 "$schema",     "$id",   "$comment"};
  return keywords;
}

const std::set<std::string>& type_names() {
  static const std::set<std::string> names = {"object", "array", "string", "number", "integer", "boolean", "null"};
  return names;
}

std::string join(const std::string& path, const std::string& child) {
  return path.empty() ? child : path + "." + child;
}

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double v = value.get<double>();  // JSON Schema counts 3.0 as an integer
    return std::isfinite(v) && std::floor(v) == v;
  }
  return false;
}

std::string with_article(const std::string& type) {
  return (type == "object" || type == "array" || type == "integer") ? "an " + type : "a " + type;
}

std::optional<SchemaViolation> check_type(const json& schema, const json& value, const std::string& path) {
  auto it = schema.find("type");
  if (it == schema.end()) return std::nullopt;
  std::vector<std::string> allowed;
  if (it->is_string()) allowed.push_back(it->get<std::string>());
  else
    for (const auto& t : *it) allowed.push_back(t.get<std::string>());
  std::string expected;
  for (const auto& type : allowed) {
    if (has_type(value, type)) return std::nullopt;
    expected += (expected.empty() ? "" : " or ") + with_article(type);
  }
  return SchemaViolation{path, "must be " + expected + " (is " + value.dump() + ")"};
}

std::optional<SchemaViolation> check_number(const json& schema, const json& value, const std::string& path) {
  const double v = value.get<double>();
  if (auto it = schema.find("minimum"); it != schema.end() && v < it->get<double>())
    return SchemaViolation{path, "must be >= " + it->dump() + " (is " + value.dump() + ")"};
  if (auto it = schema.find("maximum"); it != schema.end() && v > it->get<double>())
    return SchemaViolation{path, "must be <= " + it->dump() + " (is " + value.dump() + ")"};
  if (auto it = schema.find("exclusiveMinimum"); it != schema.end() && v <= it->get<double>())
    return SchemaViolation{path, "must be > " + it->dump() + " (is " + value.dump() + ")"};
  if (auto it = schema.find("exclusiveMaximum"); it != schema.end() && v >= it->get<double>())
    return SchemaViolation{path, "must be < " + it->dump() + " (is " + value.dump() + ")"};
  return std::nullopt;
}

std::optional<SchemaViolation> check(const json& schema, const json& value, const std::string& path);

std::optional<SchemaViolation> check_object(const json& schema, const json& value, const std::string& path) {
  if (auto it = schema.find("required"); it != schema.end()) {
    for (const auto& name : *it)
      if (!value.contains(name.get<std::string>())) return SchemaViolation{join(path, name.get<std::string>()), "is required"};
  }
  const auto properties = schema.find("properties");
  const auto additional = schema.find("additionalProperties");
  for (const auto& [name, member] : value.items()) {
    if (properties != schema.end() && properties->contains(name)) {
      if (auto v = check((*properties)[name], member, join(path, name))) return v;
    } else if (additional != schema.end()) {
      if (additional->is_boolean() && !additional->get<bool>())
        return SchemaViolation{join(path, name), "is not a declared property"};
      if (additional->is_object())
        if (auto v = check(*additional, member, join(path, name))) return v;
    }
  }
  return std::nullopt;
}

std::optional<SchemaViolation> check(const json& schema, const json& value, const std::string& path) {
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return std::nullopt;
    return SchemaViolation{path, "is not allowed"};
  }
  if (auto v = check_type(schema, value, path)) return v;
  if (auto it = schema.find("const"); it != schema.end() && *it != value)
    return SchemaViolation{path, "must be " + it->dump() + " (is " + value.dump() + ")"};
  if (auto it = schema.find("enum"); it != schema.end()) {
    bool found = false;
    for (const auto& option : *it) found = found || option == value;
    if (!found) return SchemaViolation{path, "must be one of " + it->dump() + " (is " + value.dump() + ")"};
  }
  if (value.is_number())
    if (auto v = check_number(schema, value, path)) return v;
  if (value.is_string()) {
    // Lengths count bytes, not code points: close enough for the ASCII identifiers drivers use.
    const auto length = value.get_ref<const std::string&>().size();
    if (auto it = schema.find("minLength"); it != schema.end() && length < it->get<std::size_t>())
      return SchemaViolation{path, "must have at least " + it->dump() + " characters"};
    if (auto it = schema.find("maxLength"); it != schema.end() && length > it->get<std::size_t>())
      return SchemaViolation{path, "must have at most " + it->dump() + " characters"};
  }
  if (value.is_array()) {
    if (auto it = schema.find("minItems"); it != schema.end() && value.size() < it->get<std::size_t>())
      return SchemaViolation{path, "must have at least " + it->dump() + " items"};
    if (auto it = schema.find("maxItems"); it != schema.end() && value.size() > it->get<std::size_t>())
      return SchemaViolation{path, "must have at most " + it->dump() + " items"};
    if (auto it = schema.find("items"); it != schema.end())
      for (std::size_t i = 0; i < value.size(); ++i)
        if (auto v = check(*it, value[i], path + "[" + std::to_string(i) + "]")) return v;
  }
  if (value.is_object()) return check_object(schema, value, path);
  return std::nullopt;
}

bool is_count(const json& value) { return value.is_number_unsigned() || (value.is_number_integer() && value.get<long long>() >= 0); }

void collect_problems(const json& schema, const std::string& where, std::vector<std::string>& problems) {
  if (schema.is_boolean()) return;
  if (!schema.is_object()) {
    problems.push_back(where + ": a schema must be an object (or true/false)");
    return;
  }
  auto problem = [&](const std::string& keyword, const std::string& reason) {
    problems.push_back(where + "." + keyword + ": " + reason);
  };
  for (const auto& [keyword, value] : schema.items()) {
    if (keyword == "type") {
      bool ok = value.is_string() ? type_names().count(value.get<std::string>()) > 0 : value.is_array() && !value.empty();
      if (value.is_array())
        for (const auto& t : value) ok = ok && t.is_string() && type_names().count(t.get<std::string>()) > 0;
      if (!ok) problem(keyword, "must be one of object, array, string, number, integer, boolean, null (or a list of them)");
    } else if (keyword == "enum") {
      if (!value.is_array() || value.empty()) problem(keyword, "must be a non-empty array");
    } else if (keyword == "required") {
      bool ok = value.is_array();
      if (ok)
        for (const auto& name : value) ok = ok && name.is_string();
      if (!ok) problem(keyword, "must be an array of property names");
    } else if (keyword == "properties") {
      if (!value.is_object()) {
        problem(keyword, "must be an object mapping names to schemas");
        continue;
      }
      for (const auto& [name, sub] : value.items()) collect_problems(sub, where + ".properties." + name, problems);
    } else if (keyword == "additionalProperties" || keyword == "items") {
      collect_problems(value, where + "." + keyword, problems);
    } else if (keyword == "minimum" || keyword == "maximum" || keyword == "exclusiveMinimum" ||
               keyword == "exclusiveMaximum") {
      if (!value.is_number()) problem(keyword, "must be a number");
    } else if (keyword == "minItems" || keyword == "maxItems" || keyword == "minLength" || keyword == "maxLength") {
      if (!is_count(value)) problem(keyword, "must be a non-negative integer");
    }
  }
}

void collect_unverified(const json& schema, std::set<std::string>& out) {
  if (!schema.is_object()) return;
  for (const auto& [keyword, value] : schema.items()) {
    if (verified_keywords().count(keyword) == 0 && annotations().count(keyword) == 0) out.insert(keyword);
    if (keyword == "properties" && value.is_object())
      for (const auto& [name, sub] : value.items()) collect_unverified(sub, out);
    else if (keyword == "items" || keyword == "additionalProperties")
      collect_unverified(value, out);
  }
}

}  // namespace

std::optional<SchemaViolation> schema_violation(const json& schema, const json& value) {
  return check(schema, value, "");
}

std::vector<std::string> schema_problems(const json& schema, const std::string& where) {
  std::vector<std::string> problems;
  collect_problems(schema, where, problems);
  return problems;
}

std::set<std::string> unverified_keywords(const json& schema) {
  std::set<std::string> out;
  collect_unverified(schema, out);
  return out;
}

std::string describe(const SchemaViolation& violation, const std::string& what) {
  if (violation.path.empty()) return what + ": " + violation.reason;
  return what + " '" + violation.path + "': " + violation.reason;
}

}  // namespace foundry::engine::conformance
