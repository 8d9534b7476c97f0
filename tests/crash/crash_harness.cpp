#include "crash_harness.hpp"

#include "command_runner.hpp"
#include "build_paths.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace foundry::crash {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// --- child processes ---------------------------------------------------------------------------

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ChildResult::describe() const {
  std::string what = timed_out                ? "timed out"
                     : signal != 0            ? "signal " + std::to_string(signal) + (killed_by_harness ? " (harness)" : "")
                                              : "exit " + std::to_string(exit_code);
  return what + "\n--- stderr ---\n" + err + "\n--- stdout (tail) ---\n" +
         (out.size() > 2000 ? out.substr(out.size() - 2000) : out);
}

ChildResult run_child(const ChildOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("run_child: empty argv");
  fs::create_directories(options.output_dir);
  std::string out_file = options.output_dir + "/child.out";
  std::string err_file = options.output_dir + "/child.err";

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& [k, v] : options.env) replaced = replaced || entry.rfind(k + "=", 0) == 0;
    if (!replaced) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);  // never a terminal: foundry must not ask interactively
    if (out < 0 || err < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (options.file_size_limit) {
      rlimit limit{*options.file_size_limit, *options.file_size_limit};
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(125);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }

  ChildResult result;
  int status = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    double t = elapsed();
    if (options.kill_after_s && t >= *options.kill_after_s && !result.killed_by_harness) {
      kill(pid, SIGKILL);
      result.killed_by_harness = true;
    } else if (t >= options.timeout_s && !result.timed_out) {
      kill(pid, SIGKILL);
      result.timed_out = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  result.wall_s = elapsed();
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    result.killed_by_harness = false;  // it ended on its own before the signal landed
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.out = read_file(out_file);
  result.err = read_file(err_file);
  return result;
}

const FoundryFeatures& foundry_features() {
  static const FoundryFeatures features = [] {
    FoundryFeatures f;
    f.binary = testing::foundry_binary();
    auto help = testing::run_command(testing::shell_quote(f.binary) + " run --help");
    f.resumable_run = help.out.find("--request-id") != std::string::npos;
    f.ack_command = testing::run_command(testing::shell_quote(f.binary) + " ack --help").exit_code == 0;
    f.crash_points = read_file(f.binary).find("FOUNDRY_CRASH_AT") != std::string::npos;
    return f;
  }();
  return features;
}

// --- the ledger --------------------------------------------------------------------------------

std::map<std::string, LedgerEntry> read_ledger(const std::string& path) {
  std::map<std::string, LedgerEntry> entries;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("command_id")) continue;  // cut short by a crash
    LedgerEntry& e = entries[j.value("command_id", "")];
    e.command_id = j.value("command_id", "");
    e.idempotency_key = j.value("idempotency_key", e.idempotency_key);
    e.operation = j.value("operation", e.operation);
    e.device = j.value("device", e.device);
    std::string event = j.value("event", "");
    if (event == "begin") {
      e.began = true;
      ++e.begins;
      e.outcome.reset();
    } else if (event == "end") {
      e.outcome = j.value("outcome", "");
      if (j.contains("result")) e.result = j["result"];
    }
  }
  return entries;
}

std::set<std::string> idempotent_operations(const std::string& plugin_file, const std::string& model) {
  void* handle = dlopen(plugin_file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(plugin_file + ": " + dlerror());
  std::unique_ptr<void, int (*)(void*)> closer(handle, dlclose);
  // The C ABI (plugins/include/foundry/driver/abi.h): the entry point returns a struct whose
  // fifth member is `const char* (*describe)(void)`. Only that much is mirrored here.
  struct PluginHead {
    std::uint32_t struct_size, abi_major, abi_minor;
    const char* name;
    const char* (*describe)();
  };
  using Entry = const PluginHead* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, "foundry_driver_plugin"));
  if (!entry || !entry() || !entry()->describe) throw std::runtime_error(plugin_file + ": no foundry_driver_plugin");
  Json description = Json::parse(entry()->describe(), nullptr, false);
  std::set<std::string> operations;
  for (const auto& m : description.value("models", Json::array()))
    if (m.value("model", "") == model)
      for (const auto& op : m.value("operations", Json::array()))
        if (op.value("idempotent", false)) operations.insert(op.value("name", ""));
  return operations;
}

