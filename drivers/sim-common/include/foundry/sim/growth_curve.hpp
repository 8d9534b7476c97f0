// One culture of one design over time: a logistic growth curve with lag, Luedeking-Piret product
// formation, and the pH and dissolved-oxygen traces that follow from the growth rate.
// Pure functions of (performance, inoculum OD, hours): the bioreactor and the plate reader see the
// same curve for the same seed and design.
#pragma once

#include <foundry/sim/landscape.hpp>

#include <cstdint>
#include <string>

namespace foundry::sim {

class GrowthCurve {
 public:
  static constexpr double default_inoculum_od = 0.05;
  static constexpr double ph_setpoint = 7.0;

  GrowthCurve(const Performance& performance, double inoculum_od);

  const Performance& performance() const { return p_; }
  double inoculum_od() const { return x0_; }

  // Noise-free culture state `hours` after inoculation (hours < 0 is treated as 0).
  double od600(double hours) const;
  double growth_rate_od_per_h(double hours) const;  // dOD/dt
  double titer_g_per_l(double hours) const;
  double ph(double hours) const;                    // controlled near the setpoint; dips in fast growth
  double dissolved_oxygen_pct(double hours) const;  // falls with oxygen demand, recovers in stationary phase
  double reporter_rfu(double hours) const;

 private:
  double integral_od_h(double hours) const;  // integral of OD600 dt from 0 to hours
  Performance p_;
  double x0_;
};

// The performance at `temperature_c` instead of 37 degC: the growth rate follows the cardinal
// temperature model (Rosso et al. 1993; T_min 15, T_opt 37, T_max 45 degC), the rest is unchanged.
Performance at_temperature(const Performance& at_37c, double temperature_c);

// The culture of `design` in `landscape`: what the bioreactor grows and the plate reader reads.
GrowthCurve culture_of(const Landscape& landscape, const Design& design,
                       double inoculum_od = GrowthCurve::default_inoculum_od, double temperature_c = 37.0);

// "d01/t12h": how a sample of a design taken `hours` into its culture is labelled.
std::string sample_label(const Design& design, double hours);

// A reading of `value` with multiplicative measurement noise of coefficient of variation `cv`,
// determined by `key` (equal keys, equal readings), never negative.
double measured(double value, double cv, std::uint64_t key);

}  // namespace foundry::sim
