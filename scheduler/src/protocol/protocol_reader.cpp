#include "protocol/protocol_reader.hpp"

#include "protocol/error_policy_json.hpp"
#include "protocol/parameter_values.hpp"
#include "protocol/step_timeout_json.hpp"
#include "protocol/substitution.hpp"

#include <cctype>
#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>

namespace foundry::protocol_detail {

std::optional<std::string> duration_problem(std::int64_t seconds) {
  if (seconds < 1) return "duration must be at least 1 s, not " + std::to_string(seconds) + " s";
  if (seconds > kMaxSeconds) return "duration " + std::to_string(seconds) + " s is longer than ten years";
  return std::nullopt;
}

std::optional<std::string> lag_problem(const char* field, std::int64_t seconds) {
  if (seconds < 0)
    return std::string(field) + " must not be negative (" + std::to_string(seconds) +
           " s); to start before a step, make that step depend on this one instead";
  if (seconds > kMaxSeconds) return std::string(field) + " " + std::to_string(seconds) + " s is longer than ten years";
  return std::nullopt;
}

std::optional<std::string> lag_order_problem(std::int64_t min_lag, std::int64_t max_lag) {
  if (max_lag < min_lag)
    return "contradictory lags: max_lag " + std::to_string(max_lag) + " s is less than min_lag " +
           std::to_string(min_lag) + " s";
  return std::nullopt;
}

namespace {

bool is_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool is_step_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string text;
  for (auto w : words) text += (text.empty() ? "" : ", ") + std::string(w);
  return text;
}

class Reader {
 public:
  Reader(Protocol::Impl& protocol, DiagnosticSink& sink) : protocol_(protocol), sink_(sink) {}

  void read(const Json& document) {
    if (!document.is_object()) {
      sink_.add("", "a protocol must be a JSON object, not " + describe_json_type(document));
      return;
    }
    check_members(document, "", {"$schema", "name", "version", "description", "parameters", "defaults", "steps"},
                  {"name", "version", "steps"}, "protocol");
    protocol_.name = read_text(document, "", "name", true);
    protocol_.version = read_text(document, "", "version", true);
    protocol_.description = read_text(document, "", "description", false);
    if (document.contains("$schema") && !document["$schema"].is_string())
      type_error("/$schema", "a string", document["$schema"]);
    if (document.contains("parameters")) read_parameters(document["parameters"], "/parameters");
    if (document.contains("defaults")) read_defaults(document["defaults"], "/defaults");

    protocol_.groups.emplace_back();  // the root: the protocol's own steps
    protocol_.groups[0].pointer = "";
    std::set<std::string> names;
    for (const auto& p : protocol_.parameters) names.insert(p.spec.name);
    if (document.contains("steps")) read_members(document["steps"], "/steps", 0, names);
  }

 private:
  // --- generic field checks ------------------------------------------------------------------

  void check_members(const Json& object, const std::string& pointer, std::initializer_list<std::string_view> allowed,
                     std::initializer_list<std::string_view> required, const char* what) {
    for (const auto& [key, value] : object.items()) {
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key;
      if (!ok)
        sink_.add(pointer_append(pointer, key), "unknown field '" + key + "' in " + what + " (allowed: " + join(allowed) + ")");
    }
    for (auto r : required)
      if (!object.contains(std::string(r)))
        sink_.add(pointer, "missing required field '" + std::string(r) + "' in " + what);
  }

  void type_error(const std::string& pointer, const char* expected, const Json& found) {
    sink_.add(pointer, std::string("must be ") + expected + ", not " + describe_json_type(found));
  }

  std::string read_text(const Json& object, const std::string& pointer, const char* key, bool non_empty) {
    auto it = object.find(key);
    if (it == object.end()) return {};
    if (!it->is_string()) {
      type_error(pointer_append(pointer, key), "a string", *it);
      return {};
    }
    std::string text = it->get<std::string>();
    if (non_empty && text.empty()) sink_.add(pointer_append(pointer, key), std::string("'") + key + "' must not be empty");
    return text;
  }

  // --- parameters -----------------------------------------------------------------------------

