// What `foundry demo` tells at the end, read from the campaign's database once foundryd has
// stopped: the runs and how they ended, each failed attempt (the injected fault) and what became
// of its step, whether the cell-culture maintenance kept its windows, and the work per device.
#pragma once

#include <foundry/store/store.hpp>

#include <map>
#include <string>
#include <vector>

namespace foundry::cli {

struct DemoSummary {
  struct Fault {
    std::string run_id, step_id;
    std::string message;    // the driver's error
    std::string policy;     // "retry 1 of 2 after 30 s", from the event
    std::string outcome;    // the step's final state, attempt and device: "done on attempt 2 (lh1)"
    bool recovered = false; // the step ended done
  };
  std::vector<store::RunRow> runs;
  std::vector<Fault> faults;
  std::map<std::string, int> steps_done_by_device;
  int window_violations = 0;          // steps of any run run outside a max-lag window
  std::string maintenance_run;        // "" if none
  std::string maintenance_state;
  int maintenance_steps_done = 0;
  int maintenance_violations = 0;

  bool all_runs_done() const;
};

DemoSummary summarise_demo(const store::Store& store, const std::string& maintenance_protocol);

}  // namespace foundry::cli
