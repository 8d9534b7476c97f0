// What `foundry gantt` and `foundry report` read besides the database: a workcell (lane order,
// device types and capacities) and protocols (their max-lag windows, which the store does not
// record yet). Shared by the two commands.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/report/store_timeline.hpp>
#include <foundry/store/store.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>

#include <memory>
#include <string>
#include <vector>

namespace foundry::cli {

struct ReportSourceFiles {
  std::string workcell;
  std::vector<std::string> protocols;
};

struct LoadedSources {
  std::unique_ptr<Workcell> workcell;  // owned here; sources.workcell points at it
  report::TimelineSources sources;
};

void add_report_source_options(CLI::App& cmd, ReportSourceFiles& files);

// Throws CliExit(kExitBadInput) naming the file and every problem in it.
LoadedSources load_report_sources(const ReportSourceFiles& files);

// Writes `text` to `path`, creating its folder; CliExit(kExitFailure) naming the file when it
// cannot.
void write_output_file(const std::filesystem::path& path, const std::string& text);

// Opens a database that must already exist (reading never creates one); CliExit(kExitBadInput)
// otherwise.
std::unique_ptr<store::Store> open_existing_store(const std::string& db);

}  // namespace foundry::cli
