// The physical-action ledger: an append-only file of JSON lines recording every command a
// simulated instrument began and how it ended, each line fsync'd before the driver reports on the
// action. A crash harness checks the engine against it (every completed step happened, no
// non-idempotent step happened twice), and a driver instance created after a restart answers
// command_state from it. Line format and state strings: drivers/README.md.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace foundry::sim {

// What the ledger knows of one command id: its latest `begin` line and, if it ended, the `end`.
struct LedgerRecord {
  nlohmann::json begin;
  std::optional<nlohmann::json> end;
};

class PhysicalLedger {
 public:
  // Opens (creating if needed) `path` for appending. Throws std::runtime_error naming the file.
  explicit PhysicalLedger(std::string path);
  ~PhysicalLedger();
  PhysicalLedger(const PhysicalLedger&) = delete;
  PhysicalLedger& operator=(const PhysicalLedger&) = delete;

  const std::string& path() const { return path_; }

  // Appends `line` (a JSON object, written on one line) and fsyncs the file.
  // Throws std::runtime_error("ledger: ...") if the write or the sync fails.
  void append(const nlohmann::json& line);

  // The record of `command_id` in the file (the last `begin` for it, and an `end` after that
  // begin), or nothing if the id never began. Lines that do not parse (cut short by a crash)
  // are skipped.
  std::optional<LedgerRecord> find(const std::string& command_id) const;

 private:
  std::string path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
};

}  // namespace foundry::sim
