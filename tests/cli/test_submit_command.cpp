// foundry submit against a real foundryd (tests/cli/served_database.hpp): by name and from a
// local file, --set and --designs, --parsable, safe retries with --request-id, and every kind of
// bad input with its exit code and a message that says what to do.
#include "served_database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

namespace foundry {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::contains;
using testing::ServedDatabase;
using testing::shell_quote;

int steps_of(const ServedDatabase& lab, const std::string& run_id) {
  auto shown = lab.foundry("show " + run_id + " --json");
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  return static_cast<int>(json::parse(shown.out).at("steps").size());
}

class Submit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lab_ = new ServedDatabase(); }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  static ServedDatabase* lab_;
};
ServedDatabase* Submit::lab_ = nullptr;

TEST_F(Submit, ByNameSaysTheRunIdAndWhatToDoNext) {
  auto r = lab_->foundry("submit dbtl-quick");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("submitted (dbtl-quick-[0-9]+): dbtl-quick, 16 steps"))) << r.out;
  const std::string run_id = m[1];
  // The suggested commands name the same database, so they can be pasted as they are.
  EXPECT_TRUE(contains(r.out, "foundry show " + run_id + " --db " + lab_->db().string())) << r.out;
  EXPECT_TRUE(contains(r.out, "foundry queue --watch --db " + lab_->db().string())) << r.out;
  EXPECT_TRUE(contains(r.out, "foundry results " + run_id + " --follow")) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(Submit, ParsablePrintsExactlyTheRunId) {
  auto r = lab_->foundry("submit dbtl-quick --parsable");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("dbtl-quick-[0-9]+\n"))) << "[" << r.out << "]";
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(lab_->foundry("show " + r.out.substr(0, r.out.size() - 1)).exit_code, 0);
}

TEST_F(Submit, TheSameRequestIdTwiceMakesOneRun) {
  auto first = lab_->foundry("submit dbtl-quick --request-id batch-7 --parsable");
  auto again = lab_->foundry("submit dbtl-quick --request-id batch-7");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string run_id = first.out.substr(0, first.out.size() - 1);
  EXPECT_TRUE(contains(again.out, "request 'batch-7' was submitted before: it is run " + run_id)) << again.out;
  EXPECT_TRUE(contains(again.out, "nothing new was created")) << again.out;
  auto json_again = lab_->foundry("submit dbtl-quick --request-id batch-7 --json");
  ASSERT_EQ(json_again.exit_code, 0) << json_again.err;
  EXPECT_EQ(json::parse(json_again.out), (json{{"run_id", run_id}, {"created", false}}));
  int with_id = 0;
  const json queue = json::parse(lab_->foundry("queue --all --json").out);
  for (const auto& run : queue.at("runs"))
    with_id += run.at("run_id") == run_id;
  EXPECT_EQ(with_id, 1);
}

TEST_F(Submit, SetValuesAndADesignsFileReachTheRun) {
  auto shorter = lab_->foundry("submit dbtl-quick --set culture_h=4 --set sample_interval_h=2 --priority 7 --parsable");
  ASSERT_EQ(shorter.exit_code, 0) << shorter.err;
  const std::string run_id = shorter.out.substr(0, shorter.out.size() - 1);
  EXPECT_EQ(steps_of(*lab_, run_id), 8 + 2 * 2);  // the build, cultivation, two sample+read pairs
  EXPECT_EQ(json::parse(lab_->foundry("show " + run_id + " --json").out).at("priority"), 7);

  auto designs = lab_->dir() / "designs.json";
  std::ofstream(designs) << R"({"designs": [{"id": "a1", "promoter": "J23100", "rbs": "B0034", "gene": "v1"},
                                           {"id": "a2", "promoter": "J23106", "rbs": "B0032", "gene": "v2"}]})";
  auto two = lab_->foundry("submit dbtl-quick --designs " + shell_quote(designs.string()) + " --parsable");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(steps_of(*lab_, two.out.substr(0, two.out.size() - 1)), 2 * 16);
}

TEST_F(Submit, ALocalProtocolFileIsSentInline) {
  std::ifstream in(ServedDatabase::source_dir() / "protocols/dbtl-quick.json");
  json protocol = json::parse(in);
  protocol["name"] = "my-quick";  // not on the server: only the inline document can name it
  auto file = lab_->dir() / "my-quick.json";
  std::ofstream(file) << protocol.dump();
  auto r = lab_->foundry("submit " + shell_quote(file.string()) + " --parsable");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("my-quick-[0-9]+\n"))) << r.out;
}

TEST_F(Submit, BadInputNamesTheProblemAndSubmitsNothing) {
  auto before = json::parse(lab_->foundry("queue --all --json").out).at("runs").size();

  auto unknown = lab_->foundry("submit no-such-protocol");
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_TRUE(contains(unknown.err, "no protocol named 'no-such-protocol'")) << unknown.err;

  auto invalid = lab_->foundry("submit dbtl-quick --set culture_h=0");
  EXPECT_EQ(invalid.exit_code, 3);
  EXPECT_TRUE(contains(invalid.err, "culture_h")) << "the diagnostics name the parameter: " << invalid.err;
  EXPECT_TRUE(contains(invalid.err, "nothing was submitted")) << invalid.err;

  auto no_equals = lab_->foundry("submit dbtl-quick --set culture_h");
  EXPECT_EQ(no_equals.exit_code, 2);
  EXPECT_TRUE(contains(no_equals.err, "--set 'culture_h': expected NAME=VALUE")) << no_equals.err;

  auto missing_file = lab_->foundry("submit protocols/no-such-file.json");
  EXPECT_EQ(missing_file.exit_code, 3);
  EXPECT_TRUE(contains(missing_file.err, "no such protocol file")) << missing_file.err;

  auto not_json = lab_->dir() / "broken.json";
  std::ofstream(not_json) << "{\"name\": ";
  auto broken = lab_->foundry("submit " + shell_quote(not_json.string()));
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_TRUE(contains(broken.err, "not valid JSON")) << broken.err;

  auto designs = lab_->dir() / "designs-object.json";
  std::ofstream(designs) << R"({"id": "a1"})";
  auto bad_designs = lab_->foundry("submit dbtl-quick --designs " + shell_quote(designs.string()));
  EXPECT_EQ(bad_designs.exit_code, 3);
  EXPECT_TRUE(contains(bad_designs.err, "a designs file holds a JSON array")) << bad_designs.err;

  EXPECT_EQ(lab_->foundry("submit dbtl-quick --priority 5000").exit_code, 2);
  EXPECT_EQ(json::parse(lab_->foundry("queue --all --json").out).at("runs").size(), before);
}

TEST(SubmitWithoutServer, SaysHowToStartOneAndExits8) {
  auto dir = std::filesystem::temp_directory_path() / ("foundry-cli-nothing-" + std::to_string(::getpid()));
  auto r = testing::run_command(shell_quote(testing::foundry_binary()) + " submit dbtl-quick --db " +
                                shell_quote((dir / "lab.db").string()));
  EXPECT_EQ(r.exit_code, 8);
  EXPECT_TRUE(contains(r.err, "no foundryd serves")) << r.err;
  EXPECT_TRUE(contains(r.err, "start one: foundry serve --db")) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace foundry
