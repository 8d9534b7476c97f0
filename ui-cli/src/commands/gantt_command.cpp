// foundry gantt --db FILE [RUN...] --out PREFIX [--workcell FILE] [--protocol FILE...]
// Writes PREFIX.svg and a self-contained PREFIX.html: the plan in force and what actually ran,
// a lane per device, faults and holds marked (scheduler/include/foundry/report/gantt.hpp).
#include "commands.hpp"
#include "commands/report_sources.hpp"

#include <foundry/report/gantt.hpp>
#include <foundry/report/store_timeline.hpp>
#include <foundry/store/store.hpp>

#include <filesystem>
#include <iostream>

namespace foundry::cli {

namespace {

struct GanttOptions {
  std::string db = "foundry.db";
  std::vector<std::string> runs;
  std::string out = "gantt";
  ReportSourceFiles sources;
};

void gantt(const GanttOptions& options) {
  auto store = open_existing_store(options.db);
  LoadedSources loaded = load_report_sources(options.sources);
  report::Timeline timeline;
  try {
    timeline = report::timeline_from_store(*store, options.runs, loaded.sources);
  } catch (const std::invalid_argument& e) {
    throw CliExit(kExitBadInput, e.what());
  }
  if (timeline.runs.empty())
    throw CliExit(kExitBadInput, options.db + " has no runs yet (start one with foundry run)");
  if (options.runs.size() == 1) timeline.title = options.runs.front() + " (" + options.db + ")";
  else timeline.title = std::to_string(timeline.runs.size()) + " runs (" + options.db + ")";
  write_output_file(options.out + ".svg", report::gantt_svg(timeline));
  write_output_file(options.out + ".html", report::gantt_html(timeline));
  std::cout << "wrote " << options.out << ".svg and " << options.out << ".html (" << timeline.runs.size()
            << " run(s), " << timeline.bars.size() << " steps)\n";
}

}  // namespace

void add_gantt_command(CLI::App& app) {
  auto options = std::make_shared<GanttOptions>();
  auto* cmd = app.add_subcommand("gantt", "Draw runs as a Gantt chart (SVG and a self-contained HTML page)");
  cmd->footer(
      "Each device is a lane (the used vessels of an array under it); the plan in force is a dashed\n"
      "outline above a solid bar of what ran; max-lag windows are shaded; failed steps, late starts,\n"
      "holds and devices out of service are marked. Hover a shape for its details (docs/report.md).\n"
      "Examples:\n"
      "  foundry gantt --db build/demo/dbtl-demo.db --out build/demo/gantt\n"
      "  foundry gantt --db run.db dbtl-quick-1 --out quick --workcell protocols/workcells/sim-foundry.json\n"
      "Exit codes: 0 written, 1 cannot write, 3 no such database/run or a bad workcell/protocol.");
  cmd->add_option("runs", options->runs, "Run ids to draw (default: every run in the database)");
  cmd->add_option("--db", options->db, "Database file")->envname("FOUNDRY_DB")->capture_default_str();
  cmd->add_option("--out", options->out, "Output prefix: writes PREFIX.svg and PREFIX.html")->capture_default_str();
  add_report_source_options(*cmd, options->sources);
  cmd->callback([options] { gantt(*options); });
}

}  // namespace foundry::cli
