#include "command_runner.hpp"
#include "build_paths.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace foundry::testing {

namespace {
std::string slurp_and_remove(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::filesystem::remove(file);
  return text.str();
}
}  // namespace

CommandResult run_command(const std::string& command) {
  static int counter = 0;
  auto base = std::filesystem::temp_directory_path() /
              ("foundry-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::string out = base.string() + ".out", err = base.string() + ".err";
  int status = std::system((command + " >" + shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null").c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp_and_remove(out);
  result.err = slurp_and_remove(err);
  return result;
}

std::string shell_quote(const std::string& argument) {
  std::string quoted = "'";
  for (char c : argument) {
    if (c == '\'') quoted += "'\\''";
    else quoted += c;
  }
  return quoted + "'";
}

}  // namespace foundry::testing
