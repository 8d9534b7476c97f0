// foundry submit PROTOCOL [--set NAME=VALUE]... [--designs FILE] [--priority N] [--deadline H]
//                [--request-id ID] [--parsable | --json] [server options]
// Queues a run on foundryd (docs/api.md, "submit"). PROTOCOL is a protocol name on the server, or
// a local protocol file, which is sent inline so the server needs no copy of it. With
// --request-id, sending the same command again (after a timeout, a lost terminal) returns the run
// the first one created instead of making a second.
#include "commands.hpp"
#include "commands/run_display.hpp"
#include "commands/run_request.hpp"
#include "commands/server_connection.hpp"
#include "output/style.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <utility>

namespace foundry::cli {

namespace {

using nlohmann::json;

struct SubmitOptions {
  ServerOptions server;
  std::string protocol;
  std::vector<std::string> values;
  std::string designs_file;
  int priority = 0;
  double deadline_h = 0;
  std::string request_id;
  bool parsable = false;
  bool json = false;
  CLI::Option* priority_option = nullptr;
};

// A designs file holds an array of designs, or an object with a "designs" array (a campaign's
// batch file), so a file written for `--set designs=@...` habits works either way.
json designs_of(const std::string& file) {
  std::ifstream in(file);
  json value = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!in.good() && !in.eof()) throw CliExit(kExitBadInput, file + ": cannot read the designs file");
  if (value.is_discarded()) throw CliExit(kExitBadInput, file + ": the designs file is not valid JSON");
  if (value.is_object() && value.contains("designs")) value = value["designs"];
  if (!value.is_array())
    throw CliExit(kExitBadInput, file + ": a designs file holds a JSON array of designs (or {\"designs\": [...]})");
  return value;
}

json run_request(const SubmitOptions& o) {
  json fields = run_request_fields(o.protocol, o.values, "--set");
  if (!o.designs_file.empty()) fields["designs"] = designs_of(o.designs_file);
  if (o.priority_option && o.priority_option->count() > 0) fields["priority"] = o.priority;
  if (o.deadline_h > 0) fields["deadline_h"] = o.deadline_h;
  return fields;
}

// An invalid protocol's reply carries no detail through the client; `validate` with the same
// request lists every problem by JSON path.
std::string diagnostics_of(ServerConnection& server, const json& fields) {
  try {
    json verdict = server.request("validate", fields);
    std::string text;
    for (const auto& d : verdict.value("diagnostics", json::array()))
      text += fmt::format("\n  {}: {}", d.value("path", "?"), d.value("reason", "?"));
    return text;
  } catch (const CliExit&) {
    return "";
  }
}

void submit(const SubmitOptions& o) {
  json fields = run_request(o);
  ServerConnection server(o.server);
  json submitted;
  try {
    submitted = server.request_with_id("submit", fields, o.request_id);
  } catch (const CliExit& e) {
    if (e.code() != kExitBadInput) throw;
    throw CliExit(e.code(), e.what() + diagnostics_of(server, fields) + "\nnothing was submitted");
  }
  const auto run_id = submitted.at("run_id").get<std::string>();
  const bool created = submitted.at("created").get<bool>();
  if (o.parsable) {
    std::cout << run_id << "\n";
    return;
  }
  if (o.json) {
    std::cout << json{{"run_id", run_id}, {"created", created}}.dump(2) << "\n";
    return;
  }
  json status = server.request("status", {{"run_id", run_id}, {"steps", false}});
  auto style = output::Style::for_stdout();
  auto state = status.at("state").get<std::string>();
  std::string what = fmt::format("{}, {} steps, priority {}, {}", status.at("protocol").get<std::string>(),
                                 step_progress(status.at("step_counts")).total, status.at("priority").get<int>(),
                                 style.paint(state, state_tone(state)));
  if (created)
    std::cout << "submitted " << style.paint(run_id, output::Tone::kBold) << ": " << what << "\n";
  else
    std::cout << "request '" << o.request_id << "' was submitted before: it is run "
              << style.paint(run_id, output::Tone::kBold) << " (" << what << "); nothing new was created\n";
  const std::string repeat = o.server.repeat_options();
  const std::pair<std::string, const char*> next[] = {
      {"foundry show " + run_id + repeat, "its steps, plan and any prompt"},
      {"foundry queue --watch" + repeat, "follow every run"},
      {"foundry results " + run_id + " --follow" + repeat, "measurements as they come"}};
  std::size_t width = 0;
  for (const auto& [command, why] : next) width = std::max(width, command.size());
  std::cout << "next:\n";
  for (const auto& [command, why] : next) std::cout << fmt::format("  {:<{}}  {}\n", command, width, why);
}

}  // namespace

void add_submit_command(CLI::App& app) {
  auto options = std::make_shared<SubmitOptions>();
  auto* cmd = app.add_subcommand("submit", "Queue a run on foundryd (a protocol name on the server, or a local file)");
  cmd->footer(
      "The run starts when the plan allows; `foundry queue` and `foundry show RUN` follow it.\n"
      "With --request-id, running the same command again returns the same run (safe to retry).\n"
      "Exit codes: 0 submitted, 2 bad command line, 3 invalid protocol or values (each problem\n"
      "named), 4 no plan fits the run's time windows, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry submit dbtl-quick --db lab.db\n"
      "  foundry submit dbtl-quick --set culture_h=12 --set sample_interval_h=3 --priority 5\n"
      "  foundry submit protocols/dbtl-build-test.json --designs batch-3.json --request-id batch-3\n"
      "  RUN=$(foundry submit dbtl-quick --parsable) && foundry show \"$RUN\"");
  cmd->add_option("protocol", options->protocol, "Protocol name on the server, or a local protocol file")->required();
  cmd->add_option("--set,--param,-p", options->values,
                  "Parameter value NAME=VALUE (VALUE is JSON, or a plain string); repeat for more");
  cmd->add_option("--designs", options->designs_file, "JSON file of strain designs (the protocol's 'designs')")
      ->check(CLI::ExistingFile);
  options->priority_option =
      cmd->add_option("--priority", options->priority, "Priority 0-1000 (larger goes first)")->check(CLI::Range(0, 1000));
  cmd->add_option("--deadline", options->deadline_h, "Soft deadline in hours from now (a miss is reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--request-id", options->request_id,
                  "Client request id: the same id again returns the run it created (at most 128 characters)");
  auto* parsable = cmd->add_flag("--parsable", options->parsable, "Print only the run id (for scripts)");
  cmd->add_flag("--json", options->json, "Print {\"run_id\", \"created\"} as JSON")->excludes(parsable);
  add_server_options(*cmd, options->server);
  cmd->callback([options] { submit(*options); });
}

}  // namespace foundry::cli
