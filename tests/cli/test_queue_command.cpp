// foundry queue against a real foundryd: the table, the JSON shape (docs/cli.md), the state
// filter, --watch piped (a new table only when something changed, Ctrl-C ends it with 0) and on a
// pseudo-terminal (redrawn in place), and colour: on a terminal only, never with NO_COLOR.
#include "pty_runner.hpp"
#include "served_database.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace foundry {
namespace {

using nlohmann::json;
using testing::contains;
using testing::ServedDatabase;
using testing::shell_quote;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// docs/cli.md, "queue --json".
void expect_queue_shape(const json& queue) {
  EXPECT_TRUE(queue.at("now").is_number());
  EXPECT_TRUE(queue.at("hidden_finished").is_number_integer());
  ASSERT_TRUE(queue.at("runs").is_array());
  for (const auto& run : queue.at("runs")) {
    for (const char* key : {"run_id", "protocol", "state"}) EXPECT_TRUE(run.at(key).is_string()) << key;
    for (const char* key : {"priority", "steps_total", "steps_finished"}) EXPECT_TRUE(run.at(key).is_number_integer()) << key;
    EXPECT_TRUE(run.at("created_at").is_number());
    EXPECT_TRUE(run.at("finished_at").is_number() || run.at("finished_at").is_null());
    EXPECT_TRUE(run.at("step_counts").is_object());
    EXPECT_TRUE(run.at("running_steps").is_array());
    EXPECT_TRUE(run.at("prompts").is_array());
    const auto& next = run.at("next_step");
    if (!next.is_null()) {
      EXPECT_TRUE(next.at("step_id").is_string());
      EXPECT_TRUE(next.at("device_id").is_string());
      EXPECT_TRUE(next.at("planned_start").is_number());
    }
  }
}

std::string submit(const ServedDatabase& lab, const std::string& args = "") {
  auto r = lab.foundry("submit dbtl-quick --parsable " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, r.out.size() - 1);
}

TEST(Queue, TableJsonAndStateFilter) {
  ServedDatabase lab;
  auto empty = lab.foundry("queue");
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(contains(empty.out, "no runs; queue one: foundry submit PROTOCOL --db")) << empty.out;

  auto first = submit(lab), second = submit(lab, "--priority 9");
  lab.wait_for_state(first, "done");
  lab.wait_for_state(second, "done");
  auto table = lab.foundry("queue --all");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::regex header("RUN +PROTOCOL +STATE +PRI +CREATED +PROGRESS +NEXT\n");
  EXPECT_TRUE(std::regex_search(table.out, header)) << table.out;
  EXPECT_TRUE(std::regex_search(table.out, std::regex(second + " +dbtl-quick +done +9 +.* +16/16 steps +-\n"))) << table.out;
  EXPECT_FALSE(contains(table.out, "\x1b[")) << "no colour when piped";

  // In virtual time the second run may end more than a day after the first: without --all
  // the first is then counted, not listed.
  json recent = json::parse(lab.foundry("queue --json").out);
  expect_queue_shape(recent);
  EXPECT_EQ(recent.at("runs").size() + recent.at("hidden_finished").get<std::size_t>(), 2u) << recent.dump(2);
  auto listed = lab.foundry("queue --all --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json queue = json::parse(listed.out);
  expect_queue_shape(queue);
  EXPECT_EQ(queue.at("hidden_finished"), 0);
  ASSERT_EQ(queue.at("runs").size(), 2u);
  for (const auto& run : queue.at("runs")) {
    EXPECT_EQ(run.at("state"), "done");
    EXPECT_EQ(run.at("steps_finished"), 16);
    EXPECT_EQ(run.at("steps_total"), 16);
    EXPECT_TRUE(run.at("next_step").is_null());
  }
  EXPECT_TRUE(json::parse(lab.foundry("queue --state held --json").out).at("runs").empty());
  EXPECT_EQ(json::parse(lab.foundry("queue --state done --json").out).at("runs").size(), 2u);
  auto bad_state = lab.foundry("queue --state finished");
  EXPECT_EQ(bad_state.exit_code, 2) << bad_state.out;
}

TEST(Queue, APlannedRunShowsItsNextStep) {
  ServedDatabase::Options wall_clock;
  wall_clock.virtual_time = false;  // the first step takes 20 real minutes: the run stays running
  ServedDatabase lab(wall_clock);
  auto first = submit(lab), second = submit(lab);
  auto queue = json::parse(lab.foundry("queue --json").out);
  expect_queue_shape(queue);
  ASSERT_EQ(queue.at("runs").size(), 2u);
  bool some_next = false;
  for (const auto& run : queue.at("runs")) {
    EXPECT_EQ(run.at("steps_finished"), 0);
    some_next |= run.at("next_step").is_object();
  }
  EXPECT_TRUE(some_next) << queue.dump(2);
  auto table = lab.foundry("queue");
  EXPECT_TRUE(std::regex_search(table.out, std::regex(" 0/16 steps +d01/[a-z_]+ on [a-z0-9]+ in "))) << table.out;
  EXPECT_EQ(lab.foundry("cancel " + first).exit_code, 0);
  EXPECT_EQ(lab.foundry("cancel " + second).exit_code, 0);
}

TEST(Queue, WatchPipedPrintsATableOnlyWhenSomethingChanged) {
  ServedDatabase lab;
  auto out = lab.dir() / "watch.out";
  std::string foundry = shell_quote(testing::foundry_binary()), db = shell_quote(lab.db().string());
  // Watch in the background, submit one run while it watches, then Ctrl-C (SIGINT).
  auto r = testing::run_command(foundry + " queue --watch --interval 0.1 --db " + db + " > " +
                                shell_quote(out.string()) + " & watcher=$!; sleep 1; " + foundry +
                                " submit dbtl-quick --parsable --db " + db + " > /dev/null; sleep 3; kill -INT $watcher; wait $watcher");
  EXPECT_EQ(r.exit_code, 0) << "Ctrl-C ends --watch normally: " << r.err;
  std::ifstream in(out);
  std::string text{std::istreambuf_iterator<char>(in), {}};
  // Tables separated by "-- <time>" lines: the first before the submit, the last once done,
  // none repeated (3 s at 0.1 s would be ~40 tables if every look printed one).
  std::vector<std::string> tables;
  std::size_t at = 0;
  while ((at = text.find("-- ", at)) != std::string::npos) {
    auto body = text.find('\n', at) + 1;
    auto end = text.find("\n-- ", body);
    tables.push_back(text.substr(body, end == std::string::npos ? std::string::npos : end + 1 - body));
    at = body;
  }
  ASSERT_GE(tables.size(), 2u) << text;
  EXPECT_LT(tables.size(), 10u) << text;
  EXPECT_TRUE(contains(tables.front(), "no runs")) << text;
  EXPECT_TRUE(std::regex_search(tables.back(), std::regex("dbtl-quick-1 +dbtl-quick +done"))) << text;
  for (std::size_t i = 1; i < tables.size(); ++i) EXPECT_NE(tables[i], tables[i - 1]) << text;
  EXPECT_FALSE(contains(text, "\x1b[")) << "no escapes in a log";
}

TEST(Queue, OnATerminalColourAndRedrawsUnlessNoColor) {
  ServedDatabase lab;
  auto run_id = submit(lab);
  lab.wait_for_state(run_id, "done");
  const std::vector<std::string> queue{testing::foundry_binary(), "queue", "--db", lab.db().string()};
  auto coloured = testing::run_on_pty(queue, {{"NO_COLOR", ""}, {"TERM", "xterm"}});
  ASSERT_EQ(coloured.exit_code, 0) << coloured.output;
  EXPECT_TRUE(contains(coloured.output, "\x1b[32mdone\x1b[0m")) << "done in green: " << coloured.output;
  EXPECT_TRUE(contains(coloured.output, "\x1b[1mRUN")) << "a bold header: " << coloured.output;

  auto plain = testing::run_on_pty(queue, {{"NO_COLOR", "1"}, {"TERM", "xterm"}});
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_FALSE(contains(plain.output, "\x1b[")) << plain.output;
  EXPECT_TRUE(contains(plain.output, run_id)) << plain.output;

  auto watch = queue;
  watch.insert(watch.end(), {"--watch", "--interval", "0.2"});
  auto watched = testing::run_on_pty(watch, {{"NO_COLOR", ""}, {"TERM", "xterm"}}, 120, 1.5);
  EXPECT_TRUE(watched.timed_out);
  EXPECT_GE(count(watched.output, "\x1b[H\x1b[2J"), 3u) << "redrawn in place: " << watched.output;
  EXPECT_TRUE(contains(watched.output, "Ctrl-C to stop")) << watched.output;
}

}  // namespace
}  // namespace foundry
