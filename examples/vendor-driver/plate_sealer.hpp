// The Acme PlateSealer 3000 as the driver sees it: what a command asks for, how long it takes and
// what it changes on the instrument. Nothing here knows Foundry; acme_platesealer.cpp adapts it.
//
// In a real driver, this is where the serial protocol would live. In simulation mode (the only
// mode of this example) the state below *is* the instrument.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace acme {

// A parameter the instrument cannot accept; nothing happened. `parameter` names it.
struct InvalidParameter : std::invalid_argument {
  InvalidParameter(std::string name, const std::string& reason)
      : std::invalid_argument("parameter '" + name + "': " + reason), parameter(std::move(name)) {}
  std::string parameter;
};

// A declared instrument error ("plate_already_sealed", "film_empty"): see describe() for the list.
struct InstrumentError : std::runtime_error {
  InstrumentError(std::string error_id, const std::string& message)
      : std::runtime_error(error_id + ": " + message), id(std::move(error_id)) {}
  std::string id;
};

struct SealerSettings {
  double standby_c = 150;   // heater temperature between commands, 120..200
  int film_capacity = 500;  // seals left on a new film roll
};

struct SealRequest {
  double temperature_c = 170;  // 120..200
  double time_s = 2;           // dwell time, 0.5..10
  std::string film = "foil";   // "foil" or "clear_pp"
};

struct PeelRequest {
  std::string speed = "slow";  // "slow" (12 s) or "fast" (6 s, may tear thin films)
};

// One step of a command, for progress reporting.
struct Phase {
  std::string name;
  double seconds = 0;
};

// The ranges the description publishes and the checks below enforce: written once.
namespace limits {
inline constexpr double min_temperature_c = 120, max_temperature_c = 200;
inline constexpr double min_time_s = 0.5, max_time_s = 10;
inline constexpr double drawer_s = 4;      // drawer in, and again out
inline constexpr double ramp_c_per_s = 2;  // heating and cooling
inline constexpr double peel_slow_s = 12, peel_fast_s = 6;
}  // namespace limits

class PlateSealer {
 public:
  explicit PlateSealer(const SealerSettings& settings);

  // The phases a seal takes from the current heater temperature. Throws InstrumentError when
  // the plate is already sealed or the film is used up (checked before anything moves).
  std::vector<Phase> plan_seal(const SealRequest& request) const;
  // The seal happened: the plate is sealed, one film used, the heater stays at the temperature.
  void sealed(const SealRequest& request);

  std::vector<Phase> plan_peel(const PeelRequest& request) const;
  // Returns whether there was a seal to peel (peeling a bare plate is harmless: idempotent).
  bool peeled();

  double heater_c() const { return heater_c_; }
  int films_left() const { return films_left_; }

 private:
  double heater_c_;
  int films_left_;
  bool plate_sealed_ = false;
};

}  // namespace acme
