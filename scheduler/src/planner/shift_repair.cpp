#include "planner/shift_repair.hpp"

#include "planner/window_packing.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace foundry::planner::detail {
namespace {

using std::size_t;
constexpr Time kNever = std::numeric_limits<Time>::min() / 4;

// One way to run a step: a device (kNoDevice: holds nothing) and the duration there.
struct Way {
  size_t device = kNoDevice;
  Time duration = 0;
};

// A lag seen from its predecessor: step `succ`'s lag number `lag` refers to this step.
struct OutLag {
  size_t succ = 0;
  size_t lag = 0;
};

class ShiftRepair {
 public:
  ShiftRepair(const Problem& p, Time now, ShiftRepairStats& stats, const ShiftRepairPaths& paths)
      : p_(p), now_(now), stats_(stats), paths_(paths) {}

  // Loads the previous plan; false when the local repair does not apply.
  bool load(const Problem& previous_problem, const Schedule& previous);
  bool run();
  Schedule result(Objective objective) const;

 private:
  using Slot = std::pair<Time, size_t>;  // (start, step) on one unit
  using Timeline = std::set<Slot>;
  // Where a step could go, and the latest start its window allows there.
  struct Candidate {
    size_t device = kNoDevice;
    int unit = 0;
    Time t = kForever, duration = 0, latest = kForever;
    size_t binding = 0;  // the neighbour that sets `latest` (== steps when none)
    bool inside() const { return t <= latest; }
  };

  Time ref(size_t pred, LagFrom from) const { return start_[pred] + (from == LagFrom::kEnd ? dur_[pred] : 0); }
  // Earliest start of v (run for `dur`) that its placed neighbours allow.
  Time lower_bound(size_t v, Time dur) const;
  // Latest start that v's placed predecessors (all, or started ones only) and its started or
  // re-placed successors allow; `binding` gets the neighbour that sets it.
  Time upper_bound(size_t v, Time dur, size_t& binding) const;
  bool consistent(size_t v) const;
  Timeline& timeline(size_t device, int unit) { return units_[unit_base_[device] + static_cast<size_t>(unit)]; }
  const Timeline& timeline(size_t device, int unit) const {
    return units_[unit_base_[device] + static_cast<size_t>(unit)];
  }
  // Movable steps outside the job being re-placed can be taken out of the way, first except
  // those that were themselves wedged into a shut window (so two such steps rarely take turns;
  // a bounded number of times, those too).
  enum class Blockers { kAll, kImmovable, kPinned, kStarted };
  bool obstacle(size_t s, Blockers b) const {
    switch (b) {
      case Blockers::kAll: return true;
      case Blockers::kImmovable: return fixed_[s] || in_tail_[s] || wedged_[s];
      case Blockers::kPinned: return fixed_[s] || in_tail_[s];
      case Blockers::kStarted: return fixed_[s];
    }
    return true;
  }
  // Earliest t >= from with [t, t + dur) free of `blockers` on the unit.
  Time earliest_gap(size_t device, int unit, Time from, Time dur, Blockers blockers) const;
  Candidate best_slot(size_t v, Blockers blockers) const;
  bool place(size_t v);
  bool replace_tail(size_t job);
  // `job` and the jobs it has taken turns with evicting each other's steps (see evicted_by_).
  std::vector<size_t> rivals_of(size_t job) const;
  bool evict_and_put(size_t v, Blockers blockers);
  bool proven_shut(size_t v);
  bool pack_cluster(size_t v);
  bool postpone(const std::vector<size_t>& tail, const std::vector<size_t>& order);
  bool proven_crowded(size_t v, std::string& reason, std::vector<std::string>& culprits);
  // The window v has in every plan when run for `dur`, from its lags to started steps, its
  // release and the current time alone; false when that window is not bounded above.
  bool hard_window(size_t v, Time dur, Time& from, Time& to);
  void compute_hard_windows();
  void take_out(size_t v);
  void put(size_t v, const Candidate& c);
  void push(size_t v) { queue_.push({start_[v], v}); }
  void push_neighbours(size_t v);
  bool fully_valid() const;
  bool give_up(const char* why) {
    stats_.gave_up = why;
    return false;
  }

