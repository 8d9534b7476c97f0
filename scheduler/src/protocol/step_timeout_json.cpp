#include "protocol/step_timeout_json.hpp"

#include "protocol/protocol_reader.hpp"

#include <cstdio>

namespace foundry::protocol_detail {

namespace {

// 2.5 -> "2.5", 60 -> "60": numbers as an author would write them.
std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// A number of seconds (or a factor) in [minimum, maximum]; `exclusive` makes minimum itself wrong.
// `seconds`: the value is a number of seconds, so the message says how it reads ("1e12 s is
// longer than ten years") rather than the bare bound.
std::optional<double> read_bounded(const Json& value, const std::string& at, const char* field, const char* what,
                                   double minimum, bool exclusive, double maximum, bool seconds, DiagnosticSink& sink) {
  if (!value.is_number()) {
    sink.add(at, std::string("must be ") + what + ", not " + describe_json_type(value));
    return std::nullopt;
  }
  const double v = value.get<double>();
  if (exclusive ? !(v > minimum) : !(v >= minimum)) {
    sink.add(at, std::string(field) + " must be " + (exclusive ? "more than " : "at least ") + number(minimum) +
                     ", not " + value.dump());
    return std::nullopt;
  }
  if (v > maximum) {
    sink.add(at, std::string(field) + " " + number(v) +
                     (seconds ? " s is longer than ten years" : " is more than " + number(maximum)));
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<double> read_timeout_s(const Json& value, const std::string& pointer, DiagnosticSink& sink) {
  return read_bounded(value, pointer, "timeout_s", "a number of seconds", 0, true, static_cast<double>(kMaxSeconds),
                      true, sink);
}

void read_timeout_defaults(const Json& defaults, const std::string& pointer, TimeoutDefaults& defaults_out,
                           DiagnosticSink& sink) {
  if (auto it = defaults.find("timeout_factor"); it != defaults.end())
    if (auto factor = read_bounded(*it, pointer_append(pointer, "timeout_factor"), "timeout_factor",
                                   "a number (x the step's duration)", 1, false, kMaxTimeoutFactor, false, sink))
      defaults_out.factor = *factor;
  if (auto it = defaults.find("timeout_margin_s"); it != defaults.end())
    if (auto margin = read_bounded(*it, pointer_append(pointer, "timeout_margin_s"), "timeout_margin_s",
                                   "a number of seconds", 0, false, static_cast<double>(kMaxSeconds), true, sink))
      defaults_out.margin_s = *margin;
}

std::optional<std::string> timeout_problem(double timeout_s, std::int64_t duration_s) {
  if (timeout_s < static_cast<double>(duration_s))
    return "timeout_s " + number(timeout_s) + " s is shorter than the step's duration (" + std::to_string(duration_s) +
           " s): every attempt would time out";
  return std::nullopt;
}

}  // namespace foundry::protocol_detail
