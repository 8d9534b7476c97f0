// Shared by the service tests: the simulated workcell and the protocols folder of the source tree.
#pragma once

#include <foundry/model/workcell.hpp>

#include "build_paths.hpp"

#include <filesystem>
#include <string>

namespace foundry::service::testing {

inline std::filesystem::path source_dir() { return foundry::testing::source_dir(); }
inline std::filesystem::path workcell_file() { return source_dir() / "protocols/workcells/sim-foundry.json"; }
inline std::filesystem::path protocols_dir() { return source_dir() / "protocols"; }
inline Workcell sim_workcell() { return load_workcell(workcell_file()); }

}  // namespace foundry::service::testing
