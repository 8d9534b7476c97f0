#include "seeded_workcell.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace foundry::learners {

std::string write_seeded_workcell(const std::string& source, std::uint64_t seed, const std::string& directory) {
  std::ifstream in(source);
  if (!in) throw std::runtime_error(source + ": cannot read the workcell");
  nlohmann::json workcell = nlohmann::json::parse(in);
  if (!workcell.contains("devices") || !workcell["devices"].is_array()) {
    throw std::runtime_error(source + ":/devices: a workcell needs a devices array");
  }
  // Every simulator accepts landscape_seed; all get it so they describe the same strains.
  for (auto& device : workcell["devices"]) device["driver"]["settings"]["landscape_seed"] = seed;
  const std::string path = directory + "/workcell-seed" + std::to_string(seed) + ".json";
  std::ofstream out(path);
  out << workcell.dump(1) << '\n';
  if (!out) throw std::runtime_error(path + ": cannot write the workcell");
  return path;
}

}  // namespace foundry::learners
