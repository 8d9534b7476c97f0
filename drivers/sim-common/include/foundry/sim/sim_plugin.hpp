// The describe()/create() pair and the exported entry point of a simulator plugin with one model,
// in one line. Without it every simulator repeated the same twenty lines (and could get one of
// them subtly different, e.g. forget the settings schema).
//
//   FOUNDRY_SIM_PLUGIN("org.foundry.sim.incubator", Incubator, model, settings_schema)
//   FOUNDRY_SIM_PLUGIN("org.foundry.sim.thermocycler", Thermocycler, model, nullptr,
//                      {"run_program", R"({"program": "golden_gate"})"})
//
// NAME: reverse-DNS plugin name. DRIVER: the SimDriver subclass, constructed as
// DRIVER(host, settings) with settings checked against the common settings plus SETTINGS_SCHEMA
// (JSON Schema text, or nullptr). MODEL_FN: returns the ModelSpec the driver enforces. The rest:
// {operation, example parameters JSON} pairs published for the conformance kit.
// Use at namespace scope, outside any namespace, without a trailing semicolon. Plugins with several models (the bioreactor
// arrays) write their own describe() and create().
#pragma once

#include <foundry/driver/driver.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/sim_driver.hpp>

#include <memory>
#include <string>

#define FOUNDRY_SIM_PLUGIN(NAME, DRIVER, MODEL_FN, SETTINGS_SCHEMA, ...)                                          \
  namespace foundry_sim_plugin {                                                                                  \
  const char* describe() noexcept {                                                                               \
    static const std::string text =                                                                               \
        ::foundry::sim::describe_models_noexcept({::foundry::sim::with_examples(MODEL_FN(), {__VA_ARGS__})});     \
    return text.c_str();                                                                                          \
  }                                                                                                               \
  std::unique_ptr<::foundry::driver::Driver> create(const std::string& requested_model, const std::string& settings, \
                                                    ::foundry::driver::Host host) {                               \
    if (requested_model != MODEL_FN().model) return nullptr;                                                      \
    return std::make_unique<DRIVER>(host, ::foundry::sim::parse_settings(settings, SETTINGS_SCHEMA));             \
  }                                                                                                               \
  }                                                                                                               \
  FOUNDRY_DRIVER_PLUGIN(NAME, foundry_sim_plugin::describe, foundry_sim_plugin::create)