  const Problem& p_;
  Time now_;
  ShiftRepairStats& stats_;
  ShiftRepairPaths paths_;
  std::vector<std::vector<Way>> ways_;
  std::vector<std::vector<OutLag>> out_;
  std::vector<size_t> unit_base_;
  std::vector<Timeline> units_;
  std::vector<Time> start_, dur_, extra_lb_, earliest_, latest_;
  std::vector<Time> hard_from_, hard_to_;  // every-plan windows of all steps, once needed
  std::vector<size_t> device_;
  std::vector<int> unit_;
  std::vector<char> fixed_, placed_, moved_, in_tail_, wedged_;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> queue_;
  int wedges_broken_ = 0;
  std::uint64_t packing_work_ = 0;  // spent by pack_cluster over this repair
  std::uint64_t proof_work_ = 0;    // spent by proven_crowded over this repair
  // Packings that failed, per step: two jobs taking turns to evict each other would otherwise
  // pack the same crowded window again and again.
  std::unordered_map<size_t, int> pack_failures_;
  // Which jobs each job's steps were evicted by. Two jobs whose windows cannot both be kept
  // where their other steps are would otherwise evict each other in turns until the effort runs
  // out; once that happens both ways, they are re-placed together instead, with all their
  // unstarted steps free to move (seeds 3 and 5 of bench/planner-repair had such events).
  std::unordered_map<size_t, std::set<size_t>> evicted_by_;
};

// Bounds on the cluster searches of one repair: a few milliseconds at most.
// A cluster the repair can pack is almost always packed within a few hundred gap searches; a
// proof needs the search to run out of choices, which may take more.
constexpr std::uint64_t kPackingWork = 4'000;        // gap searches per cluster
constexpr std::uint64_t kProofWork = 40'000;         // gap searches per proof attempt
constexpr std::uint64_t kPackingWorkTotal = 150'000;  // over one repair
constexpr std::uint64_t kProofWorkTotal = 150'000;    // proofs over one repair
constexpr std::size_t kClusterSize = 16;

bool ShiftRepair::load(const Problem& previous_problem, const Schedule& previous) {
  const size_t n = p_.steps.size();
  const auto& devices = p_.devices;
  unit_base_.assign(devices.size() + 1, 0);
  for (size_t d = 0; d < devices.size(); ++d) {
    if (devices[d].capacity < 1) return false;
    unit_base_[d + 1] = unit_base_[d] + static_cast<size_t>(devices[d].capacity);
  }
  units_.assign(unit_base_.back(), {});

  // Devices and steps of the previous problem, matched by id (identity when unchanged).
  std::vector<size_t> device_map(previous_problem.devices.size(), kNoDevice);
  bool same_devices = previous_problem.devices.size() == devices.size();
  for (size_t d = 0; same_devices && d < devices.size(); ++d) same_devices = previous_problem.devices[d].id == devices[d].id;
  if (same_devices) {
    for (size_t d = 0; d < devices.size(); ++d) device_map[d] = d;
  } else {
    std::unordered_map<std::string_view, size_t> index;
    for (size_t d = 0; d < devices.size(); ++d) index[devices[d].id] = d;
    for (size_t d = 0; d < previous_problem.devices.size(); ++d) {
      auto it = index.find(previous_problem.devices[d].id);
      if (it != index.end()) device_map[d] = it->second;
    }
  }
  std::vector<const Assignment*> before(n, nullptr);
  const bool same_steps = previous_problem.steps.size() == n && previous.assignments.size() == n;
  std::unordered_map<std::string_view, size_t> step_index;
  if (!same_steps)
    for (size_t s = 0; s < n; ++s) step_index[p_.steps[s].id] = s;
  for (const Assignment& a : previous.assignments) {
    if (a.step >= previous_problem.steps.size()) return false;
    size_t s = a.step;
    if (!same_steps || p_.steps[s].id != previous_problem.steps[a.step].id) {
      auto it = step_index.empty() ? step_index.end() : step_index.find(previous_problem.steps[a.step].id);
      if (it == step_index.end()) {
        if (!same_steps) continue;  // a step no longer in the problem
        return false;
      }
      s = it->second;
    }
    before[s] = &a;
  }

  std::unordered_map<std::string_view, std::vector<size_t>> of_type;
  for (size_t d = 0; d < devices.size(); ++d) of_type[devices[d].type].push_back(d);
  ways_.assign(n, {});
  out_.assign(n, {});
  start_.assign(n, 0);
  dur_.assign(n, 0);
  device_.assign(n, kNoDevice);
  unit_.assign(n, 0);
  fixed_.assign(n, 0);
  placed_.assign(n, 1);
  moved_.assign(n, 0);
  in_tail_.assign(n, 0);
  wedged_.assign(n, 0);
  extra_lb_.assign(n, kNever);
  earliest_.assign(n, kNever);
  latest_.assign(n, kForever);
  for (size_t s = 0; s < n; ++s) {
    const Step& step = p_.steps[s];
    if (!before[s] || !step.demands.empty() || step.job >= p_.jobs.size()) return false;
    if (!step.alternatives.empty()) {
      for (const Alternative& a : step.alternatives) {
        if (a.device >= devices.size()) return false;
        ways_[s].push_back({a.device, a.duration});
      }
    } else if (!step.type.empty()) {
      auto it = of_type.find(step.type);
      if (it == of_type.end()) return false;
      for (size_t d : it->second) ways_[s].push_back({d, step.duration});
    } else {
      ways_[s].push_back({kNoDevice, step.duration});
    }
    for (size_t l = 0; l < step.after.size(); ++l) {
      if (step.after[l].pred >= n) return false;
      out_[step.after[l].pred].push_back({s, l});
    }
    const Assignment& a = *before[s];
    size_t device = a.device == kNoDevice || a.device >= device_map.size() ? kNoDevice : device_map[a.device];
    Time start = a.start;
    int unit = a.unit;
    fixed_[s] = step.frozen || a.start < now_;
    if (step.frozen) {
      start = step.frozen->start;
      if (step.frozen->device != kNoDevice) {
        device = step.frozen->device;
        unit = step.frozen->unit;
      }
    }
    const Way* way = nullptr;
    for (const Way& w : ways_[s])
      if (w.device == device) way = &w;
    if (!way) {
      if (fixed_[s] || ways_[s].empty()) return false;  // a started step on a device it cannot use
      way = &ways_[s][0];  // its device is gone: re-placed below
      placed_[s] = 0;
    }
    if (way->device != kNoDevice && (unit < 0 || unit >= devices[way->device].capacity)) {
      if (fixed_[s]) return false;
      unit = 0;
      placed_[s] = 0;
    }
    start_[s] = start;
    dur_[s] = way->duration;
    device_[s] = way->device;
    unit_[s] = unit;
    if (placed_[s] && device_[s] != kNoDevice) timeline(device_[s], unit).insert({start, s});
  }
  return true;
}

Time ShiftRepair::lower_bound(size_t v, Time dur) const {
  Time lb = fixed_[v] ? kNever : std::max({now_, release_of(p_, p_.steps[v]), extra_lb_[v]});
  for (const Lag& lag : p_.steps[v].after)
    if (placed_[lag.pred]) lb = std::max(lb, ref(lag.pred, lag.from) + lag.min_lag);
  for (const OutLag& o : out_[v]) {
    const Lag& lag = p_.steps[o.succ].after[o.lag];
    if (lag.max_lag && placed_[o.succ])
      lb = std::max(lb, start_[o.succ] - *lag.max_lag - (lag.from == LagFrom::kEnd ? dur : 0));
  }
  return lb;
}

Time ShiftRepair::upper_bound(size_t v, Time dur, size_t& binding) const {
  Time ub = kForever;
  binding = p_.steps.size();
  for (const Lag& lag : p_.steps[v].after) {
    if (!lag.max_lag || !placed_[lag.pred]) continue;
    const Time b = ref(lag.pred, lag.from) + *lag.max_lag;
    if (b < ub) {
      ub = b;
      binding = lag.pred;
    }
  }
  for (const OutLag& o : out_[v]) {
    if (!placed_[o.succ] || !(fixed_[o.succ] || in_tail_[o.succ])) continue;
    const Lag& lag = p_.steps[o.succ].after[o.lag];
    const Time b = start_[o.succ] - lag.min_lag - (lag.from == LagFrom::kEnd ? dur : 0);
    if (b < ub) {
      ub = b;
      binding = o.succ;
    }
  }
  return ub;
}

Time ShiftRepair::earliest_gap(size_t device, int unit, Time from, Time dur, Blockers blockers) const {
  const Timeline& line = timeline(device, unit);
  const auto& downtimes = p_.devices[device].downtimes;
  Time t = from;
  for (int guard = 0; guard < 1 << 20; ++guard) {
    Time blocked_until = kNever;
    // Slots starting before t may still run at t (a few, when an overrun overlaps the next).
    auto it = line.lower_bound({t, 0});
    auto back = it;
    for (int k = 0; k < 3 && back != line.begin(); ++k) {
      --back;
      if (obstacle(back->second, blockers) && back->first + dur_[back->second] > t)
        blocked_until = std::max(blocked_until, back->first + dur_[back->second]);
    }
    for (; blocked_until == kNever && it != line.end() && it->first < t + dur; ++it)
      if (obstacle(it->second, blockers)) blocked_until = it->first + dur_[it->second];
    for (const Downtime& down : downtimes)
      if (down.from < t + dur && t < down.to) blocked_until = std::max(blocked_until, down.to);
    if (blocked_until == kNever) return t;
    if (blocked_until >= kForever) return kForever;
    t = blocked_until;
  }
  return kForever;
}

bool ShiftRepair::consistent(size_t v) const {
  if (!placed_[v]) return false;
  const Time s = start_[v], e = s + dur_[v];
  if (!fixed_[v] && (s < now_ || s < release_of(p_, p_.steps[v]))) return false;
  for (const Lag& lag : p_.steps[v].after) {
    if (!placed_[lag.pred]) continue;
    const Time gap = s - ref(lag.pred, lag.from);
    if (gap < lag.min_lag || (lag.max_lag && gap > *lag.max_lag)) return false;
  }
  for (const OutLag& o : out_[v]) {
    if (!placed_[o.succ]) continue;
    const Lag& lag = p_.steps[o.succ].after[o.lag];
    const Time gap = start_[o.succ] - ref(v, lag.from);
    if (gap < lag.min_lag || (lag.max_lag && gap > *lag.max_lag)) return false;
  }
  if (device_[v] == kNoDevice) return true;
  const Timeline& line = timeline(device_[v], unit_[v]);
  auto it = line.find({s, v});
  if (it == line.end()) return false;
  if (it != line.begin() && std::prev(it)->first + dur_[std::prev(it)->second] > s) return false;
  if (std::next(it) != line.end() && std::next(it)->first < e) return false;
  for (const Downtime& down : p_.devices[device_[v]].downtimes)
    if (down.from < e && s < down.to) return false;
  return true;
}

void ShiftRepair::take_out(size_t v) {
  if (placed_[v] && device_[v] != kNoDevice) timeline(device_[v], unit_[v]).erase({start_[v], v});
  placed_[v] = 0;
}

void ShiftRepair::put(size_t v, const Candidate& c) {
  if (c.t != start_[v] || c.device != device_[v] || c.unit != unit_[v]) moved_[v] = 1;
  start_[v] = c.t;
  dur_[v] = c.duration;
  device_[v] = c.device;
  unit_[v] = c.unit;
  placed_[v] = 1;
  if (c.device != kNoDevice) timeline(c.device, c.unit).insert({c.t, v});
}

void ShiftRepair::push_neighbours(size_t v) {
  for (const Lag& lag : p_.steps[v].after) push(lag.pred);
  for (const OutLag& o : out_[v]) push(o.succ);
}

// The earliest gap on any unit v can use (v taken out): inside v's window first, then the
// earliest end; ties keep v's previous unit, then the lowest device and unit.
ShiftRepair::Candidate ShiftRepair::best_slot(size_t v, Blockers blockers) const {
  Candidate best;
  best.latest = kNever;
  for (const Way& w : ways_[v]) {
    Candidate c;
    c.device = w.device;
    c.duration = w.duration;
    const Time lb = lower_bound(v, w.duration);
    c.latest = upper_bound(v, w.duration, c.binding);
    const int units = w.device == kNoDevice ? 1 : p_.devices[w.device].capacity;
    for (int u = 0; u < units; ++u) {
      c.unit = u;
      c.t = w.device == kNoDevice ? lb : earliest_gap(w.device, u, lb, w.duration, blockers);
      if (c.t >= kForever) continue;
      const bool same = w.device == device_[v] && u == unit_[v];
      const Time end = c.t + c.duration, best_end = best.t + best.duration;
      if (c.inside() != best.inside() ? c.inside() : (end < best_end || (end == best_end && same))) best = c;
    }
  }
  return best;
}

// Re-places v where its lags allow; when its window has no gap, re-places its whole job.
bool ShiftRepair::place(size_t v) {
  take_out(v);
  const Candidate c = best_slot(v, Blockers::kAll);
  if (c.t < kForever && c.inside()) {
    const bool changed = c.t != start_[v] || c.duration != dur_[v];
    put(v, c);
    if (changed) push_neighbours(v);
    return true;
  }
  return replace_tail(p_.steps[v].job);
}

// v's window is held shut by steps that cannot move: take out the movable steps of other jobs
// in the way on the unit where the fewest are, and put v there.
bool ShiftRepair::evict_and_put(size_t v, Blockers blockers) {
  Candidate c = best_slot(v, blockers);
  if (c.t >= kForever || !c.inside()) return false;
  size_t fewest = std::numeric_limits<size_t>::max();
  for (const Way& w : ways_[v]) {
    if (w.device == kNoDevice) continue;
    size_t binding = 0;
    const Time lb = lower_bound(v, w.duration), ub = upper_bound(v, w.duration, binding);
    for (int u = 0; u < p_.devices[w.device].capacity; ++u) {
      const Time t = earliest_gap(w.device, u, lb, w.duration, blockers);
      if (t > ub) continue;
      size_t in_way = 0;
      for (const Slot& s : timeline(w.device, u))
        if (s.first < t + w.duration && t < s.first + dur_[s.second]) ++in_way;
      if (in_way < fewest) {
        fewest = in_way;
        c.device = w.device;
        c.unit = u;
        c.t = t;
        c.duration = w.duration;
      }
    }
  }
  if (c.device != kNoDevice) {
    std::vector<size_t> victims;
    for (const Slot& s : timeline(c.device, c.unit))
      if (s.first < c.t + c.duration && c.t < s.first + dur_[s.second]) victims.push_back(s.second);
    const size_t job = p_.steps[v].job;
    for (size_t u : victims) {
      if (p_.steps[u].job != job) evicted_by_[p_.steps[u].job].insert(job);
      take_out(u);
      wedged_[u] = 0;
      push(u);
    }
  }
  put(v, c);
  wedged_[v] = 1;
  return true;
}

std::vector<size_t> ShiftRepair::rivals_of(size_t job) const {
  constexpr size_t kMostJobs = 16;  // re-placed together at most
  std::vector<size_t> group{job};
  for (size_t k = 0; k < group.size() && group.size() < kMostJobs; ++k) {
    auto by = evicted_by_.find(group[k]);
    if (by == evicted_by_.end()) continue;
    for (size_t other : by->second) {
      auto back = evicted_by_.find(other);
      const bool mutual = back != evicted_by_.end() && back->second.count(group[k]);
      if (mutual && std::find(group.begin(), group.end(), other) == group.end() && group.size() < kMostJobs)
        group.push_back(other);
    }
  }
  return group;
}

// Takes out every movable step of the job and places them again one by one, in lag order, each
// in the earliest gap of its window. When a step finds no room before a predecessor's maximum
// lag runs out, that predecessor is delayed by the shortfall and the job is placed again (the
// successor's room is thus found before the predecessor is fixed); when a started step closes
// the window, movable steps of other jobs are taken out of the way. Jobs that have taken turns
// evicting each other's steps (rivals_of) are placed again together, in one lag order.
bool ShiftRepair::replace_tail(size_t job) {
  std::vector<size_t> tail;
  const std::vector<size_t> group = paths_.rivals ? rivals_of(job) : std::vector<size_t>{job};
  if (group.size() > 1) ++stats_.rivals_together;
  for (size_t j : group)
    for (size_t s : p_.jobs[j].steps)
      if (s < p_.steps.size() && p_.steps[s].job == j && !fixed_[s]) tail.push_back(s);
  for (size_t s : tail) in_tail_[s] = 1;
  struct Clear {
    ShiftRepair& r;
    const std::vector<size_t>& tail;
    ~Clear() {
      for (size_t s : tail) {
        r.in_tail_[s] = 0;
        r.extra_lb_[s] = kNever;
      }
    }
  } clear{*this, tail};

  // Lag order (Kahn over forward lags inside the job), earlier previous start first.
  std::vector<size_t> order;
  {
    std::unordered_map<size_t, int> waiting;
    for (size_t s : tail) {
      int k = 0;
      for (const Lag& lag : p_.steps[s].after)
        if (in_tail_[lag.pred] && lag.pred != s && lag.min_lag >= 0) ++k;
      waiting[s] = k;
    }
    std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> ready;
    for (size_t s : tail)
      if (waiting[s] == 0) ready.push({start_[s], s});
    while (!ready.empty()) {
      const size_t s = ready.top().second;
      ready.pop();
      order.push_back(s);
      for (const OutLag& o : out_[s]) {
        const Lag& lag = p_.steps[o.succ].after[o.lag];
        if (in_tail_[o.succ] && o.succ != s && lag.min_lag >= 0 && --waiting[o.succ] == 0)
          ready.push({start_[o.succ], o.succ});
      }
    }
    if (order.size() != tail.size()) return give_up("a job's lags form a cycle");
  }

  // The window each step of the job has in EVERY plan, from started steps, releases and the
  // current time alone (shortest durations for earliest starts, longest for latest): delaying
  // a step past its latest start cannot help, and no room in its window on any unit proves
  // that no plan exists.
  for (size_t s : tail) {
    earliest_[s] = kNever;
    latest_[s] = kForever;
  }
  auto longest = [&](size_t s) {
    Time d = 0;
    for (const Way& w : ways_[s]) d = std::max(d, w.duration);
    return d;
  };
  auto shortest = [&](size_t s) {
    Time d = kForever;
    for (const Way& w : ways_[s]) d = std::min(d, w.duration);
    return d;
  };
  for (size_t s : order) {
    Time es = std::max(now_, release_of(p_, p_.steps[s])), ls = kForever;
    for (const Lag& lag : p_.steps[s].after) {
      const size_t q = lag.pred;
      const bool end = lag.from == LagFrom::kEnd;
      if (fixed_[q]) {
        es = std::max(es, ref(q, lag.from) + lag.min_lag);
        if (lag.max_lag) ls = std::min(ls, ref(q, lag.from) + *lag.max_lag);
      } else if (in_tail_[q]) {
        if (earliest_[q] > kNever) es = std::max(es, earliest_[q] + (end ? shortest(q) : 0) + lag.min_lag);
        if (lag.max_lag && latest_[q] < kForever) ls = std::min(ls, latest_[q] + (end ? longest(q) : 0) + *lag.max_lag);
      }
    }
    for (const OutLag& o : out_[s]) {
      if (!fixed_[o.succ]) continue;
      const Lag& lag = p_.steps[o.succ].after[o.lag];
      const bool end = lag.from == LagFrom::kEnd;
      ls = std::min(ls, start_[o.succ] - lag.min_lag - (end ? shortest(s) : 0));
      if (lag.max_lag) es = std::max(es, start_[o.succ] - *lag.max_lag - (end ? longest(s) : 0));
    }
    earliest_[s] = es;
    latest_[s] = ls;
  }

  // First delaying predecessors (SGS with unscheduling); when that runs into a started step,
  // once more taking other jobs' steps out of the way instead.
  bool delays = paths_.delay;
  for (int attempt = 0; attempt < 64; ++attempt) {
    for (size_t s : tail) take_out(s);
    bool placed_all = true;
    for (size_t s : order) {
      const Candidate c = best_slot(s, Blockers::kAll);
      if (c.t < kForever && c.inside()) {
        put(s, c);
        continue;
      }
      const size_t b = c.binding;
      if (delays && c.t < kForever && b < p_.steps.size() && in_tail_[b] &&
          start_[b] + (c.t - c.latest) <= latest_[b]) {
        extra_lb_[b] = std::max(extra_lb_[b], start_[b] + (c.t - c.latest));
        placed_all = false;
        break;
      }
      if (paths_.pack && pack_cluster(s)) continue;
      if (paths_.evict && evict_and_put(s, Blockers::kImmovable)) continue;
      if (paths_.evict && wedges_broken_ < 64 && evict_and_put(s, Blockers::kPinned)) {
        ++wedges_broken_;
        continue;
      }
      if (proven_shut(s)) return false;
      if (!delays) return postpone(tail, order) || give_up("a time window is held shut by started steps");
      delays = false;
      for (size_t x : tail) extra_lb_[x] = kNever;
      placed_all = false;
      break;
    }
    if (placed_all) {
      for (size_t s : tail) push_neighbours(s);
      return true;
    }
  }
  return postpone(tail, order) || give_up("a job found no room for its time windows");
}

// The last resort for a job whose windows found no room where it was: the job's unstarted steps
// start later and later (15 min, then twice as much each time, up to about two weeks), each in
// the earliest gap of its window, without moving any other job's steps. Later in the plan the
// devices are freer, so this finds room unless started steps pin one of its windows.
bool ShiftRepair::postpone(const std::vector<size_t>& tail, const std::vector<size_t>& order) {
  if (!paths_.postpone) return false;
  Time from = kForever;
  for (size_t s : tail) from = std::min(from, std::max(earliest_[s], now_));
  std::vector<char> head(p_.steps.size(), 0);
  for (size_t s : tail) {
    head[s] = 1;
    for (const Lag& lag : p_.steps[s].after)
      if (in_tail_[lag.pred] && lag.pred != s && lag.min_lag >= 0) head[s] = 0;
  }
  for (Time delay = 900; delay <= 16 * 86400; delay *= 2) {
    for (size_t s : tail) {
      take_out(s);
      extra_lb_[s] = head[s] ? from + delay : kNever;
    }
    bool placed_all = true;
    for (size_t s : order) {
      const Candidate c = best_slot(s, Blockers::kAll);
      if (c.t >= kForever || !c.inside()) {
        placed_all = false;
        break;
      }
      put(s, c);
    }
    if (placed_all) {
      ++stats_.postponed;
      for (size_t s : tail) push_neighbours(s);
      return true;
    }
  }
  return false;
}

// True (with the reason in stats) when no plan exists because v's window cannot be kept: no unit
// of any device v can use is free of started steps and downtimes anywhere in the window v has in
// every plan, or v and other steps whose windows started steps also fix cannot all fit there.
bool ShiftRepair::proven_shut(size_t v) {
  const Time from = earliest_[v], to = latest_[v];
  std::string where;
  std::vector<std::string> culprits{p_.steps[v].id};
  bool shut = true;
  for (const Way& w : ways_[v]) {
    if (w.device == kNoDevice) {
      if (from <= to) shut = false;
      continue;
    }
    for (int u = 0; shut && u < p_.devices[w.device].capacity; ++u)
      if (earliest_gap(w.device, u, from, w.duration, Blockers::kStarted) <= to) shut = false;
    culprits.push_back(p_.devices[w.device].id);
    if (where.empty()) where = p_.devices[w.device].id;
  }
  if (shut) {
    stats_.reason = "step '" + p_.steps[v].id + "' must start between " + std::to_string(from) + " and " +
                    std::to_string(to) +
                    " (its time lags to started steps, release or the current time), but started steps and "
                    "downtimes hold every device it can use" +
                    (where.empty() ? "" : " (e.g. '" + where + "')") + " throughout";
  } else if (!proven_crowded(v, stats_.reason, culprits)) {
    return false;
  }
  stats_.proven = true;
  stats_.culprits = std::move(culprits);
  give_up("no plan exists");
  return true;
}

bool ShiftRepair::hard_window(size_t v, Time dur, Time& from, Time& to) {
  if (hard_from_.empty()) compute_hard_windows();
  from = hard_from_[v];
  to = hard_to_[v];
  if (in_tail_[v]) {  // replace_tail worked out v's window along its job
    from = std::max(from, earliest_[v]);
    to = std::min(to, latest_[v]);
  }
  for (const OutLag& o : out_[v]) {  // sharper with v's own duration
    if (!fixed_[o.succ]) continue;
    const Lag& lag = p_.steps[o.succ].after[o.lag];
    const Time own = lag.from == LagFrom::kEnd ? dur : 0;
    to = std::min(to, start_[o.succ] - lag.min_lag - own);
    if (lag.max_lag) from = std::max(from, start_[o.succ] - *lag.max_lag - own);
  }
  return to < kForever;
}

// Windows that hold in every plan, from started steps, releases and the current time, carried
// along the lags (shortest durations where a duration adds to a distance, longest where it
// subtracts): a pass in lag order, one against it, and one more in order, so that a sample
// pinned two steps away from a started step gets its window too.
void ShiftRepair::compute_hard_windows() {
  const size_t n = p_.steps.size();
  hard_from_.assign(n, kNever);
  hard_to_.assign(n, kForever);
  std::vector<Time> shortest(n, kForever), longest(n, 0);
  for (size_t s = 0; s < n; ++s) {
    for (const Way& w : ways_[s]) {
      shortest[s] = std::min(shortest[s], w.duration);
      longest[s] = std::max(longest[s], w.duration);
    }
    if (fixed_[s]) {
      hard_from_[s] = hard_to_[s] = start_[s];
      shortest[s] = longest[s] = dur_[s];
    } else {
      hard_from_[s] = std::max(now_, release_of(p_, p_.steps[s]));
    }
  }
  // Lag order over the lags with min_lag >= 0 (Kahn); steps on a cycle of such lags come last.
  std::vector<int> waiting(n, 0);
  for (size_t s = 0; s < n; ++s)
    for (const Lag& lag : p_.steps[s].after)
      if (lag.min_lag >= 0 && lag.pred != s) ++waiting[s];
  std::vector<size_t> order;
  order.reserve(n);
  for (size_t s = 0; s < n; ++s)
    if (waiting[s] == 0) order.push_back(s);
  for (size_t k = 0; k < order.size(); ++k)
    for (const OutLag& o : out_[order[k]]) {
      const Lag& lag = p_.steps[o.succ].after[o.lag];
      if (lag.min_lag >= 0 && o.succ != order[k] && --waiting[o.succ] == 0) order.push_back(o.succ);
    }
  for (size_t s = 0; s < n; ++s)
    if (waiting[s] > 0) order.push_back(s);
  auto forward = [&] {
    for (size_t s : order) {
      if (fixed_[s]) continue;
      for (const Lag& lag : p_.steps[s].after) {
        const size_t q = lag.pred;
        const bool end = lag.from == LagFrom::kEnd;
        if (hard_from_[q] > kNever) hard_from_[s] = std::max(hard_from_[s], hard_from_[q] + (end ? shortest[q] : 0) + lag.min_lag);
        if (lag.max_lag && hard_to_[q] < kForever)
          hard_to_[s] = std::min(hard_to_[s], hard_to_[q] + (end ? longest[q] : 0) + *lag.max_lag);
      }
    }
  };
  auto backward = [&] {
    for (size_t k = order.size(); k-- > 0;) {
      const size_t s = order[k];
      for (const Lag& lag : p_.steps[s].after) {
        const size_t q = lag.pred;
        if (fixed_[q]) continue;
        const bool end = lag.from == LagFrom::kEnd;
        if (hard_to_[s] < kForever) hard_to_[q] = std::min(hard_to_[q], hard_to_[s] - lag.min_lag - (end ? shortest[q] : 0));
        if (lag.max_lag) hard_from_[q] = std::max(hard_from_[q], hard_from_[s] - *lag.max_lag - (end ? longest[q] : 0));
      }
    }
  };
  forward();
  backward();
  forward();
}

// A relaxation of the whole plan: v and the other unstarted steps that can only run on v's
// devices and whose windows (from started steps alone) overlap v's, packed onto those devices
// around the started steps and downtimes, lags between them ignored. When not even that packing
// exists (the search is complete without lags), no plan does: the reason names the fewest of
// those windows that cannot all be kept.
bool ShiftRepair::proven_crowded(size_t v, std::string& reason, std::vector<std::string>& culprits) {
  if (proof_work_ >= kProofWorkTotal) return false;
  std::vector<char> usable(p_.devices.size(), 0);
  std::vector<size_t> devices;
  for (const Way& w : ways_[v]) {
    if (w.device == kNoDevice) return false;
    if (!usable[w.device]) devices.push_back(w.device);
    usable[w.device] = 1;
  }
  Time lo = kForever, hi = kNever;
  for (const Way& w : ways_[v]) {
    Time from = 0, to = 0;
    if (!hard_window(v, w.duration, from, to)) return false;
    lo = std::min(lo, from);
    hi = std::max(hi, to + w.duration);
  }
  std::vector<size_t> unit_of(unit_base_.back(), 0);
  size_t units = 0;
  for (size_t d : devices)
    for (size_t k = unit_base_[d]; k < unit_base_[d + 1]; ++k) unit_of[k] = units++;

  struct Contender {
    size_t step;
    Time to;
    PackingTask task;
  };
  auto task_of = [&](size_t y, Contender& c) {
    c.step = y;
    c.to = kNever;
    for (const Way& w : ways_[y]) {
      if (w.device == kNoDevice || !usable[w.device]) return false;
      Time from = 0, to = 0;
      if (!hard_window(y, w.duration, from, to) || from > hi || to + w.duration < lo) return false;
      c.to = std::max(c.to, to);
      for (size_t k = unit_base_[w.device]; k < unit_base_[w.device + 1]; ++k)
        c.task.options.push_back({unit_of[k], w.duration, from, to});
    }
    return !ways_[y].empty();
  };
  std::vector<Contender> others;
  Contender first;
  if (!task_of(v, first)) return false;
  for (size_t y = 0; y < p_.steps.size(); ++y) {
    Contender c;
    if (y != v && !fixed_[y] && task_of(y, c)) others.push_back(std::move(c));
  }
  std::sort(others.begin(), others.end(), [](const Contender& a, const Contender& b) { return a.to < b.to; });
  if (others.size() + 1 > kClusterSize) others.resize(kClusterSize - 1);
  others.insert(others.begin(), std::move(first));

  PackingProblem packing;
  packing.busy.assign(units, {});
  for (size_t d : devices) {
    for (size_t k = unit_base_[d]; k < unit_base_[d + 1]; ++k) {
      for (const Slot& s : units_[k])
        if (fixed_[s.second] && s.first + dur_[s.second] > lo)
          packing.busy[unit_of[k]].push_back({s.first, s.first + dur_[s.second]});
      for (const Downtime& down : p_.devices[d].downtimes)
        if (down.to > lo) packing.busy[unit_of[k]].push_back({down.from, down.to});
    }
  }
  auto packs = [&](const std::vector<Contender>& set) {
    packing.tasks.clear();
    for (const Contender& c : set) packing.tasks.push_back(c.task);
    const Packing r = pack_windows(packing, std::min(kProofWork, kProofWorkTotal - std::min(kProofWorkTotal, proof_work_)));
    proof_work_ += r.work;
    stats_.packing_work += r.work;
    return r.status;
  };
  if (packs(others) != Packing::Status::kNone) return false;
  // The fewest windows that still cannot all be kept (v's own always named first).
  for (size_t k = others.size(); k-- > 1;) {
    std::vector<Contender> fewer = others;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(k));
    if (packs(fewer) == Packing::Status::kNone) others = std::move(fewer);
  }
  reason = "steps ";
  for (size_t k = 0; k < others.size(); ++k) {
    const size_t y = others[k].step;
    Time from = kForever, to = kNever;
    for (const PackingOption& o : others[k].task.options) {
      from = std::min(from, o.earliest);
      to = std::max(to, o.latest);
    }
    reason += (k ? ", '" : "'") + p_.steps[y].id + "' (start between " + std::to_string(from) + " and " +
              std::to_string(to) + ")";
    if (k) culprits.insert(culprits.begin() + static_cast<std::ptrdiff_t>(k), p_.steps[y].id);
  }
  reason += " must each run on one of";
  for (size_t d : devices) reason += " '" + p_.devices[d].id + "'";
  reason += " inside their time windows (set by their time lags to started steps, releases and the current "
            "time), but started steps and downtimes leave room for fewer of them";
  return true;
}

