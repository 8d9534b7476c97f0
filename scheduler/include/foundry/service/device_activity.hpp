// What each device is doing, as the `devices` request shows it: which steps hold its units now,
// how busy it was over the last 24 h of the service's clock (virtual or wall), and when the plan
// next uses it. Computed from the store's step rows, so it says what the log says, not what a
// driver claims.
#pragma once

#include <foundry/store/store.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace foundry::service {

// A step of a run, on a device.
struct StepOnDevice {
  std::string run_id, step_id;
  double at = 0;  // started_at for a running step, planned_start for a planned one
};

struct DeviceActivity {
  int busy_units = 0;                     // running steps on it (each holds one unit)
  std::vector<StepOnDevice> running;      // those steps, earliest start first
  double utilisation_24h = 0;             // unit-seconds busy in [now - 24 h, now] / (capacity * 24 h)
  std::optional<StepOnDevice> next_planned;  // the planned (not yet started) step due first
};

inline constexpr double kUtilisationWindowS = 24 * 3600.0;

// Activity per device id, for every id in `capacity` (id -> units), from `steps` (any runs; steps
// on other devices are ignored) at clock time `now`. A running step counts as busy up to `now`.
// The planned steps of `held_runs` are no next use: a held run's plan is not in force (it is
// re-planned when the run resumes), though the store still holds its last planned times.
std::map<std::string, DeviceActivity> device_activity(const std::vector<store::StepRow>& steps,
                                                      const std::map<std::string, int>& capacity, double now,
                                                      const std::set<std::string>& held_runs = {});

// Whether a run's steps can touch [now - 24 h, now] or later: a run that finished before the window
// opened cannot, so the `devices` request need not read its steps.
bool run_may_matter(const store::RunRow& run, double now);

}  // namespace foundry::service
