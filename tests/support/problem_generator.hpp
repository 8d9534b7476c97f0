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

}  // namespace foundry::testing
