// foundry cancel RUN [--reason TEXT] [server options]
// Cancels a run on foundryd: steps not yet started never start; the reason is recorded with the
// run's events (default "cancelled by <key name>").
#include "commands.hpp"
#include "commands/run_display.hpp"
#include "commands/server_connection.hpp"
#include "output/style.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <thread>

namespace foundry::cli {

namespace {

using nlohmann::json;

struct CancelOptions {
  ServerOptions server;
  std::string run_id;
  std::string reason;
};

// Steps running when the cancel came are stopped through their drivers, so the run ends a
// moment later; wait that moment (within --timeout) to report the outcome, not "running".
json settled_status(ServerConnection& server, const std::string& run_id, double timeout_s) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    json status = server.request("status", {{"run_id", run_id}, {"steps", false}});
    if (run_finished(status.at("state").get<std::string>()) || std::chrono::steady_clock::now() > until) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void cancel(const CancelOptions& o) {
  ServerConnection server(o.server);
  json fields = {{"run_id", o.run_id}};
  if (!o.reason.empty()) fields["reason"] = o.reason;
  server.request("cancel", fields);
  json status = settled_status(server, o.run_id, o.server.timeout_s);
  auto style = output::Style::for_stdout();
  auto state = status.at("state").get<std::string>();
  auto progress = progress_text(step_progress(status.at("step_counts")));
  if (run_finished(state))
    std::cout << o.run_id << " is " << style.paint(state, state_tone(state)) << " (" << progress << " finished)\n";
  else
    std::cout << o.run_id << " is being cancelled: its running steps are being stopped (" << progress
              << " finished); foundry show " << o.run_id << o.server.repeat_options() << " follows it\n";
}

}  // namespace

void add_cancel_command(CLI::App& app) {
  auto options = std::make_shared<CancelOptions>();
  auto* cmd = app.add_subcommand("cancel", "Cancel a run on foundryd: steps not yet started never start");
  cmd->footer(
      "Needs a staff key. A finished run cannot be cancelled.\n"
      "Exit codes: 0 cancelled, 1 refused (finished run, or not a staff key: 'unauthorised'),\n"
      "3 no such run, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry cancel dbtl-quick-3 --reason 'contaminated preculture'\n"
      "  foundry cancel dbtl-quick-3 --connect tcp://10.0.0.5:5555 --keys ~/.foundry/keys --as alice");
  cmd->add_option("run", options->run_id, "Run id (foundry queue lists them)")->required();
  cmd->add_option("--reason", options->reason, "Why (recorded with the run's events)");
  add_server_options(*cmd, options->server);
  cmd->callback([options] { cancel(*options); });
}

}  // namespace foundry::cli
