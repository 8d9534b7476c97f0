#include "planner/serial_sgs.hpp"

#include "planner/temporal_network.hpp"

#include <algorithm>
#include <deque>
#include <functional>

namespace foundry::planner::detail {
namespace {

using std::size_t;
inline size_t z(int i) { return static_cast<size_t>(i); }

// Strongly connected components of the graph formed by the arcs marked in `use`.
std::vector<int> components(const CompiledProblem& c, const std::vector<char>& use) {
  const int nodes = c.n + 1;
  std::vector<int> index(z(nodes), -1), low(z(nodes), 0), comp(z(nodes), -1);
  std::vector<char> on_stack(z(nodes), 0);
  std::vector<int> stack;
  std::vector<std::pair<int, int>> call;  // (node, next out position)
  int counter = 0, comps = 0;
  for (int root = 0; root < nodes; ++root) {
    if (index[z(root)] >= 0) continue;
    call.push_back({root, c.out_begin[z(root)]});
    index[z(root)] = low[z(root)] = counter++;
    stack.push_back(root);
    on_stack[z(root)] = 1;
    while (!call.empty()) {
      auto& [u, pos] = call.back();
      if (pos < c.out_begin[z(u) + 1]) {
        const int ai = c.out_arcs[z(pos++)];
        if (!use[z(ai)]) continue;
        const int w = c.arcs[z(ai)].to;
        if (index[z(w)] < 0) {
          index[z(w)] = low[z(w)] = counter++;
          stack.push_back(w);
          on_stack[z(w)] = 1;
          call.push_back({w, c.out_begin[z(w)]});
        } else if (on_stack[z(w)]) {
          low[z(u)] = std::min(low[z(u)], index[z(w)]);
        }
        continue;
      }
      const int done = u;
      call.pop_back();
      if (!call.empty()) low[z(call.back().first)] = std::min(low[z(call.back().first)], low[z(done)]);
      if (low[z(done)] == index[z(done)]) {
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[z(w)] = 0;
          comp[z(w)] = comps;
        } while (w != done);
        ++comps;
      }
    }
  }
  return comp;
}

}  // namespace

void evaluate(const CompiledProblem& c, Solution& s) {
  s.makespan = 0;
  std::vector<Time> completion(c.problem->jobs.size(), 0);
  for (int v = 0; v < c.n; ++v) {
    const Time end = s.start[z(v)] + c.duration(v, s.mode[z(v)]);
    s.makespan = std::max(s.makespan, end);
    completion[c.job_of[z(v)]] = std::max(completion[c.job_of[z(v)]], end);
  }
  s.weighted_completion = 0;
  for (size_t j = 0; j < completion.size(); ++j)
    s.weighted_completion += c.problem->jobs[j].priority * static_cast<double>(completion[j]);
}

