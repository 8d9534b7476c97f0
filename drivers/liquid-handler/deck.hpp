// The simulated liquid handler's deck: labware at named places, liquid volumes per well, tips.
// Kept apart from the driver so issue 3's fuller model (labware moved in and out by the robot
// arm, per-well contents) grows here without touching command handling.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <vector>

namespace foundry::sim::lh {

struct LabwareType {
  std::string name;
  int rows = 8;
  int columns = 12;
  double max_volume_ul = 300;
};

// The labware types the simulator knows (plate_96, deepwell_96, pcr_plate_96, plate_384,
// tube_rack_24, reservoir, agar_plate).
const std::map<std::string, LabwareType>& labware_types();

class Labware {
 public:
  Labware(std::string id, const LabwareType& type, double fill_ul);

  const std::string& id() const { return id_; }
  const LabwareType& type() const { return *type_; }
  // Is `well` ("A1", "H12") a well of this labware?
  bool has_well(const std::string& well) const;
  double volume_ul(const std::string& well) const;
  void set_volume_ul(const std::string& well, double volume);
  // The well `offset` rows below `well` in the same column ("A1" + 2 = "C1"), or "" if off the plate.
  std::string well_below(const std::string& well, int offset) const;

 private:
  std::string id_;
  const LabwareType* type_;
  double fill_ul_;                         // volume of every well not yet touched
  std::map<std::string, double> volumes_;  // wells touched so far
};

class Deck {
 public:
  // The deck a workcell gets when its settings give none (see drivers/README.md).
  static Deck standard();
  // From settings: {"<labware id>": {"type": "plate_96", "fill_ul": 100}, ...}.
  // Throws std::invalid_argument("settings 'deck.<id>.type': ...").
  static Deck from_settings(const nlohmann::json& deck);

  // nullptr when no labware of that id is on the deck.
  Labware* find(const std::string& id);
  std::string labware_list() const;  // "a, b, c" for error messages

 private:
  std::map<std::string, Labware> labware_;
};

// Tips available to the head. Running out is a declared execution error ("missing tips").
class TipSupply {
 public:
  explicit TipSupply(int tips) : remaining_(tips) {}
  int remaining() const { return remaining_; }
  bool can_take(int n) const { return n <= remaining_; }
  void take(int n) { remaining_ -= n; }
  void load(int n) { remaining_ += n; }

 private:
  int remaining_;
};

}  // namespace foundry::sim::lh
