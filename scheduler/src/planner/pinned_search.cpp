#include "planner/pinned_search.hpp"

#include "planner/temporal_network.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <utility>

namespace foundry::planner::detail {
namespace {

using std::size_t;

// One entry of a unit's sequence: a pinned step, or a period that started steps or downtimes
// hold (merged, so fixed entries never overlap).
struct Entry {
  int step = -1;  // -1: fixed
  Time from = 0, to = 0;
};

// A way to place the chosen step: position `pos` in unit `unit`'s sequence, with mode `mode`;
// `lo` is the earliest start it then has (for the value order).
struct Position {
  int unit = 0;
  int mode = 0;
  size_t pos = 0;
  Time lo = 0;
};

struct DynArc {
  int to = 0;
  Time weight = 0;
};

class PinnedSearch {
 public:
  PinnedSearch(const CompiledProblem& c, std::uint64_t work_limit) : c_(c), work_limit_(work_limit) {}

  PinnedPlacement run() {
    PinnedPlacement out;
    if (!setup()) return out;
    if (pinned_.empty()) return out;
    const bool ok = search();
    out.work = work_;
    out.decisions = decisions_;
    out.backtracks = backtracks_;
    if (!ok) {
      out.status = out_of_work_ ? PinnedPlacement::Status::kOutOfWork : PinnedPlacement::Status::kNone;
      return out;
    }
    out.status = PinnedPlacement::Status::kPlaced;
    for (int v : pinned_) {
      const auto s = static_cast<size_t>(v);
      Frozen f{es_[s], kNoDevice, 0};
      if (unit_of_[s] >= 0) {
        f.device = units_[static_cast<size_t>(unit_of_[s])].device;
        f.unit = units_[static_cast<size_t>(unit_of_[s])].unit;
      }
      out.steps.push_back(s);
      out.at.push_back(f);
    }
    return out;
  }

 private:
  struct Unit {
    size_t device = 0;
    int unit = 0;
    std::vector<Entry> seq;
  };
  enum Role : char { kFree, kFixed, kPinned };

  // Windows from the started steps alone; the pinned steps; each unit's fixed periods.
  bool setup() {
    const auto n = static_cast<size_t>(c_.n);
    const Problem& p = *c_.problem;
    role_.assign(n + 1, kFree);
    role_[n] = kFixed;  // the origin
    for (size_t v = 0; v < n; ++v) {
      if (p.steps[v].frozen) {
        role_[v] = kFixed;
        // A started step holding demands, or one whose device is unknown, holds units this
        // search does not track.
        if (!c_.uses[v].empty() || (!c_.modes[v].empty() && p.steps[v].frozen->device == kNoDevice)) return false;
      }
    }
    const Durations relaxed{&c_.dur_min, &c_.dur_max};
    if (earliest_starts(c_, relaxed, es_)) return false;
    ls_.assign(n + 1, kForever);
    ls_[n] = 0;
    // Latest starts: shortest paths backwards from the origin (Bellman-Ford with a queue).
    std::deque<int> queue{c_.origin};
    std::vector<char> queued(n + 1, 0);
    queued[n] = 1;
    std::uint64_t relaxations = 0;
    while (!queue.empty()) {
      const int w = queue.front();
      queue.pop_front();
      queued[static_cast<size_t>(w)] = 0;
      for (int k = c_.in_begin[static_cast<size_t>(w)]; k < c_.in_begin[static_cast<size_t>(w) + 1]; ++k) {
        const Arc& a = c_.arcs[static_cast<size_t>(c_.in_arcs[static_cast<size_t>(k)])];
        if (a.from == c_.origin) continue;
        const Time bound = ls_[static_cast<size_t>(w)] - arc_weight(a, relaxed);
        if (bound >= ls_[static_cast<size_t>(a.from)]) continue;
        ls_[static_cast<size_t>(a.from)] = bound;
        if (++relaxations > 64 * (c_.arcs.size() + n)) return false;  // cannot happen without a positive cycle
        if (!queued[static_cast<size_t>(a.from)]) {
          queued[static_cast<size_t>(a.from)] = 1;
          queue.push_back(a.from);
        }
      }
    }
    for (size_t v = 0; v < n; ++v) {
      if (es_[v] > ls_[v]) return false;
      if (role_[v] == kFree && ls_[v] < kForever) {
        if (!c_.uses[v].empty()) return false;
        role_[v] = kPinned;
        pinned_.push_back(static_cast<int>(v));
      }
    }
    if (pinned_.empty()) return true;

    // The units the pinned steps can use, each with the periods started steps and downtimes hold.
    Time horizon_from = kForever;
    for (int v : pinned_) horizon_from = std::min(horizon_from, es_[static_cast<size_t>(v)]);
    first_unit_.assign(p.devices.size(), -1);
    std::vector<int>& first_unit = first_unit_;
    for (int v : pinned_)
      for (const Mode& m : c_.modes[static_cast<size_t>(v)]) {
        if (first_unit[m.device] >= 0) continue;
        first_unit[m.device] = static_cast<int>(units_.size());
        for (int u = 0; u < p.devices[m.device].capacity; ++u) units_.push_back({m.device, u, {}});
      }
    auto hold = [&](size_t device, int unit, Time from, Time to) {
      if (first_unit[device] < 0 || to <= horizon_from || from >= to) return;
      if (unit < 0) {
        for (int u = 0; u < p.devices[device].capacity; ++u)
          units_[static_cast<size_t>(first_unit[device] + u)].seq.push_back({-1, from, to});
      } else if (unit < p.devices[device].capacity) {
        units_[static_cast<size_t>(first_unit[device] + unit)].seq.push_back({-1, from, to});
      }
    };
    for (size_t d = 0; d < p.devices.size(); ++d)
      for (const Downtime& t : p.devices[d].downtimes) hold(d, -1, t.from, t.to);
    for (size_t v = 0; v < n; ++v) {
      if (role_[v] != kFixed || c_.modes[v].empty()) continue;
      const Frozen& f = *p.steps[v].frozen;
      hold(f.device, f.unit, f.start, f.start + c_.modes[v][0].duration);
    }
    for (Unit& u : units_) {
      std::sort(u.seq.begin(), u.seq.end(), [](const Entry& a, const Entry& b) { return a.from < b.from; });
      std::vector<Entry> merged;
      for (const Entry& e : u.seq) {
        if (!merged.empty() && e.from <= merged.back().to) merged.back().to = std::max(merged.back().to, e.to);
        else merged.push_back(e);
      }
      u.seq = std::move(merged);
    }
    // Devices whose empty units are interchangeable share a class (see positions()).
    bool alternatives = false;
    for (int v : pinned_) alternatives = alternatives || !p.steps[static_cast<size_t>(v)].alternatives.empty();
    alike_.resize(p.devices.size());
    for (size_t d = 0; d < p.devices.size(); ++d) {
      alike_[d] = d;
      for (size_t e = 0; !alternatives && e < d; ++e)
        if (p.devices[e].type == p.devices[d].type) {
          alike_[d] = alike_[e];
          break;
        }
    }
    unit_of_.assign(n, -1);
    mode_of_.assign(n, -1);
    dyn_out_.assign(n + 1, {});
    dyn_in_.assign(n + 1, {});
    queued_.assign(n + 1, 0);
    return true;
  }

