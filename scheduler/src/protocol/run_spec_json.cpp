#include <foundry/protocol/run_spec_json.hpp>

#include <foundry/model/diagnostic.hpp>

#include "protocol/error_policy_json.hpp"
#include "protocol/step_timeout_json.hpp"
#include "protocol/json_document.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <utility>

namespace foundry {

using protocol_detail::DiagnosticSink;
using protocol_detail::Json;
using protocol_detail::pointer_append;

namespace {

constexpr std::array<std::pair<ErrorAction, const char*>, 6> kActionNames{{
    {ErrorAction::kRetry, "retry"},
    {ErrorAction::kReroute, "reroute"},
    {ErrorAction::kHold, "hold"},
    {ErrorAction::kSkip, "skip"},
    {ErrorAction::kAbortSample, "abort_sample"},
    {ErrorAction::kAbortRun, "abort_run"},
}};

Json parse_embedded(const std::string& text, const std::string& where) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw std::invalid_argument(where + " is not valid JSON text: " + e.what());
  }
}

// Reads one run document, recording every problem.
class RunSpecReader {
 public:
  explicit RunSpecReader(DiagnosticSink& sink) : sink_(sink) {}

  RunSpec read(const Json& document) {
    RunSpec run;
    if (!document.is_object()) {
      sink_.add("", "a run must be a JSON object, not " + protocol_detail::describe_json_type(document));
      return run;
    }
    check_members(document, "",
                  {"run_id", "protocol", "parameters", "priority", "release_s", "deadline_s", "steps"},
                  {"run_id", "protocol", "steps"}, "run");
    run.run_id = text(document, "", "run_id", true);
    run.protocol = text(document, "", "protocol", false);
    if (auto it = document.find("parameters"); it != document.end()) {
      if (!it->is_object()) type_error("/parameters", "an object (parameter name -> value)", *it);
      else
        for (const auto& [name, value] : it->items()) run.parameters[name] = value.dump();
    }
    if (auto priority = integer(document, "", "priority")) {
      if (*priority < 0 || *priority > 1000000) sink_.add("/priority", "priority must be between 0 and 1000000");
      else run.priority = static_cast<int>(*priority);
    }
    if (auto release = integer(document, "", "release_s")) run.release_s = *release;
    if (auto it = document.find("deadline_s"); it != document.end() && !it->is_null())
      run.deadline_s = integer(document, "", "deadline_s");
    if (auto it = document.find("steps"); it != document.end()) {
      if (!it->is_array()) type_error("/steps", "an array of steps", *it);
      else
        for (std::size_t i = 0; i < it->size(); ++i) run.steps.push_back(step((*it)[i], pointer_append("/steps", i)));
    }
    check_references(run, document);
    return run;
  }

 private:
  StepSpec step(const Json& value, const std::string& at) {
    StepSpec step;
    if (!value.is_object()) {
      type_error(at, "an object (a step)", value);
      return step;
    }
    check_members(value, at, {"id", "operation", "device_type", "parameters", "duration_s", "after", "on_error", "timeout_s"},
                  {"id", "operation", "device_type", "duration_s"}, "step");
    step.id = text(value, at, "id", true);
    step.operation = text(value, at, "operation", true);
    step.device_type = text(value, at, "device_type", true);
    if (auto it = value.find("parameters"); it != value.end()) {
      if (!it->is_object()) type_error(pointer_append(at, "parameters"), "an object", *it);
      else step.parameters_json = it->dump();
    }
    if (auto duration = integer(value, at, "duration_s")) {
      if (*duration < 1) sink_.add(pointer_append(at, "duration_s"), "duration must be at least 1 s, not " + std::to_string(*duration) + " s");
      else step.duration_s = *duration;
    }
    if (auto it = value.find("after"); it != value.end()) {
      if (!it->is_array()) {
        type_error(pointer_append(at, "after"), "an array of dependencies", *it);
      } else {
        for (std::size_t i = 0; i < it->size(); ++i)
          step.after.push_back(dependency((*it)[i], pointer_append(pointer_append(at, "after"), i)));
      }
    }
    if (auto it = value.find("on_error"); it != value.end())
      if (auto policy = protocol_detail::read_error_policy(*it, pointer_append(at, "on_error"), sink_,
                                                           protocol_detail::PolicyStrictness::kStored))
        step.on_error = *policy;
    // Absent in runs stored before steps had timeouts: the built-in default applies.
    if (auto it = value.find("timeout_s"); it != value.end() && !it->is_null())
      step.timeout_s = protocol_detail::read_timeout_s(*it, pointer_append(at, "timeout_s"), sink_);
    return step;
  }

  Dependency dependency(const Json& value, const std::string& at) {
    Dependency dep;
    if (!value.is_object()) {
      type_error(at, "an object {step, from, min_lag_s, max_lag_s}", value);
      return dep;
    }
    check_members(value, at, {"step", "from", "min_lag_s", "max_lag_s"}, {"step"}, "dependency");
    dep.step = text(value, at, "step", true);
    std::string from = text(value, at, "from", false);
    if (from == "start") dep.from = Anchor::kStart;
    else if (!from.empty() && from != "end")
      sink_.add(pointer_append(at, "from"), "'from' must be \"end\" or \"start\", not \"" + from + "\"");
    if (auto min = integer(value, at, "min_lag_s")) {
      if (*min < 0) sink_.add(pointer_append(at, "min_lag_s"), "min_lag_s must not be negative");
      else dep.min_lag_s = *min;
    }
    if (auto it = value.find("max_lag_s"); it != value.end() && !it->is_null()) {
      if (auto max = integer(value, at, "max_lag_s")) {
        if (*max < dep.min_lag_s)
          sink_.add(pointer_append(at, "max_lag_s"), "max_lag_s " + std::to_string(*max) + " s is less than min_lag_s " +
                                                         std::to_string(dep.min_lag_s) + " s");
        else dep.max_lag_s = *max;
      }
    }
    return dep;
  }

