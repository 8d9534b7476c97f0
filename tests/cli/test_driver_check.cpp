// `foundry driver check` end to end: the real binary on the conformance test plugins built in
// tests/sdk (a good one and deliberately broken ones), its report on stdout and in a file, JSON
// output, lookup by name, and exit codes (0 pass, 1 a check failed, 2 usage, 5 not loadable).
#include "command_runner.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using foundry::testing::CommandResult;
using foundry::testing::foundry_binary;
using foundry::testing::run_command;
using foundry::testing::shell_quote;

namespace {

const fs::path kPluginDir = foundry::testing::kit_plugin_dir();

std::string plugin(const std::string& variant) { return (kPluginDir / ("foundry_kit_" + variant + ".so")).string(); }

CommandResult driver_check(const std::string& arguments, const std::string& environment = "") {
  return run_command(environment + " " + shell_quote(foundry_binary()) + " driver check " + arguments);
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("foundry_test_driver_check_" + std::to_string(::getpid()) + "_" + name);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(DriverCheckCommand, PassesAGoodDriverAndWritesTheSameReportToAFile) {
  const fs::path report = temp_file("good.txt");
  auto r = driver_check(shell_quote(plugin("good")) + " --report " + shell_quote(report.string()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS  kit-device/mix"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: PASS"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(report), r.out);
  fs::remove(report);
}

TEST(DriverCheckCommand, ExitsWithOneAndNamesTheFailedCheck) {
  auto r = driver_check(shell_quote(plugin("ignores_cancel")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::istringstream lines(r.out);
  std::string line, failed;
  while (std::getline(lines, line))
    if (line.rfind("FAIL", 0) == 0) failed += line + "\n";
  EXPECT_NE(failed.find("kit-device"), std::string::npos) << r.out;
  EXPECT_NE(failed.find("cancel"), std::string::npos) << failed;
  EXPECT_NE(failed.find("cancel ignored"), std::string::npos) << failed;
  EXPECT_NE(r.out.find("Result: FAIL"), std::string::npos);
}

TEST(DriverCheckCommand, PrintsJsonWhenAsked) {
  auto r = driver_check(shell_quote(plugin("slow")) + " --json");
  EXPECT_EQ(r.exit_code, 1);
  auto doc = nlohmann::json::parse(r.out);  // stdout is one JSON document, driver logs included in it
  EXPECT_FALSE(doc["passed"].get<bool>());
  int failed = 0;
  for (const auto& check : doc["checks"])
    if (check["status"] == "fail") {
      ++failed;
      EXPECT_EQ(check["operation"], "read");
      EXPECT_EQ(check["check"], "duration");
    }
  EXPECT_EQ(failed, 1);
}

TEST(DriverCheckCommand, FindsAPluginByNameOnTheDriverPathAndChecksOneModel) {
  auto r = driver_check("foundry_kit_good --model kit-device", "FOUNDRY_DRIVER_PATH=" + shell_quote(kPluginDir.string()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("org.foundry.test.kit-device"), std::string::npos) << r.out;
}

TEST(DriverCheckCommand, RefusesAnUnknownModelOrBadSettingsAsAUsageError) {
  auto r = driver_check(shell_quote(plugin("good")) + " --model nope");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no model 'nope' (it offers kit-device)"), std::string::npos) << r.err;
  auto settings = driver_check(shell_quote(plugin("good")) + " --settings '[1]'");
  EXPECT_EQ(settings.exit_code, 2);
  EXPECT_NE(settings.err.find("driver settings must be a JSON object"), std::string::npos) << settings.err;
}

TEST(DriverCheckCommand, ReportsAFileThatCannotBeLoadedWithExitCodeFive) {
  const fs::path bogus = temp_file("bogus.so");
  std::ofstream(bogus) << "not a plugin";
  auto r = driver_check(shell_quote(bogus.string()));
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  plugin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a shared library"), std::string::npos) << r.out;
  fs::remove(bogus);
  auto missing = driver_check(shell_quote((kPluginDir / "no_such_driver.so").string()));
  EXPECT_EQ(missing.exit_code, 5);
  EXPECT_NE(missing.out.find("no such file"), std::string::npos) << missing.out;
}

TEST(DriverCheckCommand, NeedsAPlugin) {
  auto r = run_command(shell_quote(foundry_binary()) + " driver check");
  EXPECT_EQ(r.exit_code, 2);
  auto bare = run_command(shell_quote(foundry_binary()) + " driver");
  EXPECT_EQ(bare.exit_code, 2);
}
