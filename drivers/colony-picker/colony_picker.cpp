// Simulated colony picker (org.foundry.sim.colony-picker, model sim-cp): images the agar plate,
// counts colonies and picks the requested number into a preculture plate.
// How many colonies grew is drawn from the seed and the design (transformation efficiency);
// with settings "transformation_failure_rate" > 0 some plates come out empty, which is the
// declared execution error "no colonies".
#include <foundry/sim/design.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace {

using foundry::sim::Activity;
using foundry::sim::ExecutionFailure;
using nlohmann::json;

constexpr double imaging_s = 60;
constexpr double per_colony_s = 12;

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec = foundry::sim::with_errors(foundry::sim::ModelSpec{
      "sim-cp",
      "colony_picker",
      1,
      {{"pick_colonies",
        "Images the agar plate, counts colonies and picks up to `colonies` of them into the destination plate.",
        false,  // picked colonies are gone from the plate
        R"({"type": "object", "properties": {
              "colonies": {"type": "integer", "minimum": 1, "maximum": 96, "default": 4},
              "min_colonies": {"type": "integer", "minimum": 1, "maximum": 96, "default": 1,
                               "description": "fewer colonies on the plate than this is an execution error"},
              "source": {"type": "string", "minLength": 1, "default": "agar_plate"},
              "destination": {"type": "string", "minLength": 1, "default": "preculture"},
              "design": {"type": ["object", "string"], "description": "strain design on the plate"}}})",
        R"({"type": "object", "required": ["colonies_found", "picked", "destination", "measurements"],
            "properties": {"colonies_found": {"type": "integer"}, "picked": {"type": "integer"},
                           "destination": {"type": "string"}, "design": {"type": "string"},
                           "measurements": )" + std::string(foundry::sim::measurements_schema) + "}}",
        {imaging_s + 4 * per_colony_s, imaging_s + per_colony_s, imaging_s + 96 * per_colony_s}}}},
      {{"pick_colonies", {{"no_colonies", "fewer colonies grew on the plate than min_colonies (a failed transformation)"}}}});
  return spec;
}

const char* const settings_schema = R"({
  "type": "object",
  "properties": {"transformation_failure_rate": {"type": "number", "minimum": 0, "maximum": 1, "default": 0}}
})";

class ColonyPicker final : public foundry::sim::SimDriver {
 public:
  ColonyPicker(foundry::driver::Host host, const json& settings)
      : SimDriver(host, model(), settings, 1), failure_rate_(settings.value("transformation_failure_rate", 0.0)) {}

 private:
  Activity start(const Request& request) override {
    const json& p = request.parameters;
    const int wanted = p.value("colonies", 4);
    const int minimum = p.value("min_colonies", 1);
    // The plate is the design's when one is given, else this step's own.
    std::string plate = request.command.idempotency_key;
    std::string design_id;
    if (p.contains("design")) {
      const auto design = foundry::sim::design_parameter(p, "design");
      plate = design.canonical();
      design_id = design.id;
    }
    // Colonies per plate: log-normal around ~90; an empty plate with the failure rate.
    int found = static_cast<int>(std::lround(std::exp(4.5 + 0.5 * foundry::sim::normal_draw(foundry::sim::key(seed(), "colonies", plate)))));
    if (foundry::sim::uniform_draw(foundry::sim::key(seed(), "transformation_failed", plate, request.command.idempotency_key)) < failure_rate_) found = 0;
    if (found < minimum) {
      throw ExecutionFailure("no_colonies", std::to_string(found) + " found on '" + p.value("source", std::string("agar_plate")) +
                             "', at least " + std::to_string(minimum) + " needed");
    }
    const int picked = std::min(wanted, found);
    json result = {{"colonies_found", found},
                   {"picked", picked},
                   {"destination", p.value("destination", std::string("preculture"))},
                   {"measurements", json::array({{{"name", "colony_count"}, {"value", found}, {"unit", "colonies"},
                                                  {"sample", design_id.empty() ? plate : design_id}}})}};
    if (!design_id.empty()) result["design"] = design_id;
    Activity activity;
    activity.estimated_duration_s = imaging_s + per_colony_s * picked;
    activity.complete = [result] { return result; };
    return activity;
  }

  double failure_rate_;
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.colony-picker", ColonyPicker, model, settings_schema)