// v finds no room in its window: v and the movable steps on its devices around that window are
// taken out and packed again together (a bounded search over their order and units), each
// inside the window its placed neighbours give it. The steps that move push their neighbours.
bool ShiftRepair::pack_cluster(size_t v) {
  if (packing_work_ >= kPackingWorkTotal || pack_failures_[v] >= 2) return false;
  std::vector<char> usable(p_.devices.size(), 0);
  std::vector<size_t> devices;
  Time lo = kForever, hi = kNever;
  for (const Way& w : ways_[v]) {
    if (w.device == kNoDevice) continue;
    if (!usable[w.device]) devices.push_back(w.device);
    usable[w.device] = 1;
    size_t binding = 0;
    const Time lb = lower_bound(v, w.duration), ub = upper_bound(v, w.duration, binding);
    if (ub >= kForever || lb > ub) continue;
    lo = std::min(lo, lb);
    hi = std::max(hi, ub + w.duration);
  }
  if (lo > hi) return false;
  std::vector<size_t> cluster{v};
  for (size_t d : devices)
    for (size_t k = unit_base_[d]; k < unit_base_[d + 1]; ++k)
      for (const Slot& s : units_[k]) {
        if (s.first >= hi) break;
        if (s.first + dur_[s.second] > lo && !fixed_[s.second] && s.second != v) cluster.push_back(s.second);
      }
  if (cluster.size() > kClusterSize) return false;

  struct Was {
    size_t step;
    Candidate at;
  };
  std::vector<Was> was;
  std::unordered_map<size_t, size_t> index;
  for (size_t y : cluster) {
    index[y] = was.size();
    Candidate c;
    c.device = device_[y];
    c.unit = unit_[y];
    c.t = start_[y];
    c.duration = dur_[y];
    was.push_back({y, c});
  }
  const bool v_was_placed = placed_[v];
  for (size_t y : cluster) take_out(y);

  std::vector<size_t> unit_of(unit_base_.back(), 0);
  std::vector<std::pair<size_t, int>> unit_at;
  for (size_t d : devices)
    for (int u = 0; u < p_.devices[d].capacity; ++u) {
      unit_of[unit_base_[d] + static_cast<size_t>(u)] = unit_at.size();
      unit_at.push_back({d, u});
    }
  PackingProblem packing;
  for (size_t y : cluster) {
    PackingTask task;
    for (const Way& w : ways_[y]) {
      if (w.device == kNoDevice || !usable[w.device]) continue;
      size_t binding = 0;
      const Time lb = lower_bound(y, w.duration), ub = upper_bound(y, w.duration, binding);
      if (lb > ub) continue;
      for (size_t k = unit_base_[w.device]; k < unit_base_[w.device + 1]; ++k)
        task.options.push_back({unit_of[k], w.duration, lb, ub});
    }
    for (const Lag& lag : p_.steps[y].after) {
      auto it = index.find(lag.pred);
      if (it != index.end()) task.after.push_back({it->second, lag.from == LagFrom::kEnd, lag.min_lag, lag.max_lag});
    }
    packing.tasks.push_back(std::move(task));
  }
  // What holds the units between the earliest any of them may start and the latest any may
  // end: nothing else matters.
  Time earliest = kForever, last_end = kNever;
  for (const PackingTask& task : packing.tasks)
    for (const PackingOption& o : task.options) {
      earliest = std::min(earliest, o.earliest);
      last_end = std::max(last_end, o.latest >= kForever ? kForever : o.latest + o.duration);
    }
  packing.busy.assign(unit_at.size(), {});
  for (size_t k = 0; k < unit_at.size(); ++k) {
    const auto [d, u] = unit_at[k];
    const Timeline& line = timeline(d, u);
    auto it = line.lower_bound({earliest, 0});
    for (int back = 0; back < 3 && it != line.begin(); ++back) --it;  // may still run at `earliest`
    for (; it != line.end() && it->first < last_end; ++it)
      if (it->first + dur_[it->second] > earliest) packing.busy[k].push_back({it->first, it->first + dur_[it->second]});
    for (const Downtime& down : p_.devices[d].downtimes)
      if (down.to > earliest) packing.busy[k].push_back({down.from, down.to});
  }
  const Packing r = pack_windows(packing, std::min(kPackingWork, kPackingWorkTotal - packing_work_));
  packing_work_ += r.work;
  stats_.packing_work += r.work;
  ++stats_.packings;
  stats_.packed += r.status == Packing::Status::kPacked;
  if (r.status != Packing::Status::kPacked) {
    ++pack_failures_[v];
    for (const Was& w : was)
      if (w.step != v || v_was_placed) put(w.step, w.at);
    return false;
  }
  for (size_t k = 0; k < cluster.size(); ++k) {
    const PackingOption& o = packing.tasks[k].options[r.option[k]];
    Candidate c;
    c.device = unit_at[o.unit].first;
    c.unit = unit_at[o.unit].second;
    c.t = r.start[k];
    c.duration = o.duration;
    put(cluster[k], c);
  }
  for (size_t y : cluster) push_neighbours(y);
  return true;
}

