#include "protocol/substitution.hpp"

namespace foundry::protocol_detail {

Json substitute(const Json& value, const Bindings& bindings, const std::string& pointer) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!Template::contains_expression(text)) return value;
    try {
      return Template::parse(text).evaluate(bindings);
    } catch (const SubstitutionError&) {
      throw;
    } catch (const ExpressionError& e) {
      throw SubstitutionError(pointer, e.what());
    }
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (std::size_t i = 0; i < value.size(); ++i) out.push_back(substitute(value[i], bindings, pointer_append(pointer, i)));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, member] : value.items()) out[key] = substitute(member, bindings, pointer_append(pointer, key));
    return out;
  }
  return value;
}

namespace {
std::string list_names(const std::set<std::string>& names) {
  if (names.empty()) return "none";
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}
}  // namespace

void check_templates(const Json& value, const std::string& pointer, const std::set<std::string>& known,
                     DiagnosticSink& sink) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!Template::contains_expression(text)) return;
    try {
      auto used = Template::parse(text).names();
      for (const auto& name : std::set<std::string>(used.begin(), used.end()))
        if (!known.count(name))
          sink.add(pointer, "unknown name '" + name + "' in '" + text + "' (known here: " + list_names(known) + ")");
    } catch (const ExpressionError& e) {
      sink.add(pointer, std::string("bad expression: ") + e.what());
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) check_templates(value[i], pointer_append(pointer, i), known, sink);
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.items()) check_templates(member, pointer_append(pointer, key), known, sink);
  }
}

}  // namespace foundry::protocol_detail
