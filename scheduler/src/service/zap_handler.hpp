// The ZAP handler (RFC 27): libzmq asks it, over inproc://zeromq.zap.01, whether each CURVE
// client may connect. Without one, libzmq admits every CURVE client; with it, only keys on the
// allow-list get in, and their key becomes the connection's User-Id (read back per message).
#pragma once

#include <foundry/service/access.hpp>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <memory>
#include <thread>

namespace foundry::service {

class ZapHandler {
 public:
  // Binds inproc://zeromq.zap.01 in `context` now (before any CURVE socket accepts a peer) and
  // answers on its own thread until destroyed.
  ZapHandler(zmq::context_t& context, std::shared_ptr<AllowList> allow_list);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t refused() const { return refused_; }

 private:
  void serve();
  zmq::socket_t socket_;
  std::shared_ptr<AllowList> allow_list_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace foundry::service
