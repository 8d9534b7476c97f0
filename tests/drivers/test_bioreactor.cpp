// The bioreactor arrays: batch cultivation with time series, the vessel lifecycle (inoculate,
// sample, stop), and the design -> performance landscape showing through.
#include "sim_harness.hpp"

#include <foundry/sim/design.hpp>
#include <foundry/sim/growth_curve.hpp>
#include <foundry/sim/landscape.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace {

using foundry::test::design;
using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

constexpr double hours48 = 48 * 3600.0;

TEST(Bioreactor, CultivateReturnsFinalValuesAndAnHourlyTimeSeriesThatGrows) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml");
  Outcome out = h.run("cultivate", {{"design", design("d01", "J23100", "B0034")}, {"duration_s", hours48}}, 3);
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  const json r = out.result();
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-br-24x250ml", "cultivate", r), "");
  EXPECT_EQ(r.at("unit"), 3);
  EXPECT_EQ(r.at("design"), "d01");
  const auto& series = r.at("time_series");
  EXPECT_GE(series.size(), 47u);
  EXPECT_DOUBLE_EQ(series.front().at("t_h").get<double>(), 0.0);
  EXPECT_NEAR(series[1].at("t_h").get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(series.back().at("t_h").get<double>(), r.at("hours").get<double>(), 1e-9);
  EXPECT_NEAR(series.front().at("od600").get<double>(), 0.05, 0.01);
  EXPECT_GT(r.at("final").at("od600").get<double>(), 2.0);  // grown to several OD units
  EXPECT_GT(series[30].at("od600").get<double>(), series[2].at("od600").get<double>() * 10);
  EXPECT_GT(r.at("final").at("titer_g_per_l").get<double>(), series[10].at("titer_g_per_l").get<double>());
  EXPECT_NEAR(r.at("final").at("ph").get<double>(), 7.0, 0.2);
  double lowest_do = 100;
  for (const auto& point : series) lowest_do = std::min(lowest_do, point.at("do_pct").get<double>());
  EXPECT_LT(lowest_do, 50);  // oxygen demand during exponential growth
  // Final values are measurements, labelled with the design and culture time.
  std::set<std::string> names;
  for (const auto& m : r.at("measurements")) {
    names.insert(m.at("name"));
    EXPECT_EQ(m.at("sample").get<std::string>().rfind("d01/t", 0), 0u) << m;
  }
  EXPECT_EQ(names, (std::set<std::string>{"OD600", "titer", "pH", "DO"}));
}

TEST(Bioreactor, TheBetterDesignByTheLandscapeGivesTheHigherTiter) {
  // Rank a handful of designs by the model's noise-free 48 h titer, then cultivate the best and
  // the worst in the 1 L array: the measured titers keep that order, and are near the model.
  const foundry::sim::Landscape landscape(42);
  std::vector<std::pair<double, json>> ranked;
  for (const char* promoter : {"J23100", "J23106", "J23114", "pTrc", "pBAD"}) {
    for (const char* rbs : {"B0030", "B0032", "B0034"}) {
      json d = design(std::string(promoter) + "+" + rbs, promoter, rbs);
      const auto curve = foundry::sim::culture_of(landscape, foundry::sim::Design::from_json(d));
      ranked.emplace_back(curve.titer_g_per_l(48), d);
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  ASSERT_GT(ranked.back().first, 1.3 * ranked.front().first) << "the landscape should separate designs";

  SimHarness h("foundry_sim_bioreactor", "sim-br-12x1l", {{"landscape_seed", 42}, {"duration_jitter", 0.0}});
  auto worst = std::make_shared<Outcome>();
  auto best = std::make_shared<Outcome>();
  h.start(worst, "cultivate", {{"design", ranked.front().second}, {"duration_s", hours48}}, 0);
  h.start(best, "cultivate", {{"design", ranked.back().second}, {"duration_s", hours48}}, 1);
  h.clock->run();
  ASSERT_TRUE(worst->outcome.ok && best->outcome.ok);
  EXPECT_GT(best->measurement("titer"), worst->measurement("titer"));
  EXPECT_NEAR(best->measurement("titer"), ranked.back().first, 0.15 * ranked.back().first);
  EXPECT_NEAR(worst->measurement("titer"), ranked.front().first, 0.15 * ranked.front().first);
}

TEST(Bioreactor, AnotherSeedIsAnotherLandscape) {
  const json d = design("d07", "J23106", "B0032");
  auto titer = [&](int seed) {
    SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml", {{"landscape_seed", seed}, {"duration_jitter", 0.0}});
    return h.run("cultivate", {{"design", d}, {"duration_s", hours48}}).measurement("titer");
  };
  EXPECT_DOUBLE_EQ(titer(42), titer(42));
  EXPECT_NE(titer(42), titer(43));
}

TEST(Bioreactor, InoculateSampleStopFollowOneCultureThroughTime) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml");
  const json d = design("d02", "J23100", "B0030");
  ASSERT_TRUE(h.run("inoculate", {{"design", d}, {"initial_od600", 0.1}}, 5).outcome.ok);
  std::vector<double> od;
  for (int i = 0; i < 4; ++i) {
    h.wait_hours(6);
    Outcome s = h.run("sample", json::object(), 5);
    ASSERT_TRUE(s.outcome.ok) << s.outcome.message;
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-br-24x250ml", "sample", s.result()), "");
    od.push_back(s.measurement("OD600"));
  }
  EXPECT_LT(od[0], od[1]);
  EXPECT_LT(od[1], od[2]);
  // A vessel with a culture cannot take another one.
  Outcome twice = h.run("cultivate", {{"design", d}}, 5);
  EXPECT_EQ(twice.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(twice.outcome.message, "vessel_occupied: vessel 5 holds a culture of 'd02'; stop it first");
  Outcome stop = h.run("stop", json::object(), 5);
  ASSERT_TRUE(stop.outcome.ok);
  EXPECT_GT(stop.result().at("culture_hours").get<double>(), 24.0);
  Outcome after = h.run("sample", json::object(), 5);
  EXPECT_EQ(after.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(after.outcome.message, "vessel_empty: vessel 5 holds no culture (inoculate it first)");
}

TEST(Bioreactor, OnAnyVesselNewCulturesGoToEmptyVesselsAndSamplesToGrowingOnes) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-12x1l");
  ASSERT_TRUE(h.run("inoculate", {{"design", "a"}}, 0).outcome.ok);
  ASSERT_TRUE(h.run("inoculate", {{"design", "b"}}, 1).outcome.ok);
  ASSERT_TRUE(h.run("stop", json::object(), 0).outcome.ok);  // vessel 0 empty, vessel 1 growing
  Outcome sample = h.run("sample", json::object());
  ASSERT_TRUE(sample.outcome.ok) << sample.outcome.message;
  EXPECT_EQ(sample.result().at("unit"), 1);
  EXPECT_EQ(sample.result().at("design"), "b");
  Outcome fresh = h.run("inoculate", {{"design", "c"}});
  EXPECT_EQ(fresh.result().at("unit"), 0);
  ASSERT_TRUE(h.run("stop", json::object(), 0).outcome.ok);
  ASSERT_TRUE(h.run("stop", json::object(), 1).outcome.ok);
  // Nothing grows anywhere: sampling "any vessel" reports the declared error.
  EXPECT_EQ(h.run("sample", json::object()).outcome.message, "vessel_empty: vessel 0 holds no culture (inoculate it first)");
}

TEST(Bioreactor, ValidationErrorsNameTheParameter) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml");
  auto message = [&](const json& p) {
    Outcome out = h.run("cultivate", p);
    EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_VALIDATION) << p;
    return out.outcome.message;
  };
  EXPECT_EQ(message(json::object()), "parameter 'design': is required");
  EXPECT_EQ(message({{"design", 4}}), "parameter 'design': must be an object or a string");
  EXPECT_EQ(message({{"design", {{"promoter", {1, 2}}}}}), "parameter 'design': factor 'promoter' must be a string, number or boolean");
  EXPECT_EQ(message({{"design", "d1"}, {"volume_ml", 300}}), "parameter 'volume_ml': must be <= 250");
  EXPECT_EQ(message({{"design", "d1"}, {"temperature_c", 80}}), "parameter 'temperature_c': must be <= 45");
  EXPECT_EQ(h.run("cultivate", {{"design", "d1"}}, 24).outcome.message, "unit: 24 is out of range 0..23 (or -1 for any)");
}

