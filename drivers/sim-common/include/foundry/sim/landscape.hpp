// The strain-design -> performance landscape shared by every simulated instrument.
//
// Family (documented for users in drivers/README.md): for each latent trait t,
//   z_t(design) = sqrt(1 - noise) * (sum_f main[f, level_f, t] + sum_{f<g} pair[f, g, levels, t]) / norm
//               + sqrt(noise) * design_noise[design, t]
// where every main effect, interaction and noise term is a normal draw keyed by the seed and the
// hashed factor names and levels (so designs nobody listed still have a performance), each
// factor carries a seeded importance weight, and `norm` makes z_t standard normal whatever the
// number of factors. The traits map to growth and production parameters (see Performance).
#pragma once

#include <foundry/sim/design.hpp>

#include <array>
#include <cstdint>

namespace foundry::sim {

// What a strain does in a well-mixed culture at 37 degC.
struct Performance {
  double max_growth_rate_per_h = 0;  // mu_max of the logistic curve
  double carrying_capacity_od = 0;   // K, the OD600 the culture levels off at
  double lag_h = 0;                  // time before exponential growth starts
  double growth_yield_g_per_l_per_od = 0;  // growth-associated product (Luedeking-Piret alpha)
  double production_g_per_l_per_od_h = 0;  // non-growth-associated product (Luedeking-Piret beta)
  double reporter_rfu_per_od = 0;          // fluorescent reporter signal per OD unit
};

enum class Trait { growth = 0, capacity, lag, production, expression };
inline constexpr int trait_count = 5;
using TraitScores = std::array<double, trait_count>;  // z per Trait, each ~ N(0, 1) over designs

class Landscape {
 public:
  // Share of each trait's variance that no factor explains (design-specific noise).
  static constexpr double unexplained_variance = 0.1;
  // Size of a pairwise interaction relative to a main effect.
  static constexpr double interaction_scale = 0.5;

  explicit Landscape(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }

  TraitScores scores(const Design& design) const;
  Performance performance(const Design& design) const;

 private:
  std::uint64_t seed_;
};

}  // namespace foundry::sim
