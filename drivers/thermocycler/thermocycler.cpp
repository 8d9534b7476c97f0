// Simulated 96-well thermocycler (org.foundry.sim.thermocycler, model sim-tc-96).
// Runs a named program (Gibson assembly, Golden Gate, PCR, heat shock) or a custom profile; the
// duration follows from holds, cycles and ramp times unless the engine passes its planned duration.
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <vector>

namespace {

using foundry::driver::CommandRejected;
using foundry::sim::Activity;
using nlohmann::json;

struct Hold {
  double temperature_c;
  double hold_s;
};

struct Program {
  std::vector<Hold> initial;
  std::vector<Hold> cycle;
  int cycles = 1;
  std::vector<Hold> final;
};

const std::map<std::string, Program>& programs() {
  static const std::map<std::string, Program> library = {
      {"gibson_assembly", {{}, {{50, 3600}}, 1, {}}},
      {"golden_gate", {{}, {{37, 300}, {16, 300}}, 30, {{60, 300}, {80, 600}}}},
      {"pcr", {{{98, 30}}, {{98, 10}, {60, 20}, {72, 60}}, 30, {{72, 300}}}},
      {"heat_shock", {{}, {{42, 45}}, 1, {{4, 120}}}},
  };
  return library;
}

constexpr double ramp_c_per_s = 3.0;
constexpr double lid_heating_s = 120.0;
constexpr double final_hold_default_c = 4.0;

double profile_duration_s(const Program& p, double start_c) {
  double t = lid_heating_s;
  double temperature = start_c;
  auto run = [&](const std::vector<Hold>& holds) {
    for (const auto& h : holds) {
      if (h.hold_s <= 0) continue;
      t += std::abs(h.temperature_c - temperature) / ramp_c_per_s + h.hold_s;
      temperature = h.temperature_c;
    }
  };
  run(p.initial);
  for (int c = 0; c < p.cycles; ++c) run(p.cycle);
  run(p.final);
  return t;
}

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec{
      "sim-tc-96",
      "thermocycler",
      1,
      {{"run_program",
        "Runs a named thermal program or a custom profile on the loaded 96-well plate, then holds at final_hold_c.",
        false,  // cycling a plate twice changes what is in it
        R"({
          "type": "object",
          "properties": {
            "program": {"type": "string", "minLength": 1,
                        "description": "gibson_assembly, golden_gate, pcr or heat_shock; omit when giving steps"},
            "steps": {"type": "array", "minItems": 1, "maxItems": 20,
                      "description": "custom profile repeated `cycles` times",
                      "items": {"type": "object", "required": ["temperature_c", "hold_s"],
                                "properties": {"temperature_c": {"type": "number", "minimum": 4, "maximum": 99},
                                               "hold_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400}}}},
            "cycles": {"type": "integer", "minimum": 1, "maximum": 99},
            "lid_temperature_c": {"type": "number", "minimum": 30, "maximum": 110, "default": 105},
            "final_hold_c": {"type": "number", "minimum": 4, "maximum": 40, "default": 4}
          }
        })",
        R"({
          "type": "object",
          "required": ["program", "cycles", "profile_duration_s", "final_hold_c"],
          "properties": {
            "program": {"type": "string"},
            "cycles": {"type": "integer"},
            "profile_duration_s": {"type": "number"},
            "final_hold_c": {"type": "number"}
          }
        })",
        {3720, 300, 21600}}}};
  return spec;
}

class Thermocycler final : public foundry::sim::SimDriver {
 public:
  Thermocycler(foundry::driver::Host host, const json& settings) : SimDriver(host, model(), settings, 1) {}

 private:
  Activity start(const Request& request) override {
    const json& p = request.parameters;
    Program program;
    std::string name;
    if (p.contains("steps")) {
      if (p.contains("program")) {
        throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'program': give either a program or steps, not both");
      }
      name = "custom";
      for (const auto& step : p["steps"]) program.cycle.push_back({step["temperature_c"].get<double>(), step["hold_s"].get<double>()});
      program.cycles = p.value("cycles", 1);
    } else if (p.contains("program")) {
      name = p["program"].get<std::string>();
      auto it = programs().find(name);
      if (it == programs().end()) {
        std::string known;
        for (const auto& [n, _] : programs()) known += (known.empty() ? "" : ", ") + n;
        throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'program': unknown program '" + name + "' (known: " + known + ")");
      }
      program = it->second;
      if (p.contains("cycles")) program.cycles = p["cycles"].get<int>();
    } else {
      throw CommandRejected(FOUNDRY_ERROR_VALIDATION, "parameter 'program': is required (or give steps)");
    }
    const double final_hold = p.value("final_hold_c", final_hold_default_c);
    const double profile_s = profile_duration_s(program, 25.0);
    Activity activity;
    activity.estimated_duration_s = profile_s;
    activity.complete = [name, cycles = program.cycles, profile_s, final_hold] {
      return json{{"program", name}, {"cycles", cycles}, {"profile_duration_s", profile_s}, {"final_hold_c", final_hold}};
    };
    return activity;
  }
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.thermocycler", Thermocycler, model, nullptr, {"run_program", R"({"program": "golden_gate"})"})
