// The conformance kit on a driver that follows every rule, and on variants that each break one
// (tests/sdk/plugins/kit_device.cpp): the good one passes, each bad one fails exactly the check
// for its fault.
#include <foundry/engine/conformance.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

using foundry::engine::CheckStatus;
using foundry::engine::check_driver_conformance;
using foundry::engine::ConformanceOptions;
using foundry::engine::ConformanceReport;

namespace {

std::filesystem::path kit_plugin(const std::string& variant) {
  return std::filesystem::path(foundry::testing::kit_plugin_dir()) / ("foundry_kit_" + variant + ".so");
}

ConformanceReport check(const std::string& variant) {
  ConformanceOptions options;
  options.wall_grace_s = 0.05;  // the test drivers only use host timers
  return check_driver_conformance(kit_plugin(variant), options);
}

// "model/operation:check" of every failed check.
std::set<std::string> failed(const ConformanceReport& report) {
  std::set<std::string> out;
  for (const auto& c : report.checks)
    if (c.status == CheckStatus::failed) out.insert(c.model + "/" + c.operation + ":" + c.name);
  return out;
}

}  // namespace

TEST(ConformanceKit, PassesAWellBehavedDriverWithEveryCheckRun) {
  auto report = check("good");
  EXPECT_TRUE(report.passed()) << report.text();
  EXPECT_TRUE(failed(report).empty());
  for (const char* name : {"loads", "description"}) EXPECT_NE(report.find("", "", name), nullptr) << name;
  for (const char* name : {"description", "create", "state-finished", "state-unknown", "validation-error", "state-running", "cancel"}) {
    auto* c = report.find("kit-device", "", name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->status, CheckStatus::passed) << name << ": " << c->detail;
  }
  for (const char* op : {"mix", "read"})
    for (const char* name : {"description", "completes", "result-schema", "progress", "duration"}) {
      auto* c = report.find("kit-device", op, name);
      ASSERT_NE(c, nullptr) << op << " " << name;
      EXPECT_EQ(c->status, CheckStatus::passed) << op << " " << name << ": " << c->detail;
    }
}

TEST(ConformanceKit, SaysWhereTheParametersCameFrom) {
  auto report = check("good");
  auto* mix = report.find("kit-device", "mix", "completes");
  auto* read = report.find("kit-device", "read", "completes");
  ASSERT_NE(mix, nullptr);
  ASSERT_NE(read, nullptr);
  EXPECT_NE(mix->detail.find("the operation's example"), std::string::npos) << mix->detail;
  EXPECT_NE(mix->detail.find("\"speed_rpm\":500"), std::string::npos) << mix->detail;
  // "read" has no example: its required wavelength_nm is generated from the schema's minimum.
  EXPECT_NE(read->detail.find("generated from the schema"), std::string::npos) << read->detail;
  EXPECT_NE(read->detail.find("\"wavelength_nm\":300"), std::string::npos) << read->detail;
}

TEST(ConformanceKit, RunsCommandsInVirtualTime) {
  auto report = check("good");
  auto* duration = report.find("kit-device", "mix", "duration");
  ASSERT_NE(duration, nullptr);
  // The example asks for 120 s of mixing: measured on the virtual clock, to the millisecond.
  EXPECT_EQ(duration->detail.rfind("120.0 s,", 0), 0u) << duration->detail;
}

TEST(ConformanceKit, FailsADriverThatNeverReportsProgress) {
  auto report = check("no_progress");
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/mix:progress", "kit-device/read:progress"}));
  EXPECT_NE(report.find("kit-device", "read", "progress")->detail.find("no progress reported"), std::string::npos);
}

TEST(ConformanceKit, FailsAResultThatBreaksItsSchemaNamingTheField) {
  auto report = check("bad_result");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/read:result-schema"}));
  const auto& detail = report.find("kit-device", "read", "result-schema")->detail;
  EXPECT_NE(detail.find("result 'measurements[0].value': must be a number"), std::string::npos) << detail;
}

TEST(ConformanceKit, FailsADriverThatIgnoresCancel) {
  auto report = check("ignores_cancel");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/:cancel"}));
  EXPECT_NE(report.find("kit-device", "", "cancel")->detail.find("cancel ignored"), std::string::npos);
}