  bool placed(size_t v) const { return mode_of_[v] >= 0; }
  Time duration_of(size_t v, bool lo) const {
    if (role_[v] == kPinned && placed(v)) return c_.modes[v][static_cast<size_t>(mode_of_[v])].duration;
    return lo ? c_.dur_min[v] : c_.dur_max[v];
  }
  Time weight(const Arc& a) const {
    if (a.dur_of < 0) return a.weight;
    return a.weight + (a.dur_sign > 0 ? duration_of(static_cast<size_t>(a.dur_of), true)
                                      : -duration_of(static_cast<size_t>(a.dur_of), false));
  }

  // Trailed updates of the windows, undone on backtracking.
  void set_es(size_t v, Time t) {
    trail_.push_back({static_cast<int>(v), es_[v], ls_[v]});
    es_[v] = t;
  }
  void set_ls(size_t v, Time t) {
    trail_.push_back({static_cast<int>(v), es_[v], ls_[v]});
    ls_[v] = t;
  }

  void enqueue(int v) {
    if (!queued_[static_cast<size_t>(v)]) {
      queued_[static_cast<size_t>(v)] = 1;
      queue_.push_back(v);
    }
  }

  // Longest paths over the pinned steps (started steps and the origin stay where they are):
  // earliest starts forwards, latest starts backwards, from the steps queued. False when a
  // window empties.
  bool propagate() {
    bool ok = true;
    while (!queue_.empty()) {
      const int v = queue_.front();
      queue_.pop_front();
      const auto s = static_cast<size_t>(v);
      queued_[s] = 0;
      if (!ok) continue;
      auto forward = [&](int to, Time w) {
        const auto t = static_cast<size_t>(to);
        ++work_;
        if (role_[t] == kFree || es_[s] + w <= es_[t]) return true;
        if (es_[s] + w > ls_[t]) return false;
        set_es(t, es_[s] + w);
        enqueue(to);
        return true;
      };
      auto backward = [&](int from, Time w) {
        const auto f = static_cast<size_t>(from);
        ++work_;
        if (role_[f] == kFree || ls_[s] >= kForever || ls_[s] - w >= ls_[f]) return true;
        if (ls_[s] - w < es_[f]) return false;
        set_ls(f, ls_[s] - w);
        enqueue(from);
        return true;
      };
      for (int k = c_.out_begin[s]; ok && k < c_.out_begin[s + 1]; ++k) {
        const Arc& a = c_.arcs[static_cast<size_t>(c_.out_arcs[static_cast<size_t>(k)])];
        ok = forward(a.to, weight(a));
      }
      for (int k = c_.in_begin[s]; ok && k < c_.in_begin[s + 1]; ++k) {
        const Arc& a = c_.arcs[static_cast<size_t>(c_.in_arcs[static_cast<size_t>(k)])];
        ok = backward(a.from, weight(a));
      }
      for (size_t k = 0; ok && k < dyn_out_[s].size(); ++k) ok = forward(dyn_out_[s][k].to, dyn_out_[s][k].weight);
      for (size_t k = 0; ok && k < dyn_in_[s].size(); ++k) ok = backward(dyn_in_[s][k].to, dyn_in_[s][k].weight);
    }
    return ok;
  }

