// Simulated plate reader (org.foundry.sim.plate-reader, model sim-pr): absorbance and
// fluorescence of culture samples. A sample names its design and how long it had grown
// ("culture_hours"); the reading comes from the same growth model as the bioreactors, so a
// sample of a cultivation reads what the vessel would report at that time, plus reader noise.
#include <foundry/sim/design.hpp>
#include <foundry/sim/growth_curve.hpp>
#include <foundry/sim/landscape.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/random.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <vector>

namespace {

using foundry::driver::CommandRejected;
using foundry::sim::Activity;
using foundry::sim::Design;
using foundry::sim::GrowthCurve;
using nlohmann::json;

constexpr double plate_handling_s = 60;
constexpr double per_well_s = 0.5;

const char* const sample_fields = R"(
  "design": {"type": ["object", "string"], "description": "strain design of the sample"},
  "culture_hours": {"type": "number", "minimum": 0, "maximum": 2000, "description": "time since inoculation"},
  "sample": {"type": "string", "description": "label; default <design id>/t<hours>h"},
  "initial_od600": {"type": "number", "minimum": 0.001, "maximum": 2, "default": 0.05},
  "temperature_c": {"type": "number", "minimum": 15, "maximum": 45, "default": 37})";

std::string read_parameters(const std::string& optics) {
  return R"({"type": "object", "properties": {)" + optics + "," + sample_fields +
         R"(, "samples": {"type": "array", "minItems": 1, "maxItems": 384,
                         "description": "several samples in one plate; each has the single-sample fields",
                         "items": {"type": "object", "required": ["design", "culture_hours"], "properties": {)" +
         sample_fields + "}}}}}";
}

std::string read_result() {
  return R"({"type": "object", "required": ["measurements"], "properties": {"measurements": )" +
         std::string(foundry::sim::measurements_schema) + "}}";
}

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec{
      "sim-pr",
      "plate_reader",
      1,
      {{"read_absorbance",
        "Reads the absorbance of each sample (OD600 at 600 nm). Give one sample (design, culture_hours) or `samples`.",
        true,
        read_parameters(R"("wavelength_nm": {"type": "number", "minimum": 300, "maximum": 1000, "default": 600})"),
        read_result(),
        {plate_handling_s + per_well_s, plate_handling_s + per_well_s, plate_handling_s + 384 * per_well_s}},
       {"read_fluorescence",
        "Reads the fluorescent reporter of each sample (GFP-like: excitation 485 nm, emission 520 nm by default).",
        true,
        read_parameters(R"("excitation_nm": {"type": "number", "minimum": 250, "maximum": 800, "default": 485},
                           "emission_nm": {"type": "number", "minimum": 300, "maximum": 900, "default": 520},
                           "gain": {"type": "number", "minimum": 1, "maximum": 255, "default": 100})"),
        read_result(),
        {plate_handling_s + per_well_s, plate_handling_s + per_well_s, plate_handling_s + 384 * per_well_s}}}};
  return spec;
}

struct Sample {
  Design design;
  double culture_hours;
  std::string label;
  GrowthCurve curve;
};

class PlateReader final : public foundry::sim::SimDriver {
 public:
  PlateReader(foundry::driver::Host host, const json& settings) : SimDriver(host, model(), settings, 1), landscape_(seed()) {}

 private:
  Activity start(const Request& request) override {
    const json& p = request.parameters;
    std::vector<Sample> samples;
    if (p.contains("samples")) {
      for (std::size_t i = 0; i < p["samples"].size(); ++i) {
        samples.push_back(sample(p["samples"][i], "samples[" + std::to_string(i) + "]."));
      }
    } else {
      samples.push_back(sample(p, ""));
    }
    const std::string noise = foundry::sim::retry_key(request.command);
    json readings = json::array();
    if (request.command.operation == "read_absorbance") {
      const double wavelength = p.value("wavelength_nm", 600.0);
      const std::string name = wavelength == 600.0 ? "OD600" : "A" + json(wavelength).dump();
      for (const auto& s : samples) {
        // Turbidity falls off roughly with the square of the wavelength.
        const double truth = s.curve.od600(s.culture_hours) * std::pow(600.0 / wavelength, 2.0);
        const auto k = foundry::sim::key(seed(), "absorbance", noise, s.label, wavelength);
        const double value = foundry::sim::measured(truth, 0.02, k) + 0.003 * foundry::sim::normal_draw(k + 1);
        readings.push_back({{"name", name}, {"value", value}, {"unit", "AU"}, {"sample", s.label}});
      }
    } else {
      const double excitation = p.value("excitation_nm", 485.0);
      const double emission = p.value("emission_nm", 520.0);
      if (emission <= excitation + 10) {
        throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'emission_nm': must be more than 10 nm above excitation_nm");
      }
      // How well the filters match the reporter (GFP-like: peaks at 488 / 510 nm).
      const double match = std::exp(-std::pow((excitation - 488) / 30, 2) - std::pow((emission - 510) / 30, 2));
      const double gain = p.value("gain", 100.0) / 100.0;
      for (const auto& s : samples) {
        const double truth = gain * (s.curve.reporter_rfu(s.culture_hours) * match + 20.0);
        const auto k = foundry::sim::key(seed(), "fluorescence", noise, s.label, excitation, emission);
        readings.push_back({{"name", "fluorescence"}, {"value", foundry::sim::measured(truth, 0.04, k)}, {"unit", "RFU"}, {"sample", s.label}});
      }
    }
    Activity activity;
    activity.estimated_duration_s = plate_handling_s + per_well_s * static_cast<double>(samples.size());
    activity.complete = [readings] { return json{{"measurements", readings}}; };
    return activity;
  }

  // One sample's fields (`prefix` locates them in the parameters for error messages).
  Sample sample(const json& fields, const std::string& prefix) {
    if (!fields.contains("design")) {
      throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter '" + prefix + "design': is required (or give samples)");
    }
    if (!fields.contains("culture_hours")) {
      throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter '" + prefix + "culture_hours': is required with a design");
    }
    Design design = foundry::sim::design_parameter(fields, "design", prefix);
    const double hours = fields["culture_hours"].get<double>();
    std::string label = fields.value("sample", foundry::sim::sample_label(design, hours));
    GrowthCurve curve = foundry::sim::culture_of(landscape_, design, fields.value("initial_od600", GrowthCurve::default_inoculum_od),
                                                 fields.value("temperature_c", 37.0));
    return Sample{std::move(design), hours, std::move(label), curve};
  }

  foundry::sim::Landscape landscape_;
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.plate-reader", PlateReader, model, nullptr, {"read_absorbance", R"({"design": {"id": "d01", "promoter": "J23100", "rbs": "B0034", "gene": "var3"}, "culture_hours": 4})"},
                {"read_fluorescence", R"({"design": {"id": "d01", "promoter": "J23100", "rbs": "B0034", "gene": "var3"}, "culture_hours": 4})"})
