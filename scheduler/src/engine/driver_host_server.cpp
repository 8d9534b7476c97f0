// foundry-driver-host's loop: one plugin, one driver instance, requests served in order on this
// thread, so a driver call that never returns shows up at the engine as an unanswered request.
#include <foundry/engine/driver_host_server.hpp>
#include <foundry/engine/plugin_library.hpp>

#include "driver_host_curve.hpp"
#include "driver_host_protocol.hpp"

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <cxxabi.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <typeinfo>

namespace foundry::engine {

namespace {

using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string random_boot_id() {
  std::random_device device;
  std::uniform_int_distribution<std::uint64_t> digits;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(digits(device)));
  return text;
}

std::string type_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  return name;
}

class HostServer {
 public:
  explicit HostServer(const DriverHostServerOptions& options) : options_(options), boot_(random_boot_id()) {}

  int run() {
    if (options_.parent_pid > 0) {
      // Die with the engine that spawned us (more exactly: with its thread that did), so a crashed
      // engine leaves no orphan hosts holding instruments.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != options_.parent_pid) return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);
    if (options_.memory_limit_mb > 0) limit_memory();
    try {
      library_ = PluginLibrary::load(options_.plugin);
    } catch (const PluginError& e) {
      load_error_ = e.reason();
      // A spawned host stays up to tell its engine why; a standalone one has nobody to tell.
      if (options_.parent_pid <= 0) {
        std::cerr << "foundry-driver-host: " << e.what() << "\n";
        return 2;
      }
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    socket_ = zmq::socket_t(context_, zmq::socket_type::router);
    host_protocol::configure(socket_);
    if (!options_.curve_key_file.empty() || !options_.allowed_clients_file.empty()) {
      try {
        if (options_.curve_key_file.empty() || options_.allowed_clients_file.empty())
          throw std::invalid_argument("CURVE needs both --curve-key-file and --allowed-clients");
        const auto keys = curve::read_key_file(options_.curve_key_file);
        // The handler first: libzmq admits any CURVE client while no ZAP handler is bound.
        zap_ = std::make_unique<curve::ZapHandler>(context_, curve::read_allowed_clients(options_.allowed_clients_file));
        curve::make_server(socket_, keys);
      } catch (const std::invalid_argument& e) {
        std::cerr << "foundry-driver-host: " << e.what() << "\n";
        socket_.close();
        zap_.reset();
        return 2;
      }
    }
    try {
      socket_.bind(options_.endpoint);
    } catch (const zmq::error_t& e) {
      std::cerr << "foundry-driver-host: cannot listen on " << options_.endpoint << ": " << e.what() << "\n";
      return 2;
    }
    if (options_.parent_pid <= 0)  // whoever started a standalone host may need the port it got
      std::cout << "listening on " << socket_.get(zmq::sockopt::last_endpoint) << std::endl;
    host_ = {sizeof(foundry_host), this, &HostServer::host_now, &HostServer::host_call_after, &HostServer::host_log};

    while (!done_) {
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(1000));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
      if (options_.parent_pid > 0 && ::getppid() != options_.parent_pid) break;  // the engine is gone
      std::uint64_t count;
      [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
      flush_outbox();
      serve_waiting_requests();
    }
    destroy_instance();
    flush_outbox();
    socket_.close();
    zap_.reset();
    context_.close();
    ::close(wake_fd_);
    return 0;
  }

 private:
  struct Timer {
    void (*fn)(void*, int);
    void* arg;
  };
  struct PendingCommand {
    HostServer* server;
    std::uint64_t ref;
  };

  void limit_memory() {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer reserves terabytes of address space for its shadow memory; any RLIMIT_AS
    // would stop it from starting at all.
    std::cerr << "foundry-driver-host: --memory-limit-mb ignored in an AddressSanitizer build\n";
#else
    rlim_t bytes = static_cast<rlim_t>(options_.memory_limit_mb) * 1024 * 1024;
    rlimit limit{bytes, bytes};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) std::perror("foundry-driver-host: setrlimit(RLIMIT_AS)");
#endif
  }

  void serve_waiting_requests() {
    while (!done_) {
      zmq::message_t peer, payload;
      try {
        if (!socket_.recv(peer, zmq::recv_flags::dontwait)) return;
        if (!peer.more() || !socket_.recv(payload, zmq::recv_flags::dontwait)) continue;
        while (payload.more()) {  // not ours: a message is one frame
          zmq::message_t extra;
          if (!socket_.recv(extra, zmq::recv_flags::dontwait)) break;
        }
      } catch (const zmq::error_t&) {
        return;
      }
      serve(peer.to_string(), payload.to_string_view());
    }
  }

  void serve(const std::string& peer, std::string_view text) {
    json request = json::parse(text, nullptr, false);
    if (!request.is_object() || !request.contains("seq")) {
      std::cerr << "foundry-driver-host: ignoring a message that is not a request\n";
      return;
    }
    json reply = {{"reply_to", request["seq"]}, {"boot", boot_}};
    std::string type = request.value("type", "");
    if (auto now = request.find("now"); now != request.end() && now->is_number()) {
      std::lock_guard lock(mutex_);
      base_now_ = now->get<double>();
      base_at_ = Steady::now();
      in_request_ = true;  // the engine's clock stands still until we answer
    }
    if (type == "describe") {
      describe(reply);
    } else if (type == "create") {
      create(peer, request, reply);
    } else if (type == "execute") {
      execute(peer, request, reply);
    } else if (type == "timer_fired") {
      timer_fired(request.value("timer", std::uint64_t{0}));
    } else if (type == "cancel") {
      std::string id = request.value("command_id", "");
      reply["known"] = instance_ && guarded("cancel", [&] { return library_->api().cancel(instance_, id.c_str()); }) == 0;
    } else if (type == "command_state") {
      reply["state"] = command_state(request.value("command_id", ""));
    } else if (type == "heartbeat") {
    } else if (type == "shutdown") {
      destroy_instance();
      if (options_.parent_pid > 0) done_ = true;  // a standalone host waits for the next engine
    } else {
      reply["error"] = "unknown request type '" + type + "'";
    }
    {
      std::lock_guard lock(mutex_);
      in_request_ = false;
    }
    flush_outbox();  // what the request caused goes out before its reply
    send(peer, reply);
  }

  void describe(json& reply) {
    if (!load_error_.empty()) {
      reply["error"] = load_error_;
      return;
    }
    reply["protocol"] = host_protocol::kVersion;
    reply["plugin"] = library_->name();
    reply["description"] = library_->description_json();
  }

  void create(const std::string& peer, const json& request, json& reply) {
    if (!load_error_.empty()) {
      reply["error"] = load_error_;
      return;
    }
    std::string model = request.value("model", "");
    if (!options_.model.empty() && model != options_.model) {
      reply["error"] = "this driver host serves model '" + options_.model + "', not '" + model + "'";
      return;
    }
    json settings = json::parse(request.value("settings", std::string("{}")), nullptr, false);
    if (!options_.settings_json.empty()) {  // the instrument PC's own settings win
      json local = json::parse(options_.settings_json, nullptr, false);
      if (settings.is_object() && local.is_object()) settings.update(local);
    }
    destroy_instance();  // a new engine (or a restarted one) takes over
    peer_ = peer;
    std::string settings_text = settings.is_discarded() ? "{}" : dump(settings);
    char error[1024] = {};
    instance_ = guarded("create", [&] {
      return library_->api().create(model.c_str(), settings_text.c_str(), &host_, error, sizeof error);
    });
    if (!instance_) reply["error"] = error[0] ? error : "no reason given";
  }

  void execute(const std::string& peer, const json& request, json& reply) {
    auto ref = request.value("ref", std::uint64_t{0});
    if (!instance_ || peer != peer_) {
      reply["rejected"] = FOUNDRY_ERROR_CONNECTION;
      reply["message"] = "this driver host has no driver instance for this engine";
      return;
    }
    const json command = request.value("command", json::object());
    std::string id = command.value("id", ""), key = command.value("idempotency_key", "");
    std::string operation = command.value("operation", ""), parameters = command.value("parameters", "{}");
    auto* pending = new PendingCommand{this, ref};
    {
      std::lock_guard lock(mutex_);
      commands_.insert(pending);
    }
    foundry_command cmd{sizeof(foundry_command), id.c_str(), key.c_str(), operation.c_str(), parameters.c_str(),
                        command.value("unit", -1)};
    foundry_command_events events{pending, &HostServer::on_progress, &HostServer::on_finished, &HostServer::on_failed};
    char error[1024] = {};
    int rc = guarded("execute", [&] { return library_->api().execute(instance_, &cmd, &events, error, sizeof error); });
    if (rc != 0) {
      bool ours;
      {
        std::lock_guard lock(mutex_);
        ours = commands_.erase(pending) > 0;
      }
      if (ours) delete pending;
      reply["rejected"] = rc;
      reply["message"] = error[0] ? error : "command refused without a reason";
    }
  }

  void timer_fired(std::uint64_t id) {
    Timer timer{};
    {
      std::lock_guard lock(mutex_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return;
      timer = it->second;
      timers_.erase(it);
    }
    guarded("a timer callback", [&] {
      timer.fn(timer.arg, 0);
      return 0;
    });
  }

  std::string command_state(const std::string& id) {
    if (!instance_) return R"({"state":"unknown"})";
    std::string buffer(256, '\0');
    auto query = [&] {
      return guarded("command_state", [&] {
        return library_->api().command_state(instance_, id.c_str(), buffer.data(), buffer.size());
      });
    };
    std::size_t needed = query();
    if (needed >= buffer.size()) {
      buffer.assign(needed + 1, '\0');
      needed = query();
    }
    buffer.resize(needed < buffer.size() ? needed : buffer.size() - 1);
    return buffer;
  }

  void destroy_instance() {
    std::map<std::uint64_t, Timer> timers;
    std::set<PendingCommand*> abandoned;
    {
      std::lock_guard lock(mutex_);
      timers.swap(timers_);
      abandoned.swap(commands_);
      closing_ = true;
    }
    for (auto& [id, timer] : timers)  // exactly one call per timer: "cancelled" frees its argument
      guarded("a timer callback", [&] {
        timer.fn(timer.arg, 1);
        return 0;
      });
    if (instance_) guarded("destroy", [&] {
      library_->api().destroy(instance_);
      return 0;
    });
    instance_ = nullptr;
    for (auto* command : abandoned) delete command;
    std::lock_guard lock(mutex_);
    closing_ = false;
  }

  // Runs plugin code. An exception escaping it broke the ABI's first rule; the driver's state can
  // no longer be trusted, so the host reports the cause and exits, and the engine starts afresh.
  template <typename Fn>
  auto guarded(const char* where, Fn fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const std::bad_alloc&) {
      fatal(std::string("driver ran out of memory in ") + where + " (std::bad_alloc" +
            (options_.memory_limit_mb > 0 ? ", limit " + std::to_string(options_.memory_limit_mb) + " MB" : "") + ")");
    } catch (const std::exception& e) {
      fatal(std::string("driver threw ") + type_name(typeid(e)) + " from " + where + ": " + e.what());
    } catch (...) {
      fatal(std::string("driver threw a non-standard exception from ") + where);
    }
  }

  [[noreturn]] void fatal(const std::string& reason) noexcept {
    try {
      std::cerr << "foundry-driver-host: " << reason << "\n";
      flush_outbox();
      send(peer_, {{"type", "fatal"}, {"reason", reason}});
      socket_.set(zmq::sockopt::linger, 1000);  // the engine should learn the cause
      socket_.close();
      context_.close();
    } catch (...) {
    }
    std::_Exit(host_protocol::kFatalExitStatus);
  }

  void send(const std::string& peer, const json& message) {
    if (peer.empty()) return;
    std::string text = dump(message);
    try {
      socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      socket_.send(zmq::buffer(text), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      std::cerr << "foundry-driver-host: cannot send: " << e.what() << "\n";
    }
  }

  // Events come from any thread; only this one touches the socket.
  void enqueue(json message) {
    {
      std::lock_guard lock(mutex_);
      outbox_.push_back(std::move(message));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  void flush_outbox() {
    std::deque<json> messages;
    {
      std::lock_guard lock(mutex_);
      messages.swap(outbox_);
    }
    for (const auto& m : messages) send(peer_, m);
  }

  // --- foundry_host, called by the driver (any thread) ---
  static double host_now(void* context) {
    auto* self = static_cast<HostServer*>(context);
    std::lock_guard lock(self->mutex_);
    if (self->in_request_) return self->base_now_;
    // Between requests (a driver's own thread, in wall-clock runs) time moves on from the
    // engine's last reading; in virtual time drivers only run inside requests.
    return self->base_now_ + std::chrono::duration<double>(Steady::now() - self->base_at_).count();
  }

  static void host_call_after(void* context, double delay, void (*fn)(void*, int), void* arg) {
    auto* self = static_cast<HostServer*>(context);
    double at = host_now(context) + (delay > 0 ? delay : 0);
    std::uint64_t id;
    {
      std::lock_guard lock(self->mutex_);
      if (self->closing_) {
        id = 0;
      } else {
        id = ++self->next_timer_;
        self->timers_[id] = {fn, arg};
      }
    }
    if (id == 0) {
      fn(arg, 1);
      return;
    }
    self->enqueue({{"type", "call_after"}, {"timer", id}, {"at", at}});
  }

  static void host_log(void* context, int level, const char* message) {
    static_cast<HostServer*>(context)->enqueue({{"type", "log"}, {"level", level}, {"message", message ? message : ""}});
  }

  // --- foundry_command_events, called by the driver (any thread) ---
  static void on_progress(void* context, double fraction, double remaining) {
    auto* pending = static_cast<PendingCommand*>(context);
    pending->server->enqueue({{"type", "progress"}, {"ref", pending->ref}, {"fraction", fraction}, {"remaining", remaining}});
  }
  static void on_finished(void* context, const char* result) {
    auto* pending = static_cast<PendingCommand*>(context);
    std::string text = result ? result : "{}";
    if (static_cast<std::int64_t>(text.size()) > host_protocol::kMaxMessageBytes - 4096) {
      complete(pending, {{"type", "failed"},
                         {"kind", FOUNDRY_ERROR_UNEXPECTED},
                         {"message", "result of " + std::to_string(text.size()) +
                                         " bytes exceeds the driver-host message limit of 16 MiB"}});
      return;
    }
    complete(pending, {{"type", "finished"}, {"result", std::move(text)}});
  }
  static void on_failed(void* context, int kind, const char* message) {
    complete(static_cast<PendingCommand*>(context),
             {{"type", "failed"}, {"kind", kind}, {"message", message ? message : ""}});
  }
  static void complete(PendingCommand* pending, json message) {
    HostServer* self = pending->server;
    {
      std::lock_guard lock(self->mutex_);
      if (self->commands_.erase(pending) == 0) return;  // abandoned, or reported twice
    }
    message["ref"] = pending->ref;
    delete pending;
    self->enqueue(std::move(message));
  }

  DriverHostServerOptions options_;
  std::string boot_;
  std::shared_ptr<PluginLibrary> library_;
  std::string load_error_;
  zmq::context_t context_{1};
  std::unique_ptr<curve::ZapHandler> zap_;  // with CURVE; before context_ is closed
  zmq::socket_t socket_;
  int wake_fd_ = -1;
  bool done_ = false;
  std::string peer_;  // the engine connection that created the instance: events go there
  foundry_host host_{};
  foundry_driver_instance* instance_ = nullptr;

  std::mutex mutex_;  // guards everything below: drivers call in from their own threads
  std::deque<json> outbox_;
  std::map<std::uint64_t, Timer> timers_;
  std::uint64_t next_timer_ = 0;
  std::set<PendingCommand*> commands_;
  bool closing_ = false;
  double base_now_ = 0;
  Steady::time_point base_at_ = Steady::now();
  bool in_request_ = false;
};

}  // namespace

int run_driver_host(const DriverHostServerOptions& options) {
  HostServer server(options);
  return server.run();
}

}  // namespace foundry::engine
