// Simulated parallel bioreactor arrays (org.foundry.sim.bioreactor): 24 x 0.25 L (sim-br-24x250ml)
// and 12 x 1 L (sim-br-12x1l), each vessel a unit. One plugin, two models.
//
// `cultivate` runs a whole batch culture of a design in one command and returns final values and
// an hourly time series. `inoculate`, `feed`, `sample` and `stop` drive a vessel step by step: the
// vessel holds its culture between commands. A feed (fed-batch) dilutes the culture and raises the
// OD600 it can reach: growth resumes without lag towards the new capacity (drivers/README.md).
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

// Biomass a gram of glucose per litre of culture supports (E. coli: ~0.5 gDW/g glucose, 0.4 gDW/L per OD).
constexpr double od_per_g_per_l_glucose = 1.25;
// Oxygen transfer caps what feeding can reach in a shaken/stirred array vessel.
constexpr double max_fed_capacity_od = 60;

foundry::sim::ModelSpec make_model(const ArrayModel& m) {
  const std::string state = R"("od600": {"type": "number"}, "titer_g_per_l": {"type": "number"},
                               "ph": {"type": "number"}, "do_pct": {"type": "number"})";
  const std::string vessel_volume = std::to_string(m.max_volume_ml);
  foundry::sim::ModelSpec spec{m.model,
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
           {"feed",
            "Adds a glucose feed to a growing culture (fed-batch): the culture is diluted by the added volume and "
            "can grow to a higher OD600 (1.25 OD per g/L glucose added, up to 60).",
            false,  // feeding twice doubles the feed
            R"({"type": "object", "required": ["volume_ml"], "properties": {
                  "volume_ml": {"type": "number", "exclusiveMinimum": 0, "maximum": )" + vessel_volume + R"(, "unit": "mL"},
                  "glucose_g_per_l": {"type": "number", "exclusiveMinimum": 0, "maximum": 800, "default": 500,
                                      "unit": "g/L", "description": "glucose concentration of the feed solution"}}})",
            with_measurements(R"("design": {"type": "string"}, "culture_hours": {"type": "number"},
                                 "volume_ml": {"type": "number"}, "capacity_od600": {"type": "number"})",
                              {"design", "culture_hours", "volume_ml", "capacity_od600", "measurements"}),
            {300, 60, 1800},
            R"({"volume_ml": 5})"},
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
  const foundry::sim::DeclaredError occupied{"vessel_occupied", "the vessel already holds a culture; stop it first"};
  const foundry::sim::DeclaredError empty{"vessel_empty", "the vessel holds no culture; inoculate it first"};
  return foundry::sim::with_errors(
      spec, {{"cultivate", {occupied}},
             {"inoculate", {occupied}},
             {"feed", {empty, {"overflow", "the feed would fill the vessel beyond its working volume"}}},
             {"sample", {empty}},
             {"stop", {empty}}});
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

// A culture growing in a vessel between `inoculate` and `stop`: one growth curve per feed phase.
struct VesselCulture {
  struct Phase {
    double from_h;        // culture hours at which this phase began (0, then each feed)
    GrowthCurve curve;    // evaluated at (hours - from_h)
    double titer_offset;  // titer already made when the phase began (diluted)
  };
  Design design;
  std::vector<Phase> phases;
  double inoculated_at;
  double volume_ml;

  const Phase& phase_at(double hours) const {
    const Phase* found = &phases.front();
    for (const auto& p : phases)
      if (p.from_h <= hours) found = &p;
    return *found;
  }
  double od600(double hours) const {
    const Phase& p = phase_at(hours);
    return p.curve.od600(hours - p.from_h);
  }
  double titer(double hours) const {
    const Phase& p = phase_at(hours);
    return p.titer_offset + p.curve.titer_g_per_l(hours - p.from_h);
  }
};

class BioreactorArray final : public foundry::sim::SimDriver {
 public:
  BioreactorArray(foundry::driver::Host host, const foundry::sim::ModelSpec& spec, const json& settings)
      : SimDriver(host, spec, settings, spec.units),
        landscape_(seed()),
        vessels_(static_cast<std::size_t>(spec.units)),
        max_volume_ml_(spec.model == array_1l.model ? array_1l.max_volume_ml : array_250ml.max_volume_ml),
        default_volume_ml_(spec.model == array_1l.model ? array_1l.default_volume_ml : array_250ml.default_volume_ml) {}

