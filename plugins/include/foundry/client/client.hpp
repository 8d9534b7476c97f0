// foundry::client — talk to foundryd from C++ (docs/api.md). Part of the SDK; depends only on
// ZeroMQ and nlohmann_json, both kept inside the compiled library (libfoundry_client).
//
//   auto client = foundry::client::Client::from_key_files("tcp://127.0.0.1:5555",
//                                                         "lab.db.keys/server.pub", "me.secret");
//   std::string run_id = client.submit("dbtl-campaign", R"({"designs": [...]})", "cycle-1");
//   foundry::client::ResultStream stream(client, "tcp://127.0.0.1:5556", /*after=*/0);
//   for (const auto& result : stream.poll(1.0)) ...   // each result once, in seq order
//
// Requests follow the Lazy Pirate pattern: unanswered within the timeout, the request is sent
// again on a fresh socket (bounded retries) with the same request id, so a retried submit
// creates one run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(FOUNDRY_CLIENT_BUILDING)
#define FOUNDRY_CLIENT_API __attribute__((visibility("default")))
#else
#define FOUNDRY_CLIENT_API
#endif

namespace foundry::client {

struct FOUNDRY_CLIENT_API ClientOptions {
  std::string endpoint;           // foundryd's API, e.g. "tcp://127.0.0.1:5555" or "ipc:///.../api"
  std::string server_public_key;  // Z85, from the server's .pub file
  std::string public_key, secret_key;  // ours, Z85, from our .secret file
  double timeout_s = 5;           // per attempt
  int retries = 3;                // attempts after the first
};

// The server answered with an error reply; code() is one of docs/api.md's error codes.
class FOUNDRY_CLIENT_API ClientError : public std::runtime_error {
 public:
  ClientError(std::string code, const std::string& message)
      : std::runtime_error(code + ": " + message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// No reply after every retry: the server is down, unreachable, or refused our key.
class FOUNDRY_CLIENT_API ClientTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Measurement {
  std::string name, unit, sample;
  double value = 0;
};

// A finished step's result, as the stream and the "results" request carry it.
struct Result {
  std::int64_t seq = 0, previous_result_seq = 0;
  std::string run_id, step_id, device_id;
  double t = 0;
  std::vector<Measurement> measurements;
};

// Reads a `foundry keys` file: {public, secret} (secret empty for a .pub file).
FOUNDRY_CLIENT_API std::pair<std::string, std::string> read_key_file(const std::filesystem::path& file);

class FOUNDRY_CLIENT_API Client {
 public:
  explicit Client(ClientOptions options);
  static Client from_key_files(const std::string& endpoint, const std::filesystem::path& server_key_file,
                               const std::filesystem::path& client_secret_file, double timeout_s = 5, int retries = 3);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Sends a request of `type` with `fields_json` (a JSON object's text) and returns the reply's
  // "result" as JSON text. An empty request id gets a fresh one. Throws ClientError / ClientTimeout.
  std::string request(const std::string& type, const std::string& fields_json = "{}",
                      const std::string& request_id = "");
  // Submits a run of `protocol` (a name on the server) with parameters (a JSON object's text);
  // returns its run id. Give the same request id to a retry of the same submission.
  std::string submit(const std::string& protocol, const std::string& parameters_json = "{}",
                     const std::string& request_id = "");
  // Results with seq > after (one page); `more` says whether another page follows.
  std::vector<Result> results(std::int64_t after, bool* more = nullptr);
  std::string new_request_id();

  const ClientOptions& options() const;
  void* context();  // the ZeroMQ context (shared with ResultStream)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every result after `after`, each exactly once and in seq order: stream messages are checked
// against their previous_result_seq, and anything missed is fetched through the API.
class FOUNDRY_CLIENT_API ResultStream {
 public:
  ResultStream(Client& client, const std::string& stream_endpoint, std::int64_t after = 0);
  ~ResultStream();
  ResultStream(const ResultStream&) = delete;
  ResultStream& operator=(const ResultStream&) = delete;

  // Results that arrived since the last call, waiting up to `timeout_s` for the first.
  std::vector<Result> poll(double timeout_s);
  std::int64_t last_seq() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foundry::client