  void read_parameters(const Json& parameters, const std::string& pointer) {
    if (!parameters.is_object()) return type_error(pointer, "an object (parameter name -> spec)", parameters);
    for (const auto& [name, spec] : parameters.items()) {
      std::string at = pointer_append(pointer, name);
      if (!is_identifier(name))
        sink_.add(at, "parameter name '" + name + "' must be a name (letters, digits, '_'; not starting with a digit)");
      if (!spec.is_object()) {
        type_error(at, "an object with 'type' (and 'default', 'description')", spec);
        continue;
      }
      check_members(spec, at, {"type", "default", "description", "minimum", "maximum"}, {"type"}, "parameter");
      ParameterDecl decl;
      decl.pointer = at;
      decl.spec.name = name;
      decl.spec.type = read_text(spec, at, "type", false);
      decl.spec.description = read_text(spec, at, "description", false);
      bool type_ok = is_parameter_type(decl.spec.type);
      if (spec.contains("type") && spec["type"].is_string() && !type_ok)
        sink_.add(pointer_append(at, "type"), "unknown parameter type '" + decl.spec.type +
                                                  "' (allowed: string, integer, number, boolean, array, object)");
      for (const char* bound : {"minimum", "maximum"}) {
        if (!spec.contains(bound)) continue;
        const Json& b = spec[bound];
        if (!b.is_number()) type_error(pointer_append(at, bound), "a number", b);
        else if (decl.spec.type != "integer" && decl.spec.type != "number")
          sink_.add(pointer_append(at, bound), std::string("'") + bound + "' applies only to integer and number parameters");
        else (std::string_view(bound) == "minimum" ? decl.minimum : decl.maximum) = b.get<double>();
      }
      if (decl.minimum && decl.maximum && *decl.maximum < *decl.minimum)
        sink_.add(pointer_append(at, "maximum"), "maximum is less than minimum");
      if (spec.contains("default")) {
        decl.default_value = spec["default"];
        decl.spec.default_json = spec["default"].dump();
        if (type_ok)
          if (auto problem = check_parameter_value(decl, spec["default"]))
            sink_.add(pointer_append(at, "default"), "default " + *problem);
      }
      protocol_.parameter_specs.push_back(decl.spec);
      protocol_.parameters.push_back(std::move(decl));
    }
  }

  // --- defaults for every step ------------------------------------------------------------------

  void read_defaults(const Json& defaults, const std::string& pointer) {
    if (!defaults.is_object()) return type_error(pointer, "an object (e.g. {\"on_error\": {...}})", defaults);
    check_members(defaults, pointer, {"on_error", "timeout_factor", "timeout_margin_s"}, {}, "defaults");
    if (auto it = defaults.find("on_error"); it != defaults.end())
      if (auto policy = read_error_policy(*it, pointer_append(pointer, "on_error"), sink_, PolicyStrictness::kAuthored))
        protocol_.default_on_error = *policy;
    read_timeout_defaults(defaults, pointer, protocol_.default_timeout, sink_);
  }

  // --- steps and groups ---------------------------------------------------------------------

  void read_members(const Json& members, const std::string& pointer, std::size_t group, const std::set<std::string>& names) {
    if (!members.is_array()) return type_error(pointer, "an array of steps and groups", members);
    if (members.empty()) sink_.add(pointer, "'steps' must not be empty");
    std::map<std::string, std::string> ids;  // step id -> pointer, within this group
    for (std::size_t i = 0; i < members.size(); ++i) {
      const Json& member = members[i];
      std::string at = pointer_append(pointer, i);
      if (!member.is_object()) {
        type_error(at, "an object (a step, or a group with 'group' and 'steps')", member);
        continue;
      }
      if (member.contains("steps") || member.contains("group")) {
        read_group(member, at, group, names);
        continue;
      }
      std::size_t index = read_step(member, at, group, names);
      const std::string& id = protocol_.steps[index].id;
      if (id.empty()) continue;
      auto [it, inserted] = ids.emplace(id, at);
      if (!inserted) sink_.add(pointer_append(at, "id"), "duplicate step id '" + id + "' (also at " + it->second + ")");
    }
  }