SerialSgs::SerialSgs(const CompiledProblem& c) : c_(c) {
  for (const Device& d : c.problem->devices) profiles_.emplace_back(d.capacity);
  // Forward arcs (minimum lags that cannot be negative) decide eligibility: a step waits for its
  // forward predecessors. Arcs inside a zero-length cycle of them are ignored.
  std::vector<Time> lo = c.dur_min, hi = c.dur_max;
  const Durations d{&lo, &hi};
  std::vector<char> fwd(c.arcs.size(), 0);
  for (size_t i = 0; i < c.arcs.size(); ++i) {
    const Arc& a = c.arcs[i];
    fwd[i] = a.from != c.origin && a.to != c.origin && a.origin == ArcOrigin::kMinLag && arc_weight(a, d) >= 0;
  }
  const std::vector<int> comp = components(c, fwd);
  for (size_t i = 0; i < c.arcs.size(); ++i)
    if (fwd[i] && comp[z(c.arcs[i].from)] == comp[z(c.arcs[i].to)]) fwd[i] = 0;
  forward_ = std::move(fwd);
  const size_t nodes = z(c.n + 1);
  es_.assign(nodes, 0);
  ls_.assign(nodes, kForever);
  lb_.assign(nodes, 0);
  start_.assign(nodes, 0);
  ls_parent_.assign(nodes, -1);
  mode_.assign(nodes, 0);
  pending_.assign(nodes, 0);
  placed_.assign(nodes, 0);
  scope_mark_.assign(nodes, 0);

  // Components of movable steps: unscheduling and re-propagation stay inside one of them.
  std::vector<int> parent(nodes);
  for (size_t i = 0; i < nodes; ++i) parent[i] = static_cast<int>(i);
  std::function<int(int)> root = [&](int x) {
    while (parent[z(x)] != x) x = parent[z(x)] = parent[z(parent[z(x)])];
    return x;
  };
  auto movable = [&](int x) { return x != c.origin && !c.problem->steps[z(x)].frozen; };
  for (const Arc& a : c.arcs)
    if (movable(a.from) && movable(a.to)) parent[z(root(a.from))] = root(a.to);
  comp_.assign(nodes, -1);
  std::vector<int> id_of_root(nodes, -1);
  for (int v = 0; v < c.n; ++v) {
    all_steps_.push_back(v);
    if (!movable(v)) continue;
    int& id = id_of_root[z(root(v))];
    if (id < 0) {
      id = static_cast<int>(comp_nodes_.size());
      comp_nodes_.emplace_back();
    }
    comp_[z(v)] = id;
    comp_nodes_[z(id)].push_back(v);
  }

  // Latest starts imposed by frozen steps alone: delaying a step past this cannot help.
  fixed_ls_.assign(nodes, kForever);
  {
    std::deque<int> queue;
    std::vector<int> updates(nodes, 0);
    fixed_ls_[z(c.origin)] = 0;
    queue.push_back(c.origin);
    for (int v = 0; v < c.n; ++v)
      if (c.problem->steps[z(v)].frozen) {
        fixed_ls_[z(v)] = c.problem->steps[z(v)].frozen->start;
        queue.push_back(v);
      }
    while (!queue.empty()) {
      const int x = queue.front();
      queue.pop_front();
      for (int k = c.in_begin[z(x)]; k < c.in_begin[z(x) + 1]; ++k) {
        const Arc& a = c.arcs[z(c.in_arcs[z(k)])];
        if (!movable(a.from)) continue;
        const Time cand = fixed_ls_[z(x)] - arc_weight(a, d);
        if (cand >= fixed_ls_[z(a.from)] || ++updates[z(a.from)] > c.n + 1) continue;
        fixed_ls_[z(a.from)] = cand;
        queue.push_back(a.from);
      }
    }
  }

  // Earliest starts from releases and frozen steps (with the shortest modes): a lower bound in
  // every plan, so a step with no room between fixed_es_ and fixed_ls_ proves infeasibility.
  {
    fixed_es_.assign(nodes, 0);
    std::deque<int> queue;
    std::vector<int> updates(nodes, 0);
    queue.push_back(c.origin);
    for (int v = 0; v < c.n; ++v) {
      if (c.problem->steps[z(v)].frozen) fixed_es_[z(v)] = c.problem->steps[z(v)].frozen->start;
      queue.push_back(v);
    }
    while (!queue.empty()) {
      const int x = queue.front();
      queue.pop_front();
      for (int k = c.out_begin[z(x)]; k < c.out_begin[z(x) + 1]; ++k) {
        const Arc& a = c.arcs[z(c.out_arcs[z(k)])];
        if (!movable(a.to)) continue;
        const Time cand = fixed_es_[z(x)] + arc_weight(a, d);
        if (cand <= fixed_es_[z(a.to)] || ++updates[z(a.to)] > c.n + 1) continue;
        fixed_es_[z(a.to)] = cand;
        queue.push_back(a.to);
      }
    }
  }

  fixed_profiles_ = profiles_;
  const auto& devices = c.problem->devices;
  for (size_t k = 0; k < fixed_profiles_.size(); ++k)
    for (const Downtime& down : devices[k].downtimes)
      fixed_profiles_[k].add(down.from, down.to, fixed_profiles_[k].capacity());
  fixed_units_.assign(devices.size(), {});
  for (int v = 0; v < c.n; ++v) {
    const auto& step = c.problem->steps[z(v)];
    if (!step.frozen) continue;
    const Time t = step.frozen->start, dur = c.duration(v, 0);
    if (!c.modes[z(v)].empty()) {
      const size_t dev = c.modes[z(v)][0].device;
      fixed_profiles_[dev].add(t, t + dur, 1);
      const int unit = step.frozen->unit;
      if (devices[dev].capacity <= 1 || unit < 0 || unit >= devices[dev].capacity) continue;
      if (fixed_units_[dev].empty()) {
        fixed_units_[dev].assign(z(devices[dev].capacity), ResourceProfile(1));
        for (auto& line : fixed_units_[dev])
          for (const Downtime& down : devices[dev].downtimes) line.add(down.from, down.to, 1);
      }
      fixed_units_[dev][z(unit)].add(t, t + dur, 1);
    } else {
      for (const Use& u : c.uses[z(v)]) fixed_profiles_[u.device].add(t, t + dur, u.amount);
    }
  }
  units_ = fixed_units_;
  unit_.assign(z(c.n + 1), -1);
}

