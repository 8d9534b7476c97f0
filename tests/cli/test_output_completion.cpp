// Bash completion (ui-cli/completion/foundry.bash) against the built binary: subcommands and
// options come from --help, run ids from the database given with --db.
#include "recorded_runs.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace foundry {
namespace {

using testing::foundry_binary;
using testing::run_command;
using testing::shell_quote;

class Completion : public testing::RecordedRuns {
 protected:
  static void SetUpTestSuite() {
    if (run_command("command -v bash").exit_code != 0) return;
    record_runs("completion");  // lab.db, which `--db la<TAB>` completes
  }

  // The completions bash offers for `words` (the last one being completed).
  static std::string complete(const std::string& words) {
    std::string script = "source " + shell_quote(foundry::testing::source_dir() + "/ui-cli/completion/foundry.bash") +
                         "; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _foundry; "
                         "printf '%s\\n' \"${COMPREPLY[@]}\"";
    std::string path = std::filesystem::path(foundry_binary()).parent_path().string();
    auto result = run_command("cd " + shell_quote(dir_.string()) + " && PATH=" + shell_quote(path) +
                              ":\"$PATH\" bash -c " + shell_quote(script));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    return result.out;
  }
};

TEST_F(Completion, SubcommandsOptionsAndRunIds) {
  if (dir_.empty()) GTEST_SKIP() << "bash is not installed";
  std::string all = complete("foundry ''");
  for (const char* sub : {"run\n", "history\n", "gantt\n", "report\n"}) EXPECT_NE(all.find(sub), std::string::npos) << all;
  EXPECT_EQ(complete("foundry gan"), "gantt\n");
  std::string options = complete("foundry report --");
  for (const char* option : {"--db\n", "--campaign\n", "--out\n", "--workcell\n"})
    EXPECT_NE(options.find(option), std::string::npos) << options;
  EXPECT_EQ(complete("foundry history --db lab.db dbtl"), "dbtl-quick-1\n");
  std::string files = complete("foundry gantt --db la");
  EXPECT_EQ(files.rfind("lab.db", 0), 0u) << "a file after --db: " << files;
  EXPECT_NE(files.find("lab.db\n"), std::string::npos) << files;
}

}  // namespace
}  // namespace foundry
