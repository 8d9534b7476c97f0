#include "protocol/error_policy_json.hpp"

#include <foundry/protocol/run_spec_json.hpp>

#include "protocol/protocol_reader.hpp"

#include <cmath>

namespace foundry::protocol_detail {

namespace {

constexpr const char* kActionList = "retry, reroute, hold, skip, abort_sample, abort_run";

bool is_final(ErrorAction action) { return action != ErrorAction::kRetry && action != ErrorAction::kReroute; }

std::optional<ErrorAction> read_action(const Json& object, const char* key, const std::string& pointer,
                                       DiagnosticSink& sink) {
  const Json& value = object[key];
  std::string at = pointer_append(pointer, key);
  if (!value.is_string()) {
    sink.add(at, "must be an action name (" + std::string(kActionList) + "), not " + describe_json_type(value));
    return std::nullopt;
  }
  auto action = parse_error_action(value.get_ref<const std::string&>());
  if (!action)
    sink.add(at, "unknown action '" + value.get<std::string>() + "' (allowed: " + kActionList + ")");
  return action;
}

}  // namespace

std::optional<ErrorPolicy> read_error_policy(const Json& value, const std::string& pointer, DiagnosticSink& sink,
                                             PolicyStrictness strictness) {
  if (!value.is_object()) {
    sink.add(pointer, "an error policy must be an object {action, retry_limit, backoff_s, then}, not " +
                          describe_json_type(value));
    return std::nullopt;
  }
  const std::size_t problems = sink.size();
  for (const auto& [key, member] : value.items())
    if (key != "action" && key != "retry_limit" && key != "backoff_s" && key != "then")
      sink.add(pointer_append(pointer, key),
               "unknown field '" + key + "' in error policy (allowed: action, retry_limit, backoff_s, then)");

  ErrorPolicy policy;
  if (!value.contains("action")) {
    sink.add(pointer, "missing required field 'action' in error policy");
  } else if (auto action = read_action(value, "action", pointer, sink)) {
    policy.action = *action;
  }
  const bool repeats = !is_final(policy.action);
  const bool authored = strictness == PolicyStrictness::kAuthored;
  const bool action_ok = sink.size() == problems;
  auto only_for_repeats = [&](const char* key) {
    if (authored && action_ok && !repeats && value.contains(key))
      sink.add(pointer_append(pointer, key), std::string("'") + key +
                                                 "' applies only to actions \"retry\" and \"reroute\", not \"" +
                                                 error_action_name(policy.action) + "\"");
  };

  only_for_repeats("retry_limit");
  if (auto it = value.find("retry_limit"); it != value.end()) {
    std::string at = pointer_append(pointer, "retry_limit");
    if (!it->is_number_integer()) {
      sink.add(at, "must be a whole number of attempts, not " +
                       (it->is_number() ? it->dump() : describe_json_type(*it)));
    } else if (it->get<std::int64_t>() < 0) {
      sink.add(at, "retry_limit must not be negative (" + it->dump() + ")");
    } else if (it->get<std::int64_t>() > kMaxRetryLimit) {
      sink.add(at, "retry_limit " + it->dump() + " is more than " + std::to_string(kMaxRetryLimit));
    } else {
      policy.retry_limit = it->get<int>();
      if (authored && policy.action == ErrorAction::kRetry && policy.retry_limit == 0)
        sink.add(at, "retry_limit 0 never retries; use at least 1, or another action");
    }
  } else if (authored && action_ok && policy.action == ErrorAction::kRetry) {
    sink.add(pointer, "action \"retry\" needs 'retry_limit' (how many attempts after the first)");
  }

  only_for_repeats("backoff_s");
  if (auto it = value.find("backoff_s"); it != value.end()) {
    std::string at = pointer_append(pointer, "backoff_s");
    if (!it->is_number()) sink.add(at, "must be a number of seconds, not " + describe_json_type(*it));
    else if (double s = it->get<double>(); !(s >= 0)) sink.add(at, "backoff_s must not be negative (" + it->dump() + ")");
    else if (s > static_cast<double>(kMaxSeconds)) sink.add(at, "backoff_s " + it->dump() + " s is longer than ten years");
    else policy.backoff_s = s;
  }

  only_for_repeats("then");
  if (value.contains("then")) {
    if (auto then = read_action(value, "then", pointer, sink)) {
      if (!is_final(*then))
        sink.add(pointer_append(pointer, "then"),
                 "'then' is what happens once retries are exhausted, so it cannot be \"" + error_action_name(*then) +
                     "\" (allowed: hold, skip, abort_sample, abort_run)");
      else
        policy.then = *then;
    }
  }
  if (sink.size() != problems) return std::nullopt;
  return policy;
}

Json error_policy_to_json(const ErrorPolicy& policy) {
  Json json = Json::object();
  json["action"] = error_action_name(policy.action);
  json["retry_limit"] = policy.retry_limit;
  json["backoff_s"] = policy.backoff_s;
  json["then"] = error_action_name(policy.then);
  return json;
}

}  // namespace foundry::protocol_detail