  std::size_t read_step(const Json& step, const std::string& at, std::size_t group, const std::set<std::string>& names) {
    check_members(step, at, {"id", "operation", "device_type", "parameters", "duration", "after", "on_error", "timeout_s",
                   "description"},
                  {"id", "operation", "device_type", "duration"}, "step");
    StepDecl decl;
    decl.pointer = at;
    decl.group = group;
    decl.id = read_text(step, at, "id", true);
    if (!decl.id.empty() && !is_step_id(decl.id))
      sink_.add(pointer_append(at, "id"), "step id '" + decl.id +
                                              "' may contain only letters, digits, '_', '-' and '.' ('/' joins group and step ids)");
    decl.operation = read_text(step, at, "operation", true);
    decl.device_type = read_text(step, at, "device_type", true);
    read_text(step, at, "description", false);
    check_templates(Json(decl.device_type), pointer_append(at, "device_type"), names, sink_);
    if (auto it = step.find("parameters"); it != step.end()) {
      if (it->is_object()) {
        decl.parameters = *it;
        check_templates(decl.parameters, pointer_append(at, "parameters"), names, sink_);
      } else {
        type_error(pointer_append(at, "parameters"), "an object", *it);
      }
    }
    if (step.contains("duration")) {
      decl.duration = read_seconds(step["duration"], pointer_append(at, "duration"), names);
      if (auto s = literal_seconds(decl.duration))
        if (auto problem = duration_problem(*s)) sink_.add(decl.duration.pointer, *problem);
    }
    if (auto it = step.find("after"); it != step.end()) {
      if (!it->is_array()) {
        type_error(pointer_append(at, "after"), "an array of dependencies", *it);
      } else {
        for (std::size_t i = 0; i < it->size(); ++i)
          if (auto dep = read_dependency((*it)[i], pointer_append(pointer_append(at, "after"), i), names))
            decl.after.push_back(std::move(*dep));
      }
    }
    if (auto it = step.find("on_error"); it != step.end())
      decl.on_error = read_error_policy(*it, pointer_append(at, "on_error"), sink_, PolicyStrictness::kAuthored);
    if (auto it = step.find("timeout_s"); it != step.end()) {
      decl.timeout_s = read_timeout_s(*it, pointer_append(at, "timeout_s"), sink_);
      if (decl.timeout_s)
        if (auto duration = literal_seconds(decl.duration))
          if (auto problem = timeout_problem(*decl.timeout_s, *duration)) sink_.add(pointer_append(at, "timeout_s"), *problem);
    }
    protocol_.steps.push_back(std::move(decl));
    std::size_t index = protocol_.steps.size() - 1;
    protocol_.groups[group].members.push_back({false, index});
    return index;
  }

  std::optional<DependencyDecl> read_dependency(const Json& dep, const std::string& at, const std::set<std::string>& names) {
    if (dep.is_string()) {  // shorthand: "after": ["setup"] means from the end, no window
      DependencyDecl decl;
      decl.step = dep.get<std::string>();
      decl.pointer = at;
      decl.step_pointer = at;
      decl.min_lag = {Json(0), at};
      if (decl.step.empty()) sink_.add(at, "step name must not be empty");
      return decl;
    }
    if (!dep.is_object()) {
      type_error(at, "an object {step, from, min_lag, max_lag} or a step id", dep);
      return std::nullopt;
    }
    check_members(dep, at, {"step", "from", "min_lag", "max_lag"}, {"step"}, "dependency");
    DependencyDecl decl;
    decl.pointer = at;
    decl.step_pointer = pointer_append(at, "step");
    decl.step = read_text(dep, at, "step", true);
    std::string from = read_text(dep, at, "from", false);
    if (from == "start") decl.from = Anchor::kStart;
    else if (!from.empty() && from != "end")
      sink_.add(pointer_append(at, "from"), "'from' must be \"end\" or \"start\", not \"" + from + "\"");
    decl.min_lag = dep.contains("min_lag") ? read_seconds(dep["min_lag"], pointer_append(at, "min_lag"), names)
                                           : SecondsValue{Json(0), pointer_append(at, "min_lag")};
    auto min_lag = literal_seconds(decl.min_lag);
    if (min_lag)
      if (auto problem = lag_problem("min_lag", *min_lag)) sink_.add(decl.min_lag.pointer, *problem);
    if (dep.contains("max_lag")) {
      decl.max_lag = read_seconds(dep["max_lag"], pointer_append(at, "max_lag"), names);
      if (auto max_lag = literal_seconds(*decl.max_lag)) {
        if (auto problem = lag_problem("max_lag", *max_lag)) sink_.add(decl.max_lag->pointer, *problem);
        else if (min_lag && *min_lag >= 0)
          if (auto order = lag_order_problem(*min_lag, *max_lag)) sink_.add(decl.max_lag->pointer, *order);
      }
    }
    return decl;
  }

  SecondsValue read_seconds(const Json& value, const std::string& at, const std::set<std::string>& names) {
    SecondsValue seconds{value, at};
    if (value.is_string()) {
      if (!Template::contains_expression(value.get_ref<const std::string&>()))
        sink_.add(at, "must be a whole number of seconds or a \"${...}\" expression, not the text '" +
                          value.get<std::string>() + "'");
      else
        check_templates(value, at, names, sink_);
    } else if (!value.is_number_integer()) {
      if (value.is_number_float()) sink_.add(at, "must be a whole number of seconds, not " + value.dump());
      else type_error(at, "a whole number of seconds or a \"${...}\" expression", value);
      seconds.raw = nullptr;
    }
    return seconds;
  }

