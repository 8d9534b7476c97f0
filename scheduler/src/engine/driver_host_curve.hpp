// CURVE security for driver hosts on tcp:// (an instrument PC on the lab network): the engine is a
// CURVE client that knows the host's public key; the host is a CURVE server that admits only the
// client public keys listed in its allow file. libzmq accepts ANY client key unless a ZAP handler
// says otherwise, so a host with CURVE always runs the ZapHandler below.
//
// Key files use the format of `foundry keys` (docs: "public = <Z85>" and "secret = <Z85>" lines,
// '#' comments). The engine cannot depend on foundryd's service library, so the few lines that
// read them live here too.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

namespace foundry::engine::curve {

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty in a public key file
};

bool is_z85_key(const std::string& text);

// Throws std::invalid_argument("<file>: reason") for an unreadable or malformed file.
KeyPair read_key_file(const std::filesystem::path& file);

// The allow file: one client a line, its public key first (anything after it, e.g. a name, is a
// comment), '#' comments. Throws std::invalid_argument("<file>:<line>: reason").
std::set<std::string> read_allowed_clients(const std::filesystem::path& file);

// Makes `socket` a CURVE client of the server with `server_public_key`, as `client`.
void make_client(zmq::socket_t& socket, const std::string& server_public_key, const KeyPair& client);
// Makes `socket` a CURVE server with `server` (the secret key is required).
void make_server(zmq::socket_t& socket, const KeyPair& server);

// The ZAP handler (RFC 27) of a context: answers libzmq's authentication requests, admitting a
// CURVE client only if its public key is in `allowed`. Refusals are logged with the peer address.
// Construct before binding a CURVE socket on `context`; destroy before closing the context.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& context, std::set<std::string> allowed);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  int refused() const { return refused_.load(); }

 private:
  void serve();
  zmq::socket_t socket_;
  std::set<std::string> allowed_;
  std::atomic<bool> stop_{false};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

}  // namespace foundry::engine::curve
