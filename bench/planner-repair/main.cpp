// foundry-bench-repair: how fast the planner repairs a large plan after delay events.
//
// A lab workload of about --steps pending steps over 60 devices (12 types x 5, some with 24 or 8
// units) is planned once; then, --events times, the clock moves on, the step running with the
// latest start overruns by 10-60 min, and repair() is timed. Each repaired plan must pass the
// independent verifier, keep every started step's start, device and unit and start nothing in
// the past; it then becomes the plan in force for the next event. An overrun can make a later
// window impossible (every device the step can use is held by started steps throughout it);
// such events are counted apart when the planner proves it ("no plan exists"), and events with
// neither a plan nor a proof as unresolved. --compare also times the full pass alone.
// --improve S runs improve() for S seconds after each repair, as the engine does in the background
// (the result is in force 2 S + 0.5 s later: steps starting before then stay), checks its plan like
// a repair's and puts it in force; it reports how much the objective fell.
//
//   foundry-bench-repair [--steps N] [--events N] [--seed N | --seeds LIST] [--initial-work N] [--compare]
//                        [--explain MS] [--improve S]
#include <foundry/planner/planner.hpp>

#include "planner/shift_repair.hpp"
#include "problem_generator.hpp"
#include "schedule_verifier.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace foundry::planner;

// Steps that had started by `now` in `before` must keep start, device and unit in `after`; the
// others must start at `now` or later. Returns the first breach, empty when none.
std::string started_steps_breach(const Problem& problem, const Schedule& before, const Schedule& after, Time now) {
  for (std::size_t s = 0; s < problem.steps.size(); ++s) {
    const Assignment& b = before.assignments[s];
    const Assignment& a = after.assignments[s];
    if (b.start < now) {
      if (a.start != b.start || a.device != b.device || a.unit != b.unit)
        return "started step '" + problem.steps[s].id + "' moved";
    } else if (a.start < now) {
      return "step '" + problem.steps[s].id + "' starts in the past";
    }
  }
  return {};
}

struct Latencies {
  std::vector<double> repaired, all;
  std::vector<std::pair<double, int>> by_event;  // (ms, event), to name the slowest
  int proven = 0, unresolved = 0, broken = 0;

  void report(const char* name) const {
    std::printf("%s: repaired %zu, proven infeasible %d, unresolved %d, invalid plans %d\n", name, repaired.size(),
                proven, unresolved, broken);
    print("  latency, repaired events", repaired);
    print("  latency, all events     ", all);
    std::vector<std::pair<double, int>> slowest = by_event;
    std::sort(slowest.rbegin(), slowest.rend());
    std::printf("  slowest events:");
    for (std::size_t k = 0; k < std::min<std::size_t>(3, slowest.size()); ++k)
      std::printf(" #%d %.2f ms", slowest[k].second, slowest[k].first);
    std::printf("\n");
  }
  // Nearest-rank percentile: p99 of 100 values is the 99th smallest.
  static double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
  }
  static void print(const char* what, const std::vector<double>& v) {
    if (v.empty()) return;
    std::printf("%s (%3zu): p50 %7.2f  p95 %7.2f  p99 %7.2f  max %7.2f ms\n", what, v.size(), percentile(v, 0.5),
                percentile(v, 0.95), percentile(v, 0.99), percentile(v, 1.0));
  }
};

// One bench run (one workload, one event sequence) per seed.
struct BenchSettings {
  int steps = 5800, events = 100;  // about 700 steps start during 100 events: >= 5,000 stay pending
  std::uint64_t initial_work = 5'000'000;
  bool compare = false;
  double explain_ms = -1;  // < 0: off
  double improve_s = 0;    // > 0: improve() for this long after each repair
};

// What improve() made of the repaired plans: the objective's change per event, in % of the
// repaired plan's (0 when it found nothing better).
struct Improvements {
  std::vector<double> change_pct, ms;
  int improved = 0, broken = 0;

  double mean() const {
    double sum = 0;
    for (double c : change_pct) sum += c;
    return change_pct.empty() ? 0 : sum / static_cast<double>(change_pct.size());
  }
  double best() const { return change_pct.empty() ? 0 : *std::min_element(change_pct.begin(), change_pct.end()); }
  void report() const {
    if (change_pct.empty()) return;
    std::printf("improve(): %zu repaired plans, %d improved, invalid %d; objective change mean %.4f %%, best %.4f %%\n",
                change_pct.size(), improved, broken, mean(), best());
  }
};

// What one seed gave, for the table over seeds.
struct SeedSummary {
  std::uint64_t seed = 0;
  std::size_t min_pending = 0;
  Latencies local, full;
  Improvements improvements;
};

