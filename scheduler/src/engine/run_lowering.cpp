#include <foundry/engine/run_lowering.hpp>
#include <foundry/model/diagnostic.hpp>

#include <unordered_map>

namespace foundry::engine {

planner::Problem lower_runs(const std::vector<RunSpec>& runs, const Workcell& workcell) {
  planner::Problem problem;
  problem.name = runs.size() == 1 ? runs.front().run_id : std::to_string(runs.size()) + " runs";
  for (const auto& d : workcell.devices) {
    planner::Device device;
    device.id = d.id;
    device.type = d.type;
    device.capacity = d.capacity;
    problem.devices.push_back(std::move(device));
  }

  std::vector<Diagnostic> problems;
  for (const auto& run : runs) {
    planner::Job job;
    job.id = run.run_id;
    job.priority = run.priority;
    job.release = run.release_s;
    job.deadline = run.deadline_s;
    std::size_t job_index = problem.jobs.size();
    std::unordered_map<std::string, std::size_t> index;  // step id within the run -> problem index
    const std::size_t first = problem.steps.size();
    for (std::size_t k = 0; k < run.steps.size(); ++k) index[run.steps[k].id] = first + k;
    for (std::size_t k = 0; k < run.steps.size(); ++k) {
      const auto& spec = run.steps[k];
      planner::Step step;
      step.id = run.run_id + "/" + spec.id;
      step.type = spec.device_type;
      step.duration = spec.duration_s;
      step.job = job_index;
      if (!workcell.has_type(spec.device_type))
        problems.push_back({run.run_id + "/" + spec.id, "no device of type '" + spec.device_type + "' in the workcell"});
      for (const auto& dep : spec.after) {
        auto it = index.find(dep.step);
        if (it == index.end()) {
          problems.push_back({run.run_id + "/" + spec.id, "depends on unknown step '" + dep.step + "'"});
          continue;
        }
        planner::Lag lag;
        lag.pred = it->second;
        lag.from = dep.from == Anchor::kStart ? planner::LagFrom::kStart : planner::LagFrom::kEnd;
        lag.min_lag = dep.min_lag_s;
        lag.max_lag = dep.max_lag_s;
        step.after.push_back(lag);
      }
      job.steps.push_back(problem.steps.size());
      problem.steps.push_back(std::move(step));
    }
    problem.jobs.push_back(std::move(job));
  }
  if (!problems.empty()) throw InputError(problems);
  return problem;
}

}  // namespace foundry::engine
