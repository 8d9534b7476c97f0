// Turns one API request (JSON text, already authenticated) into backend calls and returns the
// reply (JSON text). Never throws for bad input: malformed JSON, an unknown type or version,
// missing or ill-typed fields, a request the caller's role may not send, an unknown run, a
// protocol that does not expand, all become error replies (docs/api.md lists them).
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/service/access.hpp>
#include <foundry/service/backend.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace foundry::service {

inline constexpr int kApiVersion = 1;

struct HandlerOptions {
  // Protocols named in requests ("protocol": "dbtl-build-test") are read from here.
  std::filesystem::path protocols_dir;
  // Requests larger than this get a "too_large" reply (ZMQ_MAXMSGSIZE drops much larger ones).
  std::size_t max_request_bytes = 1 << 20;
  // At most this many events or results per reply to "events" / "results".
  int max_page = 1000;
};

// Who sent a request: the client's name from the allow-list and its role.
struct Caller {
  std::string name;
  Role role = Role::kViewer;
};

class RequestHandler {
 public:
  RequestHandler(Backend& backend, const Workcell& workcell, HandlerOptions options);
  ~RequestHandler();
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  std::string handle(std::string_view request, const Caller& caller);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The JSON text the PUB stream carries for an event and for a result (docs/api.md, "Stream").
std::string event_message_json(const store::Event& event);
// `previous_result_seq`: the seq of the result published before this one (0 for none), so a
// subscriber can tell it missed one.
std::string result_message_json(const StepResult& result, std::int64_t previous_result_seq);

}  // namespace foundry::service
