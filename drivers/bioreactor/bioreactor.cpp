// Simulated parallel bioreactor arrays (org.foundry.sim.bioreactor): 24 x 0.25 L (sim-br-24x250ml)
// and 12 x 1 L (sim-br-12x1l), each vessel a unit. One plugin, two models.
//
// `cultivate` runs a whole batch culture of a design in one command and returns final values and
// an hourly time series. `inoculate`, `sample` and `stop` drive a vessel step by step: the vessel
// holds its culture between commands (the start of issue 3's vessel lifecycle).
// All values come from the shared growth model (drivers/README.md) plus measurement noise.
#include <foundry/sim/design.hpp>
#include <foundry/sim/growth_curve.hpp>
#include <foundry/sim/landscape.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/sim_driver.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace {

using foundry::sim::Activity;
using foundry::sim::Design;
using foundry::sim::ExecutionFailure;
using foundry::sim::GrowthCurve;
using nlohmann::json;

struct ArrayModel {
  const char* model;
  const char* device_type;
  int vessels;
  int max_volume_ml;
  int default_volume_ml;
};
constexpr ArrayModel array_250ml{"sim-br-24x250ml", "bioreactor_250ml", 24, 250, 200};
constexpr ArrayModel array_1l{"sim-br-12x1l", "bioreactor_1l", 12, 1000, 800};

std::string culture_parameters(const ArrayModel& m) {
  return R"("design": {"type": ["object", "string"], "description": "strain design: factors plus id"},
            "initial_od600": {"type": "number", "minimum": 0.001, "maximum": 2, "default": 0.05},
            "temperature_c": {"type": "number", "minimum": 15, "maximum": 45, "default": 37},
            "volume_ml": {"type": "number", "minimum": 1, "maximum": )" +
         std::to_string(m.max_volume_ml) + R"(, "default": )" + std::to_string(m.default_volume_ml) + "}";
}

std::string with_measurements(const std::string& properties, const std::vector<std::string>& required) {
  json req = required;
  return R"({"type": "object", "required": )" + req.dump() + R"(, "properties": {)" + properties +
         R"(, "measurements": )" + foundry::sim::measurements_schema + "}}";
}

foundry::sim::ModelSpec make_model(const ArrayModel& m) {
  const std::string state = R"("od600": {"type": "number"}, "titer_g_per_l": {"type": "number"},
                               "ph": {"type": "number"}, "do_pct": {"type": "number"})";
  return {m.model,
          m.device_type,
          m.vessels,
          {{"cultivate",
            "Inoculates a vessel with a design, runs a batch culture for the planned time and harvests it; "
            "returns final OD600, titer, pH and DO and a time series.",
            false,
            R"({"type": "object", "required": ["design"], "properties": {)" + culture_parameters(m) +
                R"(, "sample_interval_h": {"type": "number", "minimum": 0.25, "maximum": 24, "default": 1}}})",
            with_measurements(R"("design": {"type": "string"}, "hours": {"type": "number"},
                                 "final": {"type": "object", "properties": {)" + state + R"(}},
                                 "time_series": {"type": "array", "items": {"type": "object", "properties": {"t_h": {"type": "number"}, )" +
                                  state + "}}}",
                              {"design", "hours", "final", "time_series", "measurements"}),
            {48 * 3600.0, 3600, 14 * 86400.0}},
           {"inoculate",
            "Fills a vessel with medium and inoculates it with a design; the culture grows until `stop`.",
            false,
            R"({"type": "object", "required": ["design"], "properties": {)" + culture_parameters(m) + "}}",
            R"({"type": "object", "required": ["design", "initial_od600"],
                "properties": {"design": {"type": "string"}, "initial_od600": {"type": "number"}}})",
            {600, 300, 1800}},
           {"sample",
            "Draws a sample from a growing culture and measures OD600, titer, pH and DO.",
            false,  // it takes liquid out of the vessel
            R"({"type": "object", "properties": {"volume_ml": {"type": "number", "minimum": 0.1, "maximum": 20, "default": 1}}})",
            with_measurements(R"("design": {"type": "string"}, "culture_hours": {"type": "number"})",
                              {"design", "culture_hours", "measurements"}),
            {120, 60, 600}},
           {"stop",
            "Ends the culture in a vessel, harvests it and reports the final values.",
            false,
            R"({"type": "object", "properties": {}})",
            with_measurements(R"("design": {"type": "string"}, "culture_hours": {"type": "number"})",
                              {"design", "culture_hours", "measurements"}),
            {600, 300, 1800}}}};
}

const std::vector<foundry::sim::ModelSpec>& models() {
  static const std::vector<foundry::sim::ModelSpec> list = {make_model(array_250ml), make_model(array_1l)};
  return list;
}

// The models as published, with example parameters for the conformance kit.
std::vector<foundry::sim::ModelSpec> with_examples(const std::vector<foundry::sim::ModelSpec>& specs) {
  const std::string design = R"({"design": {"id": "d01", "promoter": "J23100", "rbs": "B0034", "gene": "var3"}})";
  std::vector<foundry::sim::ModelSpec> out;
  for (const auto& spec : specs)
    out.push_back(foundry::sim::with_examples(spec, {{"cultivate", design}, {"inoculate", design}}));
  return out;
}

// A culture growing in a vessel between `inoculate` and `stop`.
struct VesselCulture {
  Design design;
  GrowthCurve curve;
  double inoculated_at;
};

