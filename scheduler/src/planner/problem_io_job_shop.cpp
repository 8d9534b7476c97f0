// Job shop (OR-Library format, 0-based machines) and flexible job shop (Brandimarte / FJSPLIB
// format, 1-based machines) into a Problem. Jobs are chains: each operation starts no earlier
// than the end of the one before it (min lag 0 from the end, no max lag).
#include "problem_io_text.hpp"

#include <foundry/planner/problem_io.hpp>

#include <algorithm>
#include <limits>

namespace foundry::planner {

namespace {

using detail::kMaxReadTime;
using detail::TokenReader;

constexpr std::int64_t kMaxCount = 1'000'000;

std::string step_id(std::size_t job, std::size_t operation) {
  return "j" + std::to_string(job) + ".o" + std::to_string(operation);
}

// Devices m<first> .. m<first + count - 1>, one unit each, each its own type.
void add_machines(Problem& problem, std::int64_t first, std::int64_t count) {
  for (std::int64_t k = first; k < first + count; ++k) {
    std::string id = "m" + std::to_string(k);
    Device device;
    device.id = id;
    device.type = id;
    problem.devices.push_back(std::move(device));
  }
}

// Appends a step to job `job`, after the job's previous step (if any).
Step& add_chained_step(Problem& problem, std::size_t job) {
  Job& owner = problem.jobs[job];
  Step step;
  step.id = step_id(job, owner.steps.size());
  step.job = job;
  if (!owner.steps.empty()) step.after.push_back({owner.steps.back(), LagFrom::kEnd, 0, {}});
  owner.steps.push_back(problem.steps.size());
  problem.steps.push_back(std::move(step));
  return problem.steps.back();
}

void add_jobs(Problem& problem, std::int64_t count) {
  for (std::int64_t j = 0; j < count; ++j) {
    Job job;
    job.id = "j" + std::to_string(j);
    problem.jobs.push_back(std::move(job));
  }
}

}  // namespace

Problem read_job_shop(std::string_view text, const std::string& origin) {
  TokenReader in(text, origin);
  Problem problem;
  problem.name = detail::stem_of(origin);
  std::int64_t jobs = in.next_int("the number of jobs", 1, kMaxCount);
  std::int64_t machines = in.next_int("the number of machines", 1, kMaxCount);
  add_machines(problem, 0, machines);
  add_jobs(problem, jobs);
  for (std::int64_t j = 0; j < jobs; ++j) {
    for (std::int64_t o = 0; o < machines; ++o) {
      auto where = [j, o] { return "job " + std::to_string(j) + " operation " + std::to_string(o); };
      auto machine = static_cast<std::size_t>(
          in.next_int([&] { return "the machine (0-based) of " + where(); }, 0, machines - 1));
      Time duration = in.next_int([&] { return "the processing time of " + where(); }, 0, kMaxReadTime);
      Step& step = add_chained_step(problem, static_cast<std::size_t>(j));
      // A zero-length operation holds its machine for no time: it is read as a step holding no
      // resource (orb07 has one), which is exactly equivalent and keeps durations >= 1 on devices.
      if (duration > 0) step.type = problem.devices[machine].type;
      step.duration = duration;
    }
  }
  if (!in.at_end())
    in.fail(in.line(), "unexpected text after the last job: '" + std::string(in.peek().text) + "'");
  return problem;
}

Problem read_flexible_job_shop(std::string_view text, const std::string& origin) {
  TokenReader in(text, origin);
  Problem problem;
  problem.name = detail::stem_of(origin);
  std::int64_t jobs = in.next_int("the number of jobs", 1, kMaxCount);
  std::int64_t machines = in.next_int("the number of machines", 1, kMaxCount);
  in.skip_number("the average number of machines per operation");
  // The header's machine count is an upper bound (mk06 says 15, uses 1-10): every machine it
  // announces becomes a device, used or not.
  add_machines(problem, 1, machines);
  add_jobs(problem, jobs);
  for (std::int64_t j = 0; j < jobs; ++j) {
    auto job_name = [j] { return "job " + std::to_string(j); };
    std::int64_t operations = in.next_int([&] { return "the number of operations of " + job_name(); }, 1, kMaxCount);
    for (std::int64_t o = 0; o < operations; ++o) {
      auto where = [&job_name, o] { return job_name() + " operation " + std::to_string(o); };
      int line = in.line();
      std::int64_t choices = in.next_int([&] { return "the number of machines of " + where(); }, 1, machines);
      std::vector<Alternative> alternatives;
      bool zero_length = false;
      for (std::int64_t c = 0; c < choices; ++c) {
        auto machine = static_cast<std::size_t>(
            in.next_int([&] { return "a machine (1-based) of " + where(); }, 1, machines) - 1);
        Time duration = in.next_int(
            [&] { return "the processing time of " + where() + " on machine m" + std::to_string(machine + 1); }, 0,
            kMaxReadTime);
        if (std::any_of(alternatives.begin(), alternatives.end(),
                        [&](const Alternative& a) { return a.device == machine; }))
          in.fail(line, where() + " lists machine m" + std::to_string(machine + 1) + " twice");
        if (duration == 0) zero_length = true;
        alternatives.push_back({machine, duration});
      }
      Step& step = add_chained_step(problem, static_cast<std::size_t>(j));
      if (zero_length) {
        // A zero-length choice dominates every other and holds nothing: a resource-free step.
        step.duration = 0;
        continue;
      }
      step.duration = std::min_element(alternatives.begin(), alternatives.end(),
                                       [](const Alternative& a, const Alternative& b) {
                                         return a.duration < b.duration;
                                       })->duration;
      step.alternatives = std::move(alternatives);
    }
  }
  if (!in.at_end())
    in.fail(in.line(), "unexpected text after the last job: '" + std::string(in.peek().text) + "'");
  return problem;
}

}  // namespace foundry::planner
