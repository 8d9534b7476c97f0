// One adherent culture (iPS cells, say) in one vessel of the cell-culture station, and how it
// changes with time and handling. The model (documented for users in drivers/README.md):
//  - viable cells V grow logistically towards the vessel's capacity at confluence, with the cell
//    line's doubling time, while the medium is fresh;
//  - medium lasts `medium_life_h` (24 h): after that growth slows to a stop over 12 h and cells
//    die at up to 3 %/h (starvation, acidification) — a late medium exchange costs viability;
//  - above 95 % confluence cells die at 1 %/h (over-confluent iPS colonies differentiate and detach);
//  - dead cells D stay in the vessel until a medium exchange washes most (80 %) away.
#pragma once

#include <string>

namespace foundry::sim {

struct CultureVessel {
  static constexpr double capacity_cells = 1.0e7;  // a confluent T75 flask of iPS cells
  static constexpr double medium_life_h = 24;      // fresh medium keeps cells growing this long
  static constexpr double starvation_ramp_h = 12;  // after that, growth stops and death sets in over this
  static constexpr double starvation_death_per_h = 0.03;
  static constexpr double overconfluence = 0.95;
  static constexpr double overconfluence_death_per_h = 0.01;
  static constexpr double washout = 0.8;  // share of dead cells a medium exchange removes

  std::string line;
  double doubling_h = 22;
  double viable = 0;  // cells
  double dead = 0;    // cells
  double medium_since = 0;  // host time (s) of the last medium change (seeding counts)
  double updated_at = 0;    // host time (s) the state was last advanced to

  double confluence() const { return (viable + dead) / capacity_cells; }
  double viability() const { return viable + dead > 0 ? viable / (viable + dead) : 0; }
  double medium_age_h(double now_s) const { return (now_s - medium_since) / 3600.0; }

  // Advances the culture to host time `now_s` (seconds), integrating in small steps.
  void advance(double now_s);
  // Fresh medium: the clock of the medium restarts and most dead cells are washed away.
  void exchange_medium(double now_s);
};

}  // namespace foundry::sim
