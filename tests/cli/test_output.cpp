// The human output helpers (ui-cli/src/output/) and the rule they enforce end to end: colour on
// a terminal, none with NO_COLOR or when piped. The terminal is a real pseudo-terminal.
#include "pty_runner.hpp"
#include "recorded_runs.hpp"

#include "output/progress_line.hpp"
#include "output/relative_time.hpp"
#include "output/style.hpp"
#include "output/table.hpp"
#include "output/terminal.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>

namespace foundry::cli::output {
namespace {

using foundry::testing::foundry_binary;
using foundry::testing::run_command;
using foundry::testing::run_on_pty;
using foundry::testing::shell_quote;

constexpr const char* kEscape = "\x1b[";

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A FILE* on the slave side of a fresh pseudo-terminal: "a terminal" for in-process checks.
struct Terminal {
  int master = -1, slave = -1;
  std::FILE* file = nullptr;
  Terminal() {
    winsize size{};
    size.ws_col = 77;
    size.ws_row = 20;
    if (::openpty(&master, &slave, nullptr, nullptr, &size) == 0) file = ::fdopen(slave, "w");
  }
  ~Terminal() {
    if (file) std::fclose(file);
    if (master >= 0) ::close(master);
  }
  std::string drain() {
    std::fflush(file);
    std::string out;
    char buffer[512];
    for (;;) {
      pollfd fd{master, POLLIN, 0};
      if (::poll(&fd, 1, 50) <= 0) break;
      ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
};

TEST(Table, AlignsColumnsIgnoringColourEscapes) {
  Table table({{"seq", Align::kRight}, {"event", Align::kLeft}, {"detail", Align::kLeft}});
  Style colour(true);
  table.add_row({"1", colour.paint("run_created", Tone::kGood), "x"});
  table.add_row({"12", "step_started", ""});
  std::ostringstream out;
  table.print(out, Style(false));
  EXPECT_EQ(out.str(),
            "seq  event         detail\n"
            "  1  \x1b[32mrun_created\x1b[0m   x\n"
            " 12  step_started\n");
}

TEST(Table, RefusesMoreCellsThanColumns) {
  Table table({{"a"}});
  EXPECT_THROW(table.add_row({"1", "2"}), std::logic_error);
}

TEST(Style, PaintsOnlyWithColourAndCountsColumnsNotBytes) {
  EXPECT_EQ(Style(false).paint("done", Tone::kGood), "done");
  EXPECT_EQ(Style(true).paint("done", Tone::kGood), "\x1b[32mdone\x1b[0m");
  EXPECT_EQ(Style(true).paint("done", Tone::kPlain), "done");
  EXPECT_EQ(display_width("\x1b[1;31mfailed\x1b[0m"), 6u);
  EXPECT_EQ(display_width("br250 · vessel"), 14u) << "a middle dot is one column, two bytes";
}

TEST(RelativeTime, SaysDurationsAsPeopleDo) {
  EXPECT_EQ(format_duration(45), "45 s");
  EXPECT_EQ(format_duration(12 * 60 + 5), "12 min");
  EXPECT_EQ(format_duration(2 * 3600 + 10 * 60), "2 h 10 min");
  EXPECT_EQ(format_duration(3 * 3600), "3 h");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600 + 59), "3 d 4 h");
  EXPECT_EQ(relative_time(1000 + 7800, 1000), "in 2 h 10 min");
  EXPECT_EQ(relative_time(1000 - 180, 1000), "3 min ago");
  EXPECT_EQ(relative_time(1002, 1000), "just now");
}

TEST(Terminal, ColourOnATerminalUnlessNoColorIsSet) {
  Terminal terminal;
  ASSERT_NE(terminal.file, nullptr) << "openpty failed";
  ScopedEnv term("TERM", "xterm");
  {
    ScopedEnv unset("NO_COLOR", nullptr);
    EXPECT_TRUE(colour_enabled(terminal.file));
    EXPECT_EQ(terminal_width(terminal.file), 77);
  }
  {
    ScopedEnv set("NO_COLOR", "1");
    EXPECT_FALSE(colour_enabled(terminal.file));
  }
  {
    ScopedEnv empty("NO_COLOR", "");
    EXPECT_TRUE(colour_enabled(terminal.file)) << "no-color.org: only a non-empty NO_COLOR counts";
  }
  {
    ScopedEnv dumb("TERM", "dumb");
    EXPECT_FALSE(colour_enabled(terminal.file));
  }
  std::FILE* file = std::tmpfile();
  EXPECT_FALSE(colour_enabled(file)) << "a file is not a terminal";
  std::fclose(file);
}

TEST(ProgressLine, DrawsABarAndFitsTheWidth) {
  ProgressLine line(stderr, "steps", 40);
  EXPECT_EQ(line.render(10, "run-3", 0), "[#####...............] 10/40 steps  run-3");
  EXPECT_EQ(line.render(40, "", 0), "[####################] 40/40 steps");
  std::string narrow = line.render(10, "a long note about the current run", 30);
  EXPECT_EQ(narrow.size(), 29u);
  EXPECT_EQ(narrow.back(), '~');
  ProgressLine unknown(stderr, "events", 0);
  EXPECT_EQ(unknown.render(7, "", 0), "7 events");
}

TEST(ProgressLine, RedrawsInPlaceOnATerminalOnly) {
  Terminal terminal;
  ASSERT_NE(terminal.file, nullptr);
  {
    ProgressLine line(terminal.file, "steps", 4);
    line.update(1, "a");
    line.finish("done");
  }
  std::string shown = terminal.drain();
  EXPECT_NE(shown.find("\r[#####...............] 1/4 steps  a\x1b[K"), std::string::npos) << shown;
  EXPECT_NE(shown.find("1/4 steps  done"), std::string::npos) << shown;

  std::FILE* file = std::tmpfile();
  {
    ProgressLine line(file, "steps", 4);
    line.update(1, "a");
    line.update(2, "b");
    line.finish("done");
  }
  std::rewind(file);
  char buffer[256] = {};
  std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  EXPECT_EQ(std::string(buffer, n), "[##########..........] 2/4 steps  done\n") << "piped: the last state only";
}

// End to end: `foundry history` on a pseudo-terminal, with NO_COLOR, and piped.
class HistoryOnTerminal : public foundry::testing::RecordedRuns {
 protected:
  static void SetUpTestSuite() { record_runs("output"); }
  static std::vector<std::string> history_argv(bool json = false) {
    std::vector<std::string> argv{foundry_binary(), "history", "dbtl-quick-1", "--db", db_path().string()};
    if (json) argv.push_back("--json");
    return argv;
  }
};

TEST_F(HistoryOnTerminal, ColoursEventsOnATerminal) {
  auto result = run_on_pty(history_argv(), {{"NO_COLOR", ""}, {"TERM", "xterm-256color"}});
  ASSERT_FALSE(result.timed_out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("\x1b[1mseq\x1b[0m"), std::string::npos) << "bold header\n" << result.output;
  EXPECT_NE(result.output.find("\x1b[32mstep_finished\x1b[0m"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("\x1b[32mrun_done\x1b[0m"), std::string::npos) << result.output;
}

TEST_F(HistoryOnTerminal, NoColourWithNoColorSet) {
  auto result = run_on_pty(history_argv(), {{"NO_COLOR", "1"}, {"TERM", "xterm-256color"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("step_finished"), std::string::npos);
  EXPECT_EQ(result.output.find(kEscape), std::string::npos) << result.output;
}

TEST_F(HistoryOnTerminal, NoColourWhenPiped) {
  // A real pipe (grouped, so run_command's redirections apply to the whole pipeline).
  auto result = run_command("( NO_COLOR= TERM=xterm-256color " + foundry_binary() + " history dbtl-quick-1 --db " + db() +
                            " | cat )");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("step_finished"), std::string::npos) << result.out << result.err;
  EXPECT_EQ(result.out.find(kEscape), std::string::npos) << result.out;
}

TEST_F(HistoryOnTerminal, TheTableIsAlignedAndJsonIsNeverColoured) {
  auto table = run_on_pty(history_argv(), {{"NO_COLOR", "1"}});
  ASSERT_EQ(table.exit_code, 0);
  // Every row's "event" column starts where the header's does.
  std::stringstream lines(table.output);
  std::string line;
  std::getline(lines, line);  // the run's summary line
  std::getline(lines, line);
  auto column = line.find("event");
  ASSERT_NE(column, std::string::npos) << line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.size() <= column) continue;
    EXPECT_NE(line[column], ' ') << line;
    EXPECT_EQ(line[column - 1], ' ') << line;
    ++rows;
  }
  EXPECT_GT(rows, 10);

  auto json = run_on_pty(history_argv(true), {{"NO_COLOR", ""}, {"TERM", "xterm"}});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.output.find(kEscape), std::string::npos) << "JSON is for programs: never coloured";
}

}  // namespace
}  // namespace foundry::cli::output
