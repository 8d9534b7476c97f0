// An independent check that a Foundry database's event log replays to its state tables.
//
// It reads the file with SQLite directly and shares no code with the store: it knows only the
// documented tables (docs/database.md) and event kinds. Replaying the `events` table in `seq`
// order rebuilds every run's and step's state (and a step's attempt, idempotency key, device,
// start and end times, measurement count, open prompt, constraint flag); the result is compared
// with the `runs`, `steps`, `measurements` and `prompts` tables. It also checks that the log is
// whole: sequence numbers 1..N without a gap (AUTOINCREMENT never reuses or skips a number in a
// committed history, so a gap means deleted events) and the append-only triggers in place.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace foundry::testing {

struct ReplayReport {
  std::vector<std::string> problems;       // each names the run/step and what differs
  std::vector<std::string> unknown_kinds;  // event kinds this checker does not know, with a count
  std::size_t events = 0;
  std::size_t runs = 0;
  std::size_t steps = 0;
  std::size_t results = 0;  // step_finished events

  bool ok() const { return problems.empty() && unknown_kinds.empty(); }
  std::string text() const;  // every problem on its own line
};

// Throws std::runtime_error naming the file if it cannot be opened or lacks the tables.
ReplayReport check_event_replay(const std::string& db_file);

// `PRAGMA integrity_check` of the file, read-only: "ok" or SQLite's messages (or the open error).
std::string integrity_check(const std::string& db_file);

}  // namespace foundry::testing
