// foundry history RUN [--db FILE] [--json]
// Prints a run's append-only event log, oldest first: what happened, to which step, when.
#include "commands.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <foundry/store/store.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

namespace foundry::cli {

namespace {

struct HistoryOptions {
  std::string run_id;
  std::string db = "foundry.db";
  bool json = false;
};

// "+12.5 h" relative to the run's first event: lab staff think in hours since the start.
std::string since(double t, double origin) {
  double s = t - origin;
  if (s < 120) return fmt::format("+{:.0f} s", s);
  if (s < 7200) return fmt::format("+{:.1f} min", s / 60);
  return fmt::format("+{:.2f} h", s / 3600);
}

// How an event reads at a glance: trouble in red, completion in green, waiting in yellow.
output::Tone tone_of(const std::string& kind) {
  auto has = [&](const char* part) { return kind.find(part) != std::string::npos; };
  if (has("failed") || has("violated") || has("missed") || has("cancel")) return output::Tone::kBad;
  if (has("held") || has("hold") || has("skipped") || has("replan")) return output::Tone::kWarning;
  if (has("finished") || kind == "run_done") return output::Tone::kGood;
  if (has("started") || has("running")) return output::Tone::kInfo;
  return output::Tone::kPlain;
}

void print_history_table(const std::string& run_id, const store::Store& store, const std::vector<store::Event>& events) {
  auto style = output::Style::for_stdout();
  for (const auto& r : store.runs()) {
    if (r.run_id != run_id) continue;
    // Times are the run's clock (virtual time starts at the real start), so "ago" is honest
    // for wall-clock runs and a readable date offset for virtual ones.
    std::string line = style.paint(r.run_id, output::Tone::kBold) + "  " + r.protocol + "  " +
                       style.paint(r.state, tone_of("run_" + r.state)) + "  created " +
                       output::relative_time(r.created_at, output::wall_now());
    if (r.finished_at) line += ", took " + output::format_duration(*r.finished_at - r.created_at);
    std::cout << line << "\n";
  }
  double origin = events.front().t;
  output::Table table({{"seq", output::Align::kRight},
                       {"time", output::Align::kRight},
                       {"event", output::Align::kLeft},
                       {"step", output::Align::kLeft},
                       {"detail", output::Align::kLeft}});
  for (const auto& e : events)
    table.add_row({std::to_string(e.seq), since(e.t, origin), style.paint(e.kind, tone_of(e.kind)),
                   e.step_id.empty() ? "-" : e.step_id, e.detail_json == "{}" ? "" : e.detail_json});
  table.print(std::cout, style);
}

void history(const HistoryOptions& options) {
  if (!std::filesystem::exists(options.db))
    throw CliExit(kExitBadInput, options.db + ": no such database (give it with --db)");
  auto store = store::Store::open(options.db);
  auto events = store->events(options.run_id);
  if (events.empty()) {
    std::string known;
    for (const auto& r : store->runs()) known += (known.empty() ? "" : ", ") + r.run_id;
    throw CliExit(kExitBadInput, "no run '" + options.run_id + "' in " + options.db +
                                     (known.empty() ? " (it has no runs)" : " (runs: " + known + ")"));
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : events)
      out.push_back({{"seq", e.seq},
                     {"t", e.t},
                     {"run", e.run_id},
                     {"step", e.step_id},
                     {"kind", e.kind},
                     {"detail", nlohmann::json::parse(e.detail_json, nullptr, false)}});
    std::cout << out.dump(2) << "\n";
    return;
  }
  print_history_table(options.run_id, *store, events);
}

}  // namespace

void add_history_command(CLI::App& app) {
  auto options = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand("history", "Print a run's event log (append-only), oldest first");
  cmd->footer("Example:\n  foundry history dbtl-build-test-1 --db build/demo/dbtl-demo.db\n"
              "  foundry history dbtl-build-test-1 --db build/demo/dbtl-demo.db --json\n"
              "Colour is used on a terminal only, and never when NO_COLOR is set.");
  cmd->add_option("run", options->run_id, "Run id (as printed by foundry run)")->required();
  cmd->add_option("--db", options->db, "Database file")->envname("FOUNDRY_DB")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the events as a JSON array");
  cmd->callback([options] { history(*options); });
}

}  // namespace foundry::cli
