// A copy of a workcell file whose simulators all use another landscape seed: a titer landscape
// the learner was never tuned on.
#pragma once

#include <cstdint>
#include <string>

namespace foundry::learners {

// Writes <directory>/workcell-seed<seed>.json and returns its path.
std::string write_seeded_workcell(const std::string& source, std::uint64_t seed, const std::string& directory);

}  // namespace foundry::learners
