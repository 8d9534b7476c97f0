#include <foundry/sim/design.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace foundry::sim {

Design Design::from_json(const nlohmann::json& value) {
  Design design;
  if (value.is_string()) {
    design.id = value.get<std::string>();
  } else if (value.is_object()) {
    for (const auto& [name, level] : value.items()) {
      if (name == "id") {
        if (!level.is_string() && !level.is_number_integer())
          throw std::invalid_argument("'id' must be a string or an integer");
        design.id = level.is_string() ? level.get<std::string>() : level.dump();
      } else if (level.is_string()) {
        design.factors[name] = level.get<std::string>();
      } else if (level.is_number() || level.is_boolean()) {
        design.factors[name] = level.dump();
      } else {
        throw std::invalid_argument("factor '" + name + "' must be a string, number or boolean");
      }
    }
  } else {
    throw std::invalid_argument("must be an object of design factors or a string id");
  }
  if (design.factors.empty()) {
    if (design.id.empty()) throw std::invalid_argument("has neither factors nor an id");
    design.factors["strain"] = design.id;
  }
  return design;
}

std::string Design::canonical() const {
  std::string text;
  for (const auto& [name, level] : factors) {
    if (!text.empty()) text += ';';
    text += name + '=' + level;
  }
  return text;
}

}  // namespace foundry::sim
