// Simulated robotic cell-culture station (org.foundry.sim.cell-culture, model sim-ccs), as for
// iPS cells: culture vessels (flasks) are its units (setting "vessels", default 12). `seed` starts
// a culture, `medium_exchange` feeds it, `passage` splits it, `harvest` ends it. Confluence grows
// with time; a medium exchange that comes later than ~24 h costs viability (culture_vessel.hpp,
// drivers/README.md). Counts carry 5 % measurement noise keyed by the command.
#include "culture_vessel.hpp"

#include <foundry/sim/growth_curve.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace {

using foundry::sim::Activity;
using foundry::sim::CultureVessel;
using foundry::sim::ExecutionFailure;
using nlohmann::json;

constexpr int default_vessels = 12;
constexpr double count_cv = 0.05;  // cell counter noise

const char* const culture_state_properties = R"(
  "line": {"type": "string"}, "viable_cells": {"type": "number"}, "viability_pct": {"type": "number"},
  "confluence_pct": {"type": "number"}, "medium_age_h": {"type": "number"})";

std::string result_schema(const std::string& extra, const std::vector<std::string>& required) {
  json req = required;
  return R"({"type": "object", "required": )" + req.dump() + R"(, "properties": {)" + culture_state_properties + extra +
         R"(, "measurements": )" + foundry::sim::measurements_schema + "}}";
}

const foundry::sim::ModelSpec& model() {
  const std::vector<std::string> state = {"line", "viable_cells", "viability_pct", "confluence_pct", "measurements"};
  static const foundry::sim::ModelSpec spec = foundry::sim::with_errors(
      foundry::sim::ModelSpec{
          "sim-ccs",
          "cell_culture_station",
          default_vessels,
          {{"seed",
            "Coats an empty vessel with matrix (most of the hour it takes) and seeds cells of a line in fresh medium.",
            false,
            R"({"type": "object", "properties": {
                  "line": {"type": "string", "minLength": 1, "default": "iPS-201B7", "description": "cell line"},
                  "cells": {"type": "number", "minimum": 10000, "maximum": 9000000, "default": 1000000,
                            "unit": "cells", "description": "viable cells seeded; 1e7 is confluent"},
                  "viability_pct": {"type": "number", "minimum": 1, "maximum": 100, "default": 95, "unit": "%"}}})",
            result_schema("", state),
            {3600, 1800, 5400},
            R"({"line": "iPS-201B7", "cells": 1000000})"},
           {"medium_exchange",
            "Replaces the spent medium with fresh medium (washing out most dead cells); due about every 24 h.",
            false,
            R"({"type": "object", "properties": {
                  "volume_ml": {"type": "number", "minimum": 1, "maximum": 30, "default": 15, "unit": "mL"}}})",
            result_schema(R"(, "volume_ml": {"type": "number"}, "late_h": {"type": "number"})",
                          {"line", "viable_cells", "viability_pct", "confluence_pct", "medium_age_h", "late_h", "measurements"}),
            {600, 300, 1200},
            R"({"volume_ml": 15})"},
           {"passage",
            "Detaches and counts the cells, and reseeds one part in `split_ratio` into the vessel with fresh medium.",
            false,
            R"({"type": "object", "properties": {
                  "split_ratio": {"type": "integer", "minimum": 2, "maximum": 20, "default": 4}}})",
            result_schema(R"(, "split_ratio": {"type": "integer"}, "cells_reseeded": {"type": "number"})",
                          {"line", "viable_cells", "viability_pct", "confluence_pct", "split_ratio", "cells_reseeded", "measurements"}),
            {1800, 1200, 3600},
            R"({"split_ratio": 4})"},
           {"harvest",
            "Detaches, counts and collects all cells; the vessel is empty afterwards.",
            false,
            R"({"type": "object", "properties": {}})",
            result_schema("", state),
            {1200, 600, 2400},
            "{}"}}},
      {{"seed", {{"vessel_occupied", "the vessel already holds a culture; harvest it first"}}},
       {"medium_exchange", {{"vessel_empty", "the vessel holds no culture; seed it first"}}},
       {"passage", {{"vessel_empty", "the vessel holds no culture; seed it first"}}},
       {"harvest", {{"vessel_empty", "the vessel holds no culture; seed it first"}}}});
  return spec;
}

const char* const settings_schema = R"({
  "type": "object",
  "properties": {"vessels": {"type": "integer", "minimum": 1, "maximum": 200, "default": 12}}
})";

