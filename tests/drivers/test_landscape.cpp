// The design -> performance landscape and the growth model behind every simulated instrument.
#include <foundry/sim/design.hpp>
#include <foundry/sim/growth_curve.hpp>
#include <foundry/sim/landscape.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace {

using foundry::sim::Design;
using foundry::sim::GrowthCurve;
using foundry::sim::Landscape;
using nlohmann::json;

Design design(const std::string& promoter, const std::string& rbs, const std::string& gene = "crtE") {
  return Design::from_json(json{{"id", promoter + "-" + rbs}, {"promoter", promoter}, {"rbs", rbs}, {"gene", gene}});
}

TEST(Design, IsCanonicalWhateverTheKeyOrderAndIgnoresTheId) {
  auto a = Design::from_json(json::parse(R"({"id": "x", "promoter": "J23100", "rbs": "B0034"})"));
  auto b = Design::from_json(json::parse(R"({"rbs": "B0034", "promoter": "J23100", "id": "y"})"));
  EXPECT_EQ(a.canonical(), b.canonical());
  EXPECT_EQ(a.canonical(), "promoter=J23100;rbs=B0034");
  EXPECT_EQ(Landscape(7).scores(a), Landscape(7).scores(b));
}

TEST(Design, AStrainIdAloneIsItsOwnFactor) {
  auto a = Design::from_json(json("strain-17"));
  EXPECT_EQ(a.canonical(), "strain=strain-17");
  EXPECT_NE(Landscape(1).scores(a), Landscape(1).scores(Design::from_json(json("strain-18"))));
}

TEST(Design, RefusesValuesThatAreNotLevels) {
  EXPECT_THROW(Design::from_json(json::parse(R"({"promoter": ["a"]})")), std::invalid_argument);
  EXPECT_THROW(Design::from_json(json(3.5)), std::invalid_argument);
  EXPECT_THROW(Design::from_json(json::object()), std::invalid_argument);
}

TEST(Landscape, TheSameSeedGivesTheSameLandscapeAndAnotherSeedAnother) {
  const Design d = design("J23100", "B0034");
  EXPECT_EQ(Landscape(42).scores(d), Landscape(42).scores(d));
  EXPECT_NE(Landscape(42).scores(d), Landscape(43).scores(d));
}

TEST(Landscape, ScoresAreStandardNormalOverSeeds) {
  // Over landscapes (seeds), every trait of a design is standard normal: the normalisation keeps
  // a design with many factors as plausible as one with few.
  for (const auto& d : {design("J23100", "B0034"), Design::from_json(json("strain-1")),
                        Design::from_json(json{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}})}) {
    constexpr int n = 3000;
    std::array<double, foundry::sim::trait_count> sum{}, sum2{};
    for (int seed = 0; seed < n; ++seed) {
      auto z = Landscape(static_cast<std::uint64_t>(seed)).scores(d);
      for (std::size_t t = 0; t < z.size(); ++t) {
        sum[t] += z[t];
        sum2[t] += z[t] * z[t];
      }
    }
    for (std::size_t t = 0; t < sum.size(); ++t) {
      const double mean = sum[t] / n;
      const double sd = std::sqrt(sum2[t] / n - mean * mean);
      EXPECT_NEAR(mean, 0.0, 0.1) << d.canonical() << " trait " << t;
      EXPECT_NEAR(sd, 1.0, 0.1) << d.canonical() << " trait " << t;
    }
  }
}

TEST(Landscape, DesignsNobodyListedSpreadOut) {
  // Unseen factor levels still get their own effects: many designs, many different growth rates.
  Landscape landscape(2024);
  std::vector<double> rates;
  for (int i = 0; i < 200; ++i) rates.push_back(landscape.performance(design("p" + std::to_string(i), "r" + std::to_string(i))).max_growth_rate_per_h);
  auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
  EXPECT_GT(*hi / *lo, 1.5);
}

TEST(Landscape, FactorsInteract) {
  // With interactions, the effect of swapping the promoter depends on the rbs.
  Landscape landscape(5);
  auto growth = [&](const Design& d) { return landscape.scores(d)[0]; };
  const double swap_with_b0034 = growth(design("pA", "B0034")) - growth(design("pB", "B0034"));
  const double swap_with_b0032 = growth(design("pA", "B0032")) - growth(design("pB", "B0032"));
  EXPECT_GT(std::abs(swap_with_b0034 - swap_with_b0032), 1e-3);
}

