// The plate reader: absorbance and fluorescence of samples described by design and culture time,
// on the same growth curve as the bioreactors.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::design;
using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

const json d01 = design("d01", "J23100", "B0034");

TEST(PlateReader, OpticalDensityRisesOverCultureHours) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr");
  std::vector<double> od;
  for (double hours : {0.0, 4.0, 8.0, 12.0, 24.0}) {
    Outcome out = h.run("read_absorbance", {{"design", d01}, {"culture_hours", hours}, {"duration_s", 120.0}});
    ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-pr", "read_absorbance", out.result()), "");
    od.push_back(out.measurement("OD600"));
  }
  EXPECT_NEAR(od.front(), 0.05, 0.01);
  EXPECT_LT(od[1], od[2]);
  EXPECT_LT(od[2], od[3]);
  EXPECT_GT(od.back(), 2.0);
}

TEST(PlateReader, ReadsWhatTheBioreactorGrewForTheSameSeedAndDesign) {
  SimHarness reactor("foundry_sim_bioreactor", "sim-br-24x250ml", {{"landscape_seed", 9}});
  Outcome culture = reactor.run("cultivate", {{"design", d01}, {"duration_s", 24 * 3600.0}, {"sample_interval_h", 2}});
  ASSERT_TRUE(culture.outcome.ok);
  SimHarness reader("foundry_sim_plate_reader", "sim-pr", {{"landscape_seed", 9}});
  const json grown = culture.result();
  for (const auto& point : grown.at("time_series")) {
    const double t = point.at("t_h");
    Outcome read = reader.run("read_absorbance", {{"design", d01}, {"culture_hours", t}});
    // Both carry a few % of independent noise around the same curve.
    EXPECT_NEAR(read.measurement("OD600"), point.at("od600").get<double>(), 0.1 * point.at("od600").get<double>() + 0.02) << t;
  }
}

TEST(PlateReader, ReadsAPlateOfSamplesAndLabelsEach) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr");
  json samples = json::array();
  for (int i = 0; i < 12; ++i) samples.push_back({{"design", design("d" + std::to_string(i), "p" + std::to_string(i), "B0034")}, {"culture_hours", 10}});
  samples[0]["sample"] = "well-A1";
  Outcome out = h.run("read_absorbance", {{"samples", samples}});
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  const json r = out.result();
  const auto& m = r.at("measurements");
  ASSERT_EQ(m.size(), 12u);
  EXPECT_EQ(m[0].at("sample"), "well-A1");
  EXPECT_EQ(m[3].at("sample"), "d3/t10h");
  EXPECT_EQ(m[3].at("unit"), "AU");
}

TEST(PlateReader, FluorescenceGrowsWithTheCultureAndDependsOnTheFilters) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr");
  auto rfu = [&](double hours, double excitation, double emission) {
    Outcome out = h.run("read_fluorescence", {{"design", d01}, {"culture_hours", hours}, {"excitation_nm", excitation}, {"emission_nm", emission}});
    EXPECT_TRUE(out.outcome.ok) << out.outcome.message;
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-pr", "read_fluorescence", out.result()), "");
    return out.measurement("fluorescence");
  };
  EXPECT_GT(rfu(20, 485, 520), 5 * rfu(1, 485, 520));
  EXPECT_GT(rfu(20, 485, 520), 10 * rfu(20, 600, 700));  // wrong filters for the reporter
}

TEST(PlateReader, ReadingsAreRepeatableForTheSameStepAndVaryBetweenSteps) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr");
  const json p = {{"design", d01}, {"culture_hours", 12}};
  const double a = h.run("read_absorbance", p, -1, "read-1").measurement("OD600");
  SimHarness again("foundry_sim_plate_reader", "sim-pr");
  EXPECT_DOUBLE_EQ(again.run("read_absorbance", p, -1, "read-1").measurement("OD600"), a);
  EXPECT_NE(again.run("read_absorbance", p, -1, "read-2").measurement("OD600"), a);
}

TEST(PlateReader, ValidationErrorsNameTheParameter) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr");
  auto message = [&](const std::string& operation, const json& p) {
    Outcome out = h.run(operation, p);
    EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_VALIDATION) << p;
    return out.outcome.message;
  };
  EXPECT_EQ(message("read_absorbance", json::object()), "parameter 'design': is required (or give samples)");
  EXPECT_EQ(message("read_absorbance", {{"design", d01}}), "parameter 'culture_hours': is required with a design");
  EXPECT_EQ(message("read_absorbance", {{"design", d01}, {"culture_hours", -1}}), "parameter 'culture_hours': must be >= 0");
  EXPECT_EQ(message("read_absorbance", {{"samples", json::array({{{"design", d01}}})}}), "parameter 'samples[0].culture_hours': is required");
  EXPECT_EQ(message("read_absorbance", {{"samples", json::array({{{"design", json::object()}, {"culture_hours", 1}}})}}),
            "parameter 'samples[0].design': has neither factors nor an id");
  EXPECT_EQ(message("read_absorbance", {{"design", d01}, {"culture_hours", 1}, {"wavelength_nm", 100}}),
            "parameter 'wavelength_nm': must be >= 300");
  EXPECT_EQ(message("read_fluorescence", {{"design", d01}, {"culture_hours", 1}, {"excitation_nm", 500}, {"emission_nm", 505}}),
            "parameter 'emission_nm': must be more than 10 nm above excitation_nm");
}

}  // namespace
