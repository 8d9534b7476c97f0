// `foundry run` is resumable: killed at the engine's crash points and run again with the same
// --request-id, it continues the same run to the end; a run held with no terminal to ask exits
// with code 6, prompts printed, the database consistent. The real binary and simulated fleet.
#include "command_runner.hpp"
#include "scratch_folder.hpp"
#include "build_paths.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using foundry::testing::foundry_binary;
using foundry::testing::run_command;
using foundry::testing::shell_quote;

namespace {

namespace fs = std::filesystem;

class RunCommandResume : public ::testing::Test {
 protected:
  foundry::testing::ScratchFolder scratch{"resume"};
  fs::path dir = scratch.path();
  fs::path db = dir / "run.db";
  std::string source = foundry::testing::source_dir();

  std::string command(const std::string& workcell, const std::string& env = "") {
    return env + " " + foundry_binary() + " run " + shell_quote(source + "/protocols/dbtl-quick.json") + " --workcell " +
           shell_quote(workcell) + " --db " + shell_quote(db.string()) + " --time-limit 0.2 --request-id job-1 </dev/null";
  }
  std::string sim_workcell() const { return source + "/protocols/workcells/sim-foundry.json"; }
};

}  // namespace

TEST_F(RunCommandResume, KilledAtEachCrashPointItContinuesTheSameRunToTheEnd) {
  int kills = 0;
  for (const char* point : {"after_intent", "after_dispatch", "before_result_commit"}) {
    auto killed = run_command(command(sim_workcell(), std::string("FOUNDRY_CRASH_AT=") + point + ":3"));
    EXPECT_EQ(killed.exit_code, 128 + 9) << point << ": " << killed.err;
    kills += killed.exit_code == 128 + 9;
  }
  EXPECT_EQ(kills, 3);
  auto last = run_command(command(sim_workcell()));
  EXPECT_EQ(last.exit_code, 0) << last.out << last.err;
  EXPECT_NE(last.out.find("request 'job-1' is run dbtl-quick-1 already"), std::string::npos) << last.out;
  auto store = foundry::store::Store::open(db);
  ASSERT_EQ(store->runs().size(), 1u) << "one request id, one run";
  EXPECT_EQ(store->runs()[0].state, "done");
  for (const auto& s : store->steps("dbtl-quick-1")) EXPECT_EQ(s.state, "done") << s.step_id;
  auto replayed = store->replay();
  EXPECT_EQ(replayed.runs["dbtl-quick-1"], "done");
}

TEST_F(RunCommandResume, AHeldRunWithNoTerminalExitsWith6AndPrintsThePrompt) {
  // The first liquid-handler command fails; the protocol's default policy holds the run.
  auto workcell = nlohmann::json::parse(std::ifstream(sim_workcell()));
  for (auto& d : workcell["devices"]) {
    if (d["id"] == "lh1" || d["id"] == "lh2")
      d["driver"]["settings"]["faults"] = nlohmann::json::array({{{"on_command", 1}, {"kind", "execution"}, {"message", "tip jam"}}});
    // Plugins are found relative to the workcell file: keep them where they were.
    if (d["driver"].contains("plugin")) {
      std::string plugin = d["driver"]["plugin"];
      if (!plugin.empty() && plugin[0] != '/' && plugin.find('/') != std::string::npos)
        d["driver"]["plugin"] = (fs::path(sim_workcell()).parent_path() / plugin).string();
    }
  }
  fs::path file = dir / "faulty-workcell.json";
  std::ofstream(file) << workcell.dump(2);
  auto held = run_command(command(file.string()));
  EXPECT_EQ(held.exit_code, 6) << held.out << held.err;
  EXPECT_NE(held.out.find("HELD dbtl-quick-1/"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("tip jam"), std::string::npos) << held.out;
  EXPECT_NE(held.out.find("choices: retry | skip | abort"), std::string::npos) << held.out;
  EXPECT_NE(held.err.find("held: needs an operator"), std::string::npos) << held.err;
  std::string step;
  {
    auto store = foundry::store::Store::open(db);
    EXPECT_EQ(store->runs().at(0).state, "held");
    ASSERT_EQ(store->prompts().size(), 1u);
    step = store->prompts()[0].step_id;
  }
  // The operator answers offline; the next foundry run carries on from there.
  std::string ack = foundry_binary() + " ack dbtl-quick-1 " + shell_quote(step) + " --db " + shell_quote(db.string());
  EXPECT_EQ(run_command(ack + " --choice maybe").exit_code, 2);
  EXPECT_EQ(run_command(ack + " --choice skip").exit_code, 0);
  EXPECT_EQ(run_command(ack + " --choice skip").exit_code, 3) << "no prompt is open any more";
  auto store = foundry::store::Store::open(db);
  EXPECT_TRUE(store->prompts().empty());
  EXPECT_EQ(store->runs().at(0).state, "running");
  for (const auto& s : store->steps("dbtl-quick-1")) {
    if (s.step_id == step) {
      EXPECT_EQ(s.state, "skipped");
    }
  }
  auto replayed = store->replay();
  EXPECT_EQ(replayed.runs["dbtl-quick-1"], "running");
}
