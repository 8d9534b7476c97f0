// foundry validate --json: the shape foundryd's validate result has (docs/cli.md), for a good
// protocol and for one with problems, each named by its path; exit codes 0 and 3.
#include "command_runner.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace foundry::testing {
namespace {

std::string protocol_file(const char* name) { return foundry::testing::source_dir() + "/protocols/" + name; }

TEST(ValidateJson, AGoodProtocolIsValidWithItsNameAndStepCount) {
  auto r = run_command(shell_quote(foundry_binary()) + " validate " + shell_quote(protocol_file("dbtl-build-test.json")) +
                       " --workcell " + shell_quote(protocol_file("workcells/sim-foundry.json")) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("valid"), true);
  EXPECT_EQ(j.at("protocol"), "dbtl-build-test");
  // The same count the human line gives.
  auto human = run_command(shell_quote(foundry_binary()) + " validate " + shell_quote(protocol_file("dbtl-build-test.json")));
  EXPECT_EQ(human.out, "ok: dbtl-build-test, " + std::to_string(j.at("steps").get<int>()) + " steps\n");
}

TEST(ValidateJson, ProblemsAreListedByPathWithExitCode3) {
  auto r = run_command(shell_quote(foundry_binary()) + " validate " + shell_quote(protocol_file("dbtl-build-test.json")) +
                       " --param nope=1 --param culture_h=-5 --json");
  EXPECT_EQ(r.exit_code, 3);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("valid"), false);
  ASSERT_FALSE(j.at("diagnostics").empty());
  bool names_unknown = false;
  for (const auto& d : j.at("diagnostics")) {
    EXPECT_TRUE(d.at("path").is_string() && d.at("reason").is_string()) << d.dump();
    names_unknown = names_unknown || d.at("path").get<std::string>().find("nope") != std::string::npos ||
                    d.at("reason").get<std::string>().find("nope") != std::string::npos;
  }
  EXPECT_TRUE(names_unknown) << r.out;
}

}  // namespace
}  // namespace foundry::testing
