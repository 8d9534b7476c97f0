// Whether the time lags of an expanded run can all be kept, whatever the devices: the lags form a
// temporal distance graph (min lags forward, max lags backward), and a positive cycle in it means
// a set of lags no schedule can satisfy.
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include "protocol/json_document.hpp"

#include <string>
#include <vector>

namespace foundry::protocol_detail {

// Reports each conflicting set of lags (up to a few), naming the steps and lags involved.
// `dependency_pointers[s][d]` is where run.steps[s].after[d] was written, for the diagnostic path.
void check_lag_feasibility(const RunSpec& run, const std::vector<std::vector<std::string>>& dependency_pointers,
                           DiagnosticSink& sink);

}  // namespace foundry::protocol_detail