// --- the database ------------------------------------------------------------------------------

namespace {

struct Reader {
  explicit Reader(const std::string& file) {
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string message = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error(file + ": " + message);
    }
    sqlite3_busy_timeout(db, 5000);
  }
  ~Reader() { sqlite3_close(db); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Calls `row` for each result row of `sql`; columns as text (NULL: "").
  template <typename F>
  void each(const std::string& sql, F row) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(s, sqlite3_finalize);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> columns;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        if (sqlite3_column_type(s, i) == SQLITE_FLOAT) {  // all 17 digits: SQLite's text has 15
          char number[40];
          std::snprintf(number, sizeof number, "%.17g", sqlite3_column_double(s, i));
          columns.emplace_back(number);
          continue;
        }
        auto* p = sqlite3_column_text(s, i);
        columns.emplace_back(p ? reinterpret_cast<const char*>(p) : "");
      }
      row(columns);
    }
    if (rc != SQLITE_DONE) throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db));
  }
  bool has_table(const std::string& name) {
    bool found = false;
    each("SELECT 1 FROM sqlite_master WHERE type='table' AND name='" + name + "'", [&](auto&) { found = true; });
    return found;
  }

  sqlite3* db = nullptr;
};

}  // namespace

std::vector<StepState> read_steps(const std::string& db_file) {
  Reader r(db_file);
  std::vector<StepState> steps;
  r.each("SELECT run_id, step_id, operation, state, coalesce(idempotency_key,''), coalesce(device_id,'') FROM steps",
         [&](const std::vector<std::string>& c) { steps.push_back({c[0], c[1], c[2], c[3], c[4], c[5]}); });
  return steps;
}

std::vector<std::pair<std::string, std::string>> read_prompts(const std::string& db_file) {
  Reader r(db_file);
  std::vector<std::pair<std::string, std::string>> prompts;
  if (!r.has_table("prompts")) return prompts;
  r.each("SELECT run_id, step_id FROM prompts ORDER BY since, run_id, step_id",
         [&](const std::vector<std::string>& c) { prompts.emplace_back(c[0], c[1]); });
  return prompts;
}

std::int64_t last_event_seq(const std::string& db_file) {
  Reader r(db_file);
  std::int64_t seq = 0;
  r.each("SELECT coalesce(max(seq),0) FROM events", [&](const std::vector<std::string>& c) { seq = std::stoll(c[0]); });
  return seq;
}

std::vector<EventRow> read_events(const std::string& db_file, std::int64_t after_seq) {
  Reader r(db_file);
  std::vector<EventRow> events;
  r.each("SELECT seq, coalesce(run_id,''), coalesce(step_id,''), kind, detail_json FROM events WHERE seq > " +
             std::to_string(after_seq) + " ORDER BY seq",
         [&](const std::vector<std::string>& c) {
           Json detail = Json::parse(c[4], nullptr, false);
           events.push_back({std::stoll(c[0]), c[1], c[2], c[3], detail.is_discarded() ? Json::object() : detail});
         });
  return events;
}

std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, double>>> read_measurements(
    const std::string& db_file) {
  Reader r(db_file);
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, double>>> out;
  r.each("SELECT run_id, step_id, name, value FROM measurements", [&](const std::vector<std::string>& c) {
    out[{c[0], c[1]}].emplace_back(c[2], std::stod(c[3]));
  });
  for (auto& [key, values] : out) std::sort(values.begin(), values.end());
  return out;
}

// --- a campaign ------------------------------------------------------------------------------

