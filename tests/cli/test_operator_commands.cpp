// foundry hold / resume / cancel / ack: through foundryd when one serves the database (a run in
// wall-clock time stays running long enough to be held, resumed and cancelled), and directly on
// the database when none does (a `foundry run` that stopped held, exit 6, then carries on).
#include "served_database.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace foundry {
namespace {

using nlohmann::json;
using testing::contains;
using testing::ServedDatabase;
using testing::shell_quote;

// The completions bash offers for `words` (ui-cli/completion/foundry.bash, the built foundry).
std::string complete(const std::string& words) {
  std::string script = "source " + shell_quote(foundry::testing::source_dir() + "/ui-cli/completion/foundry.bash") +
                       "; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _foundry; "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"";
  std::string path = std::filesystem::path(testing::foundry_binary()).parent_path().string();
  auto result = testing::run_command("PATH=" + shell_quote(path) + ":\"$PATH\" bash -c " + shell_quote(script));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

TEST(OperatorCommands, HoldResumeAndCancelGoThroughFoundryd) {
  ServedDatabase::Options wall_clock;
  wall_clock.virtual_time = false;
  ServedDatabase lab(wall_clock);
  auto submitted = lab.foundry("submit dbtl-quick --parsable");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string run_id = submitted.out.substr(0, submitted.out.size() - 1);

  auto held = lab.foundry("hold " + run_id + " --reason 'reader maintenance'");
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_TRUE(contains(held.out, run_id + " held through foundryd (ipc://")) << held.out;
  EXPECT_TRUE(contains(held.out, "no new step starts until foundry resume " + run_id + " --db ")) << held.out;
  lab.wait_for_state(run_id, "held");
  EXPECT_TRUE(contains(lab.foundry("queue").out, "held")) << lab.foundry("queue").out;

  auto resumed = lab.foundry("resume " + run_id);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.out, run_id + " resumed through foundryd")) << resumed.out;
  auto running = lab.wait_for_state(run_id, "running");
  EXPECT_TRUE(running.at("prompts").empty());

  auto cancelled = lab.foundry("cancel " + run_id + " --reason 'contaminated preculture'");
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_TRUE(contains(cancelled.out, run_id + " is cancelled (")) << cancelled.out;
  EXPECT_EQ(json::parse(lab.foundry("show " + run_id + " --json").out).at("state"), "cancelled");
  auto history = testing::run_command(shell_quote(testing::foundry_binary()) + " history " + run_id + " --db " +
                                      shell_quote(lab.db().string()));
  EXPECT_TRUE(contains(history.out, "contaminated preculture")) << "the reason is recorded: " << history.out;

  // A finished run: foundryd refuses (exit 1) and says why.
  auto again = lab.foundry("resume " + run_id);
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_TRUE(contains(again.err, "foundryd: rejected")) << again.err;
  for (const char* command : {"hold", "resume", "cancel"}) {
    auto unknown = lab.foundry(std::string(command) + " no-such-run");
    EXPECT_EQ(unknown.exit_code, 3) << command;
    EXPECT_TRUE(contains(unknown.err, "no run 'no-such-run'")) << command << ": " << unknown.err;
  }
}

TEST(OperatorCommands, WithoutFoundrydTheyChangeTheDatabaseDirectly) {
  auto dir = std::filesystem::temp_directory_path() / ("foundry-cli-direct-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto workcell = dir / "workcell.json";
  std::ofstream(workcell) << ServedDatabase::workcell_with_failing_inoculation("tip not picked up").dump();
  auto db = (dir / "lab.db").string();
  const std::string run = shell_quote(testing::foundry_binary()) + " run " +
                          shell_quote((ServedDatabase::source_dir() / "protocols/dbtl-quick.json").string()) +
                          " --workcell " + shell_quote(workcell.string()) + " --request-id first --db " +
                          shell_quote(db);
  auto stopped = testing::run_command(run);
  ASSERT_EQ(stopped.exit_code, 6) << "held, nobody to ask: " << stopped.out << stopped.err;
  if (testing::run_command("{ command -v bash && command -v sqlite3; }").exit_code == 0) {
    const std::string at = "foundry ack --db " + shell_quote(db) + " ";
    EXPECT_EQ(complete(at + "''"), "dbtl-quick-1\n");
    EXPECT_EQ(complete(at + "dbtl-quick-1 ''"), "d01/inoculate\n") << "the held step completes";
    EXPECT_EQ(complete(at + "dbtl-quick-1 d01/inoculate ''"), "retry\nskip\nabort\n");
    EXPECT_EQ(complete("foundry cancel --db " + shell_quote(db) + " dbtl"), "dbtl-quick-1\n");
  }

  auto foundry = [&](const std::string& args) {
    return testing::run_command(shell_quote(testing::foundry_binary()) + " " + args + " --db " + shell_quote(db));
  };
  auto bad_choice = foundry("ack dbtl-quick-1 d01/inoculate maybe");
  EXPECT_EQ(bad_choice.exit_code, 2);
  EXPECT_TRUE(contains(bad_choice.err, "the choice is one of retry, skip, abort")) << bad_choice.err;
  auto resume_first = foundry("resume dbtl-quick-1");
  EXPECT_EQ(resume_first.exit_code, 3);
  EXPECT_TRUE(contains(resume_first.err, "waiting for an answer: use foundry ack")) << resume_first.err;

  auto answered = foundry("ack dbtl-quick-1 d01/inoculate retry");
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  EXPECT_TRUE(contains(answered.out, "dbtl-quick-1/d01/inoculate: retry recorded in " + db +
                                         " directly (no foundryd serves it)"))
      << answered.out;
  // The tip problem fixed (the same lab without the injected fault; a new driver instance would
  // count its commands from 1 and fail the retry again), the next foundry run carries on.
  auto fixed = shell_quote(testing::foundry_binary()) + " run " +
               shell_quote((ServedDatabase::source_dir() / "protocols/dbtl-quick.json").string()) + " --workcell " +
               shell_quote((ServedDatabase::source_dir() / "protocols/workcells/sim-foundry.json").string()) +
               " --request-id first --db " + shell_quote(db);
  auto finished = testing::run_command(fixed);
  EXPECT_EQ(finished.exit_code, 0) << finished.out << finished.err;

  auto hold_done = foundry("hold dbtl-quick-1");
  EXPECT_EQ(hold_done.exit_code, 3);
  EXPECT_TRUE(contains(hold_done.err, "is done: nothing to hold")) << hold_done.err;
  auto no_db = testing::run_command(shell_quote(testing::foundry_binary()) + " hold x --db " +
                                    shell_quote((dir / "none.db").string()));
  EXPECT_EQ(no_db.exit_code, 3);
  EXPECT_TRUE(contains(no_db.err, "no such database, and no foundryd serves it")) << no_db.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foundry
