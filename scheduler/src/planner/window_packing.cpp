#include "planner/window_packing.hpp"

#include <algorithm>
#include <limits>

namespace foundry::planner::detail {
namespace {

using std::size_t;
constexpr size_t kNone = std::numeric_limits<size_t>::max();
constexpr Time kEarliest = std::numeric_limits<Time>::min() / 4;

// Depth-first search in chronological order: each decision puts one task at the earliest gap on
// one unit that is no earlier than the previous decision's start. Any feasible packing, taken in
// order of start times, is reached that way with every start at or before its own (by induction,
// the tasks placed before end no later), so without lags the search misses none.
class Packer {
 public:
  Packer(const PackingProblem& p, std::uint64_t work_limit) : p_(p), work_limit_(work_limit) {
    const size_t n = p.tasks.size();
    busy_ = p.busy;
    for (auto& line : busy_)
      std::sort(line.begin(), line.end(), [](const Busy& a, const Busy& b) { return a.from < b.from; });
    option_.assign(n, kNone);
    start_.assign(n, 0);
    succ_.assign(n, {});
    for (size_t i = 0; i < n; ++i)
      for (size_t l = 0; l < p.tasks[i].after.size(); ++l) succ_[p.tasks[i].after[l].pred].push_back({i, l});
    // Units every task sees alike (same duration and window, or unusable) are interchangeable
    // while they are also held alike: only the first of them is tried.
    unit_class_.assign(busy_.size(), 0);
    std::vector<std::vector<const PackingOption*>> seen(busy_.size(), std::vector<const PackingOption*>(n, nullptr));
    for (size_t i = 0; i < n; ++i)
      for (const PackingOption& o : p.tasks[i].options) seen[o.unit][i] = &o;
    auto same = [](const PackingOption* a, const PackingOption* b) {
      return a == b || (a && b && a->duration == b->duration && a->earliest == b->earliest && a->latest == b->latest);
    };
    for (size_t u = 0; u < busy_.size(); ++u) {
      unit_class_[u] = u;
      for (size_t v = 0; v < u; ++v) {
        bool alike = true;
        for (size_t i = 0; alike && i < n; ++i) alike = same(seen[u][i], seen[v][i]);
        if (alike) {
          unit_class_[u] = unit_class_[v];
          break;
        }
      }
    }
  }

  Packing run() {
    Packing out;
    const bool packed = search(0, kEarliest);
    out.work = work_;
    if (packed) {
      out.status = Packing::Status::kPacked;
      out.option = option_;
      out.start = start_;
    } else {
      out.status = out_of_work_ ? Packing::Status::kOutOfWork : Packing::Status::kNone;
    }
    return out;
  }

 private:
  struct Choice {
    size_t task = 0, option = 0;
    Time start = 0, latest = 0;
  };
  struct Succ {
    size_t task = 0, lag = 0;
  };

  const PackingOption& chosen(size_t i) const { return p_.tasks[i].options[option_[i]]; }
  Time ref(size_t i, bool from_end) const { return start_[i] + (from_end ? chosen(i).duration : 0); }

  // Earliest t >= from with [t, t + duration) clear on the unit.
  Time gap(size_t unit, Time from, Time duration) {
    ++work_;
    for (const Busy& b : busy_[unit]) {
      if (b.to <= from) continue;
      if (b.from >= from + duration) break;
      from = b.to;
    }
    return from;
  }

  // The window the placed lag neighbours leave task i when run with option o.
  void window(size_t i, const PackingOption& o, Time& lo, Time& hi) const {
    lo = o.earliest;
    hi = o.latest;
    for (const PackingLag& lag : p_.tasks[i].after) {
      if (option_[lag.pred] == kNone) continue;
      const Time r = ref(lag.pred, lag.from_end);
      lo = std::max(lo, r + lag.min_lag);
      if (lag.max_lag) hi = std::min(hi, r + *lag.max_lag);
    }
    for (const Succ& s : succ_[i]) {
      if (option_[s.task] == kNone) continue;
      const PackingLag& lag = p_.tasks[s.task].after[s.lag];
      const Time own = lag.from_end ? o.duration : 0;
      hi = std::min(hi, start_[s.task] - lag.min_lag - own);
      if (lag.max_lag) lo = std::max(lo, start_[s.task] - *lag.max_lag - own);
    }
  }

  // Whether two units are held alike after `from` (so a task fits on both alike from then on).
  bool held_alike(size_t u, size_t v, Time from) const {
    auto a = busy_[u].begin(), b = busy_[v].begin();
    const auto a_end = busy_[u].end(), b_end = busy_[v].end();
    for (;;) {
      while (a != a_end && a->to <= from) ++a;
      while (b != b_end && b->to <= from) ++b;
      if (a == a_end || b == b_end) return a == a_end && b == b_end;
      if (a->from != b->from || a->to != b->to) return false;
      ++a;
      ++b;
    }
  }

  bool search(size_t placed, Time not_before) {
    if (placed == p_.tasks.size()) return true;
    if (work_ >= work_limit_) {
      out_of_work_ = true;
      return false;
    }
    std::vector<Choice> choices;
    for (size_t i = 0; i < p_.tasks.size(); ++i) {
      if (option_[i] != kNone) continue;
      bool any = false;
      const auto& options = p_.tasks[i].options;
      for (size_t k = 0; k < options.size(); ++k) {
        Time lo = 0, hi = 0;
        window(i, options[k], lo, hi);
        lo = std::max(lo, not_before);
        if (lo > hi) continue;
        const Time t = gap(options[k].unit, lo, options[k].duration);
        if (t > hi) continue;
        any = true;
        bool twin = false;
        for (const Choice& c : choices)
          if (c.task == i && c.start == t && unit_class_[options[c.option].unit] == unit_class_[options[k].unit] &&
              held_alike(options[c.option].unit, options[k].unit, not_before)) {
            twin = true;
            break;
          }
        if (!twin) choices.push_back({i, k, t, hi});
      }
      if (!any) return false;  // a task no longer fits anywhere: later decisions only take room
    }
    std::sort(choices.begin(), choices.end(), [](const Choice& a, const Choice& b) {
      return a.start != b.start ? a.start < b.start : a.latest != b.latest ? a.latest < b.latest : a.task < b.task;
    });
    for (const Choice& c : choices) {
      const PackingOption& o = p_.tasks[c.task].options[c.option];
      auto& line = busy_[o.unit];
      const Busy held{c.start, c.start + o.duration};
      auto at = std::upper_bound(line.begin(), line.end(), held, [](const Busy& a, const Busy& b) { return a.from < b.from; });
      const auto index = at - line.begin();
      line.insert(at, held);
      option_[c.task] = c.option;
      start_[c.task] = c.start;
      if (search(placed + 1, c.start)) return true;
      option_[c.task] = kNone;
      line.erase(line.begin() + index);
      if (out_of_work_) return false;
    }
    return false;
  }

  const PackingProblem& p_;
  std::uint64_t work_limit_;
  std::uint64_t work_ = 0;
  bool out_of_work_ = false;
  std::vector<std::vector<Busy>> busy_;
  std::vector<size_t> option_;
  std::vector<Time> start_;
  std::vector<std::vector<Succ>> succ_;
  std::vector<size_t> unit_class_;
};

}  // namespace

Packing pack_windows(const PackingProblem& problem, std::uint64_t work_limit) {
  return Packer(problem, work_limit).run();
}

}  // namespace foundry::planner::detail
