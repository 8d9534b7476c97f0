// foundry show and foundry ack against a real foundryd: a run held by a failed step shows its
// prompt, the time left in its window and the exact ack commands; running one of them through
// foundryd lets the run finish. Also show's JSON shape (docs/cli.md) and an unknown run.
#include "served_database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace foundry {
namespace {

using nlohmann::json;
using testing::contains;
using testing::ServedDatabase;
using testing::shell_quote;

void expect_number_or_null(const json& value, const std::string& what) {
  EXPECT_TRUE(value.is_number() || value.is_null()) << what << ": " << value.dump();
}

// docs/cli.md, "show --json".
void expect_show_shape(const json& run) {
  for (const char* key : {"run_id", "protocol", "state"}) EXPECT_TRUE(run.at(key).is_string()) << key;
  EXPECT_TRUE(run.at("priority").is_number_integer());
  EXPECT_TRUE(run.at("created_at").is_number());
  EXPECT_TRUE(run.at("now").is_number());
  expect_number_or_null(run.at("finished_at"), "finished_at");
  ASSERT_TRUE(run.at("step_counts").is_object());
  for (const auto& [state, n] : run.at("step_counts").items()) EXPECT_TRUE(n.is_number_integer()) << state;
  ASSERT_TRUE(run.at("steps").is_array());
  ASSERT_FALSE(run.at("steps").empty());
  for (const auto& step : run.at("steps")) {
    for (const char* key : {"step_id", "operation", "device_type", "state", "device_id"})
      EXPECT_TRUE(step.at(key).is_string()) << key << " in " << step.dump();
    EXPECT_TRUE(step.at("attempt").is_number_integer());
    for (const char* key : {"planned_start", "planned_end", "started_at", "finished_at"})
      expect_number_or_null(step.at(key), key);
  }
  ASSERT_TRUE(run.at("prompts").is_array());
  for (const auto& p : run.at("prompts")) {
    for (const char* key : {"run_id", "step_id", "device_id", "what_happened"}) EXPECT_TRUE(p.at(key).is_string()) << key;
    EXPECT_TRUE(p.at("choices").is_array());
    expect_number_or_null(p.at("window_left_s"), "window_left_s");
    EXPECT_TRUE(p.at("since").is_number());
  }
}

TEST(Show, AHeldStepShowsItsPromptAndTheAckCommandThatLetsTheRunFinish) {
  ServedDatabase::Options options;
  options.workcell = ServedDatabase::workcell_with_failing_inoculation("tip not picked up");
  ServedDatabase lab(options);
  auto submitted = lab.foundry("submit dbtl-quick --parsable");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string run_id = submitted.out.substr(0, submitted.out.size() - 1);
  auto held = lab.wait_for_state(run_id, "held");
  expect_show_shape(held);
  ASSERT_EQ(held.at("prompts").size(), 1u) << held.dump();
  EXPECT_EQ(held.at("prompts")[0].at("step_id"), "d01/inoculate");

  auto shown = lab.foundry("show " + run_id);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, "HELD d01/inoculate on lh1:")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "tip not picked up")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "time left in its window:")) << shown.out;
  const std::string ack = "foundry ack " + run_id + " d01/inoculate retry --db " + lab.db().string();
  EXPECT_TRUE(contains(shown.out, ack)) << shown.out;
  for (const char* column : {"STEP", "STATE", "DEVICE", "PLANNED", "ACTUAL"}) EXPECT_TRUE(contains(shown.out, column));
  EXPECT_TRUE(contains(shown.out, "/16 finished (6 done")) << shown.out;

  auto queued = lab.foundry("queue");
  EXPECT_TRUE(contains(queued.out, "! d01/inoculate waits for an answer")) << queued.out;

  // The printed command, as staff would paste it (foundry from the build tree).
  auto answered = testing::run_command(shell_quote(testing::foundry_binary()) + ack.substr(std::string("foundry").size()));
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  EXPECT_TRUE(contains(answered.out, run_id + "/d01/inoculate: retry sent through foundryd (ipc://")) << answered.out;
  auto done = lab.wait_for_state(run_id, "done");
  EXPECT_TRUE(done.at("prompts").empty());
  EXPECT_EQ(done.at("step_counts").at("done"), 16);

  // Answering again: there is no prompt any more, and foundryd says so.
  auto again = testing::run_command(shell_quote(testing::foundry_binary()) + ack.substr(std::string("foundry").size()));
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_TRUE(contains(again.err, "foundryd: rejected")) << again.err;
}

TEST(Show, AFinishedRunAndAnUnknownOne) {
  ServedDatabase lab;
  auto submitted = lab.foundry("submit dbtl-quick --parsable");
  const std::string run_id = submitted.out.substr(0, submitted.out.size() - 1);
  auto done = lab.wait_for_state(run_id, "done");
  expect_show_shape(done);
  EXPECT_TRUE(done.at("finished_at").is_number());
  auto shown = lab.foundry("show " + run_id);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, run_id + "  dbtl-quick  done  priority")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "steps: 16/16 finished (16 done)")) << shown.out;
  EXPECT_FALSE(contains(shown.out, "HELD")) << shown.out;
  // Every step has a line with the device it ran on.
  for (const auto& step : done.at("steps"))
    EXPECT_TRUE(contains(shown.out, step.at("step_id").get<std::string>() + " ")) << step.at("step_id");
  EXPECT_FALSE(contains(shown.out, "\x1b[")) << "no colour when piped";

  auto unknown = lab.foundry("show no-such-run");
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_TRUE(contains(unknown.err, "no run 'no-such-run'")) << unknown.err;
  EXPECT_EQ(unknown.out, "");
}

}  // namespace
}  // namespace foundry