Time SerialSgs::weight(const Arc& a) const {
  const Durations d{&dur_lo_, &dur_hi_};
  return arc_weight(a, d);
}

bool SerialSgs::fail(std::string reason, std::vector<std::string> culprits) {
  failure_ = {std::move(reason), std::move(culprits)};
  return false;
}

int SerialSgs::free_unit(const std::vector<ResourceProfile>& units, Time t, Time dur) const {
  for (size_t u = 0; u < units.size(); ++u)
    if (units[u].earliest_fit(t, dur, 1) == t) return static_cast<int>(u);
  return -1;
}

Time SerialSgs::fit(int v, int mode, Time from, bool fixed_only) const {
  const std::vector<ResourceProfile>& profiles = fixed_only ? fixed_profiles_ : profiles_;
  const auto& modes = c_.modes[z(v)];
  if (!modes.empty()) {
    const Mode& m = modes[z(mode)];
    const auto& units = (fixed_only ? fixed_units_ : units_)[m.device];
    Time t = profiles[m.device].earliest_fit(from, m.duration, 1);
    if (units.empty()) return t;
    // Room in the sum over units, and one unit free throughout: alternate until both agree.
    while (t < kForever) {
      Time next = kForever;
      for (const ResourceProfile& line : units) next = std::min(next, line.earliest_fit(t, m.duration, 1));
      if (next == t) return t;
      t = next >= kForever ? kForever : profiles[m.device].earliest_fit(next, m.duration, 1);
    }
    return t;
  }
  const Time dur = c_.demand_duration[z(v)];
  const auto& uses = c_.uses[z(v)];
  Time t = from;
  for (bool moved = true; moved && t < kForever;) {
    moved = false;
    for (const Use& u : uses) {
      const Time f = profiles[u.device].earliest_fit(t, dur, u.amount);
      if (f > t) {
        t = f;
        moved = true;
      }
    }
  }
  return t;
}

// The window of v if run in `mode`: the stored bounds, tightened by the arcs whose weight
// depends on v's own (mode-dependent) duration.
Time SerialSgs::window_start(int v, int mode) const {
  Time a = es_[z(v)];
  const Time dur = c_.duration(v, mode);
  for (int k = c_.in_begin[z(v)]; k < c_.in_begin[z(v) + 1]; ++k) {
    const Arc& arc = c_.arcs[z(c_.in_arcs[z(k)])];
    if (arc.dur_of != v) continue;
    a = std::max(a, es_[z(arc.from)] + arc.weight + arc.dur_sign * dur);
  }
  return a;
}

