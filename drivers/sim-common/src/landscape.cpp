#include <foundry/sim/landscape.hpp>

#include <foundry/sim/random.hpp>

#include <cmath>
#include <iterator>

namespace foundry::sim {
namespace {

// How much factor `name` matters: log-normal around 1, so some factors dominate and some barely
// matter, as in real libraries (a promoter swap usually matters more than a terminator swap).
double importance(std::uint64_t seed, const std::string& name, int trait) {
  return std::exp(0.5 * normal_draw(key(seed, "importance", name, trait)));
}

}  // namespace

TraitScores Landscape::scores(const Design& design) const {
  TraitScores z{};
  const std::string canonical = design.canonical();
  for (int t = 0; t < trait_count; ++t) {
    double sum = 0;
    double variance = 0;
    for (auto a = design.factors.begin(); a != design.factors.end(); ++a) {
      const double wa = importance(seed_, a->first, t);
      sum += wa * normal_draw(key(seed_, "main", a->first, a->second, t));
      variance += wa * wa;
      for (auto b = std::next(a); b != design.factors.end(); ++b) {
        // Factors are sorted by name, so (a, b) names each pair once, independent of JSON order.
        const double wab = interaction_scale * std::sqrt(wa * importance(seed_, b->first, t));
        sum += wab * normal_draw(key(seed_, "pair", a->first, a->second, b->first, b->second, t));
        variance += wab * wab;
      }
    }
    const double explained = variance > 0 ? sum / std::sqrt(variance) : 0.0;
    const double noise = normal_draw(key(seed_, "design", canonical, t));
    z[static_cast<std::size_t>(t)] =
        std::sqrt(1.0 - unexplained_variance) * explained + std::sqrt(unexplained_variance) * noise;
  }
  return z;
}

Performance Landscape::performance(const Design& design) const {
  const TraitScores z = scores(design);
  auto at = [&](Trait t) { return z[static_cast<std::size_t>(t)]; };
  // Expressing the pathway strongly costs growth (metabolic burden) and drives production, so the
  // best producer is not the fastest grower.
  const double expression = at(Trait::expression);
  const double burden = 0.35 * expression;
  const double production = (at(Trait::production) + 0.6 * expression) / std::sqrt(1.36);

  Performance p;
  p.max_growth_rate_per_h = 0.55 * std::exp(0.25 * (at(Trait::growth) - burden));
  p.carrying_capacity_od = 6.0 * std::exp(0.2 * at(Trait::capacity));
  p.lag_h = 2.0 * std::exp(0.35 * at(Trait::lag));
  p.growth_yield_g_per_l_per_od = 0.25 * std::exp(0.45 * production);
  p.production_g_per_l_per_od_h = 0.01 * std::exp(0.45 * production);
  p.reporter_rfu_per_od = 2000.0 * std::exp(0.6 * expression);
  return p;
}

}  // namespace foundry::sim