std::optional<SeedSummary> run_seed(const BenchSettings& settings, std::uint64_t seed) {
  const int steps = settings.steps, events = settings.events;
  const std::uint64_t initial_work = settings.initial_work;
  const bool compare = settings.compare;
  const double explain_ms = settings.explain_ms;
  Problem problem = foundry::testing::generate_large_lab(steps, seed);
  // A work budget, not a time limit, so that every run repairs the same plan.
  PlanOptions initial;
  initial.work_limit = initial_work;
  PlanResult first = plan(problem, initial);
  if (!first.schedule) {
    std::fprintf(stderr, "seed %llu: initial plan failed: %s\n", static_cast<unsigned long long>(seed),
                 first.infeasibility->reason.c_str());
    return std::nullopt;
  }
  std::printf("seed %llu workload: %zu steps, %zu devices, %zu jobs; initial plan %.3f s (work %llu), makespan %lld s\n",
              static_cast<unsigned long long>(seed), problem.steps.size(), problem.devices.size(), problem.jobs.size(),
              first.seconds_total,
              static_cast<unsigned long long>(first.work_done), static_cast<long long>(first.schedule->makespan));
  Schedule current = *first.schedule;
  std::mt19937_64 rng(seed + 1);
  Time now = 0;
  std::size_t min_pending = problem.steps.size();
  Latencies local, full;
  Improvements improvements;

  // What the local repair did on a slow or unanswered event (run again, with its statistics).
  auto explain = [&](const Problem& after, int e, double ms) {
    foundry::planner::detail::ShiftRepairStats st;
    const auto t0 = std::chrono::steady_clock::now();
    const bool local_plan = foundry::planner::detail::shift_repair(after, problem, current, now,
                                                                  Objective::kWeightedCompletion, &st).has_value();
    const double local_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("event %d: %.2f ms; local repair %.2f ms, %s%s%s; moved %llu, visits %llu, packings %llu "
                "(packed %llu, %llu gap searches), postponed %llu, rivals re-placed together %llu\n",
                e, ms, local_ms, local_plan ? "planned" : st.proven ? "proven infeasible" : "gave up",
                *st.gave_up ? ": " : "", st.gave_up, static_cast<unsigned long long>(st.moved),
                static_cast<unsigned long long>(st.visits), static_cast<unsigned long long>(st.packings),
                static_cast<unsigned long long>(st.packed), static_cast<unsigned long long>(st.packing_work),
                static_cast<unsigned long long>(st.postponed), static_cast<unsigned long long>(st.rivals_together));
  };

  // Times one repair and sorts its outcome; the plan, when it is a valid one.
  auto run = [&](const Problem& after, const PlanOptions& o, Latencies& into, int e,
                 const char* name) -> std::optional<Schedule> {
    const auto t0 = std::chrono::steady_clock::now();
    PlanResult r = repair(after, problem, current, now, o);
    const auto t1 = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    into.all.push_back(ms);
    into.by_event.push_back({ms, e});
    if (explain_ms >= 0 && o.local_repair && (ms >= explain_ms || !r.schedule)) explain(after, e, ms);
    if (!r.schedule) {
      const bool proven = r.infeasibility->reason.rfind("no plan exists", 0) == 0;
      (proven ? into.proven : into.unresolved)++;
      std::printf("event %d (%s): %s: %s\n", e, name, proven ? "proven infeasible" : "unresolved",
                  r.infeasibility->reason.c_str());
      return std::nullopt;
    }
    const auto violations = foundry::testing::verify_schedule(after, *r.schedule);
    const std::string breach = started_steps_breach(after, current, *r.schedule, now);
    if (!violations.empty() || !breach.empty()) {
      ++into.broken;
      std::printf("event %d (%s): repaired plan is invalid: %s\n%s\n", e, name, breach.c_str(),
                  foundry::testing::describe_violations(violations).c_str());
      return std::nullopt;
    }
    into.repaired.push_back(ms);
    return r.schedule;
  };

  for (int e = 0; e < events; ++e) {
    // The clock moves on by 1-11 min to a moment when a step is running; the running step that
    // started last overruns by 10-60 min (and is known to: its new duration is frozen in).
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
    if (compare) {
      PlanOptions f = o;
      f.local_repair = false;
      run(after, f, full, e, "full pass");
    }
    std::optional<Schedule> repaired = run(after, o, local, e, "repair");
    if (!repaired) continue;  // the event is dropped; the plan in force stays
    problem = std::move(after);
    current = std::move(*repaired);
    if (settings.improve_s > 0) {
      PlanOptions io;
      io.time_limit_s = settings.improve_s;
      const Time in_force = now + static_cast<Time>(std::ceil(2 * settings.improve_s + 0.5));
      const auto t0 = std::chrono::steady_clock::now();
      PlanResult better = improve(problem, current, in_force, io);
      improvements.ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      double change = 0;
      if (better.schedule) {
        const auto violations = foundry::testing::verify_schedule(problem, *better.schedule);
        const std::string breach = started_steps_breach(problem, current, *better.schedule, in_force);
        if (!violations.empty() || !breach.empty()) {
          ++improvements.broken;
          std::printf("event %d (improve): improved plan is invalid: %s\n%s\n", e, breach.c_str(),
                      foundry::testing::describe_violations(violations).c_str());
        } else {
          ++improvements.improved;
          change = 100.0 * (better.schedule->objective_value - current.objective_value) / current.objective_value;
          current = std::move(*better.schedule);
        }
      }
      improvements.change_pct.push_back(change);
    }
  }
  std::printf("seed %llu events: %d, pending steps >= %zu\n", static_cast<unsigned long long>(seed), events,
              min_pending);
  local.report("repair()");
  if (compare) full.report("full pass only (local_repair = false), same events");
  improvements.report();
  return SeedSummary{seed, min_pending, std::move(local), std::move(full), std::move(improvements)};
}