CampaignFiles write_campaign(const std::string& dir, int runs) {
  CampaignFiles files;
  files.dir = dir;
  fs::remove_all(dir);
  fs::create_directories(dir);
  files.ledger = dir + "/ledger.jsonl";
  files.db = dir + "/campaign.db";
  files.workcell = dir + "/workcell.json";

  // The shipped workcell, each simulator writing to the shared ledger under its device id.
  Json workcell = Json::parse(read_file(foundry::testing::source_dir() + "/protocols/workcells/sim-foundry.json"));
  for (auto& device : workcell["devices"]) {
    auto& driver = device["driver"];
    driver["settings"]["ledger"] = files.ledger;
    driver["settings"]["device"] = device["id"];
    std::string plugin = foundry::testing::driver_dir() + "/" + driver["plugin"].get<std::string>() + ".so";
    for (const auto& op : idempotent_operations(plugin, driver["model"].get<std::string>())) files.idempotent.insert(op);
  }
  std::ofstream(files.workcell) << workcell.dump(2);

  // The quick DBTL protocol, a 2 h cultivation sampled every hour: 12 steps a run; each run
  // builds its own design.
  Json protocol = Json::parse(read_file(foundry::testing::source_dir() + "/protocols/dbtl-quick.json"));
  protocol["parameters"]["culture_h"]["default"] = 2;
  protocol["parameters"]["sample_interval_h"]["default"] = 1;
  for (int i = 1; i <= runs; ++i) {
    Json p = protocol;
    p["name"] = "crash-dbtl-" + std::to_string(i);
    p["$schema"] = foundry::testing::source_dir() + "/protocols/protocol.schema.json";
    auto& design = p["parameters"]["designs"]["default"][0];
    design["id"] = "c" + std::to_string(i);
    std::string file = dir + "/run-" + std::to_string(i) + ".json";
    std::ofstream(file) << p.dump(2);
    files.protocols.push_back(file);
  }
  return files;
}

std::vector<std::string> run_command(const CampaignFiles& files, const std::string& request_id) {
  std::vector<std::string> argv = {foundry_features().binary, "run"};
  argv.insert(argv.end(), files.protocols.begin(), files.protocols.end());
  for (const char* a : {"--workcell", files.workcell.c_str(), "--db", files.db.c_str(), "--request-id",
                        request_id.c_str(), "--time-limit", "0.05"})
    argv.emplace_back(a);
  return argv;
}

std::vector<std::string> ack_command(const CampaignFiles& files, const std::string& run_id, const std::string& step_id,
                                     const std::string& choice) {
  return {foundry_features().binary, "ack", run_id, step_id, "--choice", choice, "--db", files.db};
}

// --- the checks ----------------------------------------------------------------------------

std::vector<InDoubt> in_doubt_steps(const CampaignFiles& files) {
  auto ledger = read_ledger(files.ledger);
  std::int64_t seq = last_event_seq(files.db);
  std::vector<InDoubt> doubts;
  for (const auto& step : read_steps(files.db)) {
    if (step.state != "running") continue;
    InDoubt d;
    d.step = step;
    d.seq_at_kill = seq;
    d.idempotent = files.idempotent.count(step.operation) > 0;
    if (auto it = ledger.find(step.key); it != ledger.end()) {
      d.began = it->second.began;
      d.ended = it->second.outcome.has_value();
    }
    doubts.push_back(d);
  }
  return doubts;
}

InDoubtVerdict judge_in_doubt(const InDoubt& doubt, const std::vector<EventRow>& events_after) {
  static const std::set<std::string> kStateChanging = {
      "step_started", "step_finished", "step_failed",   "step_skipped",        "step_cancelled",
      "step_held",    "step_requeued", "step_attempt_failed", "step_in_doubt_rerun", "prompt_answered"};
  InDoubtVerdict verdict;
  for (const auto& e : events_after) {
    if (e.seq <= doubt.seq_at_kill || e.run_id != doubt.step.run_id || e.step_id != doubt.step.step_id) continue;
    if (!kStateChanging.count(e.kind)) continue;
    verdict.first_event = e.kind;
    verdict.settled = true;
    break;
  }
  if (!verdict.settled || doubt.idempotent) return verdict;
  const std::string who = "in-doubt step " + doubt.step.run_id + "/" + doubt.step.step_id + " (" + doubt.step.operation +
                          ", key " + doubt.step.key + ")";
  const std::string& first = verdict.first_event;
  bool runs_again = first == "step_started" || first == "step_requeued" || first == "step_attempt_failed" ||
                    first == "step_in_doubt_rerun";
  if (doubt.began && !doubt.ended && (runs_again || first == "step_finished"))
    verdict.violation = who + " began physically with no known outcome, but after the restart the engine's first move was " +
                        first + " instead of holding it for an operator";
  if (doubt.began && doubt.ended && runs_again)
    verdict.violation = who + " had finished physically, but after the restart it was scheduled again (" + first + ")";
  if (!doubt.began && first == "step_finished")
    verdict.violation = who + " never began physically, yet was recorded finished";
  return verdict;
}

