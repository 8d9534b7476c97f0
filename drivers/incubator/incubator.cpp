// Simulated shaking incubator (org.foundry.sim.incubator, model sim-incubator): plate slots are
// its units (settings "slots", default 20); `incubate` holds a plate at a temperature and shaking
// speed for the planned time.
#include <foundry/sim/design.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

namespace {

using foundry::sim::Activity;
using nlohmann::json;

constexpr int default_slots = 20;

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec{
      "sim-incubator",
      "incubator",
      default_slots,
      {{"incubate",
        "Holds the plate in a slot at temperature_c, shaking at shaking_rpm, for the planned duration.",
        false,  // incubating again is more growth, not the same outcome
        R"({"type": "object", "properties": {
              "temperature_c": {"type": "number", "minimum": 4, "maximum": 70, "default": 37},
              "shaking_rpm": {"type": "number", "minimum": 0, "maximum": 1200, "default": 250},
              "co2_pct": {"type": "number", "minimum": 0, "maximum": 20, "default": 0},
              "design": {"type": ["object", "string"], "description": "strain design of the plate, recorded in the result"}}})",
        R"({"type": "object", "required": ["temperature_c", "shaking_rpm", "hours", "measurements"],
            "properties": {"temperature_c": {"type": "number"}, "shaking_rpm": {"type": "number"},
                           "co2_pct": {"type": "number"}, "hours": {"type": "number"}, "design": {"type": "string"},
                           "measurements": )" + std::string(foundry::sim::measurements_schema) + "}}",
        {16 * 3600.0, 600, 7 * 86400.0}}}};
  return spec;
}

const char* const settings_schema = R"({
  "type": "object",
  "properties": {"slots": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20}}
})";

class Incubator final : public foundry::sim::SimDriver {
 public:
  Incubator(foundry::driver::Host host, const json& settings)
      : SimDriver(host, model(), settings, settings.value("slots", default_slots)) {}

 private:
  Activity start(const Request& request) override {
    const json& p = request.parameters;
    const double temperature = p.value("temperature_c", 37.0);
    const double rpm = p.value("shaking_rpm", 250.0);
    json result = {{"temperature_c", temperature}, {"shaking_rpm", rpm}, {"co2_pct", p.value("co2_pct", 0.0)}};
    if (p.contains("design")) result["design"] = foundry::sim::design_parameter(p, "design").id;
    const double started = host().now();
    // The chamber's logged mean temperature: the setpoint within a tenth of a degree.
    const auto noise_key = foundry::sim::key(seed(), "incubator", request.command.idempotency_key, request.unit);
    Activity activity;
    activity.complete = [this, result, started, temperature, noise_key] {
      json out = result;
      out["hours"] = (host().now() - started) / 3600.0;
      out["measurements"] = json::array(
          {{{"name", "chamber_temperature"},
            {"value", temperature + 0.05 * foundry::sim::normal_draw(noise_key)},
            {"unit", "degC"}}});
      return out;
    };
    return activity;
  }
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.incubator", Incubator, model, settings_schema)
