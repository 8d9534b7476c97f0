// foundry run PROTOCOL --workcell FILE [--db FILE] [--param k=v]... [--wall-clock]
// Expands the protocol into a run, plans it, executes it on the workcell's drivers (virtual time
// unless --wall-clock) and prints a summary. The database stays behind for inspection.
#include "commands.hpp"
#include "commands/parameter_values.hpp"

#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/executor.hpp>
#include <foundry/engine/plugin_library.hpp>
#include <foundry/model/workcell.hpp>
#include <foundry/protocol/protocol.hpp>
#include <foundry/store/store.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <map>
#include <set>

namespace foundry::cli {

namespace {

struct RunOptions {
  std::string protocol;
  std::string workcell;
  std::string db = "foundry.db";
  std::vector<std::string> params;
  bool wall_clock = false;
  int priority = 1;
  double deadline_h = 0;  // 0: none
  double time_limit_s = 1.0;
  std::uint64_t seed = 1;
};

std::string hours(double seconds) { return fmt::format("{:.1f} h", seconds / 3600.0); }

void print_summary(const engine::ExecutionSummary& summary, const RunSpec& run, const store::Store& store) {
  std::cout << fmt::format("run {} ({}): {} steps, {} done, {} failed, {} skipped\n", run.run_id, run.protocol,
                           summary.steps_total, summary.steps_done, summary.steps_failed, summary.steps_skipped);
  std::cout << fmt::format("makespan: planned {}, actual {}\n", hours(summary.planned_makespan_s),
                           hours(summary.finished_at - summary.started_at));
  if (!summary.deadlines_missed.empty())
    std::cout << fmt::format("deadline missed by {}\n", fmt::join(summary.deadlines_missed, ", "));
  if (summary.constraint_violations > 0)
    std::cout << fmt::format("WARNING: {} step(s) started outside a time window (see events of kind "
                             "'constraint_violated')\n",
                             summary.constraint_violations);

  std::map<std::string, std::pair<int, double>> busy;  // device -> steps, busy seconds
  for (const auto& s : store.steps(run.run_id)) {
    if (s.device_id.empty() || !s.started_at || !s.finished_at) continue;
    busy[s.device_id].first += 1;
    busy[s.device_id].second += *s.finished_at - *s.started_at;
  }
  std::cout << "devices used:\n";
  for (const auto& [device, use] : busy)
    std::cout << fmt::format("  {:<8} {:>4} steps  {:>8} busy\n", device, use.first, hours(use.second));

  auto measurements = store.measurements(run.run_id);
  std::map<std::string, int> counts;
  std::map<std::string, const store::Measurement*> last;  // latest value per (name) for a glance
  for (const auto& m : measurements) {
    counts[m.name] += 1;
    last[m.name] = &m;
  }
  std::cout << fmt::format("measurements: {}\n", measurements.size());
  for (const auto& [name, count] : counts)
    std::cout << fmt::format("  {:<10} {:>4} values, last {:.3g} {} ({})\n", name, count, last[name]->value,
                             last[name]->unit, last[name]->sample.empty() ? last[name]->step_id : last[name]->sample);
  std::cout << fmt::format("database: {}\n", store.file().string());
  std::cout << fmt::format("  try: sqlite3 {} \"SELECT sample, name, value, unit FROM measurements WHERE run_id='{}'\"\n",
                           store.file().string(), run.run_id);
}

void run(const RunOptions& options) {
  Workcell workcell;
  Protocol protocol = [&] {
    try {
      workcell = load_workcell(options.workcell);
      return load_protocol(options.protocol, &workcell);
    } catch (const InputError& e) {
      throw CliExit(kExitBadInput, format_diagnostics(e.diagnostics()) + "nothing was run");
    }
  }();

  auto store = store::Store::open(options.db);
  // Run ids are "<protocol>-<n>", n counting the runs already in this database.
  std::set<std::string> taken;
  for (const auto& r : store->runs()) taken.insert(r.run_id);
  std::string run_id;
  for (std::size_t n = taken.size() + 1;; ++n) {
    run_id = protocol.name() + "-" + std::to_string(n);
    if (!taken.count(run_id)) break;
  }

  RunSpec spec;
  try {
    spec = protocol.expand(parse_parameter_values(options.params), run_id);
  } catch (const InputError& e) {
    throw CliExit(kExitBadInput, format_diagnostics(e.diagnostics()) + "nothing was run");
  }
  spec.priority = options.priority;
  if (options.deadline_h > 0) spec.deadline_s = static_cast<std::int64_t>(options.deadline_h * 3600.0);

  auto clock = options.wall_clock ? engine::make_wall_clock() : engine::make_virtual_clock(engine::make_wall_clock()->now());
  std::unique_ptr<engine::DeviceFleet> fleet;
  try {
    fleet = std::make_unique<engine::DeviceFleet>(workcell, *clock);
  } catch (const engine::PluginError& e) {
    throw CliExit(kExitPluginError, std::string(e.what()) + "\nnothing was run");
  }
  engine::Executor executor(workcell, *fleet, *store, *clock);
  engine::ExecutorOptions exec_options;
  exec_options.plan.time_limit_s = options.time_limit_s;
  exec_options.plan.seed = options.seed;
  engine::ExecutionSummary summary;
  try {
    summary = executor.execute({spec}, exec_options);
  } catch (const engine::InfeasiblePlan& e) {
    throw CliExit(kExitInfeasible, std::string(e.what()) + "\nnothing was run");
  }
  print_summary(summary, spec, *store);
  if (summary.steps_failed > 0 || summary.steps_skipped > 0) throw CliExit(kExitFailure, "the run did not complete");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Plan and execute a protocol on a workcell (virtual time by default)");
  cmd->footer(
      "Example:\n"
      "  foundry run protocols/dbtl-quick.json --workcell protocols/workcells/sim-foundry.json --db demo.db\n"
      "  foundry run protocols/dbtl-build-test.json --workcell protocols/workcells/sim-foundry.json \\\n"
      "      --param 'designs=[{\"id\":\"d1\",\"promoter\":\"J23100\",\"rbs\":\"B0034\",\"gene\":\"v1\"}]'");
  cmd->add_option("protocol", options->protocol, "Protocol file (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--workcell,-w", options->workcell, "Workcell file declaring devices and drivers")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--db", options->db, "SQLite database to record into (created if missing)")
      ->capture_default_str();
  cmd->add_option("--param,-p", options->params, "Parameter value NAME=VALUE (VALUE is JSON, or a plain string)");
  cmd->add_option("--priority", options->priority, "Run priority (larger = more important)")->capture_default_str();
  cmd->add_option("--deadline", options->deadline_h, "Soft deadline, in hours from now (a miss is reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--time-limit", options->time_limit_s, "Planner time budget in seconds")->capture_default_str();
  cmd->add_option("--seed", options->seed, "Planner seed")->capture_default_str();
  cmd->add_flag("--wall-clock", options->wall_clock, "Run in real time instead of virtual time");
  cmd->callback([options] { run(*options); });
}

}  // namespace foundry::cli
