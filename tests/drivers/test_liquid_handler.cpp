// The 8-channel liquid handler: DBTL operations on the standard deck, transfers with volume
// tracking, and its declared execution errors (unknown labware, missing tips, over-aspiration).
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

json well(const std::string& labware, const std::string& w) { return {{"labware", labware}, {"well", w}}; }

TEST(LiquidHandler, RunsEveryDbtlOperationOnTheStandardDeck) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch");
  const json d = {{"id", "d01"}, {"promoter", "J23100"}};
  for (const auto& [operation, parameters] : std::vector<std::pair<std::string, json>>{
           {"assembly_setup", {{"design", d}, {"parts", 4}, {"duration_s", 900}}},
           {"transformation", {{"design", d}, {"duration_s", 1200}}},
           {"inoculate", {{"design", d}, {"volume_ul", 500}}},
           {"sample", {{"samples", 3}}},
           {"transfer", {{"source", well("media", "A1")}, {"destination", well("sample_plate", "A1")}, {"volume_ul", 100}}}}) {
    Outcome out = h.run(operation, parameters);
    ASSERT_TRUE(out.outcome.ok) << operation << ": " << out.outcome.message;
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-lh-8ch", operation, out.result()), "") << operation;
    if (parameters.contains("duration_s")) {
      EXPECT_NEAR(out.duration(), parameters["duration_s"].get<double>(), 0.05 * parameters["duration_s"].get<double>());
    }
  }
}

TEST(LiquidHandler, CountsTipsAndFailsWithMissingTipsUntilRefilled) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch", {{"tips", 10}});
  Outcome assembly = h.run("assembly_setup", {{"parts", 3}, {"reactions", 2}});  // (3 parts + mix) x 2
  ASSERT_TRUE(assembly.outcome.ok);
  EXPECT_EQ(assembly.result().at("tips_used"), 8);
  EXPECT_EQ(assembly.result().at("tips_remaining"), 2);
  Outcome out = h.run("sample", {{"samples", 3}});
  EXPECT_FALSE(out.outcome.ok);
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(out.outcome.message, "missing_tips: 3 needed, 2 left");
  EXPECT_GT(out.duration(), 0);  // found out on the instrument, not up front
  ASSERT_TRUE(h.run("load_tips", {{"racks", 1}}).outcome.ok);
  EXPECT_EQ(h.run("sample", {{"samples", 3}}).result().at("tips_remaining"), 2 + 96 - 3);
}

TEST(LiquidHandler, ReusingTipsNeedsTipsOnTheHead) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch");
  const json p = {{"source", well("media", "A1")}, {"destination", well("sample_plate", "B2")}, {"volume_ul", 10}, {"new_tips", false}};
  Outcome out = h.run("transfer", p);
  EXPECT_EQ(out.outcome.message, "missing_tips: the head holds no tips to reuse");
  ASSERT_TRUE(h.run("sample", json::object()).outcome.ok);
  Outcome reused = h.run("transfer", p);
  ASSERT_TRUE(reused.outcome.ok) << reused.outcome.message;
  EXPECT_EQ(reused.result().at("tips_used"), 0);
}

TEST(LiquidHandler, TracksVolumesAcrossTransfers) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch",
               {{"deck", {{"src", {{"type", "plate_96"}, {"fill_ul", 250}}}, {"dst", {{"type", "plate_96"}}}}}});
  const json p = {{"source", well("src", "A1")}, {"destination", well("dst", "A1")}, {"volume_ul", 100}, {"channels", 8}};
  Outcome first = h.run("transfer", p);
  ASSERT_TRUE(first.outcome.ok) << first.outcome.message;
  EXPECT_EQ(first.result().at("source_remaining_ul"), json(std::vector<double>(8, 150.0)));
  EXPECT_EQ(first.result().at("tips_used"), 8);
  ASSERT_TRUE(h.run("transfer", p).outcome.ok);
  // 50 uL left in A1..H1: the third aspiration of 100 uL finds too little.
  Outcome third = h.run("transfer", p);
  EXPECT_EQ(third.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(third.outcome.message, "over_aspiration: well A1 of 'src' holds 50 uL, 100 uL requested");
  // Back into the source plate: 250 + 100 overflows a 300 uL well.
  Outcome overflow = h.run("transfer", {{"source", well("dst", "A1")}, {"destination", well("src", "A2")}, {"volume_ul", 100}});
  EXPECT_EQ(overflow.outcome.message, "overflow: well A2 of 'src' holds at most 300 uL, it has 250 uL");
}

