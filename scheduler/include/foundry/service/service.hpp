// foundryd's transport: a ROUTER socket for requests and a PUB socket for the event and result
// stream, both CURVE servers, with a ZAP handler admitting only the allow-list's keys. One thread
// runs the sockets (run()); the ZAP handler has its own. docs/api.md describes the wire format.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/service/access.hpp>
#include <foundry/service/backend.hpp>
#include <foundry/service/request_handler.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace foundry::service {

struct ServiceOptions {
  std::string api_endpoint = "tcp://127.0.0.1:*";     // ROUTER; "*" port: read back with api_endpoint()
  std::string stream_endpoint = "tcp://127.0.0.1:*";  // PUB
  KeyPair server_keys;                                // the server's CURVE key pair (secret required)
  std::filesystem::path allow_list;                   // "<public key> <role> <name>" lines
  // ZMQ_MAXMSGSIZE: a peer sending a larger message is disconnected by libzmq before it is read.
  // Requests between HandlerOptions::max_request_bytes and this get a "too_large" reply.
  std::size_t max_message_bytes = 4u << 20;
  // How often new events are looked for in the store when no commit listener woke us (ms).
  int poll_interval_ms = 20;
  // While the database cannot be written (a full disk), how often a write is tried (wall seconds).
  double storage_probe_s = 5;
  HandlerOptions handler;
};

class ServiceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Service {
 public:
  // Binds the sockets and starts the ZAP handler. Throws ServiceError (endpoint in use, bad key)
  // or KeyError (unreadable allow-list).
  Service(Backend& backend, const Workcell& workcell, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The bound endpoints, with the port the system chose for "*".
  std::string api_endpoint() const;
  std::string stream_endpoint() const;

  // Serves requests and publishes events until stop(). Call from one thread.
  void run();
  // Thread-safe (not async-signal-safe): run() returns soon after.
  void stop();

  struct Counters {
    std::uint64_t requests = 0, error_replies = 0, refused_requests = 0, published_events = 0,
                  published_results = 0;
  };
  Counters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foundry::service
