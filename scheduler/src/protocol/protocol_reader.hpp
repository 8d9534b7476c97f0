// Reading a protocol document into Protocol::Impl: fields, types, names in templates, literal
// durations and lags. Reference and graph checks come after (dependency_graph.hpp).
#pragma once

#include "protocol/json_document.hpp"
#include "protocol/protocol_model.hpp"

namespace foundry::protocol_detail {

// Fills `protocol` from `document`, recording every problem in `sink`.
void read_protocol(const Json& document, Protocol::Impl& protocol, DiagnosticSink& sink);

// Durations and lags are at most ten years: keeps sums over long chains far from overflow.
inline constexpr std::int64_t kMaxSeconds = 10LL * 365 * 24 * 3600;

// Why `seconds` is not acceptable as a duration / lag, or nothing. Shared by load and expansion.
std::optional<std::string> duration_problem(std::int64_t seconds);
std::optional<std::string> lag_problem(const char* field, std::int64_t seconds);
std::optional<std::string> lag_order_problem(std::int64_t min_lag, std::int64_t max_lag);

}  // namespace foundry::protocol_detail
