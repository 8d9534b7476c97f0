// The result stream end to end: a learner that disconnects mid-campaign and reconnects receives
// every result it missed exactly once, and no result twice.
#include "foundryd_process.hpp"

#include <map>
#include <set>

using foundry::client::Result;
using foundry::client::ResultStream;
using foundry::service::testing::FoundrydProcess;
using nlohmann::json;

namespace {

std::string designs(const std::string& id) {
  return json{{"designs", json::array({{{"id", id}, {"promoter", "J23100"}, {"rbs", "B0034"}, {"gene", "v1"}}})}}.dump();
}

void wait_until_done(foundry::client::Client& client, const std::vector<std::string>& run_ids) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto runs = json::parse(client.request("list")).at("runs");
    std::size_t done = 0;
    for (const auto& r : runs)
      if (std::find(run_ids.begin(), run_ids.end(), r["run_id"]) != run_ids.end() && r["state"] == "done") ++done;
    if (done == run_ids.size()) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "runs not done: " << runs.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Polls until `expected` results arrived or nothing new comes for a while.
void drain(ResultStream& stream, std::vector<Result>& into, std::size_t expected) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (into.size() < expected && std::chrono::steady_clock::now() < deadline)
    for (auto& r : stream.poll(0.2)) into.push_back(std::move(r));
  for (auto& r : stream.poll(0.3)) into.push_back(std::move(r));  // and nothing more
}

std::vector<std::int64_t> all_result_seqs(foundry::client::Client& client) {
  std::vector<std::int64_t> seqs;
  std::int64_t after = 0;
  for (bool more = true; more;)
    for (const auto& r : client.results(after, &more)) seqs.push_back(after = r.seq);
  return seqs;
}

TEST(ResultStream, ALearnerAwayMidCampaignGetsEveryMissedResultOnce) {
  FoundrydProcess foundryd;
  auto staff = foundryd.client("staff");
  std::vector<Result> received;
  std::int64_t last_seq = 0;
  {
    auto learner = foundryd.client("learner");
    ResultStream stream(learner, foundryd.stream(), 0);
    (void)stream.poll(0.1);  // subscribed and caught up before the campaign starts
    auto first = staff.submit("dbtl-quick", designs("a1"), "cycle-1");
    wait_until_done(staff, {first});
    drain(stream, received, all_result_seqs(staff).size());
    last_seq = stream.last_seq();
    ASSERT_FALSE(received.empty());
  }  // the learner goes away...
  auto second = staff.submit("dbtl-quick", designs("b1"), "cycle-2");
  auto third = staff.submit("dbtl-quick", designs("c1"), "cycle-3");
  wait_until_done(staff, {second, third});
  auto before_return = all_result_seqs(staff).size();
  {
    // ...and comes back with its last seq, while the campaign goes on.
    auto learner = foundryd.client("learner");
    ResultStream stream(learner, foundryd.stream(), last_seq);
    auto fourth = staff.submit("dbtl-quick", designs("d1"), "cycle-4");
    wait_until_done(staff, {fourth});
    drain(stream, received, all_result_seqs(staff).size());
  }
  auto expected = all_result_seqs(staff);
  EXPECT_GT(expected.size(), before_return);
  std::vector<std::int64_t> got;
  std::set<std::string> runs_seen;
  for (const auto& r : received) {
    got.push_back(r.seq);
    runs_seen.insert(r.run_id);
  }
  EXPECT_EQ(got, expected);  // every result, once, in order
  EXPECT_EQ(runs_seen.size(), 4u);
}

TEST(ResultStream, ResultsCarryTheMeasurementsOfTheirStep) {
  FoundrydProcess foundryd;
  auto staff = foundryd.client("staff");
  auto run = staff.submit("dbtl-quick", designs("m1"));
  wait_until_done(staff, {run});
  std::size_t measured = 0;
  std::int64_t after = 0;
  for (bool more = true; more;)
    for (const auto& r : staff.results(after, &more)) {
      after = r.seq;
      measured += r.measurements.size();
      for (const auto& m : r.measurements) EXPECT_FALSE(m.name.empty());
    }
  auto stored = json::parse(staff.request("status", json{{"run_id", run}}.dump()));
  EXPECT_EQ(stored["state"], "done");
  EXPECT_GT(measured, 0u);
}

}  // namespace
