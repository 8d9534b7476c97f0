#include "plate_sealer.hpp"

#include <cmath>

namespace acme {

PlateSealer::PlateSealer(const SealerSettings& settings)
    : heater_c_(settings.standby_c), films_left_(settings.film_capacity) {}

std::vector<Phase> PlateSealer::plan_seal(const SealRequest& request) const {
  if (plate_sealed_) throw InstrumentError("plate_already_sealed", "the plate in the drawer is sealed; peel it first");
  if (films_left_ <= 0) throw InstrumentError("film_empty", "no film left on the roll; load a new roll");
  const double ramp_s = std::fabs(request.temperature_c - heater_c_) / limits::ramp_c_per_s;
  return {{"drawer in", limits::drawer_s},
          {"heating", ramp_s},
          {"sealing", request.time_s},
          {"drawer out", limits::drawer_s}};
}

void PlateSealer::sealed(const SealRequest& request) {
  plate_sealed_ = true;
  --films_left_;
  heater_c_ = request.temperature_c;
}

std::vector<Phase> PlateSealer::plan_peel(const PeelRequest& request) const {
  return {{"peeling", request.speed == "fast" ? limits::peel_fast_s : limits::peel_slow_s}};
}

bool PlateSealer::peeled() {
  const bool was_sealed = plate_sealed_;
  plate_sealed_ = false;
  return was_sealed;
}

}  // namespace acme