Time SerialSgs::window_end(int v, int mode, int* binding_arc) const {
  Time b = ls_[z(v)];
  *binding_arc = ls_parent_[z(v)];
  const Time dur = c_.duration(v, mode);
  for (int k = c_.out_begin[z(v)]; k < c_.out_begin[z(v) + 1]; ++k) {
    const int ai = c_.out_arcs[z(k)];
    const Arc& arc = c_.arcs[z(ai)];
    if (arc.dur_of != v || ls_[z(arc.to)] >= kForever) continue;
    const Time cand = ls_[z(arc.to)] - (arc.weight + arc.dur_sign * dur);
    if (cand < b) {
      b = cand;
      *binding_arc = ai;
    }
  }
  return b;
}

void SerialSgs::place_frozen() {
  // Their resources are already in fixed_profiles_.
  for (int v = 0; v < c_.n; ++v) {
    const auto& step = c_.problem->steps[z(v)];
    if (!step.frozen) continue;
    const Time dur = c_.duration(v, 0);
    placed_[z(v)] = 1;
    ++placed_count_;
    start_[z(v)] = step.frozen->start;
    mode_[z(v)] = 0;
    dur_lo_[z(v)] = dur_hi_[z(v)] = dur;
  }
}

void SerialSgs::unschedule(int v) {
  if (!placed_[z(v)]) return;
  placed_[z(v)] = 0;
  --placed_count_;
  const Time t = start_[z(v)];
  const Time dur = c_.duration(v, mode_[z(v)]);
  if (!c_.modes[z(v)].empty()) {
    const size_t d = c_.modes[z(v)][z(mode_[z(v)])].device;
    profiles_[d].add(t, t + dur, -1);
    if (unit_[z(v)] >= 0) units_[d][z(unit_[z(v)])].add(t, t + dur, -1);
    unit_[z(v)] = -1;
  } else {
    for (const Use& u : c_.uses[z(v)]) profiles_[u.device].add(t, t + dur, -u.amount);
  }
  dur_lo_[z(v)] = c_.dur_min[z(v)];
  dur_hi_[z(v)] = c_.dur_max[z(v)];
}

