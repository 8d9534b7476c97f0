// foundry ack RUN STEP retry|skip|abort [--choice C] --db FILE
// foundry hold RUN [--reason TEXT] --db FILE
// foundry resume RUN --db FILE
// Each is one transaction on the store, with its event, so the log still rebuilds every state.
#include "commands.hpp"
#include "commands/operator_commands.hpp"

#include <foundry/engine/clock.hpp>
#include <foundry/store/store.hpp>

#include <algorithm>
#include <iostream>

namespace foundry::cli {

namespace {

struct OperatorOptions {
  std::string run_id, step_id, choice, reason, db = "foundry.db";
};

std::unique_ptr<store::Store> open_store(const std::string& db) {
  if (!std::filesystem::exists(db)) throw CliExit(kExitBadInput, db + ": no such database");
  try {
    return store::Store::open(db);
  } catch (const store::StoreError& e) {
    throw CliExit(kExitFailure, e.what());
  }
}

// Times never run backwards in the log: a virtual-time database may be ahead of the wall clock.
double now_for(const store::Store& store) {
  double t = engine::make_wall_clock()->now();
  auto seq = store.last_event_seq();
  if (seq > 0)
    for (const auto& e : store.events_since(seq - 1, 1)) t = std::max(t, e.t);
  return t;
}

store::RunRow find_run(const store::Store& store, const std::string& run_id) {
  for (const auto& r : store.runs())
    if (r.run_id == run_id) return r;
  throw CliExit(kExitBadInput, "no run '" + run_id + "' in " + store.file().string());
}

void ack(const OperatorOptions& o) {
  if (o.choice != "retry" && o.choice != "skip" && o.choice != "abort")
    throw CliExit(kExitUsage, "the choice is one of retry, skip, abort (got '" + o.choice + "')");
  auto store = open_store(o.db);
  find_run(*store, o.run_id);
  try {
    store->answer_prompt(o.run_id, o.step_id, o.choice, now_for(*store));
  } catch (const store::StoreError& e) {
    throw CliExit(kExitBadInput, e.what());
  }
  std::cout << o.run_id << "/" << o.step_id << ": " << o.choice << " recorded; run foundry run on " << o.db
            << " to carry on\n";
}

void hold(const OperatorOptions& o) {
  auto store = open_store(o.db);
  auto run = find_run(*store, o.run_id);
  if (run.state == "held") return;
  if (run.state != "queued" && run.state != "running")
    throw CliExit(kExitBadInput, "run '" + o.run_id + "' is " + run.state + ": nothing to hold");
  store->set_run_state(o.run_id, "held", now_for(*store), o.reason.empty() ? "held by an operator" : o.reason);
}

void resume(const OperatorOptions& o) {
  auto store = open_store(o.db);
  auto run = find_run(*store, o.run_id);
  if (run.state != "held") throw CliExit(kExitBadInput, "run '" + o.run_id + "' is " + run.state + ", not held");
  auto prompts = store->prompts();
  auto open = std::count_if(prompts.begin(), prompts.end(), [&](const store::PromptRow& p) { return p.run_id == o.run_id; });
  if (open > 0)
    throw CliExit(kExitBadInput, "run '" + o.run_id + "' has " + std::to_string(open) +
                                     " step(s) waiting for an answer: use foundry ack");
  store->set_run_state(o.run_id, "running", now_for(*store));
}

}  // namespace

void add_operator_commands(CLI::App& app) {
  auto options = std::make_shared<OperatorOptions>();
  auto* ack_cmd = app.add_subcommand("ack", "Answer a held step's prompt (retry, skip or abort) in a database");
  ack_cmd->add_option("run", options->run_id, "Run id")->required();
  ack_cmd->add_option("step", options->step_id, "Step id")->required();
  ack_cmd->add_option("choice,--choice", options->choice, "retry | skip | abort")->required();
  ack_cmd->add_option("--db", options->db, "SQLite database")->capture_default_str();
  ack_cmd->footer("Exit codes: 0 recorded, 2 bad choice, 3 no such database, run or open prompt.");
  ack_cmd->callback([options] { ack(*options); });

  auto* hold_cmd = app.add_subcommand("hold", "Hold a run: no new step starts until it is resumed");
  hold_cmd->add_option("run", options->run_id, "Run id")->required();
  hold_cmd->add_option("--reason", options->reason, "Why (recorded with the hold)");
  hold_cmd->add_option("--db", options->db, "SQLite database")->capture_default_str();
  hold_cmd->callback([options] { hold(*options); });

  auto* resume_cmd = app.add_subcommand("resume", "Resume a held run (its prompts must be answered first)");
  resume_cmd->add_option("run", options->run_id, "Run id")->required();
  resume_cmd->add_option("--db", options->db, "SQLite database")->capture_default_str();
  resume_cmd->callback([options] { resume(*options); });
}

}  // namespace foundry::cli
