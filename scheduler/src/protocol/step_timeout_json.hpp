// A step's timeout as protocols write it: "timeout_s" on a step, and "timeout_factor" /
// "timeout_margin_s" in "defaults" for every step without its own. Shared by the protocol reader,
// the expansion (which fixes each step's timeout) and the RunSpec io (as the engine stores it).
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include "protocol/json_document.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace foundry::protocol_detail {

// "defaults": {"timeout_factor": 2, "timeout_margin_s": 60}: a step without timeout_s times out
// after factor x duration + margin.
struct TimeoutDefaults {
  double factor = kDefaultTimeoutFactor;
  double margin_s = kDefaultTimeoutMarginS;
  double for_duration(std::int64_t duration_s) const { return factor * static_cast<double>(duration_s) + margin_s; }
};

// A factor above this is a typo: a step planned for an hour would be noticed hung after six weeks.
inline constexpr double kMaxTimeoutFactor = 1000;

// Reads "timeout_s" (a number of seconds, more than 0) at `pointer`; nothing after recording a problem.
std::optional<double> read_timeout_s(const Json& value, const std::string& pointer, DiagnosticSink& sink);
// Reads the two timeout fields of "defaults" (the object at `pointer`) into `defaults`.
void read_timeout_defaults(const Json& defaults, const std::string& pointer, TimeoutDefaults& defaults_out,
                           DiagnosticSink& sink);
// Why a step lasting `duration_s` cannot have `timeout_s`, or nothing: shorter than the step
// itself, every attempt would time out.
std::optional<std::string> timeout_problem(double timeout_s, std::int64_t duration_s);

}  // namespace foundry::protocol_detail
