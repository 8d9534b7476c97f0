// The progress line of `foundry plan PROBLEM`: on a terminal, a line redrawn while the planner
// searches (time spent against --time-limit, the best makespan so far), then the summary as
// before; piped, no trace of it, and stdout is still the schedule JSON.
#include "command_runner.hpp"
#include "pty_runner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace foundry::testing {
namespace {

// A job shop (Taillard's format) big enough that the search uses its whole budget.
std::filesystem::path write_job_shop(const std::filesystem::path& dir) {
  std::mt19937 random(7);
  const int jobs = 15, machines = 10;
  std::ofstream out(dir / "shop.txt");
  out << jobs << " " << machines << "\n";
  for (int j = 0; j < jobs; ++j) {
    std::vector<int> order(machines);
    for (int m = 0; m < machines; ++m) order[m] = m;
    std::shuffle(order.begin(), order.end(), random);
    for (int m : order) out << m << " " << 1 + random() % 99 << " ";
    out << "\n";
  }
  return dir / "shop.txt";
}

TEST(PlanProgress, ATerminalSeesTheSearchAgainstItsBudgetAPipeDoesNot) {
  auto dir = std::filesystem::temp_directory_path() / ("foundry-plan-progress-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto shop = write_job_shop(dir);

  auto tty = run_on_pty({foundry_binary(), "plan", shop.string(), "--time-limit", "2"}, {{"NO_COLOR", "1"}});
  ASSERT_FALSE(tty.timed_out);
  ASSERT_EQ(tty.exit_code, 0) << tty.output;
  EXPECT_NE(tty.output.find("/2 s  searching 150 steps"), std::string::npos) << "redrawn while searching\n" << tty.output;
  EXPECT_NE(tty.output.find("/2 s  searched "), std::string::npos) << "the final line\n" << tty.output;
  // The best plan so far is on the line; the final line's is the makespan of the plan written.
  EXPECT_NE(tty.output.find("searching 150 steps, best makespan "), std::string::npos)
      << "the best objective while searching\n" << tty.output;
  const std::string best = ", best makespan ";
  const auto last_best = tty.output.find(best, tty.output.rfind("/2 s  searched "));
  ASSERT_NE(last_best, std::string::npos) << "the best objective at the end\n" << tty.output;
  const auto summary = tty.output.find("\nmakespan ");
  ASSERT_NE(summary, std::string::npos) << "the summary as before\n" << tty.output;
  const long shown = std::stol(tty.output.substr(last_best + best.size()));
  const long planned = std::stol(tty.output.substr(summary + 10));
  EXPECT_EQ(shown, planned) << tty.output;

  auto piped = run_command(shell_quote(foundry_binary()) + " plan " + shell_quote(shop.string()) + " --time-limit 1");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err.find("searching"), std::string::npos) << "no progress line in a log\n" << piped.err;
  EXPECT_EQ(piped.err.find("searched"), std::string::npos) << piped.err;
  EXPECT_FALSE(nlohmann::json::parse(piped.out, nullptr, false).is_discarded()) << "stdout is still the schedule JSON";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foundry::testing
