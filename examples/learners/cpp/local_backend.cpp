#include "local_backend.hpp"

#include <sqlite3.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace foundry::learners {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// {design id: titer} of a run's cultivations.
std::map<std::string, double> titers_of(const std::string& db_path, const std::string& run_id) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error(db_path + ": cannot open: " + why);
  }
  sqlite3_stmt* q = nullptr;
  const char* sql =
      "SELECT step_id, value FROM measurements WHERE run_id = ? AND name = 'titer' AND step_id LIKE '%/cultivate'";
  if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(db_path + ": " + why);
  }
  sqlite3_bind_text(q, 1, run_id.c_str(), -1, SQLITE_TRANSIENT);
  std::map<std::string, double> out;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const std::string step = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    out[step.substr(0, step.find('/'))] = sqlite3_column_double(q, 1);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

}  // namespace

LocalFoundryBackend::~LocalFoundryBackend() {
  for (auto& [ticket, run] : running_) {
    int status = 0;
    waitpid(run.pid, &status, 0);  // never leave a zombie or a writer behind
  }
}

std::string LocalFoundryBackend::submit_designs(const std::vector<Design>& batch) {
  while (!running_.empty()) finish(running_.begin()->first);  // one writer per database file

  const std::string ticket = "local-" + std::to_string(++tickets_);
  Running run{0, options_.db + "." + ticket + ".out", {}};
  for (const auto& d : batch) run.ids.push_back(d.id);

  std::vector<std::string> args = {options_.foundry, "run", options_.protocol, "--workcell", options_.workcell,
                                   "--db", options_.db, "--time-limit", std::to_string(options_.planner_time_limit_s),
                                   "--param", "designs=" + designs_json(batch)};
  for (const auto& p : options_.parameters) {
    args.push_back("--param");
    args.push_back(p);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // No shell: the designs' JSON goes to foundry as one argument, whatever it contains.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, run.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int rc = posix_spawnp(&run.pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start '" + options_.foundry + "': " + std::strerror(rc));
  running_.emplace(ticket, std::move(run));
  return ticket;
}

void LocalFoundryBackend::finish(std::string ticket) {
  auto it = running_.find(ticket);
  if (it == running_.end()) throw std::invalid_argument("unknown run '" + ticket + "'");
  Running run = std::move(it->second);
  running_.erase(it);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.timeout_s);
  while (waitpid(run.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(run.pid, SIGKILL);
      waitpid(run.pid, &status, 0);
      throw std::runtime_error("foundry run of " + ticket + " did not finish within " +
                               std::to_string(options_.timeout_s) + " s (killed)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string output = read_file(run.output_file);
  // foundry run's summary starts "run <run id> (<protocol>): ...".
  std::string run_id;
  for (std::size_t at = 0; at < output.size() && run_id.empty();) {
    const std::size_t end = std::min(output.find('\n', at), output.size());
    const std::string line = output.substr(at, end - at);
    if (line.rfind("run ", 0) == 0 && line.find(" (", 4) != std::string::npos) run_id = line.substr(4, line.find(" (", 4) - 4);
    at = end + 1;
  }
  if (run_id.empty() || run_id.find(' ') != std::string::npos) {
    throw std::runtime_error("foundry run failed (" +
                             (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : std::string("killed")) +
                             "): " + output);
  }
  finished_[ticket] = {run_id, std::move(run.ids)};
}

std::map<std::string, double> LocalFoundryBackend::wait_results(const std::string& ticket) {
  if (!finished_.contains(ticket)) finish(ticket);
  const Finished& run = finished_.at(ticket);
  const auto all = titers_of(options_.db, run.run_id);
  std::map<std::string, double> out;
  for (const auto& id : run.ids) {
    if (auto t = all.find(id); t != all.end()) out.emplace(id, t->second);
  }
  return out;
}

}  // namespace foundry::learners
