#include "protocol/parameter_values.hpp"

#include <cmath>

namespace foundry::protocol_detail {

bool is_parameter_type(const std::string& type) {
  for (const char* known : kParameterTypes)
    if (type == known) return true;
  return false;
}

namespace {

bool has_type(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer() ||
                                (value.is_number_float() && std::nearbyint(value.get<double>()) == value.get<double>());
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return false;
}

std::string number_text(double x) {
  if (std::nearbyint(x) == x && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  return Json(x).dump();
}

}  // namespace

std::optional<std::string> check_parameter_value(const ParameterDecl& parameter, const Json& value) {
  const std::string& type = parameter.spec.type;
  if (!has_type(value, type)) {
    const char* article = (type == "integer" || type == "array" || type == "object") ? "an " : "a ";
    return "must be " + std::string(article) + type + ", not " + describe_json_type(value);
  }
  if (value.is_number()) {
    double x = value.get<double>();
    if (parameter.minimum && x < *parameter.minimum)
      return "must be at least " + number_text(*parameter.minimum) + ", not " + value.dump();
    if (parameter.maximum && x > *parameter.maximum)
      return "must be at most " + number_text(*parameter.maximum) + ", not " + value.dump();
  }
  return std::nullopt;
}

std::map<std::string, Json> resolve_parameter_values(const Protocol::Impl& protocol,
                                                     const std::map<std::string, std::string>& given,
                                                     DiagnosticSink& sink) {
  std::map<std::string, Json> values;
  std::string declared;
  for (const auto& p : protocol.parameters) declared += (declared.empty() ? "" : ", ") + p.spec.name;

  for (const auto& [name, text] : given) {
    bool known = false;
    for (const auto& p : protocol.parameters) known = known || p.spec.name == name;
    if (!known)
      sink.add(pointer_append("/parameters", name),
               "unknown parameter '" + name + "' (this protocol declares: " + (declared.empty() ? "none" : declared) + ")");
  }
  for (const auto& parameter : protocol.parameters) {
    const std::string& name = parameter.spec.name;
    auto it = given.find(name);
    if (it == given.end()) {
      if (parameter.default_value) values[name] = *parameter.default_value;
      else sink.add(parameter.pointer, "no value given for required parameter '" + name + "' (" + parameter.spec.type + ")");
      continue;
    }
    Json value;
    try {
      value = Json::parse(it->second);
    } catch (const Json::parse_error&) {
      sink.add(parameter.pointer, "value for parameter '" + name + "' is not valid JSON: '" + it->second +
                                      "' (a string value needs quotes: \"text\")");
      continue;
    }
    if (auto problem = check_parameter_value(parameter, value)) {
      sink.add(parameter.pointer, "value for parameter '" + name + "' " + *problem);
      continue;
    }
    values[name] = std::move(value);
  }
  return values;
}

}  // namespace foundry::protocol_detail
