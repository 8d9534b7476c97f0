#include "service/json_codec.hpp"

#include <foundry/service/request_handler.hpp>

#include <limits>

namespace foundry::service {

namespace {

// Bracket depth outside strings; stops counting once it passes the limit.
bool nesting_within_limit(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return false;
    } else if (c == ']' || c == '}') --depth;
  }
  return true;
}

std::string type_word(const json& value) { return value.type_name(); }

json optional_time(const std::optional<double>& t) { return t ? json(*t) : json(nullptr); }

}  // namespace

json parse_request_object(std::string_view text) {
  if (!nesting_within_limit(text))
    throw ApiError("malformed_json", "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  json value;
  try {
    value = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw ApiError("malformed_json", std::string("not valid JSON: ") + e.what());
  }
  if (!value.is_object()) throw ApiError("not_an_object", "a request is a JSON object, not " + type_word(value));
  return value;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

const json& required(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) throw ApiError("missing_field", std::string("missing field '") + name + "'");
  return *it;
}

std::string required_string(const json& object, const char* name) {
  const json& value = required(object, name);
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    throw ApiError("bad_field", std::string("field '") + name + "' must be a non-empty string, not " +
                                    (value.is_string() ? "an empty one" : type_word(value)));
  return value.get<std::string>();
}

std::optional<std::string> optional_string(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ApiError("bad_field", std::string("field '") + name + "' must be a string, not " + type_word(*it));
  return it->get<std::string>();
}

std::optional<std::int64_t> optional_integer(const json& object, const char* name, std::int64_t min, std::int64_t max) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer())
    throw ApiError("bad_field", std::string("field '") + name + "' must be an integer, not " + type_word(*it));
  // Unsigned values above INT64_MAX are out of range too.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    throw ApiError("bad_field", std::string("field '") + name + "' must be at most " + std::to_string(max));
  auto v = it->get<std::int64_t>();
  if (v < min || v > max)
    throw ApiError("bad_field", std::string("field '") + name + "' must be between " + std::to_string(min) +
                                    " and " + std::to_string(max));
  return v;
}

std::optional<double> optional_number(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw ApiError("bad_field", std::string("field '") + name + "' must be a number, not " + type_word(*it));
  return it->get<double>();
}

std::optional<bool> optional_bool(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw ApiError("bad_field", std::string("field '") + name + "' must be true or false, not " + type_word(*it));
  return it->get<bool>();
}

json event_to_json(const store::Event& event) {
  json detail = json::parse(event.detail_json, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded()) detail = event.detail_json;
  return {{"seq", event.seq}, {"t", event.t},           {"run_id", event.run_id},
          {"step_id", event.step_id}, {"kind", event.kind}, {"detail", detail}};
}

json measurement_to_json(const store::Measurement& m) {
  return {{"name", m.name}, {"value", m.value}, {"unit", m.unit}, {"sample", m.sample},
          {"device_id", m.device_id}, {"t", m.t}};
}

json result_to_json(const StepResult& result) {
  json measurements = json::array();
  for (const auto& m : result.measurements) measurements.push_back(measurement_to_json(m));
  std::string device_id = result.measurements.empty() ? std::string() : result.measurements.front().device_id;
  return {{"seq", result.event.seq},        {"t", result.event.t},   {"run_id", result.event.run_id},
          {"step_id", result.event.step_id}, {"device_id", device_id}, {"measurements", measurements}};
}

json run_to_json(const store::RunRow& run) {
  return {{"run_id", run.run_id},         {"protocol", run.protocol},
          {"state", run.state},           {"priority", run.priority},
          {"created_at", run.created_at}, {"finished_at", optional_time(run.finished_at)}};
}

json step_to_json(const store::StepRow& step) {
  return {{"step_id", step.step_id},
          {"operation", step.operation},
          {"device_type", step.device_type},
          {"state", step.state},
          {"device_id", step.device_id},
          {"unit", step.unit},
          {"attempt", step.attempt},
          {"planned_start", optional_time(step.planned_start)},
          {"planned_end", optional_time(step.planned_end)},
          {"started_at", optional_time(step.started_at)},
          {"finished_at", optional_time(step.finished_at)}};
}

json prompt_to_json(const engine::Prompt& prompt) {
  return {{"run_id", prompt.run_id},
          {"step_id", prompt.step_id},
          {"device_id", prompt.device_id},
          {"what_happened", prompt.what_happened},
          {"choices", prompt.choices},
          {"window_left_s", prompt.window_left_s ? json(*prompt.window_left_s) : json(nullptr)},
          {"since", prompt.since}};
}

std::string event_message_json(const store::Event& event) { return dump(event_to_json(event)); }

std::string result_message_json(const StepResult& result, std::int64_t previous_result_seq) {
  json message = result_to_json(result);
  message["previous_result_seq"] = previous_result_seq;
  return dump(message);
}

}  // namespace foundry::service
