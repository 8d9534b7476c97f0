#include "protocol/lag_feasibility.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

namespace foundry::protocol_detail {

namespace {

// start(to) >= start(from) + weight. A min lag of `step` after `pred` gives pred -> step with
// weight min (+ pred's duration when measured from its end); a max lag gives step -> pred with
// weight -(max (+ duration)).
struct Arc {
  std::size_t from = 0;
  std::size_t to = 0;
  std::int64_t weight = 0;
  std::size_t step = 0;  // the dependent step and which of its dependencies made this arc
  std::size_t dependency = 0;
  bool is_max = false;
  bool removed = false;
};

constexpr std::size_t kNoArc = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxReports = 10;

// A cycle among the arcs that last improved each node (the "parent" graph), or nothing. Such a
// cycle always has positive weight, so checking after each round finds a conflict in about as
// many rounds as it has steps, instead of |V| rounds.
std::vector<std::size_t> parent_cycle(const std::vector<std::size_t>& via, const std::vector<Arc>& arcs) {
  std::vector<std::size_t> walk_of(via.size(), kNoArc);
  for (std::size_t start = 0; start < via.size(); ++start) {
    std::size_t node = start;
    while (walk_of[node] == kNoArc && via[node] != kNoArc) {
      walk_of[node] = start;
      node = arcs[via[node]].from;
    }
    if (walk_of[node] != start || via[node] == kNoArc) continue;
    std::vector<std::size_t> cycle;  // `node` is on a cycle of this walk
    std::size_t at = node;
    do {
      cycle.push_back(via[at]);
      at = arcs[via[at]].from;
    } while (at != node);
    std::reverse(cycle.begin(), cycle.end());
    return cycle;
  }
  return {};
}

// Longest-path Bellman-Ford from a virtual source joined to every step with weight 0. Returns
// the arcs of one positive cycle in order, or nothing if none exists.
std::vector<std::size_t> find_positive_cycle(std::size_t nodes, const std::vector<Arc>& arcs) {
  std::vector<std::int64_t> distance(nodes, 0);
  std::vector<std::size_t> via(nodes, kNoArc);
  for (std::size_t round = 0; round <= nodes; ++round) {
    bool changed = false;
    for (std::size_t a = 0; a < arcs.size(); ++a) {
      const Arc& arc = arcs[a];
      if (arc.removed) continue;
      if (distance[arc.from] + arc.weight > distance[arc.to]) {
        distance[arc.to] = distance[arc.from] + arc.weight;
        via[arc.to] = a;
        changed = true;
      }
    }
    if (!changed) return {};
    if (auto cycle = parent_cycle(via, arcs); !cycle.empty()) return cycle;
  }
  return {};  // not reached: after |V| improving rounds the parent graph has a cycle
}

std::string quoted(const std::string& id) { return "'" + id + "'"; }

std::string seconds(std::int64_t s) { return std::to_string(s) + " s"; }

std::string describe_min_arc(const RunSpec& run, const Arc& arc) {
  const StepSpec& step = run.steps[arc.step];
  const Dependency& dep = step.after[arc.dependency];
  const StepSpec& pred = run.steps[arc.from];
  if (dep.from == Anchor::kStart)
    return quoted(step.id) + " starts at least " + seconds(dep.min_lag_s) + " after " + quoted(pred.id) + " starts";
  return quoted(step.id) + " starts at least " + seconds(dep.min_lag_s) + " after " + quoted(pred.id) + " ends (" +
         quoted(pred.id) + " takes " + seconds(pred.duration_s) + ")";
}

std::string describe_max_arc(const RunSpec& run, const Arc& arc) {
  const StepSpec& step = run.steps[arc.step];
  const Dependency& dep = step.after[arc.dependency];
  const StepSpec& pred = run.steps[arc.to];
  return quoted(step.id) + " must start within " + seconds(*dep.max_lag_s) + " of " + quoted(pred.id) +
         (dep.from == Anchor::kStart ? " start" : " end");
}

std::string explain(const RunSpec& run, const std::vector<Arc>& arcs, const std::vector<std::size_t>& cycle) {
  std::int64_t excess = 0;
  std::vector<std::size_t> max_arcs;
  for (std::size_t a : cycle) {
    excess += arcs[a].weight;
    if (arcs[a].is_max) max_arcs.push_back(a);
  }
  std::string chain;
  for (std::size_t a : cycle)
    if (!arcs[a].is_max) chain += (chain.empty() ? "" : "; ") + describe_min_arc(run, arcs[a]);

  if (max_arcs.size() == 1) {
    const Arc& max_arc = arcs[max_arcs.front()];
    const Dependency& dep = run.steps[max_arc.step].after[max_arc.dependency];
    std::int64_t need = excess + *dep.max_lag_s;
    return "lags cannot be kept: " + describe_max_arc(run, max_arc) + ", but its predecessors need at least " +
           seconds(need) + " (" + chain + ")";
  }
  std::string maxima;
  for (std::size_t a : max_arcs) maxima += (maxima.empty() ? "" : "; ") + describe_max_arc(run, arcs[a]);
  return "lags cannot be kept together: " + maxima + "; but " + chain + " -- " + seconds(excess) +
         " more than the windows allow";
}

}  // namespace

void check_lag_feasibility(const RunSpec& run, const std::vector<std::vector<std::string>>& dependency_pointers,
                           DiagnosticSink& sink) {
  std::map<std::string, std::size_t> index;
  for (std::size_t s = 0; s < run.steps.size(); ++s) index.emplace(run.steps[s].id, s);

  std::vector<Arc> arcs;
  for (std::size_t s = 0; s < run.steps.size(); ++s) {
    const auto& step = run.steps[s];
    for (std::size_t d = 0; d < step.after.size(); ++d) {
      const Dependency& dep = step.after[d];
      auto it = index.find(dep.step);
      if (it == index.end()) continue;  // reported elsewhere
      std::size_t pred = it->second;
      std::int64_t offset = dep.from == Anchor::kEnd ? run.steps[pred].duration_s : 0;
      arcs.push_back({pred, s, dep.min_lag_s + offset, s, d, false, false});
      if (dep.max_lag_s) arcs.push_back({s, pred, -(*dep.max_lag_s + offset), s, d, true, false});
    }
  }

  for (std::size_t reports = 0; reports < kMaxReports; ++reports) {
    auto cycle = find_positive_cycle(run.steps.size(), arcs);
    if (cycle.empty()) return;
    // Start the cycle at its max lag written first in the run, so reports do not depend on
    // the order the search happened to find the cycle in.
    auto first = std::min_element(cycle.begin(), cycle.end(), [&](std::size_t x, std::size_t y) {
      const Arc& a = arcs[x];
      const Arc& b = arcs[y];
      return std::make_tuple(!a.is_max, a.step, a.dependency) < std::make_tuple(!b.is_max, b.step, b.dependency);
    });
    std::rotate(cycle.begin(), first, cycle.end());
    const Arc* first_max = arcs[cycle.front()].is_max ? &arcs[cycle.front()] : nullptr;
    std::string pointer = first_max ? dependency_pointers[first_max->step][first_max->dependency] : std::string();
    sink.add(first_max ? pointer_append(pointer, "max_lag") : pointer, explain(run, arcs, cycle));
    // Set the conflict aside to look for others.
    for (std::size_t a : cycle)
      if (arcs[a].is_max) arcs[a].removed = true;
    if (first_max == nullptr) return;  // only min lags: a dependency cycle, reported at load
  }
}

}  // namespace foundry::protocol_detail