bool ShiftRepair::run() {
  const size_t n = p_.steps.size();
  for (size_t v = 0; v < n; ++v)
    if (!consistent(v)) {
      push(v);
      if (fixed_[v]) push_neighbours(v);
    }
  // Units hold the overrunning steps' successors, which the scan above found through them.
  const std::uint64_t budget = 20 * static_cast<std::uint64_t>(n) + 1000;
  while (!queue_.empty()) {
    const size_t v = queue_.top().second;
    queue_.pop();
    if (++stats_.visits > budget) return give_up("the changes spread too far");
    if (consistent(v)) continue;
    if (fixed_[v]) {
      // Something movable next to a started step is out of place: re-place it.
      bool any = false;
      for (const Lag& lag : p_.steps[v].after)
        if (!fixed_[lag.pred]) {
          push(lag.pred);
          any = true;
        }
      for (const OutLag& o : out_[v])
        if (!fixed_[o.succ]) {
          push(o.succ);
          any = true;
        }
      if (device_[v] != kNoDevice) {
        const Timeline& line = timeline(device_[v], unit_[v]);
        auto it = line.find({start_[v], v});
        if (it == line.end()) return give_up("a started step is missing from its device");
        if (it != line.begin() && !fixed_[std::prev(it)->second] &&
            std::prev(it)->first + dur_[std::prev(it)->second] > start_[v]) {
          push(std::prev(it)->second);
          any = true;
        }
        for (auto j = std::next(it); j != line.end() && j->first < start_[v] + dur_[v]; ++j)
          if (!fixed_[j->second]) {
            push(j->second);
            any = true;
          }
      }
      if (!any) return give_up("started steps contradict each other");
      continue;
    }
    if (!place(v)) return false;
  }
  for (size_t v = 0; v < n; ++v) stats_.moved += moved_[v];
  return fully_valid() || give_up("the local repair left a constraint broken");
}

