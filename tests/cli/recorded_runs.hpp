// A test suite's own database of real runs, for end-to-end tests of the commands that read runs
// (gantt, report, history): `foundry run` of protocols/dbtl-quick.json on the simulated workcell
// (protocols/workcells/sim-foundry.json), recorded once per suite in SetUpTestSuite, because a
// run takes seconds; the suite's folder is removed after its last test.
#pragma once

#include "command_runner.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace foundry::testing {

// The whole of `file` ("" when it cannot be read: the expectations on it then fail).
inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// How often `part` stands in `text`, not overlapping.
inline std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

class RecordedRuns : public ::testing::Test {
 protected:
  // Makes the suite's folder (`foundry-<name>-<pid>` in the temporary directory) and records one
  // run of dbtl-quick per entry of `run_arguments` (more arguments to `foundry run`, e.g.
  // "--param ..."), in order, so the runs are dbtl-quick-1, dbtl-quick-2, ...
  static void record_runs(const std::string& name, const std::vector<std::string>& run_arguments = {""}) {
    dir_ = std::filesystem::temp_directory_path() / ("foundry-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    for (const auto& arguments : run_arguments) {
      auto result = run_command(foundry_binary() + " run " + protocol() + " --workcell " + workcell() + " --db " +
                                db() + (arguments.empty() ? "" : " " + arguments));
      ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    }
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::filesystem::path db_path() { return dir_ / "lab.db"; }
  // Shell-quoted, for command lines.
  static std::string db() { return shell_quote(db_path().string()); }
  static std::string protocol() { return shell_quote(foundry::testing::source_dir() + "/protocols/dbtl-quick.json"); }
  static std::string workcell() {
    return shell_quote(foundry::testing::source_dir() + "/protocols/workcells/sim-foundry.json");
  }

  static inline std::filesystem::path dir_;
};

}  // namespace foundry::testing
