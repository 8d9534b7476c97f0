// The options every server command shares (commands/server_connection.hpp) against a foundryd on
// loopback TCP with a key for each role (tests/service/foundryd_process.hpp): --connect, --keys,
// --as, --stream and their environment variables, and the exit codes of refusals: a viewer may
// read but not cancel (1, 'unauthorised'); a key not on the allow-list gets no answer (8).
#include "../service/foundryd_process.hpp"
#include "command_runner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace foundry {
namespace {

using nlohmann::json;
using service::testing::FoundrydProcess;
using testing::CommandResult;
using testing::shell_quote;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class ServerOptions : public ::testing::Test {
 protected:
  // `foundry ARGS` reaching the test's foundryd over TCP with key `as`.
  CommandResult foundry(const std::string& args, const std::string& as = "staff", const std::string& env = "") {
    return testing::run_command(env + " " + shell_quote(testing::foundry_binary()) + " " + args + " --connect " +
                                shell_quote(foundryd_.api()) + " --keys " +
                                shell_quote((foundryd_.dir() / "keys").string()) + " --as " + as);
  }
  std::string submit() {
    auto r = foundry("submit dbtl-quick --parsable");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.size() - 1);
  }
  void wait_until_done(const std::string& run_id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto shown = foundry("show " + run_id + " --json");
      if (shown.exit_code == 0 && json::parse(shown.out).at("state") == "done") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << run_id << " not done";
  }
  static std::vector<std::int64_t> seqs_of_lines(const std::string& text) {
    std::vector<std::int64_t> seqs;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) seqs.push_back(json::parse(line).at("seq").get<std::int64_t>());
    return seqs;
  }

  FoundrydProcess foundryd_;
};

TEST_F(ServerOptions, ConnectKeysAndAsReachARemoteFoundryd) {
  auto run_id = submit();
  wait_until_done(run_id);
  auto shown = foundry("show " + run_id);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, run_id + "  dbtl-quick  done")) << shown.out;
  // The same through the environment variables.
  auto env = "FOUNDRY_CONNECT=" + shell_quote(foundryd_.api()) + " FOUNDRY_KEYS=" +
             shell_quote((foundryd_.dir() / "keys").string()) + " FOUNDRY_KEY=viewer";
  auto queued = testing::run_command(env + " " + shell_quote(testing::foundry_binary()) + " queue --json");
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  EXPECT_EQ(json::parse(queued.out).at("runs").at(0).at("run_id"), run_id);
  // Suggestions repeat the options, so they reach the same foundryd.
  auto submitted = foundry("submit dbtl-quick");
  EXPECT_TRUE(contains(submitted.out, " --connect " + foundryd_.api() + " --keys ")) << submitted.out;
}

TEST_F(ServerOptions, FollowWithTheStreamAndByPollingGivesTheSameResults) {
  auto run_id = submit();
  auto streamed = foundry("results " + run_id + " --follow --json --interval 0.1 --stream " + shell_quote(foundryd_.stream()));
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  auto polled = foundry("results " + run_id + " --follow --json --interval 0.1");
  ASSERT_EQ(polled.exit_code, 0) << polled.err;
  auto listed = foundry("results " + run_id + " --json");
  std::vector<std::int64_t> expected;
  const json all = json::parse(listed.out);
  for (const auto& r : all.at("results")) expected.push_back(r.at("seq").get<std::int64_t>());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(seqs_of_lines(streamed.out), expected);
  EXPECT_EQ(seqs_of_lines(polled.out), expected);
}

TEST_F(ServerOptions, AViewerReadsButMayNotChangeRuns) {
  auto run_id = submit();
  EXPECT_EQ(foundry("queue", "viewer").exit_code, 0);
  EXPECT_EQ(foundry("show " + run_id, "viewer").exit_code, 0);
  for (const char* change : {"cancel", "hold", "resume"}) {
    auto refused = foundry(std::string(change) + " " + run_id, "viewer");
    EXPECT_EQ(refused.exit_code, 1) << change << ": " << refused.out;
    EXPECT_TRUE(contains(refused.err, "unauthorised")) << change << ": " << refused.err;
    EXPECT_TRUE(contains(refused.err, "needs a staff key")) << refused.err;
  }
  auto learner_submits = foundry("submit dbtl-quick --parsable", "learner");
  EXPECT_EQ(learner_submits.exit_code, 0) << learner_submits.err;
}

TEST_F(ServerOptions, NoAnswerIsExit8WithWhatToCheck) {
  auto stranger = foundry("queue --timeout 0.3", "stranger");
  EXPECT_EQ(stranger.exit_code, 8);
  EXPECT_TRUE(contains(stranger.err, "did not answer")) << stranger.err;
  EXPECT_TRUE(contains(stranger.err, "is key 'stranger' on its allow-list?")) << stranger.err;

  auto no_key = foundry("queue", "nobody");
  EXPECT_EQ(no_key.exit_code, 8);
  EXPECT_TRUE(contains(no_key.err, "nobody.secret: no such key file")) << no_key.err;
  EXPECT_TRUE(contains(no_key.err, "foundry keys generate")) << no_key.err;

  // Nothing listens on the endpoint at all.
  auto api = foundryd_.api();
  foundryd_.stop();
  auto gone = testing::run_command(shell_quote(testing::foundry_binary()) + " show x --timeout 0.3 --connect " +
                                   shell_quote(api) + " --keys " + shell_quote((foundryd_.dir() / "keys").string()));
  EXPECT_EQ(gone.exit_code, 8);
  EXPECT_TRUE(contains(gone.err, "foundryd at " + api + " did not answer")) << gone.err;
}

}  // namespace
}  // namespace foundry
