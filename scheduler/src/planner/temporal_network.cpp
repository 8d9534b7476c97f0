#include "planner/temporal_network.hpp"

#include <algorithm>
#include <deque>

namespace foundry::planner::detail {
namespace {
constexpr Time kUnreached = -kForever;
}

std::optional<PositiveCycle> earliest_starts(const CompiledProblem& c, const Durations& d, std::vector<Time>& es) {
  // FIFO label correcting (Bellman-Ford-Moore). A node whose best path has more arcs than there
  // are nodes lies on (or behind) a positive cycle.
  const int nodes = c.n + 1;
  es.assign(static_cast<std::size_t>(nodes), kUnreached);
  std::vector<int> parent(static_cast<std::size_t>(nodes), -1);  // arc index
  std::vector<int> length(static_cast<std::size_t>(nodes), 0);
  std::vector<char> queued(static_cast<std::size_t>(nodes), 0);
  std::deque<int> queue;
  es[static_cast<std::size_t>(c.origin)] = 0;
  queue.push_back(c.origin);
  queued[static_cast<std::size_t>(c.origin)] = 1;
  while (!queue.empty()) {
    const int u = queue.front();
    queue.pop_front();
    queued[static_cast<std::size_t>(u)] = 0;
    for (int k = c.out_begin[static_cast<std::size_t>(u)]; k < c.out_begin[static_cast<std::size_t>(u) + 1]; ++k) {
      const int ai = c.out_arcs[static_cast<std::size_t>(k)];
      const Arc& a = c.arcs[static_cast<std::size_t>(ai)];
      const Time cand = es[static_cast<std::size_t>(u)] + arc_weight(a, d);
      const auto v = static_cast<std::size_t>(a.to);
      if (cand <= es[v]) continue;
      es[v] = cand;
      parent[v] = ai;
      length[v] = length[static_cast<std::size_t>(u)] + 1;
      if (length[v] > nodes) {
        // Walk back `nodes` arcs to be sure to stand on the cycle, then collect it.
        int x = a.to;
        for (int i = 0; i < nodes; ++i) x = c.arcs[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])].from;
        PositiveCycle cycle;
        int y = x;
        do {
          const int pa = parent[static_cast<std::size_t>(y)];
          cycle.arcs.push_back(pa);
          cycle.length += arc_weight(c.arcs[static_cast<std::size_t>(pa)], d);
          y = c.arcs[static_cast<std::size_t>(pa)].from;
        } while (y != x);
        std::reverse(cycle.arcs.begin(), cycle.arcs.end());
        return cycle;
      }
      if (!queued[v]) {
        queued[v] = 1;
        queue.push_back(a.to);
      }
    }
  }
  return std::nullopt;
}

std::vector<Time> tails(const CompiledProblem& c, const Durations& d) {
  const auto n = static_cast<std::size_t>(c.n);
  std::vector<Time> tail(n);
  std::vector<char> queued(n, 1);
  std::deque<int> queue;
  for (std::size_t s = 0; s < n; ++s) {
    tail[s] = (*d.lo)[s];
    queue.push_back(static_cast<int>(s));
  }
  std::vector<int> relaxed(n, 0);
  while (!queue.empty()) {
    const int v = queue.front();
    queue.pop_front();
    queued[static_cast<std::size_t>(v)] = 0;
    for (int k = c.in_begin[static_cast<std::size_t>(v)]; k < c.in_begin[static_cast<std::size_t>(v) + 1]; ++k) {
      const Arc& a = c.arcs[static_cast<std::size_t>(c.in_arcs[static_cast<std::size_t>(k)])];
      if (a.from == c.origin) continue;
      const auto u = static_cast<std::size_t>(a.from);
      const Time cand = tail[static_cast<std::size_t>(v)] + arc_weight(a, d);
      if (cand <= tail[u]) continue;
      // Guard against positive cycles (callers check first; stay finite anyway).
      if (++relaxed[u] > c.n + 1) continue;
      tail[u] = cand;
      if (!queued[u]) {
        queued[u] = 1;
        queue.push_back(a.from);
      }
    }
  }
  return tail;
}

std::string explain(const CompiledProblem& c, const PositiveCycle& cycle) {
  std::string text = "the time lags contradict each other: ";
  bool first = true;
  for (int ai : cycle.arcs) {
    const Arc& a = c.arcs[static_cast<std::size_t>(ai)];
    if (a.origin == ArcOrigin::kMinLag && a.weight == 0 && a.dur_of < 0 && a.from == c.origin) continue;
    text += (first ? "" : "; ") + c.describe(a);
    first = false;
  }
  text += " (together they need " + std::to_string(cycle.length) + " s more than they allow)";
  return text;
}

std::vector<std::string> culprits(const CompiledProblem& c, const PositiveCycle& cycle) {
  std::vector<std::string> ids;
  for (int ai : cycle.arcs) {
    const Arc& a = c.arcs[static_cast<std::size_t>(ai)];
    for (int node : {a.from, a.to})
      if (node != c.origin) {
        const std::string& id = c.problem->steps[static_cast<std::size_t>(node)].id;
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
      }
  }
  return ids;
}

}  // namespace foundry::planner::detail
