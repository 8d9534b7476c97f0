#include "remote_driver.hpp"

#include "driver_host_link.hpp"
#include "driver_host_protocol.hpp"

#include <foundry/engine/clock.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

namespace foundry::engine {

using json = nlohmann::json;

// Engine-thread state, shared with the callbacks we post so a late one finds it gone (weak_ptr)
// instead of dangling. The link's I/O thread never holds it: it only posts to the clock.
struct RemoteDriver::Core : std::enable_shared_from_this<Core> {
  enum class Status { kUp, kStarting, kDown, kGivenUp, kClosed };

  struct Pending {
    std::string command_id;
    DriverSession::Progress progress;
    DriverSession::Completion done;
  };
  struct Held {
    CommandRequest request;
    DriverSession::Progress progress;
    DriverSession::Completion done;
  };

  Core(const DriverHostOptions& o, const std::string& m, const std::string& s, Clock& c)
      : options(o), model(m), settings(s), clock(c) {}

  DriverHostOptions options;
  std::string model;
  std::string settings;
  Clock& clock;
  std::unique_ptr<DriverHostLink> link;
  std::vector<DriverModel> models;
  const DriverModel* model_info = nullptr;

  DriverHostLink::Generation generation = 0;
  Status status = Status::kStarting;
  std::string fault;
  int faults = 0;
  int restarts = 0;
  int consecutive_faults = 0;  // since the driver last completed a command
  Clock::TimerId restart_timer = 0;
  bool restart_scheduled = false;

  std::uint64_t next_ref = 0;
  std::map<std::uint64_t, Pending> pending;          // sent to the host, not yet completed
  std::deque<Held> held;                             // waiting for a restart
  std::map<std::uint64_t, Clock::TimerId> timers;    // the host's timer id -> our clock's
  int external = 0;                                  // external work we hold on the clock

  std::string label() const { return options.plugin.stem().string() + ":" + model; }

  void connect() {
    std::weak_ptr<Core> weak = weak_from_this();
    Clock* c = &clock;
    DriverHostLink::Listener listener;
    listener.message = [weak, c](DriverHostLink::Generation gen, json message) {
      c->post([weak, gen, message = std::move(message)] {
        if (auto core = weak.lock()) core->on_message(gen, message);
      });
    };
    listener.down = [weak, c](DriverHostLink::Generation gen, const std::string& reason) {
      c->post([weak, gen, reason] {
        if (auto core = weak.lock()) core->on_down(gen, reason);
      });
    };
    link = std::make_unique<DriverHostLink>(options, label(), std::move(listener));
  }

  // Runs `fn(core)` on the engine thread when the link answers.
  template <typename Fn>
  std::function<void(HostReply)> on_engine_thread(Fn fn) {
    std::weak_ptr<Core> weak = weak_from_this();
    Clock* c = &clock;
    return [weak, c, fn = std::move(fn)](HostReply reply) mutable {
      c->post([weak, fn = std::move(fn), reply = std::move(reply)]() mutable {
        if (auto core = weak.lock()) fn(*core, reply);
      });
    };
  }

  void hold() {
    ++external;
    clock.begin_external_work();
  }
  void release() {
    if (external == 0) return;
    --external;
    clock.end_external_work();
  }

  bool live(DriverHostLink::Generation gen) const {
    return gen == generation && (status == Status::kUp || status == Status::kStarting);
  }

  // --- commands ---

  void send(const CommandRequest& request, DriverSession::Progress progress, DriverSession::Completion done) {
    std::uint64_t ref = ++next_ref;
    pending[ref] = {request.command_id, std::move(progress), std::move(done)};
    hold();
    json message = {{"type", "execute"},
                    {"ref", ref},
                    {"now", clock.now()},
                    {"command",
                     {{"id", request.command_id},
                      {"idempotency_key", request.idempotency_key},
                      {"operation", request.operation},
                      {"parameters", request.parameters_json},
                      {"unit", request.unit}}}};
    auto gen = generation;
    link->request(std::move(message), options.reply_timeout_s, on_engine_thread([ref, gen](Core& core, HostReply& reply) {
      core.release();
      // Not answered: the host went down, and on_down (which ran first) failed the command.
      if (!reply.answered || gen != core.generation) return;
      auto rejected = reply.body.find("rejected");
      if (rejected == reply.body.end()) return;
      int kind = rejected->is_number_integer() ? rejected->get<int>() : FOUNDRY_ERROR_UNEXPECTED;
      if (kind < FOUNDRY_ERROR_VALIDATION || kind > FOUNDRY_ERROR_CONNECTION) kind = FOUNDRY_ERROR_UNEXPECTED;
      std::string why = reply.body.value("message", "");
      core.complete(ref, {false, kind, "", why.empty() ? "command refused without a reason" : why});
    }));
  }

