// Serial schedule generation with unscheduling (Franck, Neumann & Schwindt 2001): steps are
// placed one at a time, in priority order among those whose forward predecessors are placed,
// at the earliest time inside their current time window where a device has room. When no such
// time exists, the placed step that closes the window is delayed and it and everything placed
// at or after it are taken out again. Earliest and latest starts are kept up to date by
// incremental longest-path propagation over the temporal network.
#pragma once

#include "planner/compiled_problem.hpp"
#include "planner/resource_profile.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace foundry::planner::detail {

// A complete plan in the planner's working form.
struct Solution {
  std::vector<Time> start;
  std::vector<int> mode;  // index into CompiledProblem::modes[s] (0 when the step has none)
  // Per step, the unit the schedule generator chose on a device whose units it tracks one by one
  // (see SerialSgs::units_), else -1 (any unit free then will do); empty: none chosen.
  std::vector<int> unit;
  Time makespan = 0;
  double weighted_completion = 0;
};

// Fills makespan and weighted completion from start and mode.
void evaluate(const CompiledProblem& c, Solution& s);

struct PlacementFailure {
  std::string reason;
  std::vector<std::string> culprits;
  bool proven = false;  // no plan exists at all (not just none found by this pass)
};

class SerialSgs {
 public:
  explicit SerialSgs(const CompiledProblem& c);

  // Builds a plan; among eligible steps the smallest key goes first. False when it gave up
  // (see failure()).
  bool build(const std::vector<double>& keys, Solution& out);
  const PlacementFailure& failure() const { return failure_; }
  std::uint64_t work() const { return work_; }
  // The step that could not be placed in the last failed build (-1 if none): a hint for the
  // caller to give it more priority next time ("squeaky wheel").
  int failed_step() const { return failed_step_; }

 private:
  void place_frozen();
  // Propagation over `scope` (whole components of the temporal network; everything outside is
  // fixed); unschedules placed steps the bounds now contradict.
  bool recompute(const std::vector<int>& scope);
  void rebuild_eligible(const std::vector<int>& scope, const std::vector<double>& keys);
  void commit(int v, int mode, Time t, const std::vector<double>& keys);
  void unschedule(int v);
  // Takes out `u` and every step of its component placed at or after it; adds the component
  // to `scope`.
  void unschedule_from(int u, std::vector<int>& scope, std::vector<char>& in_scope);
  bool evict_for(int v, int mode, Time t, std::vector<int>& scope, std::vector<char>& in_scope);
  // Earliest t >= from at which v fits in `mode`, among all placed steps or (fixed_only) among
  // downtimes and started steps alone.
  Time fit(int v, int mode, Time from, bool fixed_only) const;
  // The lowest unit of a unit-tracked device free over [t, t + dur) (-1 when none).
  int free_unit(const std::vector<ResourceProfile>& units, Time t, Time dur) const;
  Time window_start(int v, int mode) const;
  Time window_end(int v, int mode, int* binding_arc) const;
  Time weight(const Arc& a) const;
  bool fail(std::string reason, std::vector<std::string> culprits);

  const CompiledProblem& c_;
  std::vector<char> forward_;  // per arc: counts for eligibility
  std::vector<ResourceProfile> profiles_;
  std::vector<ResourceProfile> fixed_profiles_;  // downtimes and frozen steps only
  // Devices of several units on which started steps hold given units, one capacity-1 profile per
  // unit (other devices: empty). Their units are not interchangeable: a started step on unit 0
  // until 10 and one on unit 1 from 20 leave room for two steps at every moment, but no unit free
  // over [5, 25). Usage summed over units cannot see that; a step there also needs one unit free
  // throughout (repair freezes every started step on its unit).
  std::vector<std::vector<ResourceProfile>> units_, fixed_units_;
  std::vector<int> unit_;  // per step on such a device: the unit it holds
  std::vector<int> comp_;                        // component over arcs between movable steps
  std::vector<std::vector<int>> comp_nodes_;
  std::vector<int> all_steps_;
  std::vector<Time> fixed_ls_;  // latest starts that frozen steps alone impose
  std::vector<Time> fixed_es_;  // earliest starts that releases and frozen steps alone impose
  std::vector<char> scope_mark_;
  std::vector<Time> es_, ls_, lb_, start_, dur_lo_, dur_hi_;
  std::vector<int> ls_parent_, mode_, pending_;
  std::vector<char> placed_;
  int placed_count_ = 0;
  bool violated_ = false;
  std::vector<std::pair<double, int>> heap_;
  PlacementFailure failure_;
  std::uint64_t work_ = 0;
  int failed_step_ = -1;
};

}  // namespace foundry::planner::detail
