// The planner's working form of a Problem: validated once, with every step's ways to run
// (modes), its resource uses and the temporal network as arcs "start(to) >= start(from) + w".
#pragma once

#include <foundry/planner/problem.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace foundry::planner::detail {

// One way to run a single-unit step: one unit of `device` for `duration`.
struct Mode {
  std::size_t device = 0;
  Time duration = 1;
};

// `amount` units of `device`, held by a step with demands (several resources at once).
struct Use {
  std::size_t device = 0;
  int amount = 1;
};

// Where an arc comes from, to explain an infeasibility in the problem's own words.
enum class ArcOrigin { kMinLag, kMaxLag, kRelease, kFrozen };

// start(to) >= start(from) + weight + (dur_sign * duration of step dur_of, when dur_of >= 0).
// The duration term exists because lags "from end" depend on the predecessor's duration, which
// the chosen mode fixes (flexible job shop).
struct Arc {
  int from = 0;
  int to = 0;
  Time weight = 0;
  int dur_of = -1;
  int dur_sign = 0;
  ArcOrigin origin = ArcOrigin::kMinLag;
  int step = -1;  // the step whose `after` entry (or release/frozen) made this arc
  int lag = -1;   // index into that step's `after`
};

struct CompiledProblem {
  const Problem* problem = nullptr;
  int n = 0;       // steps; node n is the origin (time 0)
  int origin = 0;  // == n
  std::vector<std::vector<Mode>> modes;  // single-unit steps: their alternatives
  std::vector<std::vector<Use>> uses;    // steps with demands
  std::vector<Time> demand_duration;     // duration of steps with demands or no resource
  std::vector<Time> dur_min, dur_max;    // over the step's modes
  std::vector<Arc> arcs;
  std::vector<int> out_begin, out_arcs;  // CSR over arcs by `from` (size n+2 / arcs)
  std::vector<int> in_begin, in_arcs;    // CSR over arcs by `to`
  std::vector<double> weight;            // priority of the step's job
  std::vector<std::size_t> job_of;
  bool has_frozen = false;
  bool has_downtimes = false;
  std::string impossible;  // set when a demand exceeds its device's capacity: no plan exists
  std::vector<std::string> impossible_culprits;

  int mode_count(int s) const { return modes[static_cast<std::size_t>(s)].empty() ? 1 : static_cast<int>(modes[static_cast<std::size_t>(s)].size()); }
  Time duration(int s, int mode) const {
    const auto& m = modes[static_cast<std::size_t>(s)];
    return m.empty() ? demand_duration[static_cast<std::size_t>(s)] : m[static_cast<std::size_t>(mode)].duration;
  }
  // A sentence naming the constraint an arc stands for, e.g. "'b' at most 600 s after the end of 'a'".
  std::string describe(const Arc& arc) const;
};

// Checks indices, types and numbers; throws std::invalid_argument naming the step at fault.
CompiledProblem compile(const Problem& problem);

}  // namespace foundry::planner::detail