TEST(Landscape, PerformanceIsPlausibleForEveryDesign) {
  Landscape landscape(42);
  for (int i = 0; i < 300; ++i) {
    const auto p = landscape.performance(design("p" + std::to_string(i), "r" + std::to_string(i % 7)));
    EXPECT_GT(p.max_growth_rate_per_h, 0.1);
    EXPECT_LT(p.max_growth_rate_per_h, 2.0);
    EXPECT_GT(p.carrying_capacity_od, 2.0);
    EXPECT_LT(p.carrying_capacity_od, 20.0);
    EXPECT_GT(p.lag_h, 0.2);
    EXPECT_LT(p.lag_h, 12.0);
    EXPECT_GT(p.growth_yield_g_per_l_per_od, 0.0);
  }
}

TEST(GrowthCurve, StartsAtTheInoculumWaitsOutTheLagAndLevelsOffAtCapacity) {
  const auto p = Landscape(42).performance(design("J23100", "B0034"));
  const GrowthCurve curve(p, 0.05);
  EXPECT_DOUBLE_EQ(curve.od600(0), 0.05);
  EXPECT_DOUBLE_EQ(curve.od600(0.9 * p.lag_h), 0.05);
  double previous = 0;
  for (double t = 0; t <= 72; t += 0.5) {
    EXPECT_GE(curve.od600(t), previous);
    previous = curve.od600(t);
  }
  EXPECT_NEAR(curve.od600(200), p.carrying_capacity_od, 1e-6 * p.carrying_capacity_od);
  EXPECT_GT(curve.od600(p.lag_h + 2), 0.05 * std::exp(0.9 * p.max_growth_rate_per_h * 2));
}

TEST(GrowthCurve, TiterFollowsLuedekingPiretWithTheClosedFormIntegral) {
  const auto p = Landscape(3).performance(design("J23119", "B0030"));
  const GrowthCurve curve(p, 0.05);
  // Trapezoid integration of dP/dt = alpha dX/dt + beta X agrees with the closed form.
  double titer = 0;
  const double dt = 0.001;
  for (double t = 0; t < 30 - 1e-9; t += dt) {
    const double x_mid = 0.5 * (curve.od600(t) + curve.od600(t + dt));
    titer += p.growth_yield_g_per_l_per_od * (curve.od600(t + dt) - curve.od600(t)) + p.production_g_per_l_per_od_h * x_mid * dt;
  }
  EXPECT_NEAR(curve.titer_g_per_l(30), titer, 1e-4 * titer);
  EXPECT_DOUBLE_EQ(curve.titer_g_per_l(0), 0.0);
  EXPECT_GT(curve.titer_g_per_l(48), curve.titer_g_per_l(24));
}

TEST(GrowthCurve, OxygenDipsAndRecoversAndPhStaysNearTheSetpoint) {
  const auto p = Landscape(42).performance(design("J23100", "B0034"));
  const GrowthCurve curve(p, 0.05);
  double lowest = 100;
  for (double t = 0; t < 60; t += 0.25) {
    lowest = std::min(lowest, curve.dissolved_oxygen_pct(t));
    EXPECT_GT(curve.ph(t), 6.8);
    EXPECT_LE(curve.ph(t), GrowthCurve::ph_setpoint);
  }
  EXPECT_LT(lowest, 30.0);
  EXPECT_DOUBLE_EQ(curve.dissolved_oxygen_pct(0), 100.0);
  EXPECT_GT(curve.dissolved_oxygen_pct(150), 99.0);
}

TEST(GrowthCurve, GrowsFastestNear37DegreesAndNotAtAllInTheCold) {
  const auto p = Landscape(42).performance(design("J23100", "B0034"));
  EXPECT_DOUBLE_EQ(foundry::sim::at_temperature(p, 37).max_growth_rate_per_h, p.max_growth_rate_per_h);
  EXPECT_LT(foundry::sim::at_temperature(p, 30).max_growth_rate_per_h, p.max_growth_rate_per_h);
  EXPECT_LT(foundry::sim::at_temperature(p, 42).max_growth_rate_per_h, p.max_growth_rate_per_h);
  EXPECT_LT(foundry::sim::at_temperature(p, 10).max_growth_rate_per_h, 0.01 * p.max_growth_rate_per_h);
}

TEST(Measurement, NoiseIsDeterministicPerKeyAndScalesWithTheCoefficientOfVariation) {
  EXPECT_EQ(foundry::sim::measured(1.0, 0.05, 11), foundry::sim::measured(1.0, 0.05, 11));
  double sum2 = 0;
  for (std::uint64_t k = 0; k < 4000; ++k) sum2 += std::pow(foundry::sim::measured(1.0, 0.05, k) - 1.0, 2);
  EXPECT_NEAR(std::sqrt(sum2 / 4000), 0.05, 0.005);
}

}  // namespace
