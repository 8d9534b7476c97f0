// A one-line progress display for long work (a demo campaign, a large plan): on a terminal it
// redraws itself in place ("[#####.....] 12/40 steps  run-3"); piped, it stays silent apart
// from the final line, so logs hold no carriage returns.
#pragma once

#include <cstdio>
#include <string>

namespace foundry::cli::output {

class ProgressLine {
 public:
  // `stream` is usually stderr, so stdout stays clean for data. `total` 0 = unknown.
  ProgressLine(std::FILE* stream, std::string what, long total);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Reports `done` items and a short note (e.g. the current run). Redraws at most every 100 ms.
  void update(long done, const std::string& note = {});
  // Writes the final state ("40/40 steps  done") and a newline; also written when piped.
  void finish(const std::string& note = {});

  // The text of the line for `done` items (no escapes), for tests and for the piped case.
  std::string render(long done, const std::string& note, int width) const;

 private:
  std::FILE* stream_;
  std::string what_;
  long total_;
  long done_ = 0;
  bool interactive_;
  bool finished_ = false;
  double last_draw_ = 0;
};

}  // namespace foundry::cli::output
