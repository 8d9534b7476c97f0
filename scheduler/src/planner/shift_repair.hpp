// Local ("right-shift") repair of a plan after an event: every step keeps its previous start,
// device and unit unless a constraint now contradicts it; only those steps are re-placed, in
// the earliest gap on any unit they can use, and the re-placement spreads along the time lags
// to the steps it disturbs. The work is proportional to the steps the event affects, not to the
// size of the plan, which is what online repair of a large plan needs. When a step's window is
// held shut by started steps (a maximum lag from a step that already ran) and a movable step is
// in the way, that step is taken out and re-placed after it.
#pragma once

#include <foundry/planner/planner.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace foundry::planner::detail {

struct ShiftRepairStats {
  std::uint64_t moved = 0;    // steps given a new start, device or unit
  std::uint64_t visits = 0;   // steps examined after the first scan
  std::uint64_t packings = 0;       // clusters of steps packed again together (tried)
  std::uint64_t packed = 0;         // ... and packed
  std::uint64_t packing_work = 0;   // gap searches those packings and the proofs took
  std::uint64_t postponed = 0;      // jobs started later as a whole (the last resort)
  std::uint64_t rivals_together = 0;  // jobs re-placed together with those they took turns evicting
  bool loaded = false;        // the event changed only timings: the local repair applied (and ran)
  const char* gave_up = "";   // why no plan came out (empty when one did)
  bool proven = false;        // no plan exists at all: `reason` and `culprits` say why
  std::string reason;
  std::vector<std::string> culprits;
};

// Which ways of making room for a job the repair may use, in this order (all by default; tests
// switch some off to reach the later ones): delaying a predecessor by the shortfall, packing the
// crowded window again, taking other jobs' steps out of the way, postponing the job as a whole;
// `rivals`: jobs that took turns evicting each other's steps are re-placed together.
struct ShiftRepairPaths {
  bool delay = true;
  bool pack = true;
  bool evict = true;
  bool postpone = true;
  bool rivals = true;
};

// The repaired plan, checked against every constraint before it is returned; nullopt when the
// local repair does not apply (steps added, multi-resource steps, ...) or found no plan within
// its bounded effort, so the caller falls back to the full schedule generator (unless
// stats->proven: then no plan exists). Started steps
// (frozen, or started before `now` in `previous`) keep start, device and unit.
std::optional<Schedule> shift_repair(const Problem& problem, const Problem& previous_problem,
                                     const Schedule& previous, Time now, Objective objective,
                                     ShiftRepairStats* stats = nullptr, const ShiftRepairPaths& paths = {});

}  // namespace foundry::planner::detail