  // Step ids are unique and every dependency names a step of the run.
  void check_references(const RunSpec& run, const Json& document) {
    if (!document.contains("steps") || !document["steps"].is_array()) return;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
      const std::string& id = run.steps[i].id;
      if (!id.empty() && !ids.insert(id).second)
        sink_.add(pointer_append(pointer_append("/steps", i), "id"), "duplicate step id '" + id + "'");
    }
    for (std::size_t i = 0; i < run.steps.size(); ++i)
      for (std::size_t d = 0; d < run.steps[i].after.size(); ++d) {
        const std::string& target = run.steps[i].after[d].step;
        if (target.empty()) continue;
        std::string at = pointer_append(pointer_append(pointer_append(pointer_append("/steps", i), "after"), d), "step");
        if (!ids.count(target)) sink_.add(at, "no step '" + target + "' in this run");
        else if (target == run.steps[i].id) sink_.add(at, "a step cannot depend on itself");
      }
  }

  void check_members(const Json& object, const std::string& at, std::initializer_list<const char*> allowed,
                     std::initializer_list<const char*> required, const char* what) {
    for (const auto& [key, value] : object.items()) {
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        sink_.add(pointer_append(at, key), "unknown field '" + key + "' in " + what + " (allowed: " + list + ")");
      }
    }
    for (const char* r : required)
      if (!object.contains(r)) sink_.add(at, std::string("missing required field '") + r + "' in " + what);
  }

  void type_error(const std::string& at, const char* expected, const Json& found) {
    sink_.add(at, std::string("must be ") + expected + ", not " + protocol_detail::describe_json_type(found));
  }

  std::string text(const Json& object, const std::string& at, const char* key, bool non_empty) {
    auto it = object.find(key);
    if (it == object.end()) return {};
    if (!it->is_string()) {
      type_error(pointer_append(at, key), "a string", *it);
      return {};
    }
    if (non_empty && it->get_ref<const std::string&>().empty())
      sink_.add(pointer_append(at, key), std::string("'") + key + "' must not be empty");
    return it->get<std::string>();
  }

  std::optional<std::int64_t> integer(const Json& object, const std::string& at, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
      type_error(pointer_append(at, key), "a whole number", *it);
      return std::nullopt;
    }
    return it->get<std::int64_t>();
  }

  DiagnosticSink& sink_;
};

}  // namespace

std::string error_action_name(ErrorAction action) {
  for (const auto& [value, name] : kActionNames)
    if (value == action) return name;
  return "unknown";
}

std::optional<ErrorAction> parse_error_action(std::string_view name) {
  for (const auto& [value, text] : kActionNames)
    if (name == text) return value;
  return std::nullopt;
}

std::string run_spec_to_json(const RunSpec& run, int indent) {
  Json document = Json::object();
  document["run_id"] = run.run_id;
  document["protocol"] = run.protocol;
  Json parameters = Json::object();
  for (const auto& [name, value] : run.parameters)
    parameters[name] = parse_embedded(value, "run '" + run.run_id + "': parameter '" + name + "'");
  document["parameters"] = std::move(parameters);
  document["priority"] = run.priority;
  document["release_s"] = run.release_s;
  document["deadline_s"] = run.deadline_s ? Json(*run.deadline_s) : Json(nullptr);
  Json steps = Json::array();
  for (const StepSpec& step : run.steps) {
    Json s = Json::object();
    s["id"] = step.id;
    s["operation"] = step.operation;
    s["device_type"] = step.device_type;
    s["parameters"] = parse_embedded(step.parameters_json, "run '" + run.run_id + "', step '" + step.id + "': parameters");
    s["duration_s"] = step.duration_s;
    Json after = Json::array();
    for (const Dependency& dep : step.after) {
      Json d = Json::object();
      d["step"] = dep.step;
      d["from"] = dep.from == Anchor::kStart ? "start" : "end";
      d["min_lag_s"] = dep.min_lag_s;
      d["max_lag_s"] = dep.max_lag_s ? Json(*dep.max_lag_s) : Json(nullptr);
      after.push_back(std::move(d));
    }
    s["after"] = std::move(after);
    s["on_error"] = protocol_detail::error_policy_to_json(step.on_error);
    s["timeout_s"] = step.timeout_s ? Json(*step.timeout_s) : Json(nullptr);
    steps.push_back(std::move(s));
  }
  document["steps"] = std::move(steps);
  return document.dump(indent);
}

RunSpec run_spec_from_json(const std::string& json_text, const std::string& origin) {
  DiagnosticSink sink(origin);
  auto document = protocol_detail::parse_json_document(json_text, sink);
  if (!document) sink.throw_if_any();
  RunSpec run = RunSpecReader(sink).read(*document);
  sink.throw_if_any();
  return run;
}

}  // namespace foundry
