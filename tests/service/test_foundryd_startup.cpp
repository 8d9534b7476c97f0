// foundryd's start: a damaged database is refused with a clear message and exit code 6.
#include "service_test_env.hpp"
#include "build_paths.hpp"

#include <command_runner.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace {

TEST(FoundrydStartup, ADamagedDatabaseIsRefusedAndLeftUntouched) {
  auto dir = std::filesystem::temp_directory_path() / ("foundryd-start-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = dir / "lab.db";
  {
    std::ofstream out(db, std::ios::binary);
    out << "this is not a SQLite database, whatever its name says" << std::string(4096, '\x01');
  }
  const std::string& foundryd = foundry::testing::foundryd_binary();
  using foundry::testing::shell_quote;
  auto result = foundry::testing::run_command(
      shell_quote(foundryd) + " --workcell " + shell_quote(foundry::service::testing::workcell_file().string()) +
      " --db " + shell_quote(db.string()) + " --virtual-time");
  EXPECT_EQ(result.exit_code, 6) << result.out << result.err;
  EXPECT_NE(result.err.find("did not start"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--force-recovery"), std::string::npos) << result.err;
  // Refused means untouched: the file is still the damaged one, and no keys were made.
  std::ifstream in(db, std::ios::binary);
  std::string head(20, '\0');
  in.read(head.data(), 20);
  EXPECT_EQ(head, "this is not a SQLite");
  EXPECT_FALSE(std::filesystem::exists(dir / "lab.db.keys"));
  std::filesystem::remove_all(dir);
}

}  // namespace