 private:
  Activity start(const Request& request) override {
    const std::string& op = request.command.operation;
    const json& p = request.parameters;
    auto& vessel = vessels_[static_cast<std::size_t>(request.unit)];
    const std::string vessel_name = "vessel " + std::to_string(request.unit);
    const std::string noise = foundry::sim::retry_key(request.command);

    if (op == "cultivate" || op == "inoculate") {
      const Design design = foundry::sim::design_parameter(p, "design");
      if (vessel) {
        throw ExecutionFailure("vessel_occupied", vessel_name + " holds a culture of '" + vessel->design.id + "'; stop it first");
      }
      const double od0 = p.value("initial_od600", GrowthCurve::default_inoculum_od);
      GrowthCurve curve = foundry::sim::culture_of(landscape_, design, od0, p.value("temperature_c", 37.0));
      Activity activity;
      if (op == "inoculate") {
        const double volume = p.value("volume_ml", static_cast<double>(default_volume_ml_));
        activity.complete = [this, unit = request.unit, design, curve, od0, volume] {
          vessels_[static_cast<std::size_t>(unit)] =
              VesselCulture{design, {{0.0, curve, 0.0}}, host().now(), volume};
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
    if (!vessel) throw ExecutionFailure("vessel_empty", vessel_name + " holds no culture (inoculate it first)");
    if (op == "feed") return feed(request, *vessel, vessel_name);
    Activity activity;
    activity.complete = [this, unit = request.unit, stop = op == "stop", noise] {
      auto& held = vessels_[static_cast<std::size_t>(unit)];
      const double hours = (host().now() - held->inoculated_at) / 3600.0;
      json state = vessel_state_at(*held, hours, noise);
      json result = {{"design", held->design.id}, {"culture_hours", hours}, {"measurements", measurements(state, held->design, hours)}};
      if (stop) held.reset();
      return result;
    };
    return activity;
  }

  // Fed-batch: the feed dilutes the culture by V/(V+v) and adds glucose g = v c / (V+v) g/L,
  // which raises the capacity by 1.25 OD per g/L; growth resumes without lag from the diluted OD.
  Activity feed(const Request& request, const VesselCulture& vessel, const std::string& vessel_name) {
    const double added_ml = request.parameters.at("volume_ml").get<double>();
    const double glucose = request.parameters.value("glucose_g_per_l", 500.0);
    if (vessel.volume_ml + added_ml > max_volume_ml_) {
      throw ExecutionFailure("overflow", vessel_name + " holds " + std::to_string(static_cast<int>(vessel.volume_ml)) +
                                             " mL; " + std::to_string(static_cast<int>(added_ml)) + " mL more exceed its " +
                                             std::to_string(max_volume_ml_) + " mL");
    }
    const std::string noise = foundry::sim::retry_key(request.command);
    Activity activity;
    activity.complete = [this, unit = request.unit, added_ml, glucose, noise] {
      auto& held = *vessels_[static_cast<std::size_t>(unit)];
      const double hours = (host().now() - held.inoculated_at) / 3600.0;
      const double dilution = held.volume_ml / (held.volume_ml + added_ml);
      const double added_g_per_l = added_ml * glucose / (held.volume_ml + added_ml);
      foundry::sim::Performance p = held.phase_at(hours).curve.performance();
      const double od_now = held.od600(hours) * dilution;
      p.carrying_capacity_od = std::min(max_fed_capacity_od, std::max(p.carrying_capacity_od * dilution, od_now) +
                                                                 od_per_g_per_l_glucose * added_g_per_l);
      p.lag_h = 0;
      held.phases.push_back({hours, GrowthCurve(p, od_now), held.titer(hours) * dilution});
      held.volume_ml += added_ml;
      json state = vessel_state_at(held, hours, noise);
      return json{{"design", held.design.id},
                  {"culture_hours", hours},
                  {"volume_ml", held.volume_ml},
                  {"capacity_od600", p.carrying_capacity_od},
                  {"measurements", measurements(state, held.design, hours)}};
    };
    return activity;
  }

  // A held culture's state: OD and titer from its phases, pH and DO from the current phase's growth.
  json vessel_state_at(const VesselCulture& held, double hours, const std::string& noise) const {
    const auto& phase = held.phase_at(hours);
    json state = state_at(phase.curve, hours - phase.from_h, noise, true);
    using foundry::sim::key;
    using foundry::sim::measured;
    state["t_h"] = hours;
    state["titer_g_per_l"] = measured(held.titer(hours), 0.03, key(seed(), "bioreactor", noise, "titer", hours, true));
    return state;
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
  int max_volume_ml_;
  int default_volume_ml_;
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
