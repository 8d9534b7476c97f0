// Random lab planning problems, for testing the planner against the independent verifier.
// The same seed and options always give the same problem (own random helpers, no
// implementation-defined std:: distributions).
#pragma once

#include <foundry/planner/problem.hpp>

#include <cstdint>

namespace foundry::testing {

struct LabProblemOptions {
  int min_jobs = 4;
  int max_jobs = 10;
  bool demands = false;    // add plate transfers holding a robot arm and a hotel slot at once
  bool downtimes = false;  // add a maintenance window on one liquid handler
  int max_devices_per_type = 3;  // 1 = a crowded lab: every job competes for the same devices
};

// A lab workload: DNA builds (liquid handler -> thermocycler -> liquid handler -> incubator
// (12 slots) -> colony picker) and cultivations (inoculation -> 24-vessel bioreactor array, with
// samples pinned inside the cultivation "from start" and each sample read on a plate reader
// within minutes). Consecutive steps must start within 5-30 min of the predecessor's end; jobs
// have releases, priorities and some deadlines; each device type has one to three devices.
// Every generated problem is feasible in principle (jobs can always be staggered), though a
// planner may still need some search to find a plan.
planner::Problem generate_lab_problem(std::uint64_t seed, const LabProblemOptions& options = {});

// A large lab workload, as the repair bench (bench/planner-repair) plans and repairs it: 60
// devices (12 types x 5; bioreactor arrays with 24 vessels, incubators with 8 slots), jobs of
// 4-12 steps each starting 0-30 min after its predecessor ends, released over
// `release_spread`, and one in four steps after a cultivation a plate-reader sample pinned
// 1-4 h into it ("from start", a 15 min window). Steps are added job by job until there are at
// least `steps`. Mersenne Twister (fully specified by the standard), so a seed is the same
// workload everywhere and the bench's figures stay comparable.
planner::Problem generate_large_lab(int steps, std::uint64_t seed, planner::Time release_spread = 48 * 3600);

}  // namespace foundry::testing