TEST(Bioreactor, ACancelledCultivationFailsAndFreesTheVessel) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-12x1l");
  auto out = std::make_shared<Outcome>();
  h.start(out, "cultivate", {{"design", "d3"}, {"duration_s", hours48}}, 2, "run/cultivate");
  h.clock->call_after(3600, [&] { h.session->cancel("run/cultivate"); });
  h.clock->run();
  EXPECT_EQ(out->outcome.message, "cancelled");
  EXPECT_TRUE(h.run("cultivate", {{"design", "d3"}, {"duration_s", 3600.0}}, 2).outcome.ok);
}

TEST(BioreactorFeed, AFedCultureIsDilutedThenGrowsBeyondTheBatchCapacity) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml");
  const json d = design("d03", "J23100", "B0034");
  ASSERT_TRUE(h.run("inoculate", {{"design", d}}, 0).outcome.ok);
  ASSERT_TRUE(h.run("inoculate", {{"design", d}}, 1).outcome.ok);
  h.wait_hours(30);  // stationary: both at the batch capacity
  const double batch_od = h.run("sample", json::object(), 1).measurement("OD600");
  Outcome fed = h.run("feed", {{"volume_ml", 20}, {"glucose_g_per_l", 500}}, 0);
  ASSERT_TRUE(fed.outcome.ok) << fed.outcome.message;
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-br-24x250ml", "feed", fed.result()), "");
  EXPECT_DOUBLE_EQ(fed.result().at("volume_ml").get<double>(), 220);
  // 20 mL of 500 g/L into 220 mL: 45 g/L glucose, capacity up by 1.25 OD per g/L (capped at 60).
  EXPECT_GT(fed.result().at("capacity_od600").get<double>(), batch_od + 20);
  EXPECT_LT(fed.measurement("OD600"), batch_od * 200 / 220 * 1.1);  // diluted right after the feed
  h.wait_hours(24);
  const double fed_od = h.run("sample", json::object(), 0).measurement("OD600");
  const double unfed_od = h.run("sample", json::object(), 1).measurement("OD600");
  EXPECT_GT(fed_od, 2 * unfed_od);
}

TEST(BioreactorFeed, DeclaredErrorsOverflowAndEmptyVessel) {
  SimHarness h("foundry_sim_bioreactor", "sim-br-24x250ml");
  Outcome empty = h.run("feed", {{"volume_ml", 5}}, 3);
  EXPECT_EQ(empty.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(empty.outcome.message.rfind("vessel_empty: ", 0), 0u) << empty.outcome.message;
  ASSERT_TRUE(h.run("inoculate", {{"design", "d01"}, {"volume_ml", 200}}, 3).outcome.ok);
  Outcome over = h.run("feed", {{"volume_ml", 60}}, 3);
  EXPECT_EQ(over.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(over.outcome.message, "overflow: vessel 3 holds 200 mL; 60 mL more exceed its 250 mL");
  EXPECT_TRUE(h.run("feed", {{"volume_ml", 50}}, 3).outcome.ok);
}

}  // namespace