bool SerialSgs::recompute(const std::vector<int>& scope) {
  for (int v : scope) scope_mark_[z(v)] = 1;
  struct Unmark {
    const std::vector<int>& scope;
    std::vector<char>& mark;
    ~Unmark() {
      for (int v : scope) mark[z(v)] = 0;
    }
  } unmark{scope, scope_mark_};
  auto fixed_name = [&](int v) { return v == c_.origin ? std::string("now") : c_.problem->steps[z(v)].id; };
  const int nodes = c_.n + 1;
  std::deque<int> queue;
  for (int round = 0; round <= nodes; ++round) {
    // Earliest starts: placed steps are fixed; a path that would push one later is a violation.
    std::vector<int> violations;
    for (int v : scope) {
      es_[z(v)] = placed_[z(v)] ? start_[z(v)] : lb_[z(v)];
      for (int k = c_.in_begin[z(v)]; k < c_.in_begin[z(v) + 1]; ++k) {
        const Arc& a = c_.arcs[z(c_.in_arcs[z(k)])];
        if (scope_mark_[z(a.from)]) continue;
        const Time cand = es_[z(a.from)] + weight(a);
        if (cand <= es_[z(v)]) continue;
        if (placed_[z(v)]) violations.push_back(v);
        else es_[z(v)] = cand;
      }
    }
    for (int v : scope) queue.push_back(v);
    std::vector<char> queued(z(nodes), 0);
    for (int v : scope) queued[z(v)] = 1;
    std::vector<int> updates(z(nodes), 0);
    while (!queue.empty()) {
      const int u = queue.front();
      queue.pop_front();
      queued[z(u)] = 0;
      ++work_;
      for (int k = c_.out_begin[z(u)]; k < c_.out_begin[z(u) + 1]; ++k) {
        const Arc& a = c_.arcs[z(c_.out_arcs[z(k)])];
        const Time cand = es_[z(u)] + weight(a);
        const auto w = z(a.to);
        if (placed_[w] || a.to == c_.origin || !scope_mark_[w]) {
          if (cand > es_[w] && (placed_[w] || a.to == c_.origin)) violations.push_back(a.to);
          continue;
        }
        if (cand <= es_[w]) continue;
        if (++updates[w] > nodes + 1)
          return fail("the time lags contradict each other for the chosen devices", {c_.problem->steps[w].id});
        es_[w] = cand;
        if (!queued[w]) {
          queued[w] = 1;
          queue.push_back(a.to);
        }
      }
    }
    if (!violations.empty()) {
      bool progress = false;
      for (int v : violations) {
        if (v == c_.origin || c_.problem->steps[z(v)].frozen) {
          return fail("frozen steps, the current time and the time lags leave no room for the steps that follow '" +
                          fixed_name(v) + "'",
                      {fixed_name(v)});
        }
        if (placed_[z(v)]) {
          unschedule(v);
          progress = true;
        }
      }
      if (progress) continue;
    }
    // Latest starts, from the placed steps backwards.
    for (int v : scope) {
      ls_[z(v)] = placed_[z(v)] ? start_[z(v)] : kForever;
      ls_parent_[z(v)] = -1;
      if (placed_[z(v)]) continue;
      for (int k = c_.out_begin[z(v)]; k < c_.out_begin[z(v) + 1]; ++k) {
        const int ai = c_.out_arcs[z(k)];
        const Arc& a = c_.arcs[z(ai)];
        if (scope_mark_[z(a.to)] || ls_[z(a.to)] >= kForever) continue;
        const Time cand = ls_[z(a.to)] - weight(a);
        if (cand < ls_[z(v)]) {
          ls_[z(v)] = cand;
          ls_parent_[z(v)] = ai;
        }
      }
    }
    for (int v : scope) {
      queue.push_back(v);
      queued[z(v)] = 1;
    }
    std::fill(updates.begin(), updates.end(), 0);
    while (!queue.empty()) {
      const int x = queue.front();
      queue.pop_front();
      queued[z(x)] = 0;
      ++work_;
      if (ls_[z(x)] >= kForever) continue;
      for (int k = c_.in_begin[z(x)]; k < c_.in_begin[z(x) + 1]; ++k) {
        const int ai = c_.in_arcs[z(k)];
        const Arc& a = c_.arcs[z(ai)];
        const auto u = z(a.from);
        if (placed_[u] || a.from == c_.origin || !scope_mark_[u]) continue;
        const Time cand = ls_[z(x)] - weight(a);
        if (cand >= ls_[u]) continue;
        if (++updates[u] > nodes + 1) return fail("the time lags contradict each other", {});
        ls_[u] = cand;
        ls_parent_[u] = ai;
        if (!queued[u]) {
          queued[u] = 1;
          queue.push_back(a.from);
        }
      }
    }
    return true;
  }
  return fail("could not settle the time windows", {});
}