  // Where step v can go now: every unit of its modes, every position whose neighbours leave its
  // window open. Units with nothing in their sequence are alike for every step that can use
  // them (units of one device; devices of one type while no pinned step lists alternatives):
  // only the first of them per duration is tried.
  void positions(size_t v, std::vector<Position>& out) {
    out.clear();
    const auto& modes = c_.modes[v];
    empty_tried_.clear();
    for (size_t m = 0; m < modes.size(); ++m) {
      const Time dur = modes[m].duration;
      const int first = unit_index(modes[m].device);
      for (int u = first; u < first + c_.problem->devices[modes[m].device].capacity; ++u) {
        const std::vector<Entry>& seq = units_[static_cast<size_t>(u)].seq;
        if (seq.empty()) {
          const std::pair<size_t, Time> kind{alike_[modes[m].device], dur};
          if (std::find(empty_tried_.begin(), empty_tried_.end(), kind) != empty_tried_.end()) continue;
          empty_tried_.push_back(kind);
        }
        // The first entry that could follow v: skip those that end before v's window opens.
        size_t k = static_cast<size_t>(
            std::partition_point(seq.begin(), seq.end(), [&](const Entry& e) { return upper_end(e) <= es_[v]; }) -
            seq.begin());
        for (;; ++k) {
          ++work_;
          const Time lo = std::max(es_[v], k == 0 ? std::numeric_limits<Time>::min() / 4 : lower_end(seq[k - 1]));
          if (lo > ls_[v]) break;
          const Time hi = std::min(ls_[v], k == seq.size() ? kForever : upper_start(seq[k]) - dur);
          if (lo <= hi) out.push_back({u, static_cast<int>(m), k, lo});
          if (k == seq.size()) break;
        }
      }
    }
  }
  int unit_index(size_t device) const { return first_unit_[device]; }
  // Earliest end of an entry, and latest start / end.
  Time lower_end(const Entry& e) const {
    if (e.step < 0) return e.to;
    const auto s = static_cast<size_t>(e.step);
    return es_[s] + duration_of(s, true);
  }
  Time upper_start(const Entry& e) const { return e.step < 0 ? e.from : ls_[static_cast<size_t>(e.step)]; }
  Time upper_end(const Entry& e) const {
    if (e.step < 0) return e.to;
    const auto s = static_cast<size_t>(e.step);
    return ls_[s] >= kForever ? kForever : ls_[s] + duration_of(s, false);
  }

  // Puts v at `at`: it follows the entry before it and precedes the entry after it.
  bool insert(size_t v, const Position& at) {
    Unit& unit = units_[static_cast<size_t>(at.unit)];
    mode_of_[v] = at.mode;
    unit_of_[v] = at.unit;
    const Time dur = duration_of(v, true);
    const int vi = static_cast<int>(v);
    bool ok = true;
    if (at.pos > 0) {
      const Entry& before = unit.seq[at.pos - 1];
      if (before.step < 0) {
        if (before.to > es_[v]) set_es(v, before.to);
      } else {
        const auto b = static_cast<size_t>(before.step);
        const Time w = duration_of(b, true);
        dyn_out_[b].push_back({vi, w});
        dyn_in_[v].push_back({before.step, w});
        enqueue(before.step);
      }
    }
    if (at.pos < unit.seq.size()) {
      const Entry& after = unit.seq[at.pos];
      if (after.step < 0) {
        if (after.from - dur < ls_[v]) set_ls(v, after.from - dur);
      } else {
        const auto a = static_cast<size_t>(after.step);
        dyn_out_[v].push_back({after.step, dur});
        dyn_in_[a].push_back({vi, dur});
        enqueue(after.step);
      }
    }
    unit.seq.insert(unit.seq.begin() + static_cast<std::ptrdiff_t>(at.pos), Entry{vi, 0, 0});
    if (es_[v] > ls_[v]) ok = false;
    // v's duration is now fixed: its own arcs and every arc whose weight depends on it.
    enqueue(vi);
    for (int k = c_.in_begin[v]; k < c_.in_begin[v + 1]; ++k)
      enqueue(c_.arcs[static_cast<size_t>(c_.in_arcs[static_cast<size_t>(k)])].from);
    for (int k = c_.out_begin[v]; k < c_.out_begin[v + 1]; ++k)
      enqueue(c_.arcs[static_cast<size_t>(c_.out_arcs[static_cast<size_t>(k)])].to);
    if (!ok) {
      while (!queue_.empty()) {
        queued_[static_cast<size_t>(queue_.front())] = 0;
        queue_.pop_front();
      }
      return false;
    }
    return propagate();
  }

