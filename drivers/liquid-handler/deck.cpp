#include "deck.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <tuple>

namespace foundry::sim::lh {

const std::map<std::string, LabwareType>& labware_types() {
  static const std::map<std::string, LabwareType> types = {
      {"plate_96", {"plate_96", 8, 12, 300}},
      {"deepwell_96", {"deepwell_96", 8, 12, 2000}},
      {"pcr_plate_96", {"pcr_plate_96", 8, 12, 200}},
      {"plate_384", {"plate_384", 16, 24, 100}},
      {"tube_rack_24", {"tube_rack_24", 4, 6, 1500}},
      {"reservoir", {"reservoir", 1, 1, 200000}},
      {"agar_plate", {"agar_plate", 8, 12, 50}},  // 96 spots on an omnitray
  };
  return types;
}

Labware::Labware(std::string id, const LabwareType& type, double fill_ul)
    : id_(std::move(id)), type_(&type), fill_ul_(fill_ul) {}

namespace {
// "B7" -> (1, 6); (-1, -1) when malformed.
std::pair<int, int> parse_well(const std::string& well) {
  if (well.size() < 2 || well[0] < 'A' || well[0] > 'Z') return {-1, -1};
  int column = 0;
  for (std::size_t i = 1; i < well.size(); ++i) {
    if (well[i] < '0' || well[i] > '9' || column > 1000) return {-1, -1};
    column = column * 10 + (well[i] - '0');
  }
  return {well[0] - 'A', column - 1};
}
}  // namespace

bool Labware::has_well(const std::string& well) const {
  auto [row, column] = parse_well(well);
  return row >= 0 && row < type_->rows && column >= 0 && column < type_->columns;
}

double Labware::volume_ul(const std::string& well) const {
  auto it = volumes_.find(well);
  return it == volumes_.end() ? fill_ul_ : it->second;
}

void Labware::set_volume_ul(const std::string& well, double volume) { volumes_[well] = volume; }

std::string Labware::well_below(const std::string& well, int offset) const {
  auto [row, column] = parse_well(well);
  const int target = row + offset;
  if (row < 0 || target >= type_->rows) return "";
  return std::string(1, static_cast<char>('A' + target)) + std::to_string(column + 1);
}

Deck Deck::standard() {
  // What a DBTL campaign's liquid handler holds: DNA parts and master mix for assembly,
  // competent cells, agar plates, precultures, cultures to sample from, and plates for samples.
  const std::vector<std::tuple<std::string, std::string, double>> layout = {
      {"parts", "pcr_plate_96", 50},      {"master_mix", "tube_rack_24", 1500}, {"assembly", "pcr_plate_96", 0},
      {"competent_cells", "pcr_plate_96", 100}, {"agar_plate", "agar_plate", 0},  {"preculture", "deepwell_96", 1000},
      {"culture", "deepwell_96", 1500},   {"sample_plate", "plate_96", 0},      {"media", "reservoir", 150000},
  };
  Deck deck;
  for (const auto& [id, type, fill] : layout) deck.labware_.emplace(id, Labware(id, labware_types().at(type), fill));
  return deck;
}

Deck Deck::from_settings(const nlohmann::json& deck_settings) {
  Deck deck;
  for (const auto& [id, entry] : deck_settings.items()) {
    const std::string where = "settings 'deck." + id;
    const std::string type = entry.at("type").get<std::string>();
    auto it = labware_types().find(type);
    if (it == labware_types().end()) {
      std::string known;
      for (const auto& [name, _] : labware_types()) known += (known.empty() ? "" : ", ") + name;
      throw std::invalid_argument(where + ".type': unknown labware type '" + type + "' (known: " + known + ")");
    }
    const double fill = entry.value("fill_ul", 0.0);
    if (fill > it->second.max_volume_ul) {
      throw std::invalid_argument(where + ".fill_ul': " + std::to_string(fill) + " uL exceeds the " +
                                  std::to_string(it->second.max_volume_ul) + " uL a well of " + type + " holds");
    }
    deck.labware_.emplace(id, Labware(id, it->second, fill));
  }
  return deck;
}

Labware* Deck::find(const std::string& id) {
  auto it = labware_.find(id);
  return it == labware_.end() ? nullptr : &it->second;
}

std::string Deck::labware_list() const {
  std::string list;
  for (const auto& [id, _] : labware_) list += (list.empty() ? "" : ", ") + id;
  return list;
}

}  // namespace foundry::sim::lh
