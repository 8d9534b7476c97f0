// The C++ learner's whole DBTL loop against the real `foundry run` and the simulated foundry, in
// virtual time, on landscape seeds the learner was not tuned on (it was tuned on 42): the best
// titer rises above the first cycle's, and no design is ever proposed twice. Small batches keep
// each campaign to a few seconds.
#include "campaign.hpp"
#include "command_runner.hpp"
#include "gp_ucb_learner.hpp"
#include "local_backend.hpp"
#include "random_designs.hpp"
#include "seeded_workcell.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

namespace fl = foundry::learners;
namespace fs = std::filesystem;

namespace {

class LearnersLocalBackendCampaign : public ::testing::Test {
 protected:
  // The store fsyncs every commit: scratch databases in memory keep the test quick.
  fs::path dir = fs::path(fs::is_directory("/dev/shm") ? "/dev/shm" : fs::temp_directory_path()) /
                 ("foundry-learners-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::string source = foundry::testing::source_dir();
  fl::DesignSpace space = fl::DesignSpace::standard();

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  fl::LocalBackendOptions options(std::uint64_t seed, const std::string& name) {
    const auto workcell = fl::write_seeded_workcell(source + "/protocols/workcells/sim-foundry.json", seed, dir.string());
    return {foundry::testing::foundry_binary(), source + "/protocols/dbtl-campaign.json", workcell,
            (dir / (name + ".db")).string(), {}, 0.1};
  }
};

void expect_no_design_twice(const fl::CampaignResult& r) {
  std::set<std::string> seen;
  for (const auto& id : r.proposed) EXPECT_TRUE(seen.insert(id).second) << id << " proposed twice";
}

TEST_F(LearnersLocalBackendCampaign, GpLearnerImprovesOnTheFirstCycleOnUnseenLandscapes) {
  for (std::uint64_t seed : {7u, 2026u}) {
    fl::LocalFoundryBackend backend(options(seed, "gp" + std::to_string(seed)));
    fl::GpUcbLearner learner(space, 1);
    const auto r = fl::run_campaign(learner, backend, space, 5, 4);
    ASSERT_EQ(r.cycles.size(), 5u);
    for (const auto& c : r.cycles) EXPECT_EQ(c.batch.size(), 4u);
    for (std::size_t i = 1; i < r.cycles.size(); ++i) EXPECT_GE(r.cycles[i].best, r.cycles[i - 1].best);
    EXPECT_GT(r.cycles.back().best, r.cycles.front().best) << "seed " << seed;
    expect_no_design_twice(r);
  }
}

TEST_F(LearnersLocalBackendCampaign, BatchesDesignedWhileOthersAreInTheLabNeverRepeatADesign) {
  fl::LocalFoundryBackend backend(options(1234, "pipelined"));
  fl::GpUcbLearner learner(space, 2);
  const auto r = fl::run_campaign(learner, backend, space, 5, 4, /*in_flight=*/2);
  ASSERT_EQ(r.proposed.size(), 20u);
  expect_no_design_twice(r);
  EXPECT_GT(r.cycles.back().best, r.cycles.front().best);
}

TEST_F(LearnersLocalBackendCampaign, ReturnsTheTitersTheDatabaseHolds) {
  fl::LocalFoundryBackend backend(options(7, "titers"));
  const std::vector<fl::Design> batch = {space.design({0, 0, 0}), space.design({3, 2, 1})};
  const auto titers = backend.wait_results(backend.submit_designs(batch));
  ASSERT_EQ(titers.size(), 2u);
  for (const auto& d : batch) {
    ASSERT_TRUE(titers.contains(d.id));
    EXPECT_GT(titers.at(d.id), 0.0);
    EXPECT_LT(titers.at(d.id), 50.0);
  }
  EXPECT_NE(titers.at(batch[0].id), titers.at(batch[1].id));
}

TEST_F(LearnersLocalBackendCampaign, SeededWorkcellGivesEveryDeviceTheSeed) {
  const auto path = fl::write_seeded_workcell(source + "/protocols/workcells/sim-foundry.json", 99, dir.string());
  std::ifstream in(path);
  const auto workcell = nlohmann::json::parse(in);
  ASSERT_FALSE(workcell["devices"].empty());
  for (const auto& device : workcell["devices"]) EXPECT_EQ(device["driver"]["settings"]["landscape_seed"], 99) << device["id"];
}

TEST_F(LearnersLocalBackendCampaign, ErrorsNameTheProblem) {
  EXPECT_THROW(
      {
        try {
          fl::write_seeded_workcell((dir / "missing.json").string(), 1, dir.string());
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
          throw;
        }
      },
      std::runtime_error);

  // A run foundry refuses (an unknown reactor type) fails with foundry's own message.
  auto o = options(7, "refused");
  o.parameters = {"reactor=bioreactor_9l"};
  fl::LocalFoundryBackend backend(o);
  const auto ticket = backend.submit_designs({space.design({0, 0, 0})});
  try {
    backend.wait_results(ticket);
    FAIL() << "a refused run returned results";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bioreactor_9l"), std::string::npos) << e.what();
  }
  EXPECT_THROW(backend.wait_results("no-such-run"), std::invalid_argument);
}

}  // namespace
