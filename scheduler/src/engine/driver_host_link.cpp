#include "driver_host_link.hpp"

#include "driver_host_process.hpp"
#include "driver_host_curve.hpp"
#include "driver_host_protocol.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace foundry::engine {

namespace {

using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

std::string seconds_text(double s) {
  std::string text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

Steady::duration from_seconds(double s) {
  return std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

struct DriverHostLink::Io {
  struct Outstanding {
    std::uint64_t seq = 0;
    std::string type;
    Steady::time_point sent;
    double timeout_s = 0;
    std::function<void(HostReply)> on_reply;
  };

  Io(DriverHostLink& l) : link(l) {}

  DriverHostLink& link;
  zmq::context_t context{1};  // declared first: destroyed after the socket
  std::optional<zmq::socket_t> socket;
  std::unique_ptr<PrivateDirectory> directory;
  DriverHostProcess process;
  Generation generation = 0;
  bool up = false;
  bool quit = false;
  std::string down_reason = "the driver host is not running";
  std::string boot;   // the incarnation's random id, from its first reply
  std::string fatal;  // the cause the host reported before exiting
  std::deque<Outstanding> outstanding;  // in the order sent; the host answers in that order
  std::uint64_t next_seq = 0;
  Steady::time_point last_reply;
  Steady::time_point last_heartbeat;

  const DriverHostOptions& options() const { return link.options_; }

  Generation start() {
    if (quit) throw std::runtime_error("the driver session was closed");
    if (up) abandon("the driver host is being restarted");
    if (process.running()) process.kill_and_reap();
    link.pid_ = -1;
    socket.reset();
    ++generation;
    boot.clear();
    fatal.clear();
    std::string endpoint = options().endpoint;
    if (endpoint.empty()) {
      if (!directory) directory = std::make_unique<PrivateDirectory>();
      // A fresh socket name per incarnation: nothing addressed to the dead host reaches the new one.
      auto path = directory->path() / ("host-" + std::to_string(generation) + ".sock");
      std::error_code ec;
      std::filesystem::remove(path, ec);
      endpoint = "ipc://" + path.string();
      std::filesystem::path program = options().program.empty() ? find_driver_host_program() : options().program;
      if (program.empty())
        throw std::runtime_error("cannot find the foundry-driver-host program (build it, or set $FOUNDRY_DRIVER_HOST "
                                 "or settings/driver_host/program)");
      std::vector<std::string> argv = {program.string(), "--plugin", options().plugin.string(), "--endpoint", endpoint,
                                       "--parent-pid", std::to_string(::getpid())};
      if (options().memory_limit_mb > 0) {
        argv.push_back("--memory-limit-mb");
        argv.push_back(std::to_string(options().memory_limit_mb));
      }
      try {
        process = DriverHostProcess::spawn(argv);
      } catch (const std::system_error& e) {
        throw std::runtime_error(std::string(e.what()));
      }
      link.pid_ = process.pid();
    }
    socket.emplace(context, zmq::socket_type::dealer);
    host_protocol::configure(*socket);
    if (!options().server_public_key.empty()) {
      // Read at every (re)connection: a key rotated on disk is picked up without a restart.
      curve::make_client(*socket, options().server_public_key, curve::read_key_file(options().client_key_file));
    }
    socket->connect(endpoint);  // ZeroMQ retries until the host has bound: no start-up race
    up = true;
    last_reply = last_heartbeat = Steady::now();
    return generation;
  }

  void request(json message, double timeout_s, std::function<void(HostReply)> on_reply) {
    if (!up) {
      on_reply({false, {}, down_reason});
      return;
    }
    std::uint64_t seq = ++next_seq;
    message["seq"] = seq;
    outstanding.push_back({seq, message.value("type", "?"), Steady::now(), timeout_s, std::move(on_reply)});
    if (!send(message)) go_down("cannot send to the driver host (its queue is full)");
  }

  bool send(const json& message) {
    std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
    try {
      return socket->send(zmq::buffer(text), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t&) {
      return false;
    }
  }

  void receive() {
    while (up && socket) {
      zmq::message_t frame;
      zmq::recv_result_t got;
      try {
        got = socket->recv(frame, zmq::recv_flags::dontwait);
      } catch (const zmq::error_t&) {
        break;
      }
      if (!got) break;
      json message = json::parse(frame.to_string_view(), nullptr, false);
      if (!message.is_object()) {
        spdlog::warn("[{}] driver host sent a message that is not a JSON object; ignored", link.label_);
        continue;
      }
      handle(std::move(message));
    }
  }

  void handle(json message) {
    if (auto b = message.find("boot"); b != message.end() && b->is_string()) {
      if (boot.empty()) {
        boot = b->get<std::string>();
      } else if (boot != b->get<std::string>()) {
        go_down("driver host restarted on its own; the driver instance and its commands are gone");
        return;
      }
    }
    if (auto r = message.find("reply_to"); r != message.end() && r->is_number_unsigned()) {
      last_reply = Steady::now();
      auto seq = r->get<std::uint64_t>();
      auto it = std::find_if(outstanding.begin(), outstanding.end(), [&](const Outstanding& o) { return o.seq == seq; });
      if (it == outstanding.end()) return;  // answered after we gave up on it
      auto on_reply = std::move(it->on_reply);
      outstanding.erase(it);
      on_reply({true, std::move(message), ""});
      return;
    }
    std::string type = message.value("type", "");
    if (type == "fatal") {
      fatal = message.value("reason", "unknown cause");
    } else if (type == "log") {
      int level = message.value("level", 1);
      auto lvl = level >= 3 ? spdlog::level::err : level == 2 ? spdlog::level::warn
                 : level == 1                     ? spdlog::level::info
                                                  : spdlog::level::debug;
      spdlog::log(lvl, "[{}] {}", link.label_, message.value("message", ""));
    } else {
      link.listener_.message(generation, std::move(message));
    }
  }

  // The host exited: read its last words, then report why it is gone.
  void check_process() {
    if (!process.running()) return;
    auto status = process.try_reap();
    if (!status) return;
    link.pid_ = -1;
    if (!up) return;
    receive();  // events and replies it sent before exiting are still true
    if (fatal.empty() && WIFEXITED(*status) && WEXITSTATUS(*status) == host_protocol::kFatalExitStatus) {
      // It announced the cause before exiting; the message may still be in the kernel's buffers.
      auto deadline = Steady::now() + std::chrono::milliseconds(500);
      while (up && fatal.empty() && Steady::now() < deadline) {
        zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(50));
        receive();
      }
    }
    if (!up) return;
    std::string reason = !fatal.empty()          ? "driver host failed: " + fatal
                         : WIFSIGNALED(*status) ? "driver host died: " + describe_wait_status(*status)
                                                : "driver host exited with " + describe_wait_status(*status);
    go_down(reason);
  }

  // A request left unanswered past its timeout (counted from when the host last answered
  // anything, since it answers in order) means the host's loop is stuck in driver code.
  void check_deadlines() {
    if (!up || outstanding.empty()) return;
    const Outstanding& head = outstanding.front();
    if (Steady::now() - std::max(head.sent, last_reply) <= from_seconds(head.timeout_s)) return;
    std::string reason = "driver host hung: no answer to '" + head.type + "' within " + seconds_text(head.timeout_s) + " s";
    if (process.running()) {
      process.kill_and_reap();
      link.pid_ = -1;
      reason += "; killed it";
    }
    go_down(reason);
  }

  void heartbeat() {
    if (!up || !outstanding.empty()) return;  // outstanding requests are probes enough
    if (Steady::now() - last_heartbeat < from_seconds(options().heartbeat_interval_s)) return;
    last_heartbeat = Steady::now();
    request({{"type", "heartbeat"}}, options().reply_timeout_s, [](HostReply) {});
  }

  std::chrono::milliseconds poll_timeout() const {
    auto wait = Steady::duration(std::chrono::seconds(1));
    auto now = Steady::now();
    if (up && outstanding.empty())
      wait = std::min(wait, last_heartbeat + from_seconds(options().heartbeat_interval_s) - now);
    if (up && !outstanding.empty()) {
      const Outstanding& head = outstanding.front();
      wait = std::min(wait, std::max(head.sent, last_reply) + from_seconds(head.timeout_s) - now);
    }
    if (process.running() && process.exit_fd() < 0) wait = std::min<Steady::duration>(wait, std::chrono::milliseconds(20));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1);
    return std::max(ms, std::chrono::milliseconds(0));
  }

  // Fails what is outstanding without telling the listener (we are the ones ending it).
  void abandon(const std::string& reason) {
    up = false;
    down_reason = reason;
    socket.reset();
    auto pending = std::move(outstanding);
    outstanding.clear();
    for (auto& o : pending) o.on_reply({false, {}, reason});
  }

  // The listener hears of the fault BEFORE the outstanding requests fail: the session holds
  // external work on the clock for them, and must have failed its commands and scheduled the
  // restart before that work is released, or a virtual clock would see nothing left to do.
  void go_down(const std::string& reason) {
    if (process.running()) process.kill_and_reap();  // a host we stopped trusting must not linger
    link.pid_ = -1;
    spdlog::warn("[{}] {}", link.label_, reason);
    up = false;
    link.listener_.down(generation, reason);
    abandon(reason);
  }

  void stop() {
    if (up && socket) {
      json bye = {{"type", "shutdown"}, {"seq", ++next_seq}};
      socket->set(zmq::sockopt::linger, 200);  // let the goodbye leave before the socket closes
      send(bye);
    }
    if (process.running() && !process.wait_for_exit(std::chrono::seconds(1))) process.kill_and_reap();
    link.pid_ = -1;
    abandon("the driver session was closed");
    quit = true;
  }
};

DriverHostLink::DriverHostLink(DriverHostOptions options, std::string label, Listener listener)
    : options_(std::move(options)), label_(std::move(label)), listener_(std::move(listener)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  io_ = std::make_unique<Io>(*this);
  thread_ = std::thread([this] { run(); });
}

DriverHostLink::~DriverHostLink() {
  post([](Io& io) { io.stop(); });
  thread_.join();
  io_.reset();
  ::close(wake_fd_);
}

void DriverHostLink::post(std::function<void(Io&)> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

DriverHostLink::Generation DriverHostLink::start() {
  auto done = std::make_shared<std::promise<Generation>>();
  auto result = done->get_future();
  post([done](Io& io) {
    try {
      done->set_value(io.start());
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  return result.get();
}

void DriverHostLink::request(nlohmann::json message, double timeout_s, std::function<void(HostReply)> on_reply) {
  post([message = std::move(message), timeout_s, on_reply = std::move(on_reply)](Io& io) mutable {
    io.request(std::move(message), timeout_s, std::move(on_reply));
  });
}

HostReply DriverHostLink::call(nlohmann::json message, double timeout_s) {
  auto done = std::make_shared<std::promise<HostReply>>();
  auto result = done->get_future();
  request(std::move(message), timeout_s, [done](HostReply reply) { done->set_value(std::move(reply)); });
  // The I/O thread answers within `timeout_s` (it declares the host hung otherwise); the margin
  // only guards against a stuck I/O thread.
  if (result.wait_for(std::chrono::duration<double>(timeout_s + 5.0)) != std::future_status::ready)
    return {false, {}, "the driver-host connection did not answer"};
  return result.get();
}

void DriverHostLink::run() {
  Io& io = *io_;
  while (!io.quit) {
    std::vector<zmq::pollitem_t> items;
    items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
    if (io.socket) items.push_back({io.socket->handle(), 0, ZMQ_POLLIN, 0});
    if (io.process.running() && io.process.exit_fd() >= 0) items.push_back({nullptr, io.process.exit_fd(), ZMQ_POLLIN, 0});
    try {
      zmq::poll(items.data(), items.size(), io.poll_timeout());
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::error("[{}] driver-host link: poll failed: {}", label_, e.what());
    }
    std::uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
    std::deque<std::function<void(Io&)>> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(tasks_);
    }
    // Receive before running new tasks: replies already here belong to requests sent earlier.
    io.receive();
    io.check_process();
    for (auto& task : tasks) {
      task(io);
      if (io.quit) break;
    }
    if (io.quit) break;
    io.receive();
    io.check_process();
    io.check_deadlines();
    io.heartbeat();
  }
  // Tasks posted after the stop (none, normally) still keep their promise: fail their requests.
  std::lock_guard lock(mutex_);
  for (auto& task : tasks_) task(io);
  tasks_.clear();
}

}  // namespace foundry::engine
