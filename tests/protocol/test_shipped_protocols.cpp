// The protocols shipped in protocols/ load against the shipped workcell and expand as intended.
#include "protocol_test_helpers.hpp"
#include "build_paths.hpp"

#include <foundry/model/workcell.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace foundry::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kProtocols = fs::path(foundry::testing::source_dir()) / "protocols";

Workcell shipped_workcell() { return load_workcell(kProtocols / "workcells" / "sim-foundry.json"); }

const StepSpec& step(const RunSpec& run, const std::string& id) {
  for (const auto& s : run.steps)
    if (s.id == id) return s;
  throw std::runtime_error("no step " + id);
}

TEST(ShippedProtocols, EveryProtocolLoadsAndExpandsWithItsDefaults) {
  Workcell workcell = shipped_workcell();
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kProtocols)) {
    if (entry.path().extension() != ".json" || entry.path().filename() == "protocol.schema.json") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    try {
      Protocol protocol = load_protocol(entry.path(), &workcell);
      RunSpec run = protocol.expand({}, "r");
      EXPECT_FALSE(run.steps.empty());
    } catch (const InputError& e) {
      ADD_FAILURE() << format_diagnostics(e.diagnostics());
    }
  }
  EXPECT_GE(count, 2);
}

TEST(ShippedProtocols, DbtlBuildTestHasTheBuildAndTestOfEachDesign) {
  Workcell workcell = shipped_workcell();
  Protocol protocol = load_protocol(kProtocols / "dbtl-build-test.json", &workcell);
  RunSpec run = protocol.expand({}, "r");
  // 3 designs x (6 build + inoculate + cultivate + 12 x (sample, read)).
  EXPECT_EQ(run.steps.size(), 3u * (6 + 2 + 12 * 2));

  const StepSpec& golden_gate = step(run, "d02/golden_gate");
  EXPECT_EQ(golden_gate.device_type, "thermocycler");
  EXPECT_EQ(golden_gate.operation, "run_program");
  ASSERT_EQ(golden_gate.after.size(), 1u);
  EXPECT_EQ(golden_gate.after[0].step, "d02/assembly_setup");
  EXPECT_EQ(golden_gate.after[0].max_lag_s, 30 * 60);

  const StepSpec& cultivate = step(run, "d03/cultivate");
  EXPECT_EQ(cultivate.device_type, "bioreactor_250ml");
  EXPECT_EQ(cultivate.duration_s, 48 * 3600);
  EXPECT_EQ(json::parse(cultivate.parameters_json)["design"]["promoter"], "J23114");

  const StepSpec& sample = step(run, "d01/t12/sample");
  EXPECT_EQ(sample.operation, "sample");
  ASSERT_EQ(sample.after.size(), 1u);
  EXPECT_EQ(sample.after[0].step, "d01/cultivate");
  EXPECT_EQ(sample.after[0].from, Anchor::kStart);
  EXPECT_EQ(sample.after[0].min_lag_s, 48 * 3600 - 900);
  EXPECT_EQ(sample.after[0].max_lag_s, 48 * 3600 + 900);
  json sample_parameters = json::parse(sample.parameters_json);
  EXPECT_EQ(sample_parameters["sample"], "d01/t12");
  EXPECT_EQ(sample_parameters["culture_hours"], 48);

  const StepSpec& read = step(run, "d01/t3/read");
  EXPECT_EQ(read.device_type, "plate_reader");
  EXPECT_EQ(read.operation, "read_absorbance");
  EXPECT_EQ(read.after.at(0).step, "d01/t3/sample");
  EXPECT_EQ(read.after.at(0).max_lag_s, 600);
  EXPECT_EQ(json::parse(read.parameters_json)["culture_hours"], 12);
}

TEST(ShippedProtocols, DbtlSamplingFollowsItsParameters) {
  Protocol protocol = load_protocol(kProtocols / "dbtl-build-test.json");
  RunSpec run = protocol.expand({{"designs", R"([{"id": "x1", "promoter": "J23100", "rbs": "B0034", "gene": "var3"}])"},
                                 {"culture_h", "24"},
                                 {"sample_interval_h", "6"}},
                                "r");
  EXPECT_EQ(run.steps.size(), 6u + 2 + 4 * 2);
  EXPECT_EQ(step(run, "x1/t4/sample").after[0].min_lag_s, 24 * 3600 - 900);
}

TEST(ShippedProtocols, DbtlQuickIsOneShortCultivation) {
  Protocol protocol = load_protocol(kProtocols / "dbtl-quick.json", nullptr);
  RunSpec run = protocol.expand({}, "r");
  EXPECT_EQ(run.steps.size(), 6u + 2 + 4 * 2);
  EXPECT_EQ(step(run, "d01/cultivate").duration_s, 8 * 3600);
  EXPECT_EQ(step(run, "d01/t4/sample").after[0].max_lag_s, 8 * 3600 + 900);
}

}  // namespace
}  // namespace foundry::testing