TEST(ConformanceKit, FailsAnOperationSlowerThanItsDeclaredMaximum) {
  auto report = check("slow");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/read:duration"}));
  const auto& detail = report.find("kit-device", "read", "duration")->detail;
  EXPECT_NE(detail.find("took 45.0 s"), std::string::npos) << detail;
}

TEST(ConformanceKit, FailsADriverThatRunsWithInvalidParameters) {
  auto report = check("lax_validation");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/:validation-error"}));
  const auto& detail = report.find("kit-device", "", "validation-error")->detail;
  EXPECT_NE(detail.find("'speed_rpm'"), std::string::npos) << detail;
}

TEST(ConformanceKit, FailsAnIncompleteOperationDescription) {
  auto report = check("bad_description");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/read:description"}));
  const auto& detail = report.find("kit-device", "read", "description")->detail;
  EXPECT_NE(detail.find("\"idempotent\""), std::string::npos) << detail;
  EXPECT_NE(detail.find("\"duration_s\""), std::string::npos) << detail;
  EXPECT_EQ(report.find("kit-device", "read", "duration")->status, CheckStatus::skipped);
}

TEST(ConformanceKit, FailsMalformedDeclaredErrorsNamingEachEntry) {
  auto report = check("bad_errors");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/mix:description"}));
  const auto& detail = report.find("kit-device", "mix", "description")->detail;
  EXPECT_NE(detail.find("errors[0].id: must be an identifier"), std::string::npos) << detail;
  EXPECT_NE(detail.find("errors[1].description: must be a non-empty string"), std::string::npos) << detail;
  EXPECT_NE(detail.find("errors[2].id: 'jam' is declared twice"), std::string::npos) << detail;
  EXPECT_NE(detail.find("errors[3]: must be an object"), std::string::npos) << detail;
}

TEST(ConformanceKit, FailsADriverThatForgetsFinishedCommands) {
  auto report = check("forgets_state");
  EXPECT_EQ(failed(report), (std::set<std::string>{"kit-device/:state-finished", "kit-device/:state-running"}));
}

TEST(ConformanceKit, ReportsAFileThatIsNotAPluginAsOneFailedLoadCheck) {
  auto file = std::filesystem::path(foundry::testing::sdk_scratch_dir()) / "not-a-plugin.so";
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "hello";
  auto report = check_driver_conformance(file, {});
  EXPECT_FALSE(report.passed());
  EXPECT_FALSE(report.loaded());
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_EQ(report.checks[0].name, "loads");
  EXPECT_NE(report.checks[0].detail.find("not a shared library"), std::string::npos);
}

TEST(ConformanceKit, RefusesAnUnknownModelAndSettingsThatAreNotAnObject) {
  ConformanceOptions options;
  options.model = "no-such-model";
  try {
    check_driver_conformance(kit_plugin("good"), options);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no model 'no-such-model' (it offers kit-device)"), std::string::npos) << e.what();
  }
  options.model.clear();
  options.settings_json = "[1]";
  EXPECT_THROW(check_driver_conformance(kit_plugin("good"), options), std::invalid_argument);
}

TEST(ConformanceKit, TextReportHasOneLinePerCheckAndAVerdict) {
  auto report = check("slow");
  const std::string text = report.text();
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; ++at) {
    auto start = text.rfind('\n', at - 1);
    auto line = text.substr(start == std::string::npos ? 0 : start + 1, 4);
    if (line == "PASS" || line == "FAIL" || line == "SKIP") ++lines;
  }
  EXPECT_EQ(lines, report.checks.size());
  EXPECT_NE(text.find("FAIL  kit-device/read"), std::string::npos) << text;
  EXPECT_NE(text.find("Result: FAIL"), std::string::npos) << text;
}

TEST(ConformanceKit, JsonReportCarriesEveryCheck) {
  auto report = check("good");
  auto doc = nlohmann::json::parse(report.json());
  EXPECT_TRUE(doc["passed"].get<bool>());
  EXPECT_EQ(doc["plugin"]["name"], "org.foundry.test.kit-device");
  EXPECT_EQ(doc["checks"].size(), report.checks.size());
  EXPECT_EQ(doc["summary"]["failed"], 0);
  EXPECT_EQ(doc["checks"][0]["status"], "pass");
}