class CellCultureStation final : public foundry::sim::SimDriver {
 public:
  CellCultureStation(foundry::driver::Host host, const json& settings)
      : SimDriver(host, model(), settings, settings.value("vessels", default_vessels)),
        vessels_(static_cast<std::size_t>(units())) {}

 private:
  Activity start(const Request& request) override {
    const std::string& op = request.command.operation;
    const json& p = request.parameters;
    auto& vessel = vessels_[static_cast<std::size_t>(request.unit)];
    const std::string name = "vessel " + std::to_string(request.unit);
    const std::string noise = foundry::sim::retry_key(request.command);
    Activity activity;
    if (op == "seed") {
      if (vessel) throw ExecutionFailure("vessel_occupied", name + " holds a culture of " + vessel->line + "; harvest it first");
      const std::string line = p.value("line", "iPS-201B7");
      const double cells = p.value("cells", 1.0e6);
      const double viability = p.value("viability_pct", 95.0) / 100.0;
      activity.complete = [this, unit = request.unit, line, cells, viability, noise] {
        CultureVessel v;
        v.line = line;
        // Each line's doubling time: 22 h, varied per line and landscape seed (iPS lines: ~18-28 h).
        v.doubling_h = 22.0 * std::exp(0.1 * foundry::sim::normal_draw(foundry::sim::key(seed(), "cell-line", line)));
        v.viable = cells;
        v.dead = cells * (1.0 - viability) / viability;
        v.medium_since = v.updated_at = host().now();
        auto& slot = vessels_[static_cast<std::size_t>(unit)];
        slot = v;
        return state(*slot, noise);
      };
      return activity;
    }
    if (!vessel) throw ExecutionFailure("vessel_empty", name + " holds no culture (seed it first)");
    if (op == "medium_exchange") {
      const double volume = p.value("volume_ml", 15.0);
      activity.complete = [this, unit = request.unit, volume, noise] {
        auto& v = *vessels_[static_cast<std::size_t>(unit)];
        v.advance(host().now());
        const double age = v.medium_age_h(host().now());
        json out = state(v, noise);  // what the robot saw before the change
        v.exchange_medium(host().now());
        out["volume_ml"] = volume;
        out["late_h"] = std::max(0.0, age - CultureVessel::medium_life_h);
        return out;
      };
    } else if (op == "passage") {
      const int ratio = p.value("split_ratio", 4);
      activity.complete = [this, unit = request.unit, ratio, noise] {
        auto& v = *vessels_[static_cast<std::size_t>(unit)];
        v.advance(host().now());
        json out = state(v, noise);
        // Dead cells mostly stay behind in the discarded suspension.
        v.viable /= ratio;
        v.dead = v.dead / ratio * (1.0 - CultureVessel::washout);
        v.medium_since = host().now();
        out["split_ratio"] = ratio;
        out["cells_reseeded"] = v.viable;
        return out;
      };
    } else {  // harvest
      activity.complete = [this, unit = request.unit, noise] {
        auto& slot = vessels_[static_cast<std::size_t>(unit)];
        slot->advance(host().now());
        json out = state(*slot, noise);
        slot.reset();
        return out;
      };
    }
    return activity;
  }

  // Seeding wants an empty vessel, everything else one that holds a culture.
  bool unit_suits(const foundry::driver::Command& command, int unit) const override {
    const bool holds = vessels_[static_cast<std::size_t>(unit)].has_value();
    return command.operation == "seed" ? !holds : holds;
  }

  // The culture as counted now (viable cells and viability with counter noise).
  json state(const CultureVessel& v, const std::string& noise) const {
    using foundry::sim::key;
    const double viable = foundry::sim::measured(v.viable, count_cv, key(seed(), "cc-viable", noise));
    const double viability = std::min(100.0, foundry::sim::measured(100.0 * v.viability(), 0.01, key(seed(), "cc-viability", noise)));
    const double confluence = std::min(100.0, 100.0 * v.confluence());
    const std::string sample = v.line + "/vessel";
    return {{"line", v.line},
            {"viable_cells", viable},
            {"viability_pct", viability},
            {"confluence_pct", confluence},
            {"medium_age_h", v.medium_age_h(host().now())},
            {"measurements", json::array({{{"name", "viable_cells"}, {"value", viable}, {"unit", "cells"}},
                                          {{"name", "viability"}, {"value", viability}, {"unit", "%"}},
                                          {{"name", "confluence"}, {"value", confluence}, {"unit", "%"}}})}};
  }

  std::vector<std::optional<CultureVessel>> vessels_;
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.cell-culture", CellCultureStation, model, settings_schema)
