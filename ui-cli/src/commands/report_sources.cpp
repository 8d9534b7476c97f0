#include "commands/report_sources.hpp"

#include "commands.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/protocol.hpp>

#include <filesystem>
#include <fstream>

namespace foundry::cli {

namespace {

std::string listed(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) text += d.path + ": " + d.reason + "\n";
  return text;
}

}  // namespace

void add_report_source_options(CLI::App& cmd, ReportSourceFiles& files) {
  cmd.add_option("--workcell", files.workcell, "Workcell file: lane order, device types and capacities");
  cmd.add_option("--protocol", files.protocols,
                 "Protocol file(s) the runs came from: max-lag windows for runs recorded before schema v2 "
                 "(expanded with their default values; steps matched by id)");
}

LoadedSources load_report_sources(const ReportSourceFiles& files) {
  LoadedSources loaded;
  try {
    if (!files.workcell.empty()) {
      loaded.workcell = std::make_unique<Workcell>(load_workcell(files.workcell));
      loaded.sources.workcell = loaded.workcell.get();
    }
    for (const auto& file : files.protocols) {
      Protocol protocol = load_protocol(file);
      for (auto& [step, deps] : report::dependencies_of(protocol.expand({}, "windows")))
        loaded.sources.dependencies[step] = std::move(deps);
    }
  } catch (const InputError& e) {
    throw CliExit(kExitBadInput, listed(e.diagnostics()) + "nothing was written");
  }
  return loaded;
}

void write_output_file(const std::filesystem::path& path, const std::string& text) {
  const std::string advice = ": cannot write (check the folder exists and is writable)";
  try {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  } catch (const std::filesystem::filesystem_error& e) {
    throw CliExit(kExitFailure, path.string() + advice + ": " + e.code().message());
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw CliExit(kExitFailure, path.string() + advice);
}

std::unique_ptr<store::Store> open_existing_store(const std::string& db) {
  if (!std::filesystem::exists(db)) throw CliExit(kExitBadInput, db + ": no such database (give it with --db)");
  try {
    return store::Store::open(db);
  } catch (const store::StoreError& e) {
    throw CliExit(kExitBadInput, e.what());
  }
}

}  // namespace foundry::cli