// Every constraint, checked once over the whole plan: the local repair only ever returns a
// plan that keeps all of them.
bool ShiftRepair::fully_valid() const {
  const size_t n = p_.steps.size();
  for (size_t v = 0; v < n; ++v) {
    if (!placed_[v]) return false;
    const Step& step = p_.steps[v];
    if (!fixed_[v] && (start_[v] < now_ || start_[v] < release_of(p_, step))) return false;
    for (const Lag& lag : step.after) {
      const Time gap = start_[v] - ref(lag.pred, lag.from);
      if (gap < lag.min_lag || (lag.max_lag && gap > *lag.max_lag)) return false;
    }
    if (device_[v] == kNoDevice) continue;
    for (const Downtime& down : p_.devices[device_[v]].downtimes)
      if (down.from < start_[v] + dur_[v] && start_[v] < down.to) return false;
  }
  for (const Timeline& line : units_) {
    Time free_from = kNever;
    for (const Slot& s : line) {
      if (s.first < free_from) return false;
      free_from = s.first + dur_[s.second];
    }
  }
  return true;
}

Schedule ShiftRepair::result(Objective objective) const {
  Schedule out;
  const size_t n = p_.steps.size();
  out.assignments.resize(n);
  std::vector<Time> completion(p_.jobs.size(), 0);
  for (size_t v = 0; v < n; ++v) {
    out.assignments[v] = {v, device_[v], device_[v] == kNoDevice ? 0 : unit_[v], start_[v], start_[v] + dur_[v]};
    out.makespan = std::max(out.makespan, start_[v] + dur_[v]);
    completion[p_.steps[v].job] = std::max(completion[p_.steps[v].job], start_[v] + dur_[v]);
  }
  if (objective == Objective::kMakespan) {
    out.objective = "makespan";
    out.objective_value = static_cast<double>(out.makespan);
  } else {
    out.objective = "weighted-completion";
    for (size_t j = 0; j < completion.size(); ++j)
      out.objective_value += p_.jobs[j].priority * static_cast<double>(completion[j]);
  }
  return out;
}

}  // namespace

std::optional<Schedule> shift_repair(const Problem& problem, const Problem& previous_problem,
                                     const Schedule& previous, Time now, Objective objective,
                                     ShiftRepairStats* stats, const ShiftRepairPaths& paths) {
  ShiftRepairStats local;
  ShiftRepairStats& s = stats ? *stats : local;
  ShiftRepair repair(problem, now, s, paths);
  if (!repair.load(previous_problem, previous)) {
    s.gave_up = "the event changed more than timings (steps added, multi-resource steps, ...)";
    return std::nullopt;
  }
  s.loaded = true;
  if (!repair.run()) return std::nullopt;
  return repair.result(objective);
}

}  // namespace foundry::planner::detail
