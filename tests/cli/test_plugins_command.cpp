// `foundry plugins`: the driver plugins where `foundry run` finds drivers by name (the build
// tree's drivers here), each with its name, version, ABI, device types and operations, checked
// against what the simulated workcell (protocols/workcells/sim-foundry.json) says each driver
// provides; and a directory holding files that are not plugins: each gets a line with its reason,
// the good plugin is still listed, the exit code is 5.
#include "command_runner.hpp"
#include "json_output.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace foundry::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

CommandResult foundry_plugins(const std::string& args) {
  // The default search path starts with $FOUNDRY_DRIVER_PATH: keep the developer's out of it.
  return run_command("env -u FOUNDRY_DRIVER_PATH " + shell_quote(foundry_binary()) + " plugins " + args);
}

TEST(PluginsCommand, ListsTheEightSimulatedDriversWithWhatTheWorkcellUsesOfThem) {
  auto r = foundry_plugins("--json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json listing = parse_json_output(r);
  EXPECT_EQ(listing.at("directories").at(0), foundry::testing::driver_dir());

  // plugin file stem -> {device type -> operations (name -> idempotent)}
  std::map<std::string, std::map<std::string, std::map<std::string, bool>>> found;
  for (const auto& p : listing.at("plugins")) {
    SCOPED_TRACE(p.dump());
    ASSERT_FALSE(p.contains("error"));
    if (fs::path(p.at("file").get<std::string>()).parent_path() != fs::path(foundry::testing::driver_dir())) continue;
    EXPECT_EQ(p.at("name").get<std::string>().rfind("org.foundry.sim.", 0), 0u);
    EXPECT_FALSE(p.at("version").get<std::string>().empty());
    EXPECT_EQ(p.at("abi").get<std::string>().rfind("1.", 0), 0u);
    auto& types = found[fs::path(p.at("file").get<std::string>()).stem().string()];
    for (const auto& m : p.at("models"))
      for (const auto& op : m.at("operations"))
        types[m.at("device_type").get<std::string>()][op.at("name").get<std::string>()] = op.at("idempotent").get<bool>();
  }
  EXPECT_EQ(found.size(), 8u);

  // Every device of the simulated workcell names its plugin and the operations it uses.
  std::ifstream in(foundry::testing::source_dir() + "/protocols/workcells/sim-foundry.json");
  json workcell = json::parse(in);
  for (const auto& d : workcell.at("devices")) {
    SCOPED_TRACE(d.dump());
    auto plugin = found.find(d.at("driver").at("plugin").get<std::string>());
    ASSERT_NE(plugin, found.end());
    auto type = plugin->second.find(d.at("type").get<std::string>());
    ASSERT_NE(type, plugin->second.end());
    for (const auto& op : d.at("operations")) EXPECT_EQ(type->second.count(op.get<std::string>()), 1u) << op;
  }

  // The table marks exactly the idempotent operations with '*'.
  auto human = foundry_plugins("");
  ASSERT_EQ(human.exit_code, 0) << human.err;
  for (const auto& [stem, types] : found) {
    auto row = human.out.find(stem + ".so");
    ASSERT_NE(row, std::string::npos) << stem << "\n" << human.out;
    for (const auto& [type, ops] : types) {
      auto line_start = human.out.find(type, row);
      auto line = human.out.substr(line_start, human.out.find('\n', line_start) - line_start);
      for (const auto& [op, idempotent] : ops) {
        bool starred = line.find(" " + op + "*") != std::string::npos || line.find(") " + op + "*") != std::string::npos;
        EXPECT_EQ(starred, idempotent) << op << " in: " << line;
      }
    }
  }
}

TEST(PluginsCommand, AFileThatDoesNotLoadGetsALineWithTheReasonAndTheRestAreListed) {
  fs::path dir = fs::temp_directory_path() / ("foundry-plugins-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(fs::path(foundry::testing::driver_dir()) / "foundry_sim_plate_reader.so", dir / "good_reader.so",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "empty.so").close();
  std::ofstream(dir / "notes.so") << "this is a text file, not a shared library\n";

  auto r = foundry_plugins("--plugin-dir " + shell_quote(dir.string()));
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("good_reader.so"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("org.foundry.sim.plate-reader"), std::string::npos) << r.out;
  for (const char* bad : {"empty.so", "notes.so"}) {
    auto line_start = r.out.find((dir / bad).string());
    ASSERT_NE(line_start, std::string::npos) << bad << "\n" << r.out;
    auto line = r.out.substr(line_start, r.out.find('\n', line_start) - line_start);
    EXPECT_NE(line.find(": cannot load: "), std::string::npos) << line;
    EXPECT_GT(line.size(), (dir / bad).string().size() + 20) << "a reason follows: " << line;
  }

  auto j = foundry_plugins("--json --plugin-dir " + shell_quote(dir.string()));
  EXPECT_EQ(j.exit_code, 5);
  json listing = parse_json_output(j);
  ASSERT_EQ(listing.at("plugins").size(), 3u);
  int errors = 0;
  for (const auto& p : listing.at("plugins")) errors += p.contains("error") && !p.at("error").get<std::string>().empty();
  EXPECT_EQ(errors, 2) << listing.dump(2);
  fs::remove_all(dir);
}

TEST(PluginsCommand, AMissingPluginDirIsAUsageError) {
  auto r = foundry_plugins("--plugin-dir /no/such/dir");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/no/such/dir"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace foundry::testing
