// foundry ack RUN STEP retry|skip|abort [server options]
// foundry hold RUN [--reason TEXT] [server options]
// foundry resume RUN [server options]
// Through foundryd when one serves the database (docs/api.md: ack, hold, resume); otherwise each
// is one transaction on the store, with its event, so the log still rebuilds every state.
#include "commands.hpp"
#include "commands/operator_commands.hpp"
#include "commands/server_connection.hpp"

#include <foundry/engine/clock.hpp>
#include <foundry/store/store.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace foundry::cli {

namespace {

struct OperatorOptions {
  ServerOptions server;
  std::string run_id, step_id, choice, reason;
};

std::unique_ptr<store::Store> open_store(const std::string& db) {
  if (!std::filesystem::exists(db))
    throw CliExit(kExitBadInput, db + ": no such database, and no foundryd serves it\n  (give the database with --db, "
                                      "or reach a foundryd with --connect ENDPOINT --keys DIR)");
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

// Sends one operator request to foundryd; returns where it went, for the message.
std::string through_foundryd(const OperatorOptions& o, const std::string& type, const nlohmann::json& fields) {
  ServerConnection server(o.server);
  server.request(type, fields);
  return "through foundryd (" + o.server.api_endpoint() + ")";
}

std::string directly(const OperatorOptions& o) {
  return "in " + o.server.db + " directly (no foundryd serves it)";
}

void ack(const OperatorOptions& o) {
  if (o.choice != "retry" && o.choice != "skip" && o.choice != "abort")
    throw CliExit(kExitUsage, "the choice is one of retry, skip, abort (got '" + o.choice + "')");
  if (local_service_present(o.server)) {
    auto via = through_foundryd(o, "ack", {{"run_id", o.run_id}, {"step_id", o.step_id}, {"choice", o.choice}});
    std::cout << o.run_id << "/" << o.step_id << ": " << o.choice << " sent " << via << "; the run carries on\n";
    return;
  }
  auto store = open_store(o.server.db);
  find_run(*store, o.run_id);
  try {
    store->answer_prompt(o.run_id, o.step_id, o.choice, now_for(*store));
  } catch (const store::StoreError& e) {
    throw CliExit(kExitBadInput, e.what());
  }
  std::cout << o.run_id << "/" << o.step_id << ": " << o.choice << " recorded " << directly(o)
            << "; foundry run on it carries on\n";
}

void hold(const OperatorOptions& o) {
  if (local_service_present(o.server)) {
    nlohmann::json fields = {{"run_id", o.run_id}};
    if (!o.reason.empty()) fields["reason"] = o.reason;
    auto via = through_foundryd(o, "hold", fields);
    std::cout << o.run_id << " held " << via << ": no new step starts until foundry resume " << o.run_id
              << o.server.repeat_options() << "\n";
    return;
  }
  auto store = open_store(o.server.db);
  auto run = find_run(*store, o.run_id);
  if (run.state == "held") {
    std::cout << o.run_id << " is held already\n";
    return;
  }
  if (run.state != "queued" && run.state != "running")
    throw CliExit(kExitBadInput, "run '" + o.run_id + "' is " + run.state + ": nothing to hold");
  store->set_run_state(o.run_id, "held", now_for(*store), o.reason.empty() ? "held by an operator" : o.reason);
  std::cout << o.run_id << " held " << directly(o) << ": no new step starts until foundry resume " << o.run_id
            << o.server.repeat_options() << "\n";
}

void resume(const OperatorOptions& o) {
  if (local_service_present(o.server)) {
    auto via = through_foundryd(o, "resume", {{"run_id", o.run_id}});
    std::cout << o.run_id << " resumed " << via << "\n";
    return;
  }
  auto store = open_store(o.server.db);
  auto run = find_run(*store, o.run_id);
  if (run.state != "held") throw CliExit(kExitBadInput, "run '" + o.run_id + "' is " + run.state + ", not held");
  auto prompts = store->prompts();
  auto open = std::count_if(prompts.begin(), prompts.end(), [&](const store::PromptRow& p) { return p.run_id == o.run_id; });
  if (open > 0)
    throw CliExit(kExitBadInput, "run '" + o.run_id + "' has " + std::to_string(open) +
                                     " step(s) waiting for an answer: use foundry ack");
  store->set_run_state(o.run_id, "running", now_for(*store));
  std::cout << o.run_id << " resumed " << directly(o) << "; foundry run on it carries on\n";
}

constexpr const char* kWhere =
    "Through foundryd when one serves --db (or with --connect); otherwise the database is\n"
    "changed directly and the next `foundry run` on it carries on. The output says which.\n";

// One of the three: a run id, the server options, and a footer saying where the change goes.
CLI::App* add_operator_command(CLI::App& app, OperatorOptions& o, const char* name, const char* what,
                               const char* footer) {
  auto* cmd = app.add_subcommand(name, what);
  cmd->add_option("run", o.run_id, "Run id (foundry queue lists them)")->required();
  add_server_options(*cmd, o.server);
  cmd->footer(std::string(kWhere) + footer);
  return cmd;
}

}  // namespace

void add_operator_commands(CLI::App& app) {
  auto options = std::make_shared<OperatorOptions>();
  auto* ack_cmd = add_operator_command(
      app, *options, "ack", "Answer a held step's prompt: retry, skip or abort",
      "Exit codes: 0 answered, 1 refused by foundryd (no such prompt, or not a staff key),\n"
      "2 bad choice, 3 no such database, run or open prompt, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry show dbtl-quick-1            (prints the ack commands of its prompts)\n"
      "  foundry ack dbtl-quick-1 d01/inoculate retry --db lab.db");
  ack_cmd->add_option("step", options->step_id, "Step id (foundry show RUN lists the prompts)")->required();
  ack_cmd->add_option("choice,--choice", options->choice, "retry | skip | abort")->required();
  ack_cmd->callback([options] { ack(*options); });

  auto* hold_cmd = add_operator_command(app, *options, "hold", "Hold a run: no new step starts until it is resumed",
                                        "Exit codes: 0 held, 1 refused by foundryd (a finished run, or not a staff key),\n"
                                        "3 no such database or run, 8 no foundryd answered.\n"
                                        "Example:\n"
                                        "  foundry hold dbtl-quick-1 --reason 'reader maintenance until 14:00'");
  hold_cmd->add_option("--reason", options->reason, "Why (recorded with the hold)");
  hold_cmd->callback([options] { hold(*options); });

  auto* resume_cmd = add_operator_command(
      app, *options, "resume", "Resume a held run (its prompts must be answered first)",
      "Exit codes: 0 resumed, 1 refused by foundryd (not held, a prompt is open, or not a\n"
      "staff key), 3 no such database or run, 8 no foundryd answered.\n"
      "Example:\n"
      "  foundry resume dbtl-quick-1");
  resume_cmd->callback([options] { resume(*options); });
}

}  // namespace foundry::cli