  void remove(size_t v, const Position& at) {
    Unit& unit = units_[static_cast<size_t>(at.unit)];
    unit.seq.erase(unit.seq.begin() + static_cast<std::ptrdiff_t>(at.pos));
    if (at.pos > 0 && unit.seq[at.pos - 1].step >= 0) {
      dyn_out_[static_cast<size_t>(unit.seq[at.pos - 1].step)].pop_back();
      dyn_in_[v].pop_back();
    }
    if (at.pos < unit.seq.size() && unit.seq[at.pos].step >= 0) {
      dyn_out_[v].pop_back();
      dyn_in_[static_cast<size_t>(unit.seq[at.pos].step)].pop_back();
    }
    mode_of_[v] = -1;
    unit_of_[v] = -1;
  }

  void undo(size_t mark) {
    while (trail_.size() > mark) {
      const Change& ch = trail_.back();
      es_[static_cast<size_t>(ch.v)] = ch.es;
      ls_[static_cast<size_t>(ch.v)] = ch.ls;
      trail_.pop_back();
    }
  }

  // The step to decide next: the fewest positions open (none: a dead end), then the earliest
  // latest start. Resource-free steps need no decision: propagation alone places them.
  int choose(std::vector<Position>& best) {
    int chosen = -1;
    std::vector<Position> cand;
    for (int v : pinned_) {
      const auto s = static_cast<size_t>(v);
      if (placed(s) || c_.modes[s].empty()) continue;
      positions(s, cand);
      if (chosen < 0 || cand.size() < best.size() ||
          (cand.size() == best.size() && ls_[s] < ls_[static_cast<size_t>(chosen)])) {
        chosen = v;
        best.swap(cand);
        if (best.empty()) break;
      }
    }
    return chosen;
  }

  bool search() {
    // The windows the started steps alone leave, narrowed by propagation before any decision.
    for (int v : pinned_) enqueue(v);
    if (!propagate()) return false;
    return dfs();
  }

  bool dfs() {
    if (work_ >= work_limit_) {
      out_of_work_ = true;
      return false;
    }
    std::vector<Position> options;
    const int v = choose(options);
    if (v < 0) return true;
    const auto s = static_cast<size_t>(v);
    std::stable_sort(options.begin(), options.end(), [](const Position& a, const Position& b) { return a.lo < b.lo; });
    for (const Position& at : options) {
      ++decisions_;
      const size_t mark = trail_.size();
      if (insert(s, at) && dfs()) return true;
      remove(s, at);
      undo(mark);
      if (out_of_work_) return false;
      ++backtracks_;
    }
    return false;
  }

  struct Change {
    int v = 0;
    Time es = 0, ls = 0;
  };

  const CompiledProblem& c_;
  std::uint64_t work_limit_;
  std::uint64_t work_ = 0, decisions_ = 0, backtracks_ = 0;
  bool out_of_work_ = false;
  std::vector<char> role_;
  std::vector<int> pinned_;
  std::vector<Time> es_, ls_;
  std::vector<Unit> units_;      // device by device
  std::vector<int> first_unit_;  // per device: its unit 0 in units_ (-1: no pinned step can use it)
  std::vector<size_t> alike_;     // per device: the first device whose empty units are alike
  std::vector<std::pair<size_t, Time>> empty_tried_;
  std::vector<int> unit_of_, mode_of_;
  // Sequence arcs start(b) >= start(a) + weight: dyn_out_[a] holds {b, weight}, dyn_in_[b] holds {a, weight}.
  std::vector<std::vector<DynArc>> dyn_out_, dyn_in_;
  std::deque<int> queue_;
  std::vector<char> queued_;
  std::vector<Change> trail_;
};

}  // namespace

PinnedPlacement place_pinned_steps(const CompiledProblem& c, std::uint64_t work_limit) {
  return PinnedSearch(c, work_limit).run();
}

}  // namespace foundry::planner::detail