void SerialSgs::rebuild_eligible(const std::vector<int>& scope, const std::vector<double>& keys) {
  for (int v : scope) {
    int pending = 0;
    for (int k = c_.in_begin[z(v)]; k < c_.in_begin[z(v) + 1]; ++k) {
      const int ai = c_.in_arcs[z(k)];
      if (forward_[z(ai)] && !placed_[z(c_.arcs[z(ai)].from)]) ++pending;
    }
    pending_[z(v)] = pending;
    if (!placed_[z(v)] && pending == 0) {
      heap_.push_back({-keys[z(v)], v});
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
}

void SerialSgs::unschedule_from(int u, std::vector<int>& scope, std::vector<char>& in_scope) {
  const int comp = comp_[z(u)];
  if (comp < 0) return;
  const Time from = start_[z(u)];
  for (int w : comp_nodes_[z(comp)])
    if (placed_[z(w)] && start_[z(w)] >= from) unschedule(w);
  if (!in_scope[z(comp)]) {
    in_scope[z(comp)] = 1;
    scope.insert(scope.end(), comp_nodes_[z(comp)].begin(), comp_nodes_[z(comp)].end());
  }
}

// Makes room for v at t in `mode` by taking out the movable steps in the way (with what
// follows them in their components). False when fixed steps or downtimes are in the way.
bool SerialSgs::evict_for(int v, int mode, Time t, std::vector<int>& scope, std::vector<char>& in_scope) {
  const Time dur = c_.duration(v, mode);
  std::vector<size_t> devices;
  if (!c_.modes[z(v)].empty()) devices.push_back(c_.modes[z(v)][z(mode)].device);
  for (const Use& u : c_.uses[z(v)]) devices.push_back(u.device);
  for (size_t d : devices) {
    // Victims on d overlapping [t, t + dur), latest start first.
    std::vector<int> victims;
    for (int u = 0; u < c_.n; ++u) {
      if (!placed_[z(u)] || c_.problem->steps[z(u)].frozen) continue;
      const Time s = start_[z(u)], e = s + c_.duration(u, mode_[z(u)]);
      if (!(s < t + dur && t < e)) continue;
      bool uses = !c_.modes[z(u)].empty() && c_.modes[z(u)][z(mode_[z(u)])].device == d;
      for (const Use& x : c_.uses[z(u)]) uses = uses || x.device == d;
      if (uses) victims.push_back(u);
    }
    std::sort(victims.begin(), victims.end(), [&](int a, int b) { return start_[z(a)] > start_[z(b)]; });
    for (int u : victims) {
      if (fit(v, mode, t, false) == t) break;
      if (placed_[z(u)]) unschedule_from(u, scope, in_scope);
    }
  }
  return fit(v, mode, t, false) == t;
}

void SerialSgs::commit(int v, int mode, Time t, const std::vector<double>& keys) {
  const Time dur = c_.duration(v, mode);
  placed_[z(v)] = 1;
  ++placed_count_;
  start_[z(v)] = t;
  mode_[z(v)] = mode;
  dur_lo_[z(v)] = dur_hi_[z(v)] = dur;
  if (!c_.modes[z(v)].empty()) {
    const size_t d = c_.modes[z(v)][z(mode)].device;
    profiles_[d].add(t, t + dur, 1);
    if (!units_[d].empty()) {
      unit_[z(v)] = free_unit(units_[d], t, dur);  // fit() found one free
      if (unit_[z(v)] >= 0) units_[d][z(unit_[z(v)])].add(t, t + dur, 1);
    }
  } else {
    for (const Use& u : c_.uses[z(v)]) profiles_[u.device].add(t, t + dur, u.amount);
  }
  es_[z(v)] = ls_[z(v)] = t;

  std::deque<int> queue{v};
  while (!queue.empty()) {
    const int u = queue.front();
    queue.pop_front();
    ++work_;
    for (int k = c_.out_begin[z(u)]; k < c_.out_begin[z(u) + 1]; ++k) {
      const Arc& a = c_.arcs[z(c_.out_arcs[z(k)])];
      const auto w = z(a.to);
      const Time cand = es_[z(u)] + weight(a);
      if (cand <= es_[w]) continue;
      if (placed_[w] || a.to == c_.origin) {
        violated_ = true;
        continue;
      }
      es_[w] = cand;
      queue.push_back(a.to);
      if (queue.size() > z(4 * c_.n + 8)) {
        violated_ = true;
        return;
      }
    }
  }
  queue.push_back(v);
  while (!queue.empty()) {
    const int x = queue.front();
    queue.pop_front();
    ++work_;
    for (int k = c_.in_begin[z(x)]; k < c_.in_begin[z(x) + 1]; ++k) {
      const int ai = c_.in_arcs[z(k)];
      const Arc& a = c_.arcs[z(ai)];
      const auto u = z(a.from);
      if (a.from == c_.origin) continue;
      const Time cand = ls_[z(x)] - weight(a);
      if (cand >= ls_[u]) continue;
      if (placed_[u]) {
        violated_ = true;
        continue;
      }
      ls_[u] = cand;
      ls_parent_[u] = ai;
      queue.push_back(a.from);
      if (queue.size() > z(4 * c_.n + 8)) {
        violated_ = true;
        return;
      }
    }
  }
  for (int k = c_.out_begin[z(v)]; k < c_.out_begin[z(v) + 1]; ++k) {
    const int ai = c_.out_arcs[z(k)];
    if (!forward_[z(ai)]) continue;
    const int w = c_.arcs[z(ai)].to;
    if (--pending_[z(w)] == 0 && !placed_[z(w)]) {
      heap_.push_back({-keys[z(w)], w});
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
}

bool SerialSgs::build(const std::vector<double>& keys, Solution& out) {
  profiles_ = fixed_profiles_;
  units_ = fixed_units_;
  std::fill(unit_.begin(), unit_.end(), -1);
  failed_step_ = -1;
  std::fill(placed_.begin(), placed_.end(), 0);
  std::fill(lb_.begin(), lb_.end(), 0);
  dur_lo_ = c_.dur_min;
  dur_hi_ = c_.dur_max;
  dur_lo_.push_back(0);
  dur_hi_.push_back(0);
  placed_count_ = 0;
  violated_ = false;
  heap_.clear();
  place_frozen();
  if (!recompute(all_steps_)) return false;
  rebuild_eligible(all_steps_, keys);
  const int limit = 2 * c_.n + 20;
  int unschedulings = 0;
  const auto& steps = c_.problem->steps;
  const auto& devices = c_.problem->devices;
  std::vector<int> scope;
  std::vector<char> comp_in_scope(comp_nodes_.size(), 0);
  auto settle = [&]() {
    const bool ok = recompute(scope);
    if (ok) rebuild_eligible(scope, keys);
    for (int v : scope)
      if (comp_[z(v)] >= 0) comp_in_scope[z(comp_[z(v)])] = 0;
    scope.clear();
    return ok;
  };

  while (placed_count_ < c_.n) {
    if (heap_.empty()) return fail("no step is ready to be placed (internal)", {});
    std::pop_heap(heap_.begin(), heap_.end());
    const int v = heap_.back().second;
    heap_.pop_back();
    if (placed_[z(v)] || pending_[z(v)] != 0) continue;
    ++work_;

    int best_mode = -1, need_mode = 0, need_binding = -1;
    Time best_t = 0, best_end = kForever, need_t = kForever, need_b = 0;
    for (int m = 0; m < c_.mode_count(v); ++m) {
      const Time a = window_start(v, m);
      int binding = -1;
      const Time b = window_end(v, m, &binding);
      const Time t = fit(v, m, a, false);
      if (t >= kForever) continue;
      const Time end = t + c_.duration(v, m);
      if (t <= b) {
        if (end < best_end) {
          best_end = end;
          best_t = t;
          best_mode = m;
        }
      } else if (t - b < need_t - need_b || need_t >= kForever) {
        need_t = t;
        need_b = b;
        need_mode = m;
        need_binding = binding;
      }
    }
    if (best_mode >= 0) {
      commit(v, best_mode, best_t, keys);
      if (violated_) {
        violated_ = false;
        if (!recompute(all_steps_)) return false;
        heap_.clear();
        rebuild_eligible(all_steps_, keys);
      }
      continue;
    }
    if (need_t >= kForever)
      return fail("step '" + steps[z(v)].id + "' never fits on any of its devices (down for good?)",
                  {steps[z(v)].id});
    // Find the placed step whose start closes v's window: follow the latest-start chain.
    int binding_step = -1;
    for (int ai = need_binding, guard = 0; ai >= 0 && guard <= c_.n + 1; ++guard) {
      const int to = c_.arcs[z(ai)].to;
      if (to == c_.origin || placed_[z(to)]) {
        binding_step = to;
        break;
      }
      ai = ls_parent_[z(to)];
    }
    const bool window_fixed = binding_step < 0 || binding_step == c_.origin || steps[z(binding_step)].frozen ||
                              start_[z(binding_step)] + (need_t - need_b) > fixed_ls_[z(binding_step)];
    if (window_fixed && ++unschedulings <= limit) {
      // The window cannot move: make room in it by taking out movable steps in the way.
      int mode = -1;
      Time at = kForever;
      for (int m = 0; m < c_.mode_count(v); ++m) {
        int ignored = -1;
        const Time t = fit(v, m, window_start(v, m), true);
        if (t <= window_end(v, m, &ignored) && t < at) {
          at = t;
          mode = m;
        }
      }
      if (mode >= 0 && evict_for(v, mode, at, scope, comp_in_scope)) {
        if (comp_[z(v)] >= 0 && !comp_in_scope[z(comp_[z(v)])]) {
          comp_in_scope[z(comp_[z(v)])] = 1;
          scope.insert(scope.end(), comp_nodes_[z(comp_[z(v)])].begin(), comp_nodes_[z(comp_[z(v)])].end());
        }
        if (!settle()) return false;
        int ignored = -1;
        if (!placed_[z(v)] && pending_[z(v)] == 0 && window_start(v, mode) <= at && at <= window_end(v, mode, &ignored) &&
            fit(v, mode, at, false) == at) {
          commit(v, mode, at, keys);
          if (violated_) {
            violated_ = false;
            if (!recompute(all_steps_)) return false;
            heap_.clear();
            rebuild_eligible(all_steps_, keys);
          }
        } else if (!placed_[z(v)]) {
          heap_.push_back({-keys[z(v)], v});
          std::push_heap(heap_.begin(), heap_.end());
        }
        continue;
      }
    }
    std::string where;
    if (!c_.modes[z(v)].empty()) where = devices[c_.modes[z(v)][z(need_mode)].device].id;
    else if (!c_.uses[z(v)].empty()) where = devices[c_.uses[z(v)][0].device].id;
    if (window_fixed || ++unschedulings > limit) {
      failed_step_ = v;
      // Proof: no device has room for v anywhere in the widest window any plan could give it.
      bool proven = true;
      for (int m = 0; m < c_.mode_count(v) && proven; ++m)
        proven = fit(v, m, fixed_es_[z(v)], true) > fixed_ls_[z(v)];
      if (proven) {
        std::vector<std::string> culprits{steps[z(v)].id};
        if (!where.empty()) culprits.push_back(where);
        fail("step '" + steps[z(v)].id + "' must start between " + std::to_string(fixed_es_[z(v)]) + " and " +
                 std::to_string(fixed_ls_[z(v)]) + " (its time lags to started steps, release or the current time)" +
                 ", but started steps and downtimes hold every device it can use" +
                 (where.empty() ? "" : " (e.g. '" + where + "')") + " throughout",
             culprits);
        failure_.proven = true;
        return false;
      }
      std::vector<std::string> culprits{steps[z(v)].id};
      if (!where.empty()) culprits.push_back(where);
      std::string with;
      if (binding_step >= 0 && binding_step != c_.origin) {
        culprits.push_back(steps[z(binding_step)].id);
        with = " and the window set by '" + steps[z(binding_step)].id + "'";
      }
      return fail("step '" + steps[z(v)].id + "' finds no room" + (where.empty() ? "" : " on '" + where + "'") +
                      " inside its time window (latest start " + std::to_string(need_b) +
                      ", first free time " + std::to_string(need_t) + "): resource conflict with its maximum lags" + with,
                  culprits);
    }
    // Delay the step that closes the window, and take out what its component placed after it.
    lb_[z(binding_step)] = start_[z(binding_step)] + (need_t - need_b);
    unschedule_from(binding_step, scope, comp_in_scope);
    if (!settle()) return false;
  }
  out.start.assign(start_.begin(), start_.begin() + c_.n);
  out.mode.assign(mode_.begin(), mode_.begin() + c_.n);
  out.unit.assign(unit_.begin(), unit_.begin() + c_.n);
  evaluate(c_, out);
  return true;
}

}  // namespace foundry::planner::detail
