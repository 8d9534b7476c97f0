// foundry report --db FILE [--campaign NAME] --out FILE.html [--workcell FILE] [--protocol FILE...]
// Writes the campaign report: one self-contained HTML page (sections in
// scheduler/include/foundry/report/campaign_report.hpp and docs/report.md).
#include "commands.hpp"
#include "commands/report_sources.hpp"

#include <foundry/report/campaign_report.hpp>

#include <filesystem>
#include <iostream>

namespace foundry::cli {

namespace {

struct ReportCommandOptions {
  std::string db = "foundry.db";
  std::string campaign;
  std::string out = "report.html";
  std::string title;
  ReportSourceFiles sources;
};

void report(const ReportCommandOptions& options) {
  auto store = open_existing_store(options.db);
  LoadedSources loaded = load_report_sources(options.sources);
  auto runs = report::campaign_runs(*store, options.campaign);
  if (runs.empty()) {
    if (options.campaign.empty()) throw CliExit(kExitBadInput, options.db + " has no runs yet (start one with foundry run)");
    std::string known;
    for (const auto& r : store->runs()) known += (known.empty() ? "" : ", ") + r.run_id;
    throw CliExit(kExitBadInput, "no run in " + options.db + " matches campaign '" + options.campaign + "'" +
                                     (known.empty() ? "" : " (runs: " + known + ")"));
  }
  report::ReportOptions report_options;
  report_options.campaign = options.campaign;
  report_options.sources = loaded.sources;
  report_options.title = !options.title.empty() ? options.title
                         : options.campaign.empty() ? "Foundry report: " + std::filesystem::path(options.db).filename().string()
                                                    : "Campaign " + options.campaign;
  std::string html = report::campaign_report_html(*store, report_options);
  write_output_file(options.out, html);
  std::cout << "wrote " << options.out << " (" << runs.size() << " run(s)); open it in a browser\n";
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportCommandOptions>();
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML report of a campaign");
  cmd->footer(
      "Sections: runs; Gantt (plan and what ran); device utilisation; DBTL progress (best titer per\n"
      "cycle against a random baseline); growth curves (OD600 per vessel). See docs/report.md.\n"
      "Examples:\n"
      "  foundry report --db build/demo/dbtl-demo.db --out build/demo/report.html\n"
      "  foundry report --db lab.db --campaign dbtl-campaign --out campaign.html \\\n"
      "      --workcell protocols/workcells/sim-foundry.json --protocol protocols/dbtl-campaign.json\n"
      "Exit codes: 0 written, 1 cannot write, 3 no such database, no matching runs, or a bad workcell/protocol.");
  cmd->add_option("--db", options->db, "Database file")->envname("FOUNDRY_DB")->capture_default_str();
  cmd->add_option("--campaign", options->campaign, "Only runs whose id or protocol contains NAME");
  cmd->add_option("--out", options->out, "The HTML file to write")->capture_default_str();
  cmd->add_option("--title", options->title, "Title of the report");
  add_report_source_options(*cmd, options->sources);
  cmd->callback([options] { report(*options); });
}

}  // namespace foundry::cli