  void complete(std::uint64_t ref, CommandOutcome outcome) {
    auto it = pending.find(ref);
    if (it == pending.end()) return;
    auto done = std::move(it->second.done);
    pending.erase(it);
    consecutive_faults = 0;  // the driver works: the next fault starts the back-off afresh
    if (done) done(outcome);
  }

  void on_message(DriverHostLink::Generation gen, const json& message) {
    if (!live(gen)) return;
    std::string type = message.value("type", "");
    if (type == "call_after") {
      auto id = message.value("timer", std::uint64_t{0});
      double at = message.value("at", clock.now());
      std::weak_ptr<Core> weak = weak_from_this();
      timers[id] = clock.call_at(at, [weak, gen, id] {
        if (auto core = weak.lock()) core->fire(gen, id);
      });
    } else if (type == "progress") {
      auto it = pending.find(message.value("ref", std::uint64_t{0}));
      if (it != pending.end() && it->second.progress)
        it->second.progress(message.value("fraction", 0.0), message.value("remaining", -1.0));
    } else if (type == "finished") {
      complete(message.value("ref", std::uint64_t{0}), {true, FOUNDRY_ERROR_NONE, message.value("result", "{}"), ""});
    } else if (type == "failed") {
      int kind = message.value("kind", static_cast<int>(FOUNDRY_ERROR_UNEXPECTED));
      if (kind == FOUNDRY_ERROR_NONE) kind = FOUNDRY_ERROR_UNEXPECTED;
      complete(message.value("ref", std::uint64_t{0}), {false, kind, "", message.value("message", "")});
    } else {
      spdlog::debug("[{}] driver host sent an unknown message type '{}'", label(), type);
    }
  }

  // A forwarded host timer is due: the host runs the driver's callback and acknowledges.
  void fire(DriverHostLink::Generation gen, std::uint64_t id) {
    if (!live(gen)) return;
    timers.erase(id);
    hold();
    link->request({{"type", "timer_fired"}, {"timer", id}, {"now", clock.now()}}, options.reply_timeout_s,
                  on_engine_thread([](Core& core, HostReply&) { core.release(); }));
  }

  // --- faults and restarts ---

  void on_down(DriverHostLink::Generation gen, const std::string& reason) {
    if (!live(gen)) return;  // an incarnation we already gave up on
    fault_happened(reason);
  }

  void fault_happened(const std::string& reason) {
    status = Status::kDown;
    fault = reason;
    ++faults;
    ++consecutive_faults;
    for (auto& [id, timer] : timers) clock.cancel(timer);
    timers.clear();
    auto failed = std::move(pending);
    pending.clear();
    for (auto& [ref, command] : failed)
      if (command.done) command.done({false, FOUNDRY_ERROR_CONNECTION, "", reason});
    if (status != Status::kDown) return;  // a completion closed the session
    if (consecutive_faults > options.max_restarts) {
      give_up();
      return;
    }
    double delay = std::min(options.restart_delay_max_s,
                            options.restart_delay_s * std::pow(2.0, consecutive_faults - 1));
    spdlog::warn("[{}] restarting the driver host in {} s", label(), delay);
    std::weak_ptr<Core> weak = weak_from_this();
    restart_scheduled = true;
    restart_timer = clock.call_after(delay, [weak] {
      if (auto core = weak.lock()) core->restart();
    });
  }

  void give_up() {
    status = Status::kGivenUp;
    fault += " (gave up after " + std::to_string(options.max_restarts) + " restart" +
             (options.max_restarts == 1 ? "" : "s") + ")";
    spdlog::error("[{}] {}", label(), fault);
    auto waiting = std::move(held);
    held.clear();
    for (auto& h : waiting)
      if (h.done) h.done({false, FOUNDRY_ERROR_CONNECTION, "", fault});
  }

  void restart() {
    restart_scheduled = false;
    if (status != Status::kDown) return;
    status = Status::kStarting;
    try {
      generation = link->start();
    } catch (const std::exception& e) {
      fault_happened(std::string("cannot restart the driver host: ") + e.what());
      return;
    }
    hold();  // virtual time waits for the new host
    auto gen = generation;
    link->request(create_message(), options.start_timeout_s, on_engine_thread([gen](Core& core, HostReply& reply) {
      core.release();
      if (gen != core.generation || core.status != Status::kStarting) return;
      if (!reply.answered) return;  // on_down (which ran first) handled it
      if (reply.body.contains("error")) {
        core.fault_happened("restarting the driver failed: " + reply.body.value("error", std::string()));
        return;
      }
      core.status = Status::kUp;
      ++core.restarts;
      spdlog::info("[{}] driver host restarted", core.label());
      auto waiting = std::move(core.held);
      core.held.clear();
      for (auto& h : waiting) core.send(h.request, std::move(h.progress), std::move(h.done));
    }));
  }

