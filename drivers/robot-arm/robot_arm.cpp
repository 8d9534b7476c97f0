// Simulated plate-handling robot arm (org.foundry.sim.robot-arm, model sim-arm): moves labware
// between named nests (device locations, a plate hotel). One gripper, one unit. The arm tracks
// which plate sits in which nest; that the destination device is free at that moment (several
// resources at once) is the planner's business, not the arm's.
//
// `move_plate {plate, to, from?}` carries `plate` to nest `to`. A plate already in `to` is left
// there (`moved: false`), so re-running a move is harmless: the operation is idempotent.
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>

namespace {

using foundry::sim::Activity;
using foundry::sim::ExecutionFailure;
using nlohmann::json;

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec = foundry::sim::with_errors(
      foundry::sim::ModelSpec{
          "sim-arm",
          "robot_arm",
          1,
          {{"move_plate",
            "Picks `plate` from the nest it sits in (optionally checked against `from`) and places it in nest `to`.",
            true,  // moving a plate to where it already is does nothing
            R"({"type": "object", "required": ["plate", "to"], "properties": {
                  "plate": {"type": "string", "minLength": 1, "description": "labware id, its barcode"},
                  "to": {"type": "string", "minLength": 1, "description": "destination nest"},
                  "from": {"type": "string", "minLength": 1, "description": "where the plate is expected; checked"}}})",
            R"({"type": "object", "required": ["plate", "from", "to", "moved"], "properties": {
                  "plate": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
                  "moved": {"type": "boolean"}}})",
            {25, 10, 90},
            R"({"plate": "plate-01", "to": "lh1.deck"})"}}},
      {{"move_plate",
        {{"unknown_nest", "a nest name is not one the arm can reach (setting \"nests\")"},
         {"plate_not_found", "no reachable nest holds the plate"},
         {"wrong_nest", "the plate is not where `from` says it is"},
         {"nest_occupied", "the destination nest holds another plate"}}}});
  return spec;
}

const char* const settings_schema = R"({
  "type": "object",
  "properties": {
    "nests": {"type": "object", "description": "nest name -> plate id in it, or null when empty",
              "additionalProperties": {"type": ["string", "null"]}}
  }
})";

// Without a "nests" setting: a 10-plate hotel holding plate-01..plate-10 and the device nests of
// protocols/workcells/sim-foundry.json, empty.
std::map<std::string, std::optional<std::string>> default_nests() {
  std::map<std::string, std::optional<std::string>> nests;
  for (int i = 1; i <= 10; ++i) {
    const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
    nests["hotel." + std::to_string(i)] = "plate-" + n;
  }
  for (const char* device : {"lh1.deck", "lh2.deck", "tc1.lid", "inc1.door", "cp1.stage", "pr1.tray", "cc1.door"})
    nests[device] = std::nullopt;
  return nests;
}

class RobotArm final : public foundry::sim::SimDriver {
 public:
  RobotArm(foundry::driver::Host host, const json& settings) : SimDriver(host, model(), settings, 1) {
    if (!settings.contains("nests")) {
      nests_ = default_nests();
      return;
    }
    for (const auto& [name, plate] : settings["nests"].items()) {
      nests_[name] = plate.is_null() ? std::nullopt : std::optional<std::string>(plate.get<std::string>());
    }
  }

 private:
  Activity start(const Request& request) override {
    const json& p = request.parameters;
    const std::string plate = p.at("plate").get<std::string>();
    const std::string to = p.at("to").get<std::string>();
    for (const std::string& nest : {to, p.value("from", to)}) {
      if (nests_.count(nest) == 0) throw ExecutionFailure("unknown_nest", "'" + nest + "' (nests: " + nest_list() + ")");
    }
    std::string from;
    for (const auto& [nest, held] : nests_)
      if (held == plate) from = nest;
    if (from.empty()) throw ExecutionFailure("plate_not_found", "no nest holds '" + plate + "'");
    if (p.contains("from") && p["from"] != from)
      throw ExecutionFailure("wrong_nest", "'" + plate + "' is in '" + from + "', not in '" + p["from"].get<std::string>() + "'");
    if (from != to && nests_[to])
      throw ExecutionFailure("nest_occupied", "'" + to + "' holds '" + *nests_[to] + "'");
    Activity activity;
    activity.complete = [this, plate, from, to] {
      const bool moved = from != to;
      if (moved) {
        nests_[from].reset();
        nests_[to] = plate;
      }
      return json{{"plate", plate}, {"from", from}, {"to", to}, {"moved", moved}};
    };
    return activity;
  }

  std::string nest_list() const {
    std::string out;
    for (const auto& [name, plate] : nests_) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  std::map<std::string, std::optional<std::string>> nests_;
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.robot-arm", RobotArm, model, settings_schema)
