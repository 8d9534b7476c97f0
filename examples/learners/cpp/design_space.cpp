#include "design_space.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace foundry::learners {

DesignSpace::DesignSpace(std::vector<Factor> factors) : factors_(std::move(factors)) {
  if (factors_.empty()) throw std::invalid_argument("a design space needs at least one factor");
  for (const auto& f : factors_) {
    if (f.name.empty() || f.levels.empty()) throw std::invalid_argument("factor '" + f.name + "' needs a name and a level");
  }
}

DesignSpace DesignSpace::standard() {
  return DesignSpace({{"promoter", {"J23100", "J23101", "J23102", "J23104", "J23105", "J23106", "J23110", "J23114"}},
                      {"rbs", {"B0029", "B0030", "B0031", "B0032", "B0034"}},
                      {"gene", {"var1", "var2", "var3", "var4", "var5", "var6"}}});
}

std::size_t DesignSpace::size() const {
  std::size_t n = 1;
  for (const auto& f : factors_) n *= f.levels.size();
  return n;
}

std::vector<Levels> DesignSpace::all() const {
  std::vector<Levels> out;
  out.reserve(size());
  Levels current(factors_.size(), 0);
  for (std::size_t i = 0; i < size(); ++i) {
    out.push_back(current);
    // Odometer order: the last factor turns fastest (as itertools.product in the Python learner).
    for (std::size_t f = factors_.size(); f-- > 0;) {
      if (++current[f] < static_cast<int>(factors_[f].levels.size())) break;
      current[f] = 0;
    }
  }
  return out;
}

std::string DesignSpace::id(const Levels& levels) const {
  std::string id;
  for (std::size_t f = 0; f < factors_.size(); ++f) id += factors_[f].name.substr(0, 1) + std::to_string(levels.at(f));
  return id;
}

Design DesignSpace::design(const Levels& levels) const {
  Design d{id(levels), {}};
  for (std::size_t f = 0; f < factors_.size(); ++f) {
    d.factors.emplace_back(factors_[f].name, factors_[f].levels.at(static_cast<std::size_t>(levels.at(f))));
  }
  return d;
}

std::string designs_json(const std::vector<Design>& designs) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : designs) {
    nlohmann::json object = {{"id", d.id}};
    for (const auto& [name, level] : d.factors) object[name] = level;
    list.push_back(object);
  }
  return list.dump();
}

}  // namespace foundry::learners
