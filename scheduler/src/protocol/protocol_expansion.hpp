// Expanding a loaded protocol with parameter values into a run of concrete steps.
#pragma once

#include "protocol/protocol_model.hpp"

#include <map>
#include <string>

namespace foundry::protocol_detail {

// Limit on the steps of one run: a typo in a count must not exhaust memory.
inline constexpr std::size_t kMaxStepsPerRun = 100000;

// Throws InputError with every problem found (see Protocol::expand).
RunSpec expand_protocol(const Protocol::Impl& protocol, const std::map<std::string, std::string>& values,
                        const std::string& run_id);

}  // namespace foundry::protocol_detail
