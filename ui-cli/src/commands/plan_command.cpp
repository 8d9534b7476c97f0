// foundry plan PROBLEM [--time-limit S] [--seed N] [--objective weighted-completion|makespan]
//                      [--out FILE] [--svg FILE] [--threads N]
// Reads a planning problem (neutral JSON, or a job shop / flexible job shop / RCPSP/max benchmark
// file), plans it and writes the schedule JSON to --out, or to stdout. The human summary goes to
// stdout when the schedule goes to a file, else to stderr, so stdout stays pure JSON.
#include "commands.hpp"
#include "commands/plan_preview.hpp"
#include "commands/plan_progress.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/planner.hpp>
#include <foundry/planner/problem_io.hpp>
#include <foundry/planner/schedule_io.hpp>
#include <foundry/report/gantt.hpp>
#include <foundry/report/plan_timeline.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

namespace foundry::cli {

namespace {

struct PlanCommandOptions {
  std::string problem;
  double time_limit_s = 1.0;
  std::uint64_t seed = 1;
  std::string objective;  // empty: makespan for benchmark files, weighted completion for JSON
  std::string out;
  std::string svg;
  int threads = 1;
  PlanPreviewOptions preview;  // foundry plan --preview PROTOCOL (plan_preview.hpp)
};

void write_file(const std::string& path, const std::string& content, const char* what) {
  std::ofstream file(path, std::ios::binary);
  file << content;
  file.close();
  if (!file) throw CliExit(kExitFailure, fmt::format("{}: cannot write the {}", path, what));
}

// Jobs that end after their (soft) deadline: "id (+N s)".
std::vector<std::string> missed_deadlines(const planner::Problem& problem, const planner::Schedule& schedule) {
  std::vector<std::string> missed;
  for (const auto& job : problem.jobs) {
    if (!job.deadline) continue;
    planner::Time end = 0;
    for (std::size_t s : job.steps) end = std::max(end, schedule.assignments.at(s).end);
    if (end > *job.deadline) missed.push_back(fmt::format("{} (+{} s)", job.id, end - *job.deadline));
  }
  return missed;
}

void print_summary(std::ostream& out, const planner::Problem& problem, const planner::PlanResult& result) {
  const planner::Schedule& schedule = *result.schedule;
  out << fmt::format("{}: {} steps, {} jobs, {} devices\n", problem.name, problem.steps.size(), problem.jobs.size(),
                     problem.devices.size());
  out << fmt::format("makespan {} s", schedule.makespan);
  if (result.lower_bound > 0) out << fmt::format(" (lower bound {} s)", result.lower_bound);
  out << fmt::format("; {} {:.6g}\n", schedule.objective, schedule.objective_value);
  out << fmt::format("first plan after {:.3f} s, search ended after {:.3f} s\n", result.seconds_to_first,
                     result.seconds_total);
  auto missed = missed_deadlines(problem, schedule);
  if (!missed.empty()) {
    out << fmt::format("deadlines missed: {}:", missed.size());
    for (const auto& m : missed) out << " " << m;
    out << "\n";
  }
}

void plan_problem(const PlanCommandOptions& options) {
  planner::Problem problem;
  try {
    problem = planner::read_problem_file(options.problem);
  } catch (const InputError& e) {
    std::string text = format_diagnostics(e.diagnostics());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    throw CliExit(kExitBadInput, text);
  }

  planner::PlanOptions plan_options;
  plan_options.time_limit_s = options.time_limit_s;
  plan_options.seed = options.seed;
  plan_options.threads = options.threads;
  // Benchmark files (job shop, flexible job shop, RCPSP/max) are scored by makespan; lab
  // problems in JSON by priority-weighted completion, unless the user says otherwise.
  std::string objective = options.objective;
  if (objective.empty())
    objective = std::filesystem::path(options.problem).extension() == ".json" ? "weighted-completion" : "makespan";
  plan_options.objective =
      objective == "makespan" ? planner::Objective::kMakespan : planner::Objective::kWeightedCompletion;
  planner::PlanResult result;
  try {
    result = plan_with_progress(problem, plan_options);
  } catch (const std::invalid_argument& e) {
    throw CliExit(kExitBadInput, fmt::format("{}: {}", options.problem, e.what()));
  }

  if (!result.schedule) {
    std::string text = "infeasible: ";
    text += result.infeasibility ? result.infeasibility->reason : std::string("no plan and no reason given");
    if (result.infeasibility && !result.infeasibility->culprits.empty()) {
      text += "\n  involves:";
      for (const auto& c : result.infeasibility->culprits) text += " " + c;
    }
    throw CliExit(kExitInfeasible, text);
  }

  std::string json = planner::write_schedule_json(problem, *result.schedule);
  if (!options.svg.empty()) {
    // Drawn like a run's chart (foundry gantt); a problem file's times are not dates.
    report::Timeline timeline = report::timeline_from_plan(problem, *result.schedule);
    timeline.dated = false;
    write_file(options.svg, report::gantt_svg(timeline), "Gantt chart");
  }
  if (options.out.empty()) {
    print_summary(std::cerr, problem, result);
    std::cout << json;
  } else {
    write_file(options.out, json, "schedule");
    print_summary(std::cout, problem, result);
    std::cout << "schedule: " << options.out << "\n";
  }
  if (!options.svg.empty()) (options.out.empty() ? std::cerr : std::cout) << "Gantt chart: " << options.svg << "\n";
}

}  // namespace

void add_plan_command(CLI::App& app) {
  auto options = std::make_shared<PlanCommandOptions>();
  auto* cmd = app.add_subcommand("plan", "Plan a problem file and write the schedule as JSON");
  cmd->footer(
      "PROBLEM is planning-problem JSON (../shared/planning-problem.md), or a benchmark file:\n"
      "job shop (.txt), flexible job shop (.fjs) or RCPSP/max (.sch).\n"
      "Exit codes: 0 planned, 2 bad command line, 3 bad problem file, 4 no plan (reason printed).\n"
      "Example:\n"
      "  foundry plan problem.json --time-limit 5 --out schedule.json --svg gantt.svg\n"
      "Preview (asks foundryd; submits nothing): when would a run start and finish if submitted now?\n"
      "  foundry plan --preview dbtl-quick --set sample_interval_h=2 --db lab.db\n"
      "  foundry plan protocols/dbtl-quick.json --preview --json\n"
      "  exit codes as above, and 8 when no foundryd answers.");
  cmd->add_option("problem", options->problem, "Problem file (with --preview: a protocol name or file)")->required();
  cmd->add_option("--time-limit", options->time_limit_s, "Search budget in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Search seed (same seed and budget, same plan)")->capture_default_str();
  cmd->add_option("--objective", options->objective,
                  "What to minimise (default: makespan for benchmark files, weighted-completion for JSON)")
      ->check(CLI::IsMember({"weighted-completion", "makespan"}));
  cmd->add_option("--out,-o", options->out, "Write the schedule JSON here (default: stdout)");
  cmd->add_option("--svg", options->svg, "Also draw the schedule as an SVG Gantt chart here");
  cmd->add_option("--threads", options->threads, "Independent searches in parallel")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_plan_preview_options(*cmd, options->preview);
  cmd->callback([options] {
    if (preview_requested(options->preview)) preview_plan(options->problem, options->preview);
    else plan_problem(*options);
  });
}

}  // namespace foundry::cli
