// A strain design as the simulators see it: named factors with levels (promoter=J23100, rbs=B0034,
// gene=crtE...), plus an id that only labels it.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>

namespace foundry::sim {

struct Design {
  std::string id;                             // a label; never affects performance
  std::map<std::string, std::string> factors;  // factor -> level; ordered, so canonical

  // Accepts {"id": "d01", "promoter": "J23100", ...} (numbers and booleans become levels by
  // their JSON text) or a plain string id. A design with no factors is treated as having one
  // factor "strain" whose level is its id, so distinct strains still differ.
  // Throws std::invalid_argument naming the offending field.
  static Design from_json(const nlohmann::json& value);

  // "factor=level;factor=level": equal for equal designs whatever the JSON key order.
  std::string canonical() const;
};

}  // namespace foundry::sim