class BioreactorArray final : public foundry::sim::SimDriver {
 public:
  BioreactorArray(foundry::driver::Host host, const foundry::sim::ModelSpec& spec, const json& settings)
      : SimDriver(host, spec, settings, spec.units), landscape_(seed()), vessels_(static_cast<std::size_t>(spec.units)) {}

 private:
  Activity start(const Request& request) override {
    const std::string& op = request.command.operation;
    const json& p = request.parameters;
    auto& vessel = vessels_[static_cast<std::size_t>(request.unit)];
    const std::string vessel_name = "vessel " + std::to_string(request.unit);
    const std::string noise = request.command.idempotency_key.empty() ? request.command.id : request.command.idempotency_key;

    if (op == "cultivate" || op == "inoculate") {
      const Design design = foundry::sim::design_parameter(p, "design");
      if (vessel) {
        throw ExecutionFailure(vessel_name + " already holds a culture of '" + vessel->design.id + "'; stop it first");
      }
      const double od0 = p.value("initial_od600", GrowthCurve::default_inoculum_od);
      GrowthCurve curve = foundry::sim::culture_of(landscape_, design, od0, p.value("temperature_c", 37.0));
      Activity activity;
      if (op == "inoculate") {
        activity.complete = [this, unit = request.unit, design, curve, od0] {
          vessels_[static_cast<std::size_t>(unit)] = VesselCulture{design, curve, host().now()};
          return json{{"design", design.id}, {"initial_od600", od0}};
        };
        return activity;
      }
      const double interval_h = p.value("sample_interval_h", 1.0);
      const double started = host().now();
      activity.complete = [this, design, curve, interval_h, started, noise] {
        const double hours = (host().now() - started) / 3600.0;
        json series = json::array();
        for (double t = 0; t < hours + 1e-9; t += interval_h) series.push_back(state_at(curve, t, noise, false));
        if (series.empty() || series.back()["t_h"].get<double>() < hours - 1e-9) series.push_back(state_at(curve, hours, noise, false));
        json final_state = state_at(curve, hours, noise, true);
        return json{{"design", design.id},
                    {"hours", hours},
                    {"final", final_state},
                    {"time_series", series},
                    {"measurements", measurements(final_state, design, hours)}};
      };
      return activity;
    }

    // sample and stop act on the culture the vessel holds.
    if (!vessel) throw ExecutionFailure(vessel_name + " holds no culture (inoculate it first)");
    Activity activity;
    activity.complete = [this, unit = request.unit, stop = op == "stop", noise] {
      auto& held = vessels_[static_cast<std::size_t>(unit)];
      const double hours = (host().now() - held->inoculated_at) / 3600.0;
      json state = state_at(held->curve, hours, noise, true);
      json result = {{"design", held->design.id}, {"culture_hours", hours}, {"measurements", measurements(state, held->design, hours)}};
      if (stop) held.reset();
      return result;
    };
    return activity;
  }

  // A new culture wants an empty vessel; sample and stop want one holding a culture.
  bool unit_suits(const foundry::driver::Command& command, int unit) const override {
    const bool holds_culture = vessels_[static_cast<std::size_t>(unit)].has_value();
    const bool starts_culture = command.operation == "cultivate" || command.operation == "inoculate";
    return starts_culture ? !holds_culture : holds_culture;
  }

  // The vessel's state `hours` into the culture, with sensor and assay noise keyed by the command.
  json state_at(const GrowthCurve& curve, double hours, const std::string& noise, bool final_reading) const {
    using foundry::sim::key;
    using foundry::sim::measured;
    using foundry::sim::normal_draw;
    const auto k = [&](const char* what) { return key(seed(), "bioreactor", noise, what, hours, final_reading); };
    return {{"t_h", hours},
            {"od600", measured(curve.od600(hours), 0.02, k("od600"))},
            {"titer_g_per_l", measured(curve.titer_g_per_l(hours), 0.03, k("titer"))},
            {"ph", curve.ph(hours) + 0.01 * normal_draw(k("ph"))},
            {"do_pct", std::clamp(curve.dissolved_oxygen_pct(hours) + 0.5 * normal_draw(k("do")), 0.0, 100.0)}};
  }

  static json measurements(const json& state, const Design& design, double hours) {
    const std::string sample = foundry::sim::sample_label(design, hours);
    return json::array({{{"name", "OD600"}, {"value", state["od600"]}, {"unit", "AU"}, {"sample", sample}},
                        {{"name", "titer"}, {"value", state["titer_g_per_l"]}, {"unit", "g/L"}, {"sample", sample}},
                        {{"name", "pH"}, {"value", state["ph"]}, {"unit", "pH"}, {"sample", sample}},
                        {{"name", "DO"}, {"value", state["do_pct"]}, {"unit", "%"}, {"sample", sample}}});
  }

  foundry::sim::Landscape landscape_;
  std::vector<std::optional<VesselCulture>> vessels_;
};

const char* describe() noexcept {
  static const std::string text = foundry::sim::describe_models_noexcept(with_examples(models()));
  return text.c_str();
}

std::unique_ptr<foundry::driver::Driver> create(const std::string& model_name, const std::string& settings,
                                                foundry::driver::Host host) {
  for (const auto& spec : models()) {
    if (spec.model == model_name) {
      return std::make_unique<BioreactorArray>(host, spec, foundry::sim::parse_settings(settings));
    }
  }
  return nullptr;
}

}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.sim.bioreactor", describe, create)
