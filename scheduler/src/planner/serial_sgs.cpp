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
}

Time SerialSgs::weight(const Arc& a) const {
  const Durations d{&dur_lo_, &dur_hi_};
  return arc_weight(a, d);
}

bool SerialSgs::fail(std::string reason, std::vector<std::string> culprits) {
  failure_ = {std::move(reason), std::move(culprits)};
  return false;
}

Time SerialSgs::fit(int v, int mode, Time from) const {
  const auto& modes = c_.modes[z(v)];
  if (!modes.empty()) {
    const Mode& m = modes[z(mode)];
    return profiles_[m.device].earliest_fit(from, m.duration, 1);
  }
  const Time dur = c_.demand_duration[z(v)];
  const auto& uses = c_.uses[z(v)];
  Time t = from;
  for (bool moved = true; moved && t < kForever;) {
    moved = false;
    for (const Use& u : uses) {
      const Time f = profiles_[u.device].earliest_fit(t, dur, u.amount);
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

bool SerialSgs::place_frozen() {
  for (int v = 0; v < c_.n; ++v) {
    const auto& step = c_.problem->steps[z(v)];
    if (!step.frozen) continue;
    int mode = 0;
    if (!c_.modes[z(v)].empty() && step.frozen->device == kNoDevice) mode = 0;
    const Time t = step.frozen->start;
    const Time dur = c_.duration(v, mode);
    placed_[z(v)] = 1;
    ++placed_count_;
    start_[z(v)] = t;
    mode_[z(v)] = mode;
    dur_lo_[z(v)] = dur_hi_[z(v)] = dur;
    if (!c_.modes[z(v)].empty())
      profiles_[c_.modes[z(v)][z(mode)].device].add(t, t + dur, 1);
    else
      for (const Use& u : c_.uses[z(v)]) profiles_[u.device].add(t, t + dur, u.amount);
  }
  return true;
}

void SerialSgs::unschedule(int v) {
  if (!placed_[z(v)]) return;
  placed_[z(v)] = 0;
  --placed_count_;
  const Time t = start_[z(v)];
  const Time dur = c_.duration(v, mode_[z(v)]);
  if (!c_.modes[z(v)].empty())
    profiles_[c_.modes[z(v)][z(mode_[z(v)])].device].add(t, t + dur, -1);
  else
    for (const Use& u : c_.uses[z(v)]) profiles_[u.device].add(t, t + dur, -u.amount);
  dur_lo_[z(v)] = c_.dur_min[z(v)];
  dur_hi_[z(v)] = c_.dur_max[z(v)];
}

bool SerialSgs::recompute() {
  const int nodes = c_.n + 1;
  const auto origin = z(c_.origin);
  for (int round = 0; round <= nodes; ++round) {
    // Earliest starts: placed steps are fixed; a path that would push one later is a violation.
    std::vector<int> violations;
    std::vector<int> updates(z(nodes), 0);
    std::deque<int> queue;
    std::vector<char> queued(z(nodes), 1);
    for (int v = 0; v < nodes; ++v) {
      es_[z(v)] = placed_[z(v)] ? start_[z(v)] : lb_[z(v)];
      queue.push_back(v);
    }
    es_[origin] = 0;
    while (!queue.empty()) {
      const int u = queue.front();
      queue.pop_front();
      queued[z(u)] = 0;
      ++work_;
      for (int k = c_.out_begin[z(u)]; k < c_.out_begin[z(u) + 1]; ++k) {
        const Arc& a = c_.arcs[z(c_.out_arcs[z(k)])];
        const Time cand = es_[z(u)] + weight(a);
        const auto w = z(a.to);
        if (placed_[w] || a.to == c_.origin) {
          if (cand > es_[w]) violations.push_back(a.to);
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
          return fail("frozen steps and time lags contradict each other at '" +
                          (v == c_.origin ? std::string("the origin") : c_.problem->steps[z(v)].id) + "'",
                      {});
        }
        if (placed_[z(v)]) {
          unschedule(v);
          progress = true;
        }
      }
      if (progress) continue;
    }
    // Latest starts, from the placed steps backwards.
    std::fill(ls_.begin(), ls_.end(), kForever);
    std::fill(ls_parent_.begin(), ls_parent_.end(), -1);
    for (int v = 0; v < nodes; ++v)
      if (placed_[z(v)]) {
        ls_[z(v)] = start_[z(v)];
        queue.push_back(v);
        queued[z(v)] = 1;
      }
    ls_[origin] = 0;
    queue.push_back(c_.origin);
    queued[origin] = 1;
    std::fill(updates.begin(), updates.end(), 0);
    while (!queue.empty()) {
      const int x = queue.front();
      queue.pop_front();
      queued[z(x)] = 0;
      ++work_;
      for (int k = c_.in_begin[z(x)]; k < c_.in_begin[z(x) + 1]; ++k) {
        const int ai = c_.in_arcs[z(k)];
        const Arc& a = c_.arcs[z(ai)];
        const auto u = z(a.from);
        if (placed_[u] || a.from == c_.origin) continue;
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

void SerialSgs::rebuild_eligible(const std::vector<double>& keys) {
  heap_.clear();
  std::fill(pending_.begin(), pending_.end(), 0);
  for (size_t i = 0; i < c_.arcs.size(); ++i)
    if (forward_[i] && !placed_[z(c_.arcs[i].from)]) ++pending_[z(c_.arcs[i].to)];
  for (int v = 0; v < c_.n; ++v)
    if (!placed_[z(v)] && pending_[z(v)] == 0) heap_.push_back({-keys[z(v)], v});
  std::make_heap(heap_.begin(), heap_.end());
}

void SerialSgs::commit(int v, int mode, Time t, const std::vector<double>& keys) {
  const Time dur = c_.duration(v, mode);
  placed_[z(v)] = 1;
  ++placed_count_;
  start_[z(v)] = t;
  mode_[z(v)] = mode;
  dur_lo_[z(v)] = dur_hi_[z(v)] = dur;
  if (!c_.modes[z(v)].empty())
    profiles_[c_.modes[z(v)][z(mode)].device].add(t, t + dur, 1);
  else
    for (const Use& u : c_.uses[z(v)]) profiles_[u.device].add(t, t + dur, u.amount);
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
  for (auto& p : profiles_) p.reset();
  for (size_t d = 0; d < profiles_.size(); ++d)
    for (const Downtime& down : c_.problem->devices[d].downtimes)
      profiles_[d].add(down.from, down.to, profiles_[d].capacity());
  std::fill(placed_.begin(), placed_.end(), 0);
  std::fill(lb_.begin(), lb_.end(), 0);
  dur_lo_ = c_.dur_min;
  dur_hi_ = c_.dur_max;
  dur_lo_.push_back(0);
  dur_hi_.push_back(0);
  placed_count_ = 0;
  violated_ = false;
  place_frozen();
  if (!recompute()) return false;
  rebuild_eligible(keys);
  const int limit = 2 * c_.n + 20;
  int unschedulings = 0;
  const auto& steps = c_.problem->steps;
  const auto& devices = c_.problem->devices;

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
      const Time t = fit(v, m, a);
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
        if (!recompute()) return false;
        rebuild_eligible(keys);
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
    std::string where;
    if (!c_.modes[z(v)].empty()) where = devices[c_.modes[z(v)][z(need_mode)].device].id;
    else if (!c_.uses[z(v)].empty()) where = devices[c_.uses[z(v)][0].device].id;
    if (binding_step < 0 || binding_step == c_.origin || steps[z(binding_step)].frozen ||
        ++unschedulings > limit) {
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
    const Time old = start_[z(binding_step)];
    lb_[z(binding_step)] = old + (need_t - need_b);
    for (int u = 0; u < c_.n; ++u)
      if (placed_[z(u)] && !steps[z(u)].frozen && start_[z(u)] >= old) unschedule(u);
    if (!recompute()) return false;
    rebuild_eligible(keys);
  }
  out.start.assign(start_.begin(), start_.begin() + c_.n);
  out.mode.assign(mode_.begin(), mode_.begin() + c_.n);
  evaluate(c_, out);
  return true;
}

}  // namespace foundry::planner::detail