TEST(LiquidHandler, DeclaresOverAspirationBeyondTheChannelVolume) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch", {{"channel_volume_ul", 200}});
  Outcome out = h.run("inoculate", {{"volume_ul", 250}});
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(out.outcome.message, "over_aspiration: 250 uL exceeds the 200 uL a channel holds");
}

TEST(LiquidHandler, DeclaresUnknownLabwareAndWellsOffThePlate) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch");
  Outcome unknown = h.run("assembly_setup", {{"destination", "pcr_plate_7"}});
  EXPECT_EQ(unknown.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(unknown.outcome.message,
            "unknown_labware: 'pcr_plate_7' (deck: agar_plate, assembly, competent_cells, culture, master_mix, media, "
            "parts, preculture, sample_plate)");
  Outcome off = h.run("transfer", {{"source", well("parts", "B1")}, {"destination", well("assembly", "A1")}, {"volume_ul", 5}, {"channels", 8}});
  EXPECT_EQ(off.outcome.message, "unknown_well: 8 channel(s) from B1 do not fit 'parts' (pcr_plate_96, 8 x 12)");
  Outcome bad = h.run("transfer", {{"source", well("parts", "Z99")}, {"destination", well("assembly", "A1")}, {"volume_ul", 5}});
  EXPECT_EQ(bad.outcome.message, "unknown_well: 1 channel(s) from Z99 do not fit 'parts' (pcr_plate_96, 8 x 12)");
}

TEST(LiquidHandler, ValidationErrorsNameTheParameter) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch");
  auto message = [&](const std::string& operation, const json& p) {
    Outcome out = h.run(operation, p);
    EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_VALIDATION) << p;
    return out.outcome.message;
  };
  EXPECT_EQ(message("transfer", json::object()), "parameter 'source': is required");
  EXPECT_EQ(message("transfer", {{"source", {{"labware", "parts"}}}, {"destination", well("a", "A1")}, {"volume_ul", 1}}),
            "parameter 'source.well': is required");
  EXPECT_EQ(message("transfer", {{"source", well("parts", "A1")}, {"destination", well("a", "A1")}, {"volume_ul", 0}}),
            "parameter 'volume_ul': must be > 0");
  EXPECT_EQ(message("transfer", {{"source", well("parts", "A1")}, {"destination", well("a", "A1")}, {"volume_ul", 1}, {"channels", 9}}),
            "parameter 'channels': must be <= 8");
  EXPECT_EQ(message("assembly_setup", {{"parts", 0}}), "parameter 'parts': must be >= 1");
  EXPECT_EQ(message("sample", {{"design", json::array()}}), "parameter 'design': must be an object or a string");
}

TEST(LiquidHandler, OneCommandAtATime) {
  SimHarness h("foundry_sim_liquid_handler", "sim-lh-8ch");
  auto first = std::make_shared<Outcome>();
  auto second = std::make_shared<Outcome>();
  h.start(first, "sample", {{"duration_s", 300}});
  h.start(second, "sample", {{"duration_s", 300}});
  h.clock->run();
  EXPECT_TRUE(first->outcome.ok);
  EXPECT_EQ(second->outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(second->outcome.message, "unit_busy: all 1 units are busy");
}

}  // namespace
