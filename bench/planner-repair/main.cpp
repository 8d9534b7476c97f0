// foundry-bench-repair: how fast the planner repairs a large plan after delay events.
//
// A lab workload of about --steps pending steps over 60 devices (12 types x 5, some with 24 or 8
// units) is planned once; then, --events times, the clock moves on, the step running with the
// latest start overruns by 10-60 min, and repair() is timed. Each repaired plan must pass the
// independent verifier and becomes the plan in force for the next event. An overrun can make a
// later window impossible (every device the step can use is held by started steps throughout
// it); such events are counted apart when the planner proves it ("no plan exists").
//
//   foundry-bench-repair [--steps N] [--events N] [--seed N]
#include <foundry/planner/planner.hpp>

#include "schedule_verifier.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace foundry::planner;

// Jobs are chains of 4-12 steps; each step starts 0-30 min after its predecessor ends, and
// one in four steps is a sample pinned 1-4 h into a long cultivation ("from start").
Problem make_workload(int steps, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto between = [&](Time lo, Time hi) { return lo + static_cast<Time>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); };
  Problem p;
  p.name = "repair-bench";
  const char* types[12] = {"liquid_handler", "thermocycler", "incubator", "colony_picker", "bioreactor_250ml",
                           "plate_reader", "centrifuge", "sealer", "shaker", "hotel", "imager", "dispenser"};
  for (int t = 0; t < 12; ++t)
    for (int k = 0; k < 5; ++k) {
      const int capacity = t == 4 ? 24 : t == 2 ? 8 : 1;
      p.devices.push_back({std::string(types[t]) + "-" + std::to_string(k), types[t], capacity, {}});
    }
  while (static_cast<int>(p.steps.size()) < steps) {
    const std::size_t j = p.jobs.size();
    Job job{"job" + std::to_string(j), static_cast<int>(between(1, 5)), between(0, 48 * 3600), std::nullopt, {}};
    const int length = static_cast<int>(between(4, 12));
    std::size_t cultivation = 0;
    bool cultivating = false;
    for (int k = 0; k < length; ++k) {
      Step s;
      s.id = job.id + "/s" + std::to_string(k);
      s.job = j;
      const std::size_t index = p.steps.size();
      if (cultivating && between(0, 3) == 0) {
        s.type = "plate_reader";
        s.duration = between(5, 15) * 60;
        const Time at = between(1, 4) * 3600;
        s.after.push_back({cultivation, LagFrom::kStart, at, at + 900});
      } else {
        const int t = static_cast<int>(between(0, 11));
        s.type = types[t];
        s.duration = t == 4 ? between(12, 24) * 3600 : between(2, 40) * 60;
        if (k > 0) s.after.push_back({index - 1, LagFrom::kEnd, 0, between(0, 30) * 60});
        if (t == 4) {
          cultivation = index;
          cultivating = true;
        }
      }
      job.steps.push_back(index);
      p.steps.push_back(s);
    }
    p.jobs.push_back(job);
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 5000, events = 100;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: foundry-bench-repair [--steps N] [--events N] [--seed N]\n");
      return 2;
    }
  }
  Problem problem = make_workload(steps, seed);
  PlanOptions initial;
  initial.time_limit_s = 2;
  PlanResult first = plan(problem, initial);
  if (!first.schedule) {
    std::fprintf(stderr, "initial plan failed: %s\n", first.infeasibility->reason.c_str());
    return 1;
  }
  std::printf("workload: %zu steps, %zu devices, %zu jobs; initial plan %.3f s (first after %.3f s), makespan %lld s\n",
              problem.steps.size(), problem.devices.size(), problem.jobs.size(), first.seconds_total,
              first.seconds_to_first, static_cast<long long>(first.schedule->makespan));
  Schedule current = *first.schedule;
  std::mt19937_64 rng(seed + 1);
  std::vector<double> millis;
  Time now = 0;
  int failures = 0, proven = 0;
  std::vector<double> ok_millis;
  std::size_t min_pending = problem.steps.size();
  for (int e = 0; e < events; ++e) {
    // The clock moves to a moment when a step is running; that step overruns.
    now += 60 + static_cast<Time>(rng() % 600);
    const Assignment* late = nullptr;
    while (!late) {
      for (const Assignment& a : current.assignments)
        if (a.start <= now && a.end > now && (!late || a.start > late->start)) late = &a;
      if (!late) now += 60;
    }
    Problem after = problem;
    Step& s = after.steps[late->step];
    s.duration = (late->end - late->start) + 600 + static_cast<Time>(rng() % 3000);
    s.frozen = Frozen{late->start, late->device, late->unit};
    std::size_t pending = 0;
    for (const Assignment& a : current.assignments) pending += a.start >= now;
    min_pending = std::min(min_pending, pending);

    PlanOptions o;
    o.time_limit_s = 0;  // repair only; improvement would continue in the background
    const auto t0 = std::chrono::steady_clock::now();
    PlanResult r = repair(after, problem, current, now, o);
    const auto t1 = std::chrono::steady_clock::now();
    millis.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (!r.schedule && r.infeasibility->reason.rfind("no plan exists", 0) == 0) {
      ++proven;
      std::printf("event %d: proven infeasible: %s\n", e, r.infeasibility->reason.c_str());
      continue;
    }
    if (!r.schedule) {
      ++failures;
      std::printf("event %d: repair failed: %s\n", e, r.infeasibility->reason.c_str());
      continue;
    }
    const auto violations = foundry::testing::verify_schedule(after, *r.schedule);
    if (!violations.empty()) {
      ++failures;
      std::printf("event %d: repaired plan breaks constraints:\n%s\n", e,
                  foundry::testing::describe_violations(violations).c_str());
      continue;
    }
    ok_millis.push_back(millis.back());
    problem = std::move(after);
    current = *r.schedule;
  }
  auto report = [](const char* what, std::vector<double> v) {
    if (v.empty()) return;
    std::sort(v.begin(), v.end());
    auto pct = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
    std::printf("%s (%zu): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms\n", what, v.size(), pct(0.5), pct(0.9), pct(0.99),
                v.back());
  };
  std::printf("events: %zu, pending steps >= %zu, repaired %zu, proven infeasible %d, no repair found %d\n",
              millis.size(), min_pending, ok_millis.size(), proven, failures);
  report("repair latency, repaired events", ok_millis);
  report("repair latency, all events     ", millis);
  std::printf("(target: p99 <= 50 ms)\n");
  return failures == 0 ? 0 : 1;
}
