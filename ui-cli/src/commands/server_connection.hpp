// How a `foundry` command reaches foundryd (docs/api.md): which endpoint, which keys, and how the
// service's error replies become the CLI's exit codes. Commands that read or change a running
// service (submit, queue, show, cancel, devices, results, plan --preview, ...) share it, so every
// one of them takes the same options and fails the same way when no service is there.
//
//   --db FILE        the database foundryd serves (env FOUNDRY_DB, default foundry.db): the API
//                    is then ipc://<db>.sock/api and the keys are in <db>.keys/ (foundryd's defaults)
//   --connect URL    the API endpoint instead (env FOUNDRY_CONNECT), e.g. tcp://127.0.0.1:5555
//   --keys DIR       where server.pub and our <name>.secret are (env FOUNDRY_KEYS)
//   --as NAME        which key pair to use (env FOUNDRY_KEY, default staff)
//   --stream URL     the event stream with --connect (env FOUNDRY_STREAM), e.g. tcp://127.0.0.1:5556;
//                    with --db it is ipc://<db>.sock/events
//   --timeout S      seconds to wait for a reply (per attempt)
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace foundry::client {
class Client;
}

namespace foundry::cli {

struct ServerOptions {
  std::string db = "foundry.db";
  std::string connect;
  std::string stream;
  std::string keys;
  std::string key_name = "staff";
  double timeout_s = 5;

  std::string api_endpoint() const;
  // The ipc default (--db) or --stream; empty with --connect and no --stream (then follow by polling).
  std::string stream_endpoint() const;
  std::filesystem::path key_dir() const;
  // The options to repeat in a command we suggest ("foundry show RUN" + this), so the suggestion
  // reaches the same foundryd: "" for the defaults, else e.g. " --db lab.db" or " --connect ...".
  std::string repeat_options() const;
};

// Adds --db, --connect, --keys, --as and --timeout (with their environment variables) to `command`.
void add_server_options(CLI::App& command, ServerOptions& options);

// True when --connect is given, or a foundryd serves options.db here: its ipc socket exists and
// accepts a connection (a socket file left by a killed foundryd does not). Commands that can also
// work on the database directly (hold, resume, ack) use this to choose.
bool local_service_present(const ServerOptions& options);

// A connection to foundryd. Requests throw CliExit with an exit code and a message that says
// what to do: kExitUnavailable when nothing answers, kExitBadInput for not_found/invalid_input/
// bad_field, kExitInfeasible for infeasible, kExitStorage for storage_full (the database cannot
// grow), kExitFailure for the rest (rejected, unauthorised).
class ServerConnection {
 public:
  explicit ServerConnection(const ServerOptions& options);
  ~ServerConnection();
  ServerConnection(ServerConnection&&) noexcept;

  // Sends `type` with `fields` (a JSON object) and returns the reply's "result".
  nlohmann::json request(const std::string& type, const nlohmann::json& fields);
  nlohmann::json request(const std::string& type);
  // As request(), with a request id (submit: the client request id that makes retries safe).
  nlohmann::json request_with_id(const std::string& type, const nlohmann::json& fields, const std::string& id);

  // The client itself, for what request() does not cover (result pages, a ResultStream). Wrap
  // such calls in guarded() so their errors become the same exit codes and messages.
  client::Client& client();
  void guarded(const std::function<void()>& call);
  const ServerOptions& options() const { return options_; }

 private:
  ServerOptions options_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace foundry::cli