namespace {

std::vector<std::pair<std::string, double>> ledger_measurements(const Json& result) {
  std::vector<std::pair<std::string, double>> values;
  if (!result.is_object() || !result.contains("measurements") || !result["measurements"].is_array()) return values;
  for (const auto& m : result["measurements"])
    if (m.is_object() && m.contains("name") && m["name"].is_string() && m.contains("value") && m["value"].is_number())
      values.emplace_back(m["name"].get<std::string>(), m["value"].get<double>());
  std::sort(values.begin(), values.end());
  return values;
}

}  // namespace

std::vector<std::string> check_ledger_against_db(const CampaignFiles& files) {
  std::vector<std::string> problems;
  auto ledger = read_ledger(files.ledger);
  auto steps = read_steps(files.db);
  auto stored = read_measurements(files.db);
  std::map<std::string, std::pair<std::string, std::string>> step_of_key;  // intents recorded
  for (const auto& e : read_events(files.db))
    if (e.kind == "step_started") step_of_key[e.detail.value("key", "")] = {e.run_id, e.step_id};
  std::map<std::string, std::string> operation_of;  // "run/step" -> operation
  for (const auto& s : steps) operation_of[s.run_id + "/" + s.step_id] = s.operation;

  // Intent before action: every physical action has a committed step_started with its key.
  std::map<std::pair<std::string, std::string>, std::vector<const LedgerEntry*>> actions_of_step;
  for (const auto& [id, entry] : ledger) {
    if (!entry.began) continue;
    auto it = step_of_key.find(entry.idempotency_key);
    if (it == step_of_key.end()) {
      problems.push_back("ledger: command " + id + " (" + entry.operation + " on " + entry.device +
                         ") began, but no intent (step_started) with its key was ever committed");
      continue;
    }
    actions_of_step[it->second].push_back(&entry);
    bool idempotent = files.idempotent.count(entry.operation) > 0;
    if (entry.begins > 1 && !idempotent)
      problems.push_back("ledger: non-idempotent command " + id + " (" + entry.operation + ") began " +
                         std::to_string(entry.begins) + " times");
  }
  // No non-idempotent step happened twice, unless the earlier action definitely failed.
  for (const auto& [step, actions] : actions_of_step) {
    if (actions.size() < 2 || files.idempotent.count(actions.front()->operation)) continue;
    int unresolved = 0;
    std::string keys;
    for (const auto* a : actions) {
      keys += " " + a->command_id + "=" + a->outcome.value_or("no end");
      if (a->outcome != "failed") ++unresolved;
    }
    if (unresolved > 1)
      problems.push_back("non-idempotent step " + step.first + "/" + step.second + " (" + actions.front()->operation +
                         ") physically ran " + std::to_string(unresolved) + " times without a failure between:" + keys);
  }
  // Every completed step appears in the ledger, and its result is stored exactly once.
  for (const auto& s : steps) {
    if (s.state != "done") continue;
    std::string who = "done step " + s.run_id + "/" + s.step_id + " (key " + s.key + ")";
    auto it = ledger.find(s.key);
    if (it == ledger.end() || !it->second.began) {
      problems.push_back(who + ": no such action in the ledger");
      continue;
    }
    if (it->second.outcome != "finished") {
      problems.push_back(who + ": the ledger says " + it->second.outcome.value_or("no end"));
      continue;
    }
    auto expected = ledger_measurements(it->second.result);
    auto found = stored.count({s.run_id, s.step_id}) ? stored.at({s.run_id, s.step_id}) : decltype(expected){};
    if (found != expected)
      problems.push_back(who + ": " + std::to_string(found.size()) + " measurements stored, the driver's result has " +
                         std::to_string(expected.size()) + (found.size() == expected.size() ? " (values differ)" : ""));
  }
  return problems;
}

}  // namespace foundry::crash
