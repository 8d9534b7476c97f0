// foundry results against a real foundryd: the measurements table, the JSON shape (docs/cli.md),
// --after, and --follow printing every result of a run exactly once, then stopping when it ends.
#include "served_database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

namespace foundry {
namespace {

using nlohmann::json;
using testing::contains;
using testing::ServedDatabase;
using testing::shell_quote;

// docs/cli.md, "results --json": one result.
void expect_result_shape(const json& r) {
  for (const char* key : {"seq", "previous_result_seq"}) EXPECT_TRUE(r.at(key).is_number_integer()) << key;
  EXPECT_TRUE(r.at("t").is_number());
  for (const char* key : {"run_id", "step_id", "device_id"}) EXPECT_TRUE(r.at(key).is_string()) << key;
  ASSERT_TRUE(r.at("measurements").is_array());
  for (const auto& m : r.at("measurements")) {
    for (const char* key : {"name", "unit", "sample"}) EXPECT_TRUE(m.at(key).is_string()) << key;
    EXPECT_TRUE(m.at("value").is_number());
  }
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

class Results : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lab_ = new ServedDatabase();
    auto r = lab_->foundry("submit dbtl-quick --parsable");
    run_ = r.out.substr(0, r.out.size() - 1);
    lab_->wait_for_state(run_, "done");
  }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  static ServedDatabase* lab_;
  static std::string run_;
};
ServedDatabase* Results::lab_ = nullptr;
std::string Results::run_;

TEST_F(Results, JsonShapeAndTheTableHaveTheSameMeasurements) {
  auto listed = lab_->foundry("results " + run_ + " --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json all = json::parse(listed.out);
  ASSERT_TRUE(all.at("results").is_array());
  EXPECT_TRUE(all.at("last_seq").is_number_integer());
  std::size_t measurements = 0;
  std::int64_t previous = 0;
  for (const auto& r : all.at("results")) {
    expect_result_shape(r);
    EXPECT_EQ(r.at("run_id"), run_);
    EXPECT_GT(r.at("seq").get<std::int64_t>(), previous) << "oldest first";
    previous = r.at("seq").get<std::int64_t>();
    measurements += r.at("measurements").size();
  }
  ASSERT_GT(measurements, 0u);

  auto table = lab_->foundry("results " + run_);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(lines(table.out), measurements + 1) << "a header, then one line per measurement:\n" << table.out;
  EXPECT_TRUE(contains(table.out, "SEQ  STEP")) << "no RUN column for one run: " << table.out;
  for (const auto& r : all.at("results"))
    EXPECT_EQ(contains(table.out, "  " + r.at("step_id").get<std::string>() + "  "), !r.at("measurements").empty())
        << "a step's line is there when it measured something: " << r.at("step_id") << "\n" << table.out;

  auto everything = lab_->foundry("results");
  EXPECT_TRUE(contains(everything.out, "RUN")) << everything.out;

  auto after = lab_->foundry("results " + run_ + " --after " + std::to_string(all.at("last_seq").get<std::int64_t>()));
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(contains(after.out, "no measurements of " + run_ + " after seq")) << after.out;
}

TEST_F(Results, UnknownRunIsExit3) {
  auto r = lab_->foundry("results no-such-run");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(contains(r.err, "no run 'no-such-run'")) << r.err;
}

TEST_F(Results, FollowPrintsEachResultOnceAndEndsWithTheRun) {
  auto submitted = lab_->foundry("submit dbtl-quick --parsable");
  const std::string run_id = submitted.out.substr(0, submitted.out.size() - 1);
  // Started while the run goes on; it must stop by itself once the run is done.
  auto followed = lab_->foundry("results " + run_id + " --follow --json --interval 0.1");
  ASSERT_EQ(followed.exit_code, 0) << followed.err;
  std::istringstream in(followed.out);
  std::vector<std::int64_t> seqs;
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    expect_result_shape(r);
    EXPECT_EQ(r.at("run_id"), run_id);
    seqs.push_back(r.at("seq").get<std::int64_t>());
  }
  std::vector<std::int64_t> expected;
  const json listed = json::parse(lab_->foundry("results " + run_id + " --json").out);
  for (const auto& r : listed.at("results"))
    expected.push_back(r.at("seq").get<std::int64_t>());
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(seqs, expected) << "each result once, in order";
  EXPECT_EQ(json::parse(lab_->foundry("show " + run_id + " --json").out).at("state"), "done");

  auto human = lab_->foundry("results " + run_id + " --follow");
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_EQ(human.out.rfind("   SEQ  STEP", 0), 0u) << human.out;
}

}  // namespace
}  // namespace foundry
