// The benchmark-format readers (job shop, flexible job shop, RCPSP/max): the names of
// planning-problem.md, the lags they imply, and errors naming the file and line. When
// ../shared/bench is present beside the repository, every file in it must also read.
#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem_io.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace foundry::planner {
namespace {

// The diagnostic of reading `text` with `reader`; fails the test when it reads without error.
template <typename Reader>
Diagnostic error_of(Reader reader, const std::string& text, const std::string& origin) {
  try {
    reader(text, origin);
  } catch (const InputError& e) {
    return e.diagnostics().at(0);
  }
  ADD_FAILURE() << "expected an InputError for: " << text;
  return {};
}

bool contains(const std::string& text, const std::string& words) {
  return text.find(words) != std::string::npos;
}

TEST(JobShop, NamesStepsAndMachinesAndChainsEachJob) {
  Problem p = read_job_shop("2 3\n0 5 2 4 1 3\n2 2 1 6 0 1\n", "bench/jssp/tiny.txt");
  EXPECT_EQ(p.name, "tiny");
  ASSERT_EQ(p.devices.size(), 3u);
  EXPECT_EQ(p.devices[2].id, "m2");
  EXPECT_EQ(p.devices[2].type, "m2");
  EXPECT_EQ(p.devices[2].capacity, 1);
  ASSERT_EQ(p.jobs.size(), 2u);
  EXPECT_EQ(p.jobs[1].id, "j1");
  ASSERT_EQ(p.steps.size(), 6u);
  const Step& s = p.steps[4];  // job 1, operation 1: machine 1, 6
  EXPECT_EQ(s.id, "j1.o1");
  EXPECT_EQ(s.type, "m1");
  EXPECT_EQ(s.duration, 6);
  EXPECT_EQ(s.job, 1u);
  ASSERT_EQ(s.after.size(), 1u);
  EXPECT_EQ(p.steps[s.after[0].pred].id, "j1.o0");
  EXPECT_EQ(s.after[0].from, LagFrom::kEnd);
  EXPECT_EQ(s.after[0].min_lag, 0);
  EXPECT_FALSE(s.after[0].max_lag.has_value());
  EXPECT_TRUE(p.steps[3].after.empty());
}

TEST(JobShop, ReadsAZeroLengthOperationAsAStepHoldingNothing) {
  Problem p = read_job_shop("1 2\n0 0 1 3\n", "z.txt");
  EXPECT_TRUE(p.steps[0].type.empty());
  EXPECT_EQ(p.steps[0].duration, 0);
  EXPECT_EQ(p.steps[1].type, "m1");
}

TEST(JobShop, ReportsBadInputWithTheLine) {
  auto machine = error_of(read_job_shop, "2 2\n0 5 1 4\n0 3 2 1\n", "a.txt");
  EXPECT_EQ(machine.path, "a.txt:3");
  EXPECT_TRUE(contains(machine.reason, "machine (0-based) of job 1 operation 1 must be between 0 and 1"));
  auto truncated = error_of(read_job_shop, "2 2\n0 5 1 4\n0 3\n", "a.txt");
  EXPECT_EQ(truncated.path, "a.txt:3");
  EXPECT_TRUE(contains(truncated.reason, "file ends where"));
  auto word = error_of(read_job_shop, "2 2\n0 5 1 x\n", "a.txt");
  EXPECT_EQ(word.path, "a.txt:2");
  EXPECT_TRUE(contains(word.reason, "must be an integer, found 'x'"));
  auto extra = error_of(read_job_shop, "1 1\n0 5\n7\n", "a.txt");
  EXPECT_EQ(extra.path, "a.txt:3");
  EXPECT_TRUE(contains(extra.reason, "unexpected text"));
  auto negative = error_of(read_job_shop, "1 1\n0 -5\n", "a.txt");
  EXPECT_TRUE(contains(negative.reason, "processing time of job 0 operation 0 must be between 0"));
}

TEST(FlexibleJobShop, GivesEachOperationItsMachineDependentAlternatives) {
  // 2 jobs, 4 machines in the header (machine 4 unused), operations listing 1-based machines.
  Problem p = read_flexible_job_shop("2 4 1.5\n2 2 1 5 3 7 1 2 4\n1 1 3 2\n", "mk00.fjs");
  ASSERT_EQ(p.devices.size(), 4u);
  EXPECT_EQ(p.devices[0].id, "m1");
  EXPECT_EQ(p.devices[3].id, "m4");
  ASSERT_EQ(p.steps.size(), 3u);
  const Step& first = p.steps[0];
  EXPECT_EQ(first.id, "j0.o0");
  ASSERT_EQ(first.alternatives.size(), 2u);
  EXPECT_EQ(first.alternatives[0].device, 0u);  // m1
  EXPECT_EQ(first.alternatives[0].duration, 5);
  EXPECT_EQ(first.alternatives[1].device, 2u);  // m3
  EXPECT_EQ(first.alternatives[1].duration, 7);
  EXPECT_EQ(p.steps[1].id, "j0.o1");
  EXPECT_EQ(p.steps[1].alternatives.at(0).device, 1u);  // m2
  EXPECT_EQ(p.steps[1].after.at(0).pred, 0u);
  EXPECT_EQ(p.steps[2].id, "j1.o0");
  EXPECT_TRUE(p.steps[2].after.empty());
}

TEST(FlexibleJobShop, ReportsBadInputWithTheLine) {
  auto zero = error_of(read_flexible_job_shop, "1 2 1\n1 1 0 5\n", "b.fjs");
  EXPECT_EQ(zero.path, "b.fjs:2");
  EXPECT_TRUE(contains(zero.reason, "machine (1-based) of job 0 operation 0 must be between 1 and 2"));
  auto twice = error_of(read_flexible_job_shop, "1 2 1\n1 2 1 5 1 6\n", "b.fjs");
  EXPECT_TRUE(contains(twice.reason, "lists machine m1 twice"));
  auto header = error_of(read_flexible_job_shop, "1 2 x\n1 1 1 5\n", "b.fjs");
  EXPECT_EQ(header.path, "b.fjs:1");
  EXPECT_TRUE(contains(header.reason, "average number of machines"));
}

// Activities 0..4 (three real), one resource of capacity 2. Arcs: 1 -> 2 [4] with 2 -> 1 [-10]
// (one Lag with min 4 and max 10); 3 -> 1 [-6] has no forward arc 1 -> 3 (a negative min lag).
const char* kRcpsp =
    "3 1 0 0\n"
    "0 1 3 1 2 3 [0] [0] [0]\n"
    "1 1 2 2 4 [4] [5]\n"
    "2 1 2 1 4 [-10] [3]\n"
    "3 1 2 1 4 [-6] [2]\n"
    "4 1 0\n"
    "0 1 0 0\n"
    "1 1 5 2\n"
    "2 1 3 1\n"
    "3 1 2 0\n"
    "4 1 0 0\n"
    "2\n";

const Lag* lag_from(const Step& step, std::size_t pred) {
  for (const auto& lag : step.after)
    if (lag.pred == pred) return &lag;
  return nullptr;
}

TEST(RcpspMax, NamesActivitiesAndResourcesAndReadsStartToStartLags) {
  Problem p = read_rcpsp_max(kRcpsp, "j10/psp0.sch");
  EXPECT_EQ(p.name, "psp0");
  ASSERT_EQ(p.devices.size(), 1u);
  EXPECT_EQ(p.devices[0].id, "r1");
  EXPECT_EQ(p.devices[0].capacity, 2);
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(p.steps[4].id, "a4");
  EXPECT_EQ(p.steps[0].duration, 0);
  EXPECT_TRUE(p.steps[0].demands.empty());
  EXPECT_TRUE(p.steps[0].type.empty());
  ASSERT_EQ(p.steps[1].demands.size(), 1u);
  EXPECT_EQ(p.steps[1].demands[0].amount, 2);
  EXPECT_TRUE(p.steps[3].demands.empty());  // uses none of the resource

  const Lag* merged = lag_from(p.steps[2], 1);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(merged->from, LagFrom::kStart);
  EXPECT_EQ(merged->min_lag, 4);
  EXPECT_EQ(merged->max_lag, 10);
  EXPECT_EQ(lag_from(p.steps[1], 2), nullptr);  // folded into the max lag above

  const Lag* backward = lag_from(p.steps[1], 3);  // start(a1) >= start(a3) - 6
  ASSERT_NE(backward, nullptr);
  EXPECT_EQ(backward->min_lag, -6);
  EXPECT_FALSE(backward->max_lag.has_value());

  const Lag* to_sink = lag_from(p.steps[4], 1);
  ASSERT_NE(to_sink, nullptr);
  EXPECT_EQ(to_sink->min_lag, 5);
}

TEST(RcpspMax, ReportsBadInputWithTheLine) {
  std::string text = kRcpsp;
  auto bracket = error_of(read_rcpsp_max, std::string(text).replace(text.find("[5]"), 3, "5  "), "c.sch");
  EXPECT_EQ(bracket.path, "c.sch:3");
  EXPECT_TRUE(contains(bracket.reason, "must be written as [integer]"));
  auto order = error_of(read_rcpsp_max, std::string(text).replace(text.find("2 1 2 1 4"), 1, "3"), "c.sch");
  EXPECT_EQ(order.path, "c.sch:4");
  EXPECT_TRUE(contains(order.reason, "activity 2 expected here, found 3"));
  auto modes = error_of(read_rcpsp_max, std::string(text).replace(text.find("1 1 5 2"), 3, "1 2"), "c.sch");
  EXPECT_EQ(modes.path, "c.sch:8");
  EXPECT_TRUE(contains(modes.reason, "mode of activity 1"));
  auto capacity = error_of(read_rcpsp_max, std::string(text).replace(text.rfind("2\n"), 1, "0"), "c.sch");
  EXPECT_EQ(capacity.path, "c.sch:12");
  EXPECT_TRUE(contains(capacity.reason, "capacity of resource r1"));
}

TEST(ProblemFormats, AreDetectedByExtensionThenContent) {
  EXPECT_EQ(detect_problem_format("x.json", ""), ProblemFormat::kNeutralJson);
  EXPECT_EQ(detect_problem_format("x.fjs", ""), ProblemFormat::kFlexibleJobShop);
  EXPECT_EQ(detect_problem_format("x.sch", ""), ProblemFormat::kRcpspMax);
  EXPECT_EQ(detect_problem_format("x", "  {\"devices\": []}"), ProblemFormat::kNeutralJson);
  EXPECT_EQ(detect_problem_format("ft06.txt", "2 2\n0 1 1 1\n1 1 0 1\n"), ProblemFormat::kJobShop);
  EXPECT_EQ(detect_problem_format("mk.txt", "1 2 1.5\n1 1 1 5\n"), ProblemFormat::kFlexibleJobShop);
  EXPECT_EQ(detect_problem_format("p.txt", kRcpsp), ProblemFormat::kRcpspMax);
  EXPECT_THROW(detect_problem_format("notes.txt", "hello world, how are you\n"), InputError);
}

// The instances of ../shared/bench read (every job shop and flexible job shop, a quarter of
// RCPSP/max), job shops with the step count their header promises.
TEST(SharedBench, EveryInstanceReads) {
  std::filesystem::path root = foundry::testing::shared_bench_dir();
  if (!std::filesystem::exists(root)) {
    GTEST_SKIP() << "no benchmark data at " << root;
  }
  std::map<std::string, int> found;  // files per folder
  int read = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".txt" && ext != ".fjs" && ext != ".sch")) continue;
    std::string kind = entry.path().lexically_relative(root).begin()->string();
    // RCPSP/max files are all alike and the most numerous: read one in four to keep this test
    // quick under sanitizers (the planner bench reads them all).
    if (found[kind]++ % 4 != 0 && kind == "rcpsp-max") continue;
    Problem p;
    ASSERT_NO_THROW(p = read_problem_file(entry.path())) << entry.path();
    ASSERT_FALSE(p.steps.empty()) << entry.path();
    if (kind == "jssp") {
      EXPECT_EQ(p.steps.size(), p.jobs.size() * p.devices.size()) << entry.path();
    }
    ++read;
  }
  EXPECT_EQ(found["jssp"], 242);
  EXPECT_EQ(found["fjsp"], 402);
  EXPECT_EQ(found["rcpsp-max"], 1260);
  EXPECT_EQ(read, 242 + 402 + 1260 / 4);
}

}  // namespace
}  // namespace foundry::planner
