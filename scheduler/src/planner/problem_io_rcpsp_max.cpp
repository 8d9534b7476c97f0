// RCPSP/max (ProGen/max .sch) into a Problem.
//
//   n K 0 0                                      real activities, renewable resources
//   i 1 s succ_1 .. succ_s [lag_1] .. [lag_s]    n+2 lines, activities 0 .. n+1
//   i 1 d r_1 .. r_K                             n+2 lines: duration, resource use
//   cap_1 .. cap_K
//
// Every arc i -> j with lag L means start(j) >= start(i) + L (start to start). A negative lag on
// j -> i is a maximum lag: start(j) <= start(i) + |L|. Where the file also has a forward arc
// i -> j, the two become one Lag on j with min and max; otherwise the negative arc stays a Lag
// with a negative min_lag (see planner::Lag). Activities 0 and n+1 are resource-free dummies of
// duration 0; the makespan is the start of n+1, which the arcs place after every end.
#include "problem_io_text.hpp"

#include <foundry/planner/problem_io.hpp>

#include <map>
#include <utility>

namespace foundry::planner {

namespace {

using detail::kMaxReadTime;
using detail::TokenReader;

constexpr std::int64_t kMaxActivities = 1'000'000;
constexpr std::int64_t kMaxResources = 10'000;
constexpr std::int64_t kMaxAmount = 1'000'000'000;

struct Arc {
  Time lag = 0;
  int line = 0;
};

}  // namespace

Problem read_rcpsp_max(std::string_view text, const std::string& origin) {
  TokenReader in(text, origin);
  Problem problem;
  problem.name = detail::stem_of(origin);
  std::int64_t real = in.next_int("the number of activities", 0, kMaxActivities);
  std::int64_t resources = in.next_int("the number of resources", 0, kMaxResources);
  in.next_int("the third header field", 0, kMaxActivities);
  in.next_int("the fourth header field", 0, kMaxActivities);
  const auto count = static_cast<std::size_t>(real + 2);

  Job project;
  project.id = "project";
  problem.jobs.push_back(std::move(project));
  for (std::size_t i = 0; i < count; ++i) {
    Step step;
    step.id = "a" + std::to_string(i);
    step.duration = 0;
    problem.steps.push_back(std::move(step));
    problem.jobs[0].steps.push_back(i);
  }

  // arcs[{from, to}] = lag; read all first, merged into Lags below.
  std::map<std::pair<std::size_t, std::size_t>, Arc> arcs;
  for (std::size_t expected = 0; expected < count; ++expected) {
    int line = in.line();
    auto i = static_cast<std::size_t>(in.next_int("the activity number", 0, real + 1));
    if (i != expected)
      in.fail(line, "activity " + std::to_string(expected) + " expected here, found " +
                        std::to_string(i) + " (activities must be listed in order)");
    auto who = [i] { return "activity " + std::to_string(i); };
    in.next_int([&] { return "the number of modes of " + who() + " (only single-mode files are supported)"; }, 1, 1);
    auto successors = in.next_int([&] { return "the number of successors of " + who(); }, 0, real + 1);
    std::vector<std::size_t> to;
    for (std::int64_t s = 0; s < successors; ++s) {
      auto j = static_cast<std::size_t>(in.next_int([&] { return "a successor of " + who(); }, 0, real + 1));
      if (j == i) in.fail(line, who() + " lists itself as a successor");
      to.push_back(j);
    }
    for (std::size_t j : to) {
      Time lag = in.next_bracketed_int([&] { return "the lag from " + who() + " to activity " + std::to_string(j); },
                                       -kMaxReadTime, kMaxReadTime);
      auto [it, added] = arcs.try_emplace({i, j}, Arc{lag, line});
      if (!added) in.fail(line, who() + " lists successor " + std::to_string(j) + " twice");
    }
  }

  for (std::int64_t k = 1; k <= resources; ++k) {
    std::string id = "r" + std::to_string(k);
    Device device;
    device.id = id;
    device.type = id;
    problem.devices.push_back(std::move(device));  // capacity read at the end of the file
  }
  for (std::size_t expected = 0; expected < count; ++expected) {
    int line = in.line();
    auto i = static_cast<std::size_t>(in.next_int("the activity number", 0, real + 1));
    if (i != expected)
      in.fail(line, "activity " + std::to_string(expected) + " expected here, found " +
                        std::to_string(i) + " (activities must be listed in order)");
    auto who = [i] { return "activity " + std::to_string(i); };
    in.next_int([&] { return "the mode of " + who(); }, 1, 1);
    Step& step = problem.steps[i];
    step.duration = in.next_int([&] { return "the duration of " + who(); }, 0, kMaxReadTime);
    for (std::int64_t k = 0; k < resources; ++k) {
      auto amount = in.next_int(
          [&] { return "the use of resource r" + std::to_string(k + 1) + " by " + who(); }, 0, kMaxAmount);
      if (amount > 0)
        step.demands.push_back({static_cast<std::size_t>(k), static_cast<int>(amount)});
    }
  }
  for (std::int64_t k = 0; k < resources; ++k)
    problem.devices[static_cast<std::size_t>(k)].capacity = static_cast<int>(
        in.next_int([k] { return "the capacity of resource r" + std::to_string(k + 1); }, 1, kMaxAmount));
  if (!in.at_end())
    in.fail(in.line(), "unexpected text after the resource capacities: '" +
                           std::string(in.peek().text) + "'");

  // Forward arcs (lag >= 0) become Lags on their target; a negative arc j -> i joins the
  // forward arc i -> j as its max lag when both exist and agree (max >= min).
  std::map<std::pair<std::size_t, std::size_t>, Lag> lags;  // {step, pred} -> Lag, sorted
  for (const auto& [ends, arc] : arcs)
    if (arc.lag >= 0) lags[{ends.second, ends.first}] = Lag{ends.first, LagFrom::kStart, arc.lag, {}};
  for (const auto& [ends, arc] : arcs) {
    if (arc.lag >= 0) continue;
    auto [j, i] = ends;  // start(j) <= start(i) + |lag|
    auto forward = lags.find({j, i});
    if (forward != lags.end() && !forward->second.max_lag && forward->second.min_lag <= -arc.lag) {
      forward->second.max_lag = -arc.lag;
    } else {
      lags[{i, j}] = Lag{j, LagFrom::kStart, arc.lag, {}};
    }
  }
  for (const auto& [key, lag] : lags) problem.steps[key.first].after.push_back(lag);
  return problem;
}

}  // namespace foundry::planner