  static std::optional<std::int64_t> literal_seconds(const SecondsValue& value) {
    if (value.raw.is_number_integer()) return value.raw.get<std::int64_t>();
    return std::nullopt;
  }

  void read_group(const Json& group, const std::string& at, std::size_t parent, std::set<std::string> names) {
    check_members(group, at, {"group", "description", "for_each", "repeat", "steps"}, {"group", "steps"}, "group");
    GroupDecl decl;
    decl.pointer = at;
    decl.parent = parent;
    decl.depth = protocol_.groups[parent].depth + 1;
    read_text(group, at, "description", false);
    if (group.contains("for_each") && group.contains("repeat"))
      sink_.add(at, "a group repeats either 'for_each' (over a list) or 'repeat' (over a count), not both");
    if (auto it = group.find("for_each"); it != group.end()) {
      std::string loop = pointer_append(at, "for_each");
      if (!it->is_object()) {
        type_error(loop, "an object {var, in}", *it);
      } else {
        check_members(*it, loop, {"var", "in"}, {"var", "in"}, "for_each");
        decl.repetition = Repetition::kForEach;
        decl.variable = read_text(*it, loop, "var", true);
        if (auto in = it->find("in"); in != it->end()) {
          if (in->is_string() && Template::contains_expression(in->get_ref<const std::string&>())) {
            check_templates(*in, pointer_append(loop, "in"), names, sink_);
          } else if (!in->is_array()) {
            type_error(pointer_append(loop, "in"), "an array or a \"${...}\" expression giving one", *in);
          } else {
            check_templates(*in, pointer_append(loop, "in"), names, sink_);
          }
          decl.items = *in;
        }
      }
    } else if (auto rit = group.find("repeat"); rit != group.end()) {
      std::string loop = pointer_append(at, "repeat");
      if (!rit->is_object()) {
        type_error(loop, "an object {var, from, to}", *rit);
      } else {
        check_members(*rit, loop, {"var", "from", "to"}, {"var", "to"}, "repeat");
        decl.repetition = Repetition::kRange;
        decl.variable = read_text(*rit, loop, "var", true);
        decl.from = rit->contains("from") ? read_count((*rit)["from"], pointer_append(loop, "from"), names) : Json(1);
        if (rit->contains("to")) decl.to = read_count((*rit)["to"], pointer_append(loop, "to"), names);
      }
    }
    if (decl.repetition != Repetition::kOnce && !decl.variable.empty()) {
      std::string var_at = pointer_append(pointer_append(at, decl.repetition == Repetition::kForEach ? "for_each" : "repeat"), "var");
      if (!is_identifier(decl.variable))
        sink_.add(var_at, "loop variable '" + decl.variable + "' must be a name (letters, digits, '_')");
      else if (names.count(decl.variable))
        sink_.add(var_at, "loop variable '" + decl.variable + "' hides a parameter or an outer loop variable of the same name");
      names.insert(decl.variable);
    }
    if (auto it = group.find("group"); it != group.end()) {
      if (!it->is_string()) {
        type_error(pointer_append(at, "group"), "a string (the group's id, e.g. \"${design.id}\")", *it);
      } else {
        const auto& id = it->get_ref<const std::string&>();
        if (id.empty()) sink_.add(pointer_append(at, "group"), "'group' must not be empty");
        else if (!Template::contains_expression(id) && !is_step_id(id))
          sink_.add(pointer_append(at, "group"), "group id '" + id + "' may contain only letters, digits, '_', '-' and '.'");
        check_templates(*it, pointer_append(at, "group"), names, sink_);
        decl.id = *it;
      }
    }
    protocol_.groups.push_back(std::move(decl));
    std::size_t index = protocol_.groups.size() - 1;
    protocol_.groups[parent].members.push_back({true, index});
    if (group.contains("steps")) read_members(group["steps"], pointer_append(at, "steps"), index, names);
  }

  Json read_count(const Json& value, const std::string& at, const std::set<std::string>& names) {
    if (value.is_string() && Template::contains_expression(value.get_ref<const std::string&>())) {
      check_templates(value, at, names, sink_);
      return value;
    }
    if (!value.is_number_integer()) {
      type_error(at, "an integer or a \"${...}\" expression", value);
      return nullptr;
    }
    return value;
  }

  Protocol::Impl& protocol_;
  DiagnosticSink& sink_;
};

}  // namespace

void read_protocol(const Json& document, Protocol::Impl& protocol, DiagnosticSink& sink) {
  Reader(protocol, sink).read(document);
}

}  // namespace foundry::protocol_detail
