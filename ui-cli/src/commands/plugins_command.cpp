// foundry plugins [--plugin-dir DIR]... [--json]
// Lists the driver plugin files where `foundry run` and foundryd find drivers by name
// ($FOUNDRY_DRIVER_PATH, then the build tree's and the installed driver directories; see
// engine::plugin_search_path), or in the --plugin-dir directories: each file's driver name,
// version, SDK ABI version, device types and operations. A file that does not load gets a line
// with the loader's reason and the rest are still listed. Local: no foundryd needed.
#include "commands.hpp"
#include "output/style.hpp"
#include "output/table.hpp"

#include <foundry/engine/plugin_library.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

namespace foundry::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PluginsOptions {
  std::vector<std::string> dirs;
  bool json = false;
};

// The *.so files directly in `dir`, by name (a missing directory has none).
std::vector<fs::path> plugin_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".so" && !it->is_directory(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

// One file's entry: what it describes, or {"file", "error"} when it does not load.
json describe_file(const fs::path& file) {
  try {
    auto plugin = engine::PluginLibrary::load(file);
    std::string version;
    try {
      version = json::parse(plugin->description_json()).value("version", "");
    } catch (const json::exception&) {
      // load() has already checked the description; a version is optional.
    }
    json models = json::array();
    for (const auto& m : plugin->models()) {
      json ops = json::array();
      for (const auto& op : m.operations) ops.push_back({{"name", op.name}, {"idempotent", op.idempotent}});
      models.push_back({{"model", m.model}, {"device_type", m.device_type}, {"units", m.units}, {"operations", ops}});
    }
    return {{"file", file.string()},
            {"name", plugin->name()},
            {"version", version},
            {"abi", fmt::format("{}.{}", plugin->abi_major(), plugin->abi_minor())},
            {"models", models}};
  } catch (const engine::PluginError& e) {
    return {{"file", file.string()}, {"error", e.reason()}};
  } catch (const std::exception& e) {
    return {{"file", file.string()}, {"error", e.what()}};
  }
}

// "transfer, mix*" with * marking idempotent operations.
std::string operations_text(const json& operations) {
  std::string text;
  for (const auto& op : operations)
    text += (text.empty() ? "" : ", ") + op.at("name").get<std::string>() + (op.at("idempotent").get<bool>() ? "*" : "");
  return text;
}

void print_human(const json& listing) {
  auto style = output::Style::for_stdout();
  output::Table table({{"FILE"}, {"DRIVER"}, {"VERSION"}, {"ABI"}, {"DEVICE TYPE"}, {"OPERATIONS (* idempotent)"}});
  std::vector<std::string> failures;
  for (const auto& p : listing.at("plugins")) {
    std::string file = fs::path(p.at("file").get<std::string>()).filename().string();
    if (p.contains("error")) {
      failures.push_back(style.paint(p.at("file").get<std::string>(), output::Tone::kBad) + ": cannot load: " +
                         p.at("error").get<std::string>());
      continue;
    }
    bool first = true;
    for (const auto& m : p.at("models")) {
      std::string type = m.at("device_type").get<std::string>() + " (" + m.at("model").get<std::string>() + ")";
      if (first)
        table.add_row({file, p.at("name").get<std::string>(), p.at("version").get<std::string>(),
                       p.at("abi").get<std::string>(), type, operations_text(m.at("operations"))});
      else
        table.add_row({"", "", "", "", type, operations_text(m.at("operations"))});
      first = false;
    }
  }
  std::cout << "searched:";
  for (const auto& d : listing.at("directories")) std::cout << " " << d.get<std::string>();
  std::cout << "\n";
  if (table.rows() > 0) table.print(std::cout, style);
  for (const auto& f : failures) std::cout << f << "\n";
  if (table.rows() == 0 && failures.empty())
    std::cout << "no driver plugins (*.so) found; give --plugin-dir DIR or set FOUNDRY_DRIVER_PATH\n";
}

void list_plugins(const PluginsOptions& o) {
  std::vector<fs::path> dirs(o.dirs.begin(), o.dirs.end());
  if (dirs.empty()) dirs = engine::plugin_search_path();
  json listing = {{"directories", json::array()}, {"plugins", json::array()}};
  int failed = 0;
  for (const auto& dir : dirs) {
    listing["directories"].push_back(dir.string());
    for (const auto& file : plugin_files(dir)) {
      json entry = describe_file(file);
      failed += entry.contains("error") ? 1 : 0;
      listing["plugins"].push_back(std::move(entry));
    }
  }
  if (o.json)
    std::cout << listing.dump(2) << "\n";
  else
    print_human(listing);
  if (failed > 0) throw CliExit(kExitPluginError, "");
}

}  // namespace

void add_plugins_command(CLI::App& app) {
  auto options = std::make_shared<PluginsOptions>();
  auto* cmd = app.add_subcommand("plugins", "List the driver plugins found, with their device types and operations");
  cmd->footer(
      "Without --plugin-dir: the directories of $FOUNDRY_DRIVER_PATH, then the built-in driver\n"
      "directories (where foundry run and foundryd find a driver given by name).\n"
      "A file that does not load is listed with the reason; the others are still listed.\n"
      "--json: {directories, plugins: [{file, name, version, abi, models: [{model, device_type,\n"
      "units, operations: [{name, idempotent}]}]} or {file, error}]} (docs/cli.md).\n"
      "Exit codes: 0 all loaded, 5 some file did not load (still listed). No foundryd needed.\n"
      "Examples:\n"
      "  foundry plugins\n"
      "  foundry plugins --plugin-dir ./my-driver/build --json");
  cmd->add_option("--plugin-dir", options->dirs, "Look here instead (repeatable)")->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", options->json, "Print the list as JSON");
  cmd->callback([options] { list_plugins(*options); });
}

}  // namespace foundry::cli