  json create_message() const {
    return {{"type", "create"}, {"model", model}, {"settings", settings}, {"now", clock.now()}};
  }

  void close() {
    status = Status::kClosed;
    if (restart_scheduled) clock.cancel(restart_timer);
    for (auto& [id, timer] : timers) clock.cancel(timer);
    timers.clear();
    pending.clear();  // abandoned without completion, as an in-process session does
    held.clear();
    link.reset();  // shuts the host down
    while (external > 0) release();
  }
};

RemoteDriver::RemoteDriver(const DriverHostOptions& options, const std::string& model, const std::string& settings_json,
                           Clock& clock)
    : core_(std::make_shared<Core>(options, model, settings_json, clock)) {
  Core& core = *core_;
  const auto& file = options.plugin;
  core.connect();
  try {
    core.generation = core.link->start();
  } catch (const std::exception& e) {
    throw PluginError(file, std::string("cannot start its driver host: ") + e.what());
  }
  HostReply reply = core.link->call({{"type", "describe"}, {"now", clock.now()}}, options.start_timeout_s);
  if (!reply.answered) throw PluginError(file, reply.failure + " (while loading the plugin)");
  if (reply.body.contains("error")) throw PluginError(file, reply.body.value("error", std::string()));
  int protocol = reply.body.value("protocol", 0);
  if (protocol != host_protocol::kVersion)
    throw PluginError(file, "its driver host speaks protocol " + std::to_string(protocol) + ", this engine " +
                                std::to_string(host_protocol::kVersion) + "; run matching Foundry versions");
  core.models = parse_driver_description(file, reply.body.value("description", std::string()));
  auto it = std::find_if(core.models.begin(), core.models.end(), [&](const DriverModel& m) { return m.model == model; });
  if (it == core.models.end()) throw PluginError(file, "has no model '" + model + "'");
  core.model_info = &*it;

  reply = core.link->call(core.create_message(), options.start_timeout_s);
  if (!reply.answered) throw PluginError(file, "creating model '" + model + "' failed: " + reply.failure);
  if (reply.body.contains("error"))
    throw PluginError(file, "creating model '" + model + "' failed: " + reply.body.value("error", std::string()));
  core.status = Core::Status::kUp;
}

RemoteDriver::~RemoteDriver() { core_->close(); }

const std::string& RemoteDriver::model() const { return core_->model; }
const DriverModel& RemoteDriver::driver_model() const { return *core_->model_info; }

void RemoteDriver::execute(const CommandRequest& request, DriverSession::Progress progress,
                           DriverSession::Completion done) {
  Core& core = *core_;
  switch (core.status) {
    case Core::Status::kUp:
      core.send(request, std::move(progress), std::move(done));
      return;
    case Core::Status::kStarting:
    case Core::Status::kDown:
      core.held.push_back({request, std::move(progress), std::move(done)});  // sent once the host is back
      return;
    case Core::Status::kGivenUp:
    case Core::Status::kClosed:
      break;
  }
  CommandOutcome outcome{false, FOUNDRY_ERROR_CONNECTION, "", core.fault};
  core.clock.post([done = std::move(done), outcome] {
    if (done) done(outcome);
  });
}

bool RemoteDriver::cancel(const std::string& command_id) {
  Core& core = *core_;
  if (core.status != Core::Status::kUp) return false;
  HostReply reply = core.link->call({{"type", "cancel"}, {"command_id", command_id}, {"now", core.clock.now()}},
                                    core.options.reply_timeout_s);
  return reply.answered && reply.body.value("known", false);
}

std::string RemoteDriver::command_state(const std::string& command_id) {
  Core& core = *core_;
  const std::string unknown = R"({"state":"unknown"})";  // a dead host's memory died with it
  if (core.status != Core::Status::kUp) return unknown;
  HostReply reply = core.link->call(
      {{"type", "command_state"}, {"command_id", command_id}, {"now", core.clock.now()}}, core.options.reply_timeout_s);
  return reply.answered ? reply.body.value("state", unknown) : unknown;
}

DriverHealth RemoteDriver::health() const {
  const Core& core = *core_;
  DriverHealth h;
  h.isolated = true;
  h.faulted = core.status != Core::Status::kUp;
  h.given_up = core.status == Core::Status::kGivenUp;
  h.fault = core.fault;
  h.faults = core.faults;
  h.restarts = core.restarts;
  h.host_pid = core.link ? core.link->pid() : -1;
  return h;
}

}  // namespace foundry::engine
