// foundry run PROTOCOL... --workcell FILE [--db FILE] [--request-id ID] [--param k=v]... [--wall-clock]
// Resumable: opens the database, recovers and finishes whatever an earlier (killed) foundry run
// left unfinished, submits one run per protocol file, and executes until nothing is left to do
// (virtual time unless --wall-clock). With --request-id, running the same command again after a
// kill continues the run it created instead of starting another. A run held for an operator is
// answered on the terminal; without one, the prompts are printed and the exit code is 6.
#include "commands.hpp"
#include "commands/operator_commands.hpp"
#include "commands/parameter_values.hpp"
#include "output/terminal.hpp"

#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/engine.hpp>
#include <foundry/engine/plugin_library.hpp>
#include <foundry/model/workcell.hpp>
#include <foundry/protocol/protocol.hpp>
#include <foundry/store/store.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

namespace foundry::cli {

namespace {

struct RunOptions {
  std::vector<std::string> protocols;
  std::string workcell;
  std::string db = "foundry.db";
  std::string request_id;
  std::vector<std::string> params;
  bool wall_clock = false;
  int priority = 1;
  double deadline_h = 0;  // 0: none
  double time_limit_s = 1.0;
  std::uint64_t seed = 1;
};

std::string hours(double seconds) { return fmt::format("{:.1f} h", seconds / 3600.0); }

void print_summary(const std::string& run_id, const store::Store& store) {
  store::RunRow run;
  for (const auto& r : store.runs())
    if (r.run_id == run_id) run = r;
  auto steps = store.steps(run_id);
  std::map<std::string, int> by_state;
  int violated = 0;
  double planned_end = run.created_at, first_start = 0, last_end = run.created_at;
  std::map<std::string, std::pair<int, double>> busy;  // device -> steps, busy seconds
  for (const auto& s : steps) {
    by_state[s.state] += 1;
    violated += s.constraint_violated;
    if (s.planned_end) planned_end = std::max(planned_end, *s.planned_end);
    if (s.started_at && (first_start == 0 || *s.started_at < first_start)) first_start = *s.started_at;
    if (s.finished_at) last_end = std::max(last_end, *s.finished_at);
    if (!s.device_id.empty() && s.started_at && s.finished_at) {
      busy[s.device_id].first += 1;
      busy[s.device_id].second += *s.finished_at - *s.started_at;
    }
  }
  std::cout << fmt::format("run {} ({}): {}, {} steps, {} done, {} failed, {} skipped, {} cancelled{}\n", run.run_id,
                           run.protocol, run.state, steps.size(), by_state["done"], by_state["failed"],
                           by_state["skipped"], by_state["cancelled"], run.reason.empty() ? "" : " (" + run.reason + ")");
  std::cout << fmt::format("makespan: planned {}, actual {}\n", hours(planned_end - run.created_at),
                           hours(last_end - run.created_at));
  for (const auto& e : store.events(run_id))
    if (e.kind == "deadline_missed") std::cout << "deadline missed\n";
  if (violated > 0)
    std::cout << fmt::format("WARNING: {} step(s) ran outside a time window or after one that did (events of kind "
                             "'constraint_violated'; their measurements are marked)\n",
                             violated);
  std::cout << "devices used:\n";
  for (const auto& [device, use] : busy)
    std::cout << fmt::format("  {:<8} {:>4} steps  {:>8} busy\n", device, use.first, hours(use.second));

  auto measurements = store.measurements(run_id);
  std::map<std::string, int> counts;
  std::map<std::string, const store::Measurement*> last;  // latest value per name, for a glance
  for (const auto& m : measurements) {
    counts[m.name] += 1;
    last[m.name] = &m;
  }
  std::cout << fmt::format("measurements: {}\n", measurements.size());
  for (const auto& [name, count] : counts)
    std::cout << fmt::format("  {:<10} {:>4} values, last {:.3g} {} ({})\n", name, count, last[name]->value,
                             last[name]->unit, last[name]->sample.empty() ? last[name]->step_id : last[name]->sample);
}

void print_prompt(const engine::Prompt& p) {
  std::cout << fmt::format("HELD {}/{} on {}: {}\n", p.run_id, p.step_id, p.device_id, p.what_happened);
  if (p.window_left_s)
    std::cout << fmt::format("  time left in its window: {:.0f} s\n", std::max(0.0, *p.window_left_s));
  std::cout << fmt::format("  choices: {}\n", fmt::join(p.choices, " | "));
}

// Asks on the terminal; false when the answer cannot be had (end of input).
bool ask(engine::Engine& engine, const engine::Prompt& p) {
  print_prompt(p);
  for (;;) {
    std::cout << "  answer> " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    try {
      if (answer == "retry") engine.acknowledge(p.run_id, p.step_id, engine::OperatorChoice::kRetry);
      else if (answer == "skip") engine.acknowledge(p.run_id, p.step_id, engine::OperatorChoice::kSkip);
      else if (answer == "abort") engine.acknowledge(p.run_id, p.step_id, engine::OperatorChoice::kAbortRun);
      else continue;
      return true;
    } catch (const engine::EngineError& e) {
      std::cout << "  " << e.what() << "\n";
      return true;
    }
  }
}

// The virtual clock of a resumed database starts after everything already recorded, so times
// never run backwards across a restart.
double virtual_start(const store::Store& store) {
  double start = engine::make_wall_clock()->now();
  auto seq = store.last_event_seq();
  if (seq > 0)
    for (const auto& e : store.events_since(seq - 1, 1)) start = std::max(start, e.t + 1);
  return start;
}

void run(const RunOptions& options) {
  Workcell workcell;
  std::vector<Protocol> protocols;
  try {
    workcell = load_workcell(options.workcell);
    for (const auto& file : options.protocols) protocols.push_back(load_protocol(file, &workcell));
  } catch (const InputError& e) {
    throw CliExit(kExitBadInput, format_diagnostics(e.diagnostics()) + "nothing was run");
  }
  std::unique_ptr<store::Store> store;
  try {
    store = store::Store::open(options.db);
  } catch (const store::StorageFull&) {
    throw;
  } catch (const store::StoreError& e) {
    throw CliExit(kExitFailure, std::string(e.what()) + "\nnothing was run");
  }

  // Run ids are "<protocol>-<n>", n counting the runs already in this database.
  std::set<std::string> taken;
  for (const auto& r : store->runs()) taken.insert(r.run_id);
  std::vector<RunSpec> specs;
  std::vector<std::string> request_ids;
  for (std::size_t k = 0; k < protocols.size(); ++k) {
    std::string run_id;
    for (std::size_t n = taken.size() + 1;; ++n) {
      run_id = protocols[k].name() + "-" + std::to_string(n);
      if (!taken.count(run_id)) break;
    }
    taken.insert(run_id);
    try {
      specs.push_back(protocols[k].expand(parse_parameter_values(options.params), run_id));
    } catch (const InputError& e) {
      throw CliExit(kExitBadInput, format_diagnostics(e.diagnostics()) + "nothing was run");
    }
    specs.back().priority = options.priority;
    if (options.deadline_h > 0) specs.back().deadline_s = static_cast<std::int64_t>(options.deadline_h * 3600.0);
    std::string id = options.request_id;
    if (!id.empty() && protocols.size() > 1) id += "/" + std::to_string(k + 1);
    request_ids.push_back(id);
  }

  auto clock = options.wall_clock ? engine::make_wall_clock() : engine::make_virtual_clock(virtual_start(*store));
  std::unique_ptr<engine::DeviceFleet> fleet;
  try {
    fleet = std::make_unique<engine::DeviceFleet>(workcell, *clock);
  } catch (const engine::PluginError& e) {
    throw CliExit(kExitPluginError, std::string(e.what()) + "\nnothing was run");
  }
  engine::EngineOptions engine_options;
  engine_options.plan.time_limit_s = options.time_limit_s;
  engine_options.plan.seed = options.seed;
  engine::Engine engine(workcell, *fleet, *store, *clock, engine_options);

  auto report = engine.recover();
  std::vector<std::string> ours = report.resumed_runs;
  if (!report.resumed_runs.empty())
    std::cout << fmt::format("resuming {} unfinished run(s): {}\n", report.resumed_runs.size(),
                             fmt::join(report.resumed_runs, ", "));
  for (const auto& s : report.completed_from_driver) std::cout << "  " << s << ": finished while we were away\n";
  for (const auto& s : report.rerun_steps) std::cout << "  " << s << ": in doubt, runs again\n";
  for (const auto& s : report.held_steps) std::cout << "  " << s << ": in doubt and not repeatable, held\n";

  for (std::size_t k = 0; k < specs.size(); ++k) {
    try {
      auto submitted = engine.submit(specs[k], request_ids[k]);
      if (!submitted.created)
        std::cout << fmt::format("request '{}' is run {} already: continuing it\n", request_ids[k], submitted.run_id);
      if (std::find(ours.begin(), ours.end(), submitted.run_id) == ours.end()) ours.push_back(submitted.run_id);
    } catch (const engine::InfeasibleRun& e) {
      throw CliExit(kExitInfeasible, std::string(e.what()) + "\nnothing more was run");
    } catch (const engine::EngineError& e) {
      throw CliExit(kExitBadInput, std::string(e.what()) + "\nnothing more was run");
    }
  }

  const bool interactive = output::is_terminal(stdin) && output::is_terminal(stdout);
  for (;;) {
    clock->run();
    if (engine.idle()) break;
    auto prompts = engine.prompts();
    bool answered = false;
    if (interactive)
      for (const auto& p : prompts) answered |= ask(engine, p);
    if (answered) continue;
    for (const auto& id : ours) print_summary(id, *store);
    if (!interactive)
      for (const auto& p : prompts) print_prompt(p);
    throw CliExit(kExitHeld, fmt::format("held: needs an operator ({} prompt(s)); the database {} is consistent: "
                                         "answer, then run the same command again to continue",
                                         prompts.size(), store->file().string()));
  }

  bool failed = false;
  for (const auto& id : ours) {
    print_summary(id, *store);
    for (const auto& r : store->runs())
      if (r.run_id == id) failed |= r.state != "done";
    for (const auto& s : store->steps(id)) failed |= s.state == "failed" || s.state == "skipped";
  }
  std::cout << fmt::format("database: {}\n", store->file().string());
  if (!ours.empty())
    std::cout << fmt::format("  try: sqlite3 {} \"SELECT sample, name, value, unit FROM measurements WHERE run_id='{}'\"\n",
                             store->file().string(), ours.back());
  if (failed) throw CliExit(kExitFailure, "a run did not complete");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Plan and execute protocols on a workcell (virtual time by default); resumable");
  cmd->footer(
      "Each protocol file becomes a run (id <protocol>-<n>). Unfinished runs in the database are\n"
      "recovered and finished first; with --request-id, running the same command again after a kill\n"
      "continues its run instead of starting another.\n"
      "Exit codes: 0 done, 1 a run failed or a step failed/was skipped, 3 bad input, 4 no plan,\n"
      "5 plugin error, 6 held: a run needs an operator and there is no terminal to ask (prompts printed),\n"
      "7 storage: the database cannot grow (disk full); nothing committed is lost.\n"
      "Example:\n"
      "  foundry run protocols/dbtl-quick.json --workcell protocols/workcells/sim-foundry.json --db demo.db\n"
      "  foundry run protocols/dbtl-build-test.json --workcell protocols/workcells/sim-foundry.json \\\n"
      "      --param 'designs=[{\"id\":\"d1\",\"promoter\":\"J23100\",\"rbs\":\"B0034\",\"gene\":\"v1\"}]'");
  cmd->add_option("protocol", options->protocols, "Protocol file(s) (JSON), one run each")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--workcell,-w", options->workcell, "Workcell file declaring devices and drivers")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--db", options->db, "SQLite database to record into (created if missing)")
      ->capture_default_str();
  cmd->add_option("--request-id", options->request_id,
                  "Client request id: the same id again continues its run instead of creating one");
  cmd->add_option("--param,-p", options->params, "Parameter value NAME=VALUE (VALUE is JSON, or a plain string)");
  cmd->add_option("--priority", options->priority, "Run priority (larger = more important)")->capture_default_str();
  cmd->add_option("--deadline", options->deadline_h, "Soft deadline, in hours from now (a miss is reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--time-limit", options->time_limit_s, "Planner time budget in seconds")->capture_default_str();
  cmd->add_option("--seed", options->seed, "Planner seed")->capture_default_str();
  cmd->add_flag("--wall-clock", options->wall_clock, "Run in real time instead of virtual time");
  cmd->callback([options] {
    try {
      run(*options);
    } catch (const store::StorageFull& e) {
      // Whatever was in flight is in doubt, exactly as after a crash: the next run settles it.
      throw CliExit(kExitStorage, std::string(e.what()) +
                                      "\nexecution stopped; free space (or raise the limit), then run the same "
                                      "command again to continue");
    }
  });
  // The operator commands that go with a resumable run (ack, hold, resume) are registered here
  // until main.cpp lists them itself.
  add_operator_commands(app);
}

}  // namespace foundry::cli