// Seeds as a comma-separated list and ranges: "1-5", "1,3,7".
std::vector<std::uint64_t> parse_seeds(const char* text) {
  std::vector<std::uint64_t> seeds;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const std::uint64_t from = std::strtoull(p, &end, 10);
    std::uint64_t to = from;
    if (end == p) return {};
    if (*end == '-') {
      p = end + 1;
      to = std::strtoull(p, &end, 10);
      if (end == p || to < from || to - from > 1000) return {};
    }
    for (std::uint64_t s = from; s <= to; ++s) seeds.push_back(s);
    if (*end == ',') ++end;
    else if (*end) return {};
    p = end;
  }
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  BenchSettings settings;
  std::vector<std::uint64_t> seeds{1};
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--compare")) settings.compare = true;
    else if (!std::strcmp(argv[i], "--steps") && has_value) settings.steps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--events") && has_value) settings.events = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && has_value) seeds = {std::strtoull(argv[++i], nullptr, 10)};
    else if (!std::strcmp(argv[i], "--seeds") && has_value) seeds = parse_seeds(argv[++i]);
    else if (!std::strcmp(argv[i], "--explain") && has_value) settings.explain_ms = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--improve") && has_value) settings.improve_s = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--initial-work") && has_value) settings.initial_work = std::strtoull(argv[++i], nullptr, 10);
    else {
      seeds.clear();
      break;
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr,
                 "usage: foundry-bench-repair [--steps N] [--events N] [--seed N | --seeds 1-5] [--initial-work N]\n"
                 "                            [--compare] [--explain MS] [--improve S]\n"
                 "  --seeds    several workloads and event sequences in one run, then a table over them\n"
                 "  --compare  also time the full repair pass (the local repair switched off) on every event\n"
                 "  --explain  print the local repair's statistics for events slower than MS or unanswered\n"
                 "  --improve  after each repair, improve() for S seconds and put a better plan in force\n");
    return 2;
  }
  std::vector<SeedSummary> summaries;
  bool ok = true;
  for (std::uint64_t seed : seeds) {
    std::optional<SeedSummary> s = run_seed(settings, seed);
    if (!s) return 1;
    ok = ok && s->local.unresolved == 0 && s->local.broken == 0 && s->improvements.broken == 0;
    summaries.push_back(std::move(*s));
  }
  std::printf("\ntarget: 5,000 pending steps over 60 devices, p99 <= 50 ms over all events\n");
  std::printf("| seed | pending >= | repaired | proven infeasible | unresolved | invalid | p50 ms | p99 ms | max ms |\n");
  std::printf("|-----:|-----------:|---------:|------------------:|-----------:|--------:|-------:|-------:|-------:|\n");
  for (const SeedSummary& s : summaries) {
    const Latencies& l = s.local;
    std::printf("| %4llu | %10zu | %8zu | %17d | %10d | %7d | %6.1f | %6.1f | %6.1f |\n",
                static_cast<unsigned long long>(s.seed), s.min_pending, l.repaired.size(), l.proven, l.unresolved,
                l.broken, Latencies::percentile(l.all, 0.5), Latencies::percentile(l.all, 0.99),
                Latencies::percentile(l.all, 1.0));
  }
  if (settings.improve_s > 0) {
    std::printf("\nimprove() for %.2f s after each repair (weighted completion; change in %% of the repaired plan's)\n",
                settings.improve_s);
    std::printf("| seed | repaired | improved | invalid | mean change %% | best change %% |\n");
    std::printf("|-----:|---------:|---------:|--------:|--------------:|--------------:|\n");
    for (const SeedSummary& s : summaries) {
      const Improvements& m = s.improvements;
      std::printf("| %4llu | %8zu | %8d | %7d | %13.4f | %13.4f |\n", static_cast<unsigned long long>(s.seed),
                  m.change_pct.size(), m.improved, m.broken, m.mean(), m.best());
    }
  }
  return ok ? 0 : 1;
}
