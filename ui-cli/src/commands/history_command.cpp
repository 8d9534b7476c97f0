// foundry history RUN [--db FILE] [--json]
// Prints a run's append-only event log, oldest first: what happened, to which step, when.
#include "commands.hpp"

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
  double origin = events.front().t;
  std::cout << fmt::format("{:>6}  {:>10}  {:<20} {:<28} {}\n", "seq", "time", "event", "step", "detail");
  for (const auto& e : events)
    std::cout << fmt::format("{:>6}  {:>10}  {:<20} {:<28} {}\n", e.seq, since(e.t, origin), e.kind,
                             e.step_id.empty() ? "-" : e.step_id, e.detail_json == "{}" ? "" : e.detail_json);
}

}  // namespace

void add_history_command(CLI::App& app) {
  auto options = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand("history", "Print a run's event log (append-only), oldest first");
  cmd->footer("Example:\n  foundry history dbtl-build-test-1 --db build/demo/dbtl-demo.db\n"
              "  foundry history dbtl-build-test-1 --db build/demo/dbtl-demo.db --json");
  cmd->add_option("run", options->run_id, "Run id (as printed by foundry run)")->required();
  cmd->add_option("--db", options->db, "Database file")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the events as a JSON array");
  cmd->callback([options] { history(*options); });
}

}  // namespace foundry::cli
