// Every simulated plugin loads through the engine's loader and describes the models the
// workcell expects, with schemas and duration models for every operation.
#include "sim_harness.hpp"

#include <foundry/sim/schema_check.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

namespace {

using foundry::engine::PluginLibrary;
using nlohmann::json;

struct Expected {
  std::string plugin, name, model, device_type;
  int units;
  std::set<std::string> operations;
};

const std::vector<Expected> fleet = {
    {"foundry_sim_liquid_handler", "org.foundry.sim.liquid-handler", "sim-lh-8ch", "liquid_handler", 1,
     {"assembly_setup", "transformation", "inoculate", "sample", "transfer", "load_tips"}},
    {"foundry_sim_thermocycler", "org.foundry.sim.thermocycler", "sim-tc-96", "thermocycler", 1, {"run_program"}},
    {"foundry_sim_incubator", "org.foundry.sim.incubator", "sim-incubator", "incubator", 20, {"incubate"}},
    {"foundry_sim_colony_picker", "org.foundry.sim.colony-picker", "sim-cp", "colony_picker", 1, {"pick_colonies"}},
    {"foundry_sim_bioreactor", "org.foundry.sim.bioreactor", "sim-br-24x250ml", "bioreactor_250ml", 24,
     {"cultivate", "inoculate", "feed", "sample", "stop"}},
    {"foundry_sim_bioreactor", "org.foundry.sim.bioreactor", "sim-br-12x1l", "bioreactor_1l", 12,
     {"cultivate", "inoculate", "feed", "sample", "stop"}},
    {"foundry_sim_plate_reader", "org.foundry.sim.plate-reader", "sim-pr", "plate_reader", 1,
     {"read_absorbance", "read_fluorescence"}},
    {"foundry_sim_cell_culture", "org.foundry.sim.cell-culture", "sim-ccs", "cell_culture_station", 12,
     {"seed", "medium_exchange", "passage", "harvest"}},
    {"foundry_sim_robot_arm", "org.foundry.sim.robot-arm", "sim-arm", "robot_arm", 1, {"move_plate"}},
};

// Reads are safe to repeat; everything that moves liquid, cells or heat is not.
// Moving a plate to where it already is does nothing.
const std::set<std::string> idempotent_operations = {"read_absorbance", "read_fluorescence", "move_plate"};

class FleetDescription : public ::testing::TestWithParam<Expected> {};

TEST_P(FleetDescription, LoadsAndDescribesItsModel) {
  const Expected& e = GetParam();
  auto library = PluginLibrary::load(foundry::test::driver_file(e.plugin));
  EXPECT_EQ(library->name(), e.name);
  EXPECT_EQ(library->abi_major(), FOUNDRY_DRIVER_ABI_MAJOR);
  const auto* model = library->find_model(e.model);
  ASSERT_NE(model, nullptr) << e.model;
  EXPECT_EQ(model->device_type, e.device_type);
  EXPECT_EQ(model->units, e.units);
  std::set<std::string> names;
  for (const auto& op : model->operations) {
    names.insert(op.name);
    EXPECT_EQ(op.idempotent, idempotent_operations.count(op.name) > 0) << op.name;
  }
  EXPECT_EQ(names, e.operations);

  const json description = json::parse(library->description_json());
  EXPECT_EQ(description.at("vendor"), "Foundry simulators");
  EXPECT_FALSE(description.at("version").get<std::string>().empty());
}

TEST_P(FleetDescription, EveryOperationHasSchemasAndADurationModel) {
  const Expected& e = GetParam();
  auto library = PluginLibrary::load(foundry::test::driver_file(e.plugin));
  const json description = json::parse(library->description_json());
  for (const auto& m : description.at("models")) {
    if (m.at("model") != e.model) continue;
    for (const auto& op : m.at("operations")) {
      const std::string name = op.at("name");
      EXPECT_FALSE(op.at("description").get<std::string>().empty()) << name;
      EXPECT_EQ(op.at("parameters").at("type"), "object") << name;
      EXPECT_TRUE(op.at("parameters").at("properties").contains("duration_s")) << name;
      EXPECT_EQ(op.at("result").at("type"), "object") << name;
      EXPECT_NO_THROW(foundry::sim::check_schema_keywords(op.at("parameters"), name));
      EXPECT_NO_THROW(foundry::sim::check_schema_keywords(op.at("result"), name));
      const auto& d = op.at("duration_s");
      EXPECT_GT(d.at("min").get<double>(), 0) << name;
      EXPECT_LE(d.at("min").get<double>(), d.at("nominal").get<double>()) << name;
      EXPECT_LE(d.at("nominal").get<double>(), d.at("max").get<double>()) << name;
      // Declared execution errors: ids unique, described; every simulator may report a busy unit.
      std::set<std::string> ids;
      for (const auto& error : op.at("errors")) {
        EXPECT_TRUE(ids.insert(error.at("id").get<std::string>()).second) << name << ": " << error.at("id");
        EXPECT_FALSE(error.at("description").get<std::string>().empty()) << name;
      }
      EXPECT_EQ(ids.count("unit_busy"), 1u) << name;
    }
  }
}

std::string model_test_name(const ::testing::TestParamInfo<Expected>& param_info) {
  std::string name = param_info.param.model;
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fleet, FleetDescription, ::testing::ValuesIn(fleet), model_test_name);

TEST(FleetDescriptionRefusals, AnUnknownModelIsRefusedNamingIt) {
  auto library = PluginLibrary::load(foundry::test::driver_file("foundry_sim_bioreactor"));
  auto clock = foundry::engine::make_virtual_clock(0);
  try {
    foundry::engine::DriverSession session(library, "sim-br-48x10ml", "{}", *clock);
    FAIL() << "unknown model accepted";
  } catch (const foundry::engine::PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("sim-br-48x10ml"), std::string::npos) << e.what();
  }
}

TEST(FleetDescriptionRefusals, BadSettingsAreRefusedNamingTheSetting) {
  auto clock = foundry::engine::make_virtual_clock(0);
  auto expect_refused = [&](const std::string& plugin, const std::string& model, const std::string& settings,
                            const std::string& message) {
    auto library = PluginLibrary::load(foundry::test::driver_file(plugin));
    try {
      foundry::engine::DriverSession session(library, model, settings, *clock);
      ADD_FAILURE() << settings << " accepted";
    } catch (const foundry::engine::PluginError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  expect_refused("foundry_sim_incubator", "sim-incubator", R"({"slots": 0})", "settings 'slots': must be >= 1");
  expect_refused("foundry_sim_bioreactor", "sim-br-12x1l", R"({"landscape_seed": -3})", "settings 'landscape_seed': must be >= 0");
  expect_refused("foundry_sim_thermocycler", "sim-tc-96", R"({"duration_jitter": 0.5})", "settings 'duration_jitter': must be <= 0.1");
  expect_refused("foundry_sim_liquid_handler", "sim-lh-8ch", R"({"deck": {"p": {"type": "plate_1536"}}})",
                 "settings 'deck.p.type': unknown labware type 'plate_1536'");
  expect_refused("foundry_sim_plate_reader", "sim-pr", "{not json", "settings: not valid JSON");
}

}  // namespace
