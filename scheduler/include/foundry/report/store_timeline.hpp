// A Timeline read from the store: the bars of the given runs' steps (plan in force and actual
// times), max-lag windows from each run's recorded spec, faults from failed steps and attempts
// and constraint_violated events, holds from run_held/step_held events, devices out of service.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/protocol/run_spec.hpp>
#include <foundry/report/timeline.hpp>
#include <foundry/store/store.hpp>

#include <map>
#include <string>
#include <vector>

namespace foundry::report {

struct TimelineSources {
  // Lane order, types and capacities. Without it, devices are those the steps used, capacity
  // one more than the highest unit seen.
  const Workcell* workcell = nullptr;
  // Max-lag dependencies by step id, for runs recorded without their spec (before schema v2);
  // a run's own recorded spec (Store::run_spec_json) wins. Steps in neither get no window.
  std::map<std::string, std::vector<Dependency>> dependencies;
};

// `run_ids` empty: every run in the store. Throws std::invalid_argument naming an unknown run.
Timeline timeline_from_store(const store::Store& store, const std::vector<std::string>& run_ids,
                             const TimelineSources& sources = {});

// Max-lag dependencies by step id from an expanded run (e.g. the protocol expanded with its
// default values), for TimelineSources::dependencies.
std::map<std::string, std::vector<Dependency>> dependencies_of(const RunSpec& run);

}  // namespace foundry::report
