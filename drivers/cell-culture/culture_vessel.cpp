#include "culture_vessel.hpp"

#include <algorithm>
#include <cmath>

namespace foundry::sim {

void CultureVessel::advance(double now_s) {
  constexpr double step_h = 0.05;  // 3 min: far below every time constant of the model
  const double rate = std::log(2.0) / doubling_h;
  while (updated_at < now_s) {
    const double dt_h = std::min(step_h, (now_s - updated_at) / 3600.0);
    const double age = medium_age_h(updated_at);
    const double starvation = std::clamp((age - medium_life_h) / starvation_ramp_h, 0.0, 1.0);
    const double crowding = 1.0 - confluence();
    const double growth = rate * (1.0 - starvation) * std::max(0.0, crowding);
    double death = starvation_death_per_h * starvation;
    if (confluence() > overconfluence) death += overconfluence_death_per_h;
    const double born = viable * growth * dt_h;
    const double died = viable * (1.0 - std::exp(-death * dt_h));
    viable += born - died;
    dead += died;
    updated_at += dt_h * 3600.0;
    if (dt_h < step_h) updated_at = now_s;  // no drift from rounding
  }
}

void CultureVessel::exchange_medium(double now_s) {
  advance(now_s);
  dead *= 1.0 - washout;
  medium_since = now_s;
}

}  // namespace foundry::sim
