// foundry queue [--state S] [--all] [--json] [--watch [--interval S]] [server options]
// The runs foundryd knows, one line each: state, priority, age, progress and what comes next (the
// next planned step, or the prompt a held run waits on). Finished runs older than a day are left
// out unless --all or --state asks for them, as squeue leaves out finished jobs.
// --watch redraws the table on a terminal until Ctrl-C; piped, it prints a new table only when a
// run changed (state, progress, next step, prompts), so a log of it reads as a history.
#include "commands.hpp"
#include "commands/interrupt.hpp"
#include "commands/run_display.hpp"
#include "commands/server_connection.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"
#include "output/terminal.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

namespace foundry::cli {

namespace {

using nlohmann::json;

constexpr double kFinishedShownFor_s = 24 * 3600;

struct QueueOptions {
  ServerOptions server;
  std::string state;
  bool all = false;
  bool json = false;
  bool watch = false;
  double interval_s = 2;
};

// The planned step that starts first, or null.
json next_planned_step(const json& steps) {
  const json* next = nullptr;
  for (const auto& step : steps) {
    if (step.at("state") != "planned" || !step.at("planned_start").is_number()) continue;
    if (!next || step.at("planned_start").get<double>() < next->at("planned_start").get<double>()) next = &step;
  }
  if (!next) return nullptr;
  return {{"step_id", next->at("step_id")}, {"device_id", next->at("device_id")}, {"planned_start", next->at("planned_start")}};
}

// One run as `queue --json` shows it (docs/cli.md): the run, its progress and what comes next.
json queue_entry(ServerConnection& server, const json& run) {
  const bool active = !run_finished(run.at("state").get<std::string>());
  json status = server.request("status", {{"run_id", run.at("run_id")}, {"steps", active}});
  json entry = run;
  auto progress = step_progress(status.at("step_counts"));
  entry["steps_total"] = progress.total;
  entry["steps_finished"] = progress.finished;
  entry["step_counts"] = status.at("step_counts");
  json running = json::array();
  if (active)
    for (const auto& step : status.at("steps"))
      if (step.at("state") == "running") running.push_back(step.at("step_id"));
  entry["running_steps"] = running;
  entry["next_step"] = active ? next_planned_step(status.at("steps")) : json(nullptr);
  entry["prompts"] = status.at("prompts");
  return entry;
}

json queue_snapshot(ServerConnection& server, const QueueOptions& o) {
  json now = server.request("hello").at("now");
  json fields = json::object();
  if (!o.state.empty()) fields["state"] = o.state;
  json runs = json::array();
  int hidden = 0;
  const json listed = server.request("list", fields);  // kept: a range-for over a temporary's member dangles
  for (const auto& run : listed.at("runs")) {
    const bool old = run.at("finished_at").is_number() &&
                     run.at("finished_at").get<double>() < now.get<double>() - kFinishedShownFor_s;
    if (old && !o.all && o.state.empty()) {
      ++hidden;
      continue;
    }
    runs.push_back(queue_entry(server, run));
  }
  return {{"now", now}, {"runs", runs}, {"hidden_finished", hidden}};
}

std::string next_text(const json& entry, double now, const output::Style& style) {
  const auto& prompts = entry.at("prompts");
  if (!prompts.empty()) {
    std::string text = "! " + prompts.front().at("step_id").get<std::string>() + " waits for an answer";
    if (prompts.size() > 1) text += fmt::format(" (+{} more)", prompts.size() - 1);
    return style.paint(text, output::Tone::kWarning);
  }
  const auto& next = entry.at("next_step");
  if (next.is_object())
    return fmt::format("{} on {} {}", next.at("step_id").get<std::string>(), next.at("device_id").get<std::string>(),
                       output::relative_time(next.at("planned_start").get<double>(), now));
  const auto& running = entry.at("running_steps");
  if (!running.empty()) return "running " + running.front().get<std::string>();
  return "-";
}

void print_queue(std::ostream& out, const json& snapshot, const ServerOptions& server, const output::Style& style) {
  const double now = snapshot.at("now").get<double>();
  const auto& runs = snapshot.at("runs");
  if (runs.empty()) {
    out << "no runs" << (snapshot.at("hidden_finished").get<int>() > 0 ? " in the last day" : "")
        << "; queue one: foundry submit PROTOCOL" << server.repeat_options() << "\n";
  } else {
    output::Table table({{"RUN"}, {"PROTOCOL"}, {"STATE"}, {"PRI", output::Align::kRight}, {"CREATED"},
                         {"PROGRESS", output::Align::kRight}, {"NEXT"}});
    for (const auto& r : runs) {
      auto state = r.at("state").get<std::string>();
      table.add_row({r.at("run_id").get<std::string>(), r.at("protocol").get<std::string>(),
                     style.paint(state, state_tone(state)), std::to_string(r.at("priority").get<int>()),
                     output::relative_time(r.at("created_at").get<double>(), now),
                     progress_text({r.at("steps_finished").get<int>(), r.at("steps_total").get<int>()}),
                     next_text(r, now, style)});
    }
    table.print(out, style);
  }
  if (int hidden = snapshot.at("hidden_finished").get<int>(); hidden > 0)
    out << style.paint(fmt::format("({} run(s) finished more than a day ago not shown: --all)", hidden),
                       output::Tone::kDim)
        << "\n";
}

// What a piped --watch compares: everything but the clock, so a table is printed only when a run
// changed, not because "3 min ago" became "4 min ago".
std::string fingerprint(json snapshot) {
  snapshot.erase("now");
  return snapshot.dump();
}

void watch(ServerConnection& server, const QueueOptions& o) {
  stop_on_interrupt();
  // JSON is for programs: a line per change, on a terminal too.
  const bool terminal = output::is_terminal(stdout) && !o.json;
  auto style = output::Style::for_stdout();
  std::string last;
  while (!interrupted()) {
    json snapshot;
    try {
      snapshot = queue_snapshot(server, o);
    } catch (const std::exception&) {
      if (interrupted()) break;  // Ctrl-C during a request
      throw;
    }
    const double now = snapshot.at("now").get<double>();
    if (terminal) {
      std::ostringstream frame;
      frame << "\x1b[H\x1b[2J"  // home, clear: one table on the screen, redrawn in place
            << style.paint(fmt::format("foundry queue, {} (every {} s; Ctrl-C to stop)", lab_time(now, true),
                                       o.interval_s),
                           output::Tone::kDim)
            << "\n";
      print_queue(frame, snapshot, o.server, style);
      std::cout << frame.str() << std::flush;
    } else if (auto print = fingerprint(snapshot); print != last) {
      last = print;
      std::cout << (o.json ? "" : "-- " + lab_time(now, true) + "\n");
      if (o.json)
        std::cout << snapshot.dump() << "\n";
      else
        print_queue(std::cout, snapshot, o.server, style);
      std::cout << std::flush;
    }
    sleep_unless_interrupted(o.interval_s);
  }
}

void queue(const QueueOptions& o) {
  ServerConnection server(o.server);
  if (o.watch) return watch(server, o);
  json snapshot = queue_snapshot(server, o);
  if (o.json) {
    std::cout << snapshot.dump(2) << "\n";
    return;
  }
  print_queue(std::cout, snapshot, o.server, output::Style::for_stdout());
}

}  // namespace

void add_queue_command(CLI::App& app) {
  auto options = std::make_shared<QueueOptions>();
  auto* cmd = app.add_subcommand("queue", "List the runs on foundryd: state, progress and what comes next");
  cmd->footer(
      "NEXT is the next planned step and when it starts, or '!' and the step of a held run that\n"
      "waits for an operator (answer it: foundry show RUN prints the foundry ack command).\n"
      "Runs that finished more than a day ago are shown with --all or --state.\n"
      "--watch redraws on a terminal until Ctrl-C; piped, it prints a new table (--json: a new\n"
      "line) only when a run changed.\n"
      "Exit codes: 0 ok (also when Ctrl-C ends --watch), 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry queue --db lab.db\n"
      "  foundry queue --state held\n"
      "  foundry queue --watch --interval 5\n"
      "  foundry queue --json | jq -r '.runs[] | select(.state == \"held\") | .run_id'");
  cmd->add_option("--state", options->state, "Only runs in this state")
      ->check(CLI::IsMember({"queued", "running", "held", "done", "failed", "cancelled"}));
  cmd->add_flag("--all", options->all, "Also runs that finished more than a day ago");
  cmd->add_flag("--json", options->json, "Print the runs as JSON (docs/cli.md)");
  cmd->add_flag("--watch,-w", options->watch, "Keep showing the queue until Ctrl-C");
  cmd->add_option("--interval", options->interval_s, "Seconds between looks with --watch")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  add_server_options(*cmd, options->server);
  cmd->callback([options] { queue(*options); });
}

}  // namespace foundry::cli
