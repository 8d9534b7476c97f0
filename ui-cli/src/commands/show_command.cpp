// foundry show RUN [--json] [server options]
// One run in full: its state and step counts, every step (state, device, planned and actual
// times), and each prompt it waits on with the exact `foundry ack` commands that answer it.
#include "commands.hpp"
#include "commands/run_display.hpp"
#include "commands/server_connection.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace foundry::cli {

namespace {

using nlohmann::json;

struct ShowOptions {
  ServerOptions server;
  std::string run_id;
  bool json = false;
};

// "Dec 02 06:43 - 07:04" (the end's date only when it differs; one end; or "-"): when a step is
// planned, or when it actually ran.
std::string span(const json& start, const json& end) {
  if (!start.is_number()) return "-";
  std::string from = lab_time(start.get<double>());
  if (!end.is_number()) return from + " -";
  std::string to = lab_time(end.get<double>());
  return from + " - " + (to.substr(0, 6) == from.substr(0, 6) ? to.substr(7) : to);
}

std::string counts_text(const json& step_counts, const output::Style& style) {
  // In the order a run goes through them, so the line reads like its progress.
  static const char* order[] = {"done", "running", "planned", "pending", "held", "failed", "skipped", "cancelled"};
  std::string text;
  for (const char* state : order)
    if (step_counts.contains(state) && step_counts[state].get<int>() > 0)
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", step_counts[state].get<int>(), style.paint(state, state_tone(state)));
  return text.empty() ? "no steps" : text;
}

void print_prompts(const json& prompts, double now, const std::string& repeat, const output::Style& style) {
  for (const auto& p : prompts) {
    std::cout << "\n"
              << style.paint("HELD", output::Tone::kWarning) << " " << p.at("step_id").get<std::string>() << " on "
              << p.at("device_id").get<std::string>() << ": " << p.at("what_happened").get<std::string>() << "\n";
    std::cout << "  waiting since " << output::relative_time(p.at("since").get<double>(), now) << "\n";
    if (p.at("window_left_s").is_number()) {
      double left = p.at("window_left_s").get<double>();
      std::cout << "  time left in its window: "
                << (left > 0 ? style.paint(output::format_duration(left), left < 600 ? output::Tone::kBad : output::Tone::kPlain)
                             : style.paint("none (the window has passed)", output::Tone::kBad))
                << "\n";
    }
    std::vector<std::string> choices;
    for (const auto& c : p.at("choices")) choices.push_back(c.get<std::string>());
    std::cout << "  choices: " << fmt::format("{}", fmt::join(choices, ", ")) << "; answer with one of:\n";
    for (const auto& command : ack_commands(p, repeat)) std::cout << "    " << command << "\n";
  }
}

void print_run(const json& status, double now, const std::string& repeat) {
  auto style = output::Style::for_stdout();
  auto state = status.at("state").get<std::string>();
  std::string line = style.paint(status.at("run_id").get<std::string>(), output::Tone::kBold) + "  " +
                     status.at("protocol").get<std::string>() + "  " + style.paint(state, state_tone(state)) +
                     "  priority " + std::to_string(status.at("priority").get<int>()) + "  created " +
                     output::relative_time(status.at("created_at").get<double>(), now);
  if (status.at("finished_at").is_number())
    line += ", finished " + output::relative_time(status.at("finished_at").get<double>(), now) + " (took " +
            output::format_duration(status.at("finished_at").get<double>() - status.at("created_at").get<double>()) + ")";
  std::cout << line << "\n";
  auto progress = step_progress(status.at("step_counts"));
  std::cout << fmt::format("steps: {}/{} finished ({})\n", progress.finished, progress.total,
                           counts_text(status.at("step_counts"), style));

  auto steps = status.at("steps").get<std::vector<json>>();
  // Planned order: what ran first, then what runs next; unplanned steps last.
  std::stable_sort(steps.begin(), steps.end(), [](const json& a, const json& b) {
    auto key = [](const json& s) {
      if (s.at("started_at").is_number()) return s.at("started_at").get<double>();
      if (s.at("planned_start").is_number()) return s.at("planned_start").get<double>();
      return 1e300;
    };
    return key(a) < key(b);
  });
  output::Table table({{"STEP"}, {"STATE"}, {"DEVICE"}, {"PLANNED"}, {"ACTUAL"}, {"TRY", output::Align::kRight}});
  for (const auto& s : steps) {
    auto step_state = s.at("state").get<std::string>();
    auto device = s.at("device_id").get<std::string>();
    table.add_row({s.at("step_id").get<std::string>(), style.paint(step_state, state_tone(step_state)),
                   device.empty() ? "-" : device, span(s.at("planned_start"), s.at("planned_end")),
                   span(s.at("started_at"), s.at("finished_at")), std::to_string(s.at("attempt").get<int>())});
  }
  std::cout << "\n";
  table.print(std::cout, style);
  std::cout << style.paint(fmt::format("(local time on the lab's clock; now {})", lab_time(now)), output::Tone::kDim) << "\n";
  print_prompts(status.at("prompts"), now, repeat, style);
}

void show(const ShowOptions& o) {
  ServerConnection server(o.server);
  double now = server.request("hello").at("now").get<double>();
  json status = server.request("status", {{"run_id", o.run_id}, {"steps", true}});
  if (o.json) {
    status["now"] = now;
    std::cout << status.dump(2) << "\n";
    return;
  }
  print_run(status, now, o.server.repeat_options());
}

}  // namespace

void add_show_command(CLI::App& app) {
  auto options = std::make_shared<ShowOptions>();
  auto* cmd = app.add_subcommand("show", "Show one run on foundryd: steps, devices, times, open prompts");
  cmd->footer(
      "A held step's prompt says what happened, how much of its time window is left and the\n"
      "foundry ack commands that answer it (retry, skip or abort).\n"
      "Exit codes: 0 ok, 3 no such run, 8 no foundryd answered.\n"
      "Examples:\n"
      "  foundry show dbtl-quick-1 --db lab.db\n"
      "  foundry show dbtl-quick-1 --json | jq '.step_counts'");
  cmd->add_option("run", options->run_id, "Run id (foundry queue lists them)")->required();
  cmd->add_flag("--json", options->json, "Print the run as JSON (docs/cli.md)");
  add_server_options(*cmd, options->server);
  cmd->callback([options] { show(*options); });
}

}  // namespace foundry::cli
