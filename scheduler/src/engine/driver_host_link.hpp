// The engine's connection to one driver host, run by an I/O thread of its own.
//
// The thread owns everything that is not thread-safe or must not block the engine loop: the
// ZeroMQ socket, the spawned process, the heartbeat and the reply deadlines. It notices a host
// that died (its pidfd turns readable: we learn the signal from waitpid), one that hangs (a
// request stays unanswered past its timeout: we kill it) and one that restarted behind our back
// (the "boot" id in its replies changed). Each "incarnation" of the host gets a generation number
// so the session can drop news from an incarnation it already gave up on.
#pragma once

#include <foundry/engine/driver_host.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace foundry::engine {

struct HostReply {
  bool answered = false;  // false: the host went down (or was never up) before answering
  nlohmann::json body;    // the reply when answered
  std::string failure;    // why not, when !answered
};

class DriverHostLink {
 public:
  using Generation = std::uint64_t;
  // Both run on the I/O thread, in the order things happened on the wire.
  struct Listener {
    // A message the host sent on its own (call_after, progress, finished, failed).
    std::function<void(Generation, nlohmann::json)> message;
    // An incarnation went down. The requests still outstanding are failed right after.
    std::function<void(Generation, const std::string& reason)> down;
  };

  // `label` names the device in log lines ("[lh1] ...").
  DriverHostLink(DriverHostOptions options, std::string label, Listener listener);
  ~DriverHostLink();  // asks the host to shut down (kills it after 1 s) and joins the I/O thread
  DriverHostLink(const DriverHostLink&) = delete;
  DriverHostLink& operator=(const DriverHostLink&) = delete;

  // Begins a new incarnation: whatever is left of the previous one is killed, a host is spawned
  // (unless options.endpoint names a running one) and connected. Blocks until that is done.
  // Throws std::runtime_error when the host cannot be started.
  Generation start();

  // Sends `message` (adds "seq") to the current incarnation. `on_reply` runs exactly once on the
  // I/O thread: with the reply, or with the failure if the host is down or goes down first.
  // `timeout_s`: how long the host may leave it unanswered before it counts as hung.
  void request(nlohmann::json message, double timeout_s, std::function<void(HostReply)> on_reply);
  // request() and wait for the outcome (for the engine thread's synchronous calls).
  HostReply call(nlohmann::json message, double timeout_s);

  // The spawned host's process id; -1 when none is running (or the host is remote).
  int pid() const { return pid_.load(); }

 private:
  struct Io;  // the I/O thread's state: socket, process, outstanding requests
  void post(std::function<void(Io&)> task);
  void run();

  DriverHostOptions options_;
  std::string label_;
  Listener listener_;

  std::mutex mutex_;
  std::deque<std::function<void(Io&)>> tasks_;
  int wake_fd_ = -1;  // eventfd: tasks are waiting
  std::atomic<int> pid_{-1};
  std::unique_ptr<Io> io_;
  std::thread thread_;
};

}  // namespace foundry::engine
