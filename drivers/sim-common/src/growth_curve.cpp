#include <foundry/sim/growth_curve.hpp>

#include <foundry/sim/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace foundry::sim {

GrowthCurve::GrowthCurve(const Performance& performance, double inoculum_od)
    : p_(performance), x0_(std::clamp(inoculum_od, 1e-6, 0.99 * performance.carrying_capacity_od)) {}

// Logistic growth started after the lag: X(tau) = K X0 e^(mu tau) / (K - X0 + X0 e^(mu tau)).
double GrowthCurve::od600(double hours) const {
  const double tau = std::max(0.0, hours - p_.lag_h);
  const double k = p_.carrying_capacity_od;
  const double mt = p_.max_growth_rate_per_h * tau;
  // Two algebraically equal forms: exact at tau = 0, and free of overflow for large mu tau.
  if (mt > 50) return k / (1.0 + (k / x0_ - 1.0) * std::exp(-mt));
  return x0_ * std::exp(mt) / (1.0 + x0_ * std::expm1(mt) / k);
}

double GrowthCurve::growth_rate_od_per_h(double hours) const {
  if (hours <= p_.lag_h) return 0.0;
  const double x = od600(hours);
  return p_.max_growth_rate_per_h * x * (1.0 - x / p_.carrying_capacity_od);
}

// Closed form of the logistic integral: (K / mu) ln((K - X0 + X0 e^(mu tau)) / K), plus X0 during the lag.
double GrowthCurve::integral_od_h(double hours) const {
  const double t = std::max(0.0, hours);
  const double lag = std::min(t, p_.lag_h);
  const double tau = t - lag;
  const double k = p_.carrying_capacity_od;
  const double mu = p_.max_growth_rate_per_h;
  const double mt = mu * tau;
  // ln((K - X0 + X0 e^mt) / K), exact at mt = 0 and without overflow for large mt.
  const double log_ratio = mt > 50 ? mt + std::log((x0_ + (k - x0_) * std::exp(-mt)) / k) : std::log1p(x0_ * std::expm1(mt) / k);
  return x0_ * lag + (k / mu) * log_ratio;
}

// Luedeking-Piret: dP/dt = alpha dX/dt + beta X.
double GrowthCurve::titer_g_per_l(double hours) const {
  return p_.growth_yield_g_per_l_per_od * (od600(hours) - x0_) +
         p_.production_g_per_l_per_od_h * integral_od_h(hours);
}

double GrowthCurve::ph(double hours) const {
  // Fast growth acidifies faster than the controller's base addition compensates.
  const double peak_rate = p_.max_growth_rate_per_h * p_.carrying_capacity_od / 4.0;
  return ph_setpoint - 0.15 * growth_rate_od_per_h(hours) / peak_rate;
}

double GrowthCurve::dissolved_oxygen_pct(double hours) const {
  // Oxygen demand follows growth: DO falls to ~15 % at the fastest growth and recovers afterwards.
  const double peak_rate = p_.max_growth_rate_per_h * p_.carrying_capacity_od / 4.0;
  return 100.0 - 85.0 * growth_rate_od_per_h(hours) / peak_rate;
}

double GrowthCurve::reporter_rfu(double hours) const {
  constexpr double medium_background_rfu = 50.0;
  return medium_background_rfu + p_.reporter_rfu_per_od * od600(hours);
}

Performance at_temperature(const Performance& at_37c, double temperature_c) {
  constexpr double t_min = 15, t_opt = 37, t_max = 45;
  const double t = temperature_c;
  double factor = 0;
  if (t > t_min && t < t_max) {
    factor = (t - t_max) * (t - t_min) * (t - t_min) /
             ((t_opt - t_min) * ((t_opt - t_min) * (t - t_opt) - (t_opt - t_max) * (t_opt + t_min - 2 * t)));
  }
  Performance p = at_37c;
  // A culture that cannot grow still has a (tiny) rate, so the curve stays well defined.
  p.max_growth_rate_per_h = at_37c.max_growth_rate_per_h * std::max(factor, 1e-3);
  return p;
}

GrowthCurve culture_of(const Landscape& landscape, const Design& design, double inoculum_od, double temperature_c) {
  return GrowthCurve(at_temperature(landscape.performance(design), temperature_c), inoculum_od);
}

std::string sample_label(const Design& design, double hours) {
  char text[32];
  std::snprintf(text, sizeof text, "/t%gh", std::round(hours * 100.0) / 100.0);
  return (design.id.empty() ? design.canonical() : design.id) + text;
}

double measured(double value, double cv, std::uint64_t key) {
  return std::max(0.0, value * (1.0 + cv * normal_draw(key)));
}

}  // namespace foundry::sim
