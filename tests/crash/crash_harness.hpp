// The crash harness: runs `foundry` as a child process (killing it with SIGKILL on cue, or under
// a file-size limit), reads the simulators' physical-action ledger and the database directly, and
// checks a finished campaign against the durability promises of issue 5.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace foundry::crash {

// --- child processes ---------------------------------------------------------------------------

struct ChildOptions {
  std::vector<std::string> argv;                            // argv[0] is the program path
  std::vector<std::pair<std::string, std::string>> env;     // added to this process's environment
  std::optional<double> kill_after_s;                       // SIGKILL after this long, if still alive
  std::optional<std::uint64_t> file_size_limit;             // RLIMIT_FSIZE in bytes, set in the child
  std::string output_dir;                                   // stdout/stderr files go here
  double timeout_s = 120;                                   // killed and reported as a hang after this
};

struct ChildResult {
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it (SIGKILL: by us or by a crash point)
  bool killed_by_harness = false;
  bool timed_out = false;
  double wall_s = 0;
  std::string out, err;
  bool exited() const { return signal == 0 && exit_code >= 0; }
  std::string describe() const;  // "exit 6", "signal 9 (harness)", ... with stderr
};

ChildResult run_child(const ChildOptions& options);

// The foundry binary, and whether it offers what the suite needs (checked once).
struct FoundryFeatures {
  std::string binary;
  bool resumable_run = false;  // `foundry run --help` mentions --request-id
  bool ack_command = false;    // `foundry ack --help` exits 0
  bool crash_points = false;   // the binary contains "FOUNDRY_CRASH_AT"
};
const FoundryFeatures& foundry_features();

// --- the physical-action ledger (drivers/README.md) ------------------------------------------------

struct LedgerEntry {
  std::string command_id;
  std::string idempotency_key;
  std::string operation;
  std::string device;
  bool began = false;
  std::optional<std::string> outcome;  // "finished" / "failed" once ended
  nlohmann::json result;               // of a finished end
  int begins = 0;                      // begin lines for this command id (>1: sent twice)
};

// command id -> entry; lines cut short by a crash are skipped.
std::map<std::string, LedgerEntry> read_ledger(const std::string& path);

// Operations each model declares idempotent, read from the plugin's own description (dlopen).
std::set<std::string> idempotent_operations(const std::string& plugin_file, const std::string& model);

// --- the database, read directly -----------------------------------------------------------

struct StepState {
  std::string run_id, step_id, operation, state, key, device_id;
};
std::vector<StepState> read_steps(const std::string& db_file);
std::vector<std::pair<std::string, std::string>> read_prompts(const std::string& db_file);  // (run, step)
std::int64_t last_event_seq(const std::string& db_file);
struct EventRow {
  std::int64_t seq = 0;
  std::string run_id, step_id, kind;
  nlohmann::json detail;
};
std::vector<EventRow> read_events(const std::string& db_file, std::int64_t after_seq = 0);
// (name, value) of each stored measurement of a step, sorted.
std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, double>>> read_measurements(
    const std::string& db_file);

// --- a campaign: several DBTL runs in one workcell, ledgers on ------------------------------------

struct CampaignFiles {
  std::string dir;
  std::string workcell;                // every simulator writes to `ledger`
  std::string ledger;
  std::string db;
  std::vector<std::string> protocols;  // one run each
  std::set<std::string> idempotent;    // operations declared idempotent by the workcell's drivers
};

// Writes `runs` small DBTL protocols (virtual time, well under a second each) and a workcell
// into `dir` (created).
CampaignFiles write_campaign(const std::string& dir, int runs);

std::vector<std::string> run_command(const CampaignFiles& files, const std::string& request_id);
std::vector<std::string> ack_command(const CampaignFiles& files, const std::string& run_id, const std::string& step_id,
                                     const std::string& choice);

// --- the checks ----------------------------------------------------------------------------

// A step that was running (intent committed, no result) when the engine died.
struct InDoubt {
  StepState step;
  std::int64_t seq_at_kill = 0;
  bool began = false;     // the ledger has a begin for its key
  bool ended = false;     // ... and an end
  bool idempotent = false;
};
std::vector<InDoubt> in_doubt_steps(const CampaignFiles& files);

// What the engine did first with an in-doubt step after the restart ("" if nothing yet), and
// whether that keeps the promise: a non-idempotent step that physically began is never started
// again; it is completed from the driver's answer, held, or ended otherwise.
struct InDoubtVerdict {
  std::string first_event;  // kind of the first state-changing event for the step after the kill
  bool settled = false;     // an event was found
  std::string violation;    // empty when fine
};
InDoubtVerdict judge_in_doubt(const InDoubt& doubt, const std::vector<EventRow>& events_after);

// Problems with a finished (or interrupted) campaign: ledger vs database. Empty when fine.
std::vector<std::string> check_ledger_against_db(const CampaignFiles& files);

}  // namespace foundry::crash
