#include <foundry/service/service.hpp>

#include "service/zap_handler.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <mutex>
#include <vector>

namespace foundry::service {

namespace {

// Requests served per wake-up before the stream gets its turn, so a flood of requests cannot
// starve publication (and the other way round).
constexpr int kRequestsPerTurn = 64;
constexpr int kEventsPerPage = 1000;

void make_curve_server(zmq::socket_t& socket, const ServiceOptions& options) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, options.server_keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, "foundry");
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_message_bytes));
  socket.set(zmq::sockopt::linger, 0);
}

}  // namespace

struct Service::Impl {
  Backend& backend;
  ServiceOptions options;
  RequestHandler handler;
  std::shared_ptr<AllowList> allow_list;
  zmq::context_t context;
  std::unique_ptr<ZapHandler> zap;
  zmq::socket_t router{context, zmq::socket_type::router};
  zmq::socket_t publisher{context, zmq::socket_type::pub};
  zmq::socket_t wake_in{context, zmq::socket_type::pull};
  zmq::socket_t wake_out{context, zmq::socket_type::push};
  std::mutex wake_mutex;
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stopping{false};
  std::string api_endpoint, stream_endpoint;

  std::int64_t last_event_seq = 0;   // the last event published
  std::int64_t last_result_seq = 0;  // the last result published (previous_result_seq of the next)
  mutable std::mutex counters_mutex;
  Counters counters;

  Impl(Backend& b, const Workcell& workcell, ServiceOptions o)
      : backend(b), options(std::move(o)), handler(b, workcell, options.handler),
        allow_list(std::make_shared<AllowList>(options.allow_list)) {
    if (options.server_keys.secret_key.empty()) throw ServiceError("the server's secret key is missing");
    zap = std::make_unique<ZapHandler>(context, allow_list);
    try {
      make_curve_server(router, options);
      router.set(zmq::sockopt::router_mandatory, 0);  // a reply to a vanished client is dropped
      router.bind(options.api_endpoint);
      api_endpoint = router.get(zmq::sockopt::last_endpoint);
      make_curve_server(publisher, options);
      // Results are precious; a slow subscriber loses messages only past this many (it then
      // catches up through "results" anyway, see docs/api.md).
      publisher.set(zmq::sockopt::sndhwm, 100000);
      publisher.bind(options.stream_endpoint);
      stream_endpoint = publisher.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      throw ServiceError(std::string("cannot bind the service sockets (") + options.api_endpoint + ", " +
                         options.stream_endpoint + "): " + e.what());
    }
    auto wake_endpoint = "inproc://foundry-service-wake-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    wake_in.bind(wake_endpoint);
    wake_out.connect(wake_endpoint);
    wake_out.set(zmq::sockopt::linger, 0);
    backend.on_event_committed([this](std::int64_t) { wake(); });
  }

  ~Impl() { backend.on_event_committed(nullptr); }

  // Publication starts after what the store holds already: a subscriber asks "results" for that.
  void start_sequence() {
    for (;;) {
      auto events = backend.events_after(last_event_seq, kEventsPerPage);
      for (const auto& e : events) {
        if (e.kind == "step_finished") last_result_seq = e.seq;
        last_event_seq = e.seq;
      }
      if (static_cast<int>(events.size()) < kEventsPerPage) break;
    }
  }

  void wake() {
    if (wake_pending.exchange(true)) return;  // one wake-up covers every commit until it is seen
    std::lock_guard lock(wake_mutex);
    (void)wake_out.send(zmq::message_t(), zmq::send_flags::dontwait);
  }

  void serve_request() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
    if (frames.size() < 2) return;  // no body: nothing to answer
    // [routing id][empty delimiter, from REQ clients][body]; anything else is malformed.
    std::size_t body_index = frames.size() - 1;
    bool well_formed = frames.size() == 2 || (frames.size() == 3 && frames[1].size() == 0);
    zmq::message_t& body = frames[body_index];
    const char* key = body.gets("User-Id");
    std::optional<Client> client = key ? allow_list->find(key) : std::nullopt;
    std::string reply;
    bool refused = false;
    if (!client) {
      // The key was revoked after the connection was admitted.
      refused = true;
      spdlog::warn("refused a request: key {} is no longer on the allow-list", key ? key : "(none)");
      reply = R"({"v":1,"ok":false,"error":{"code":"unauthenticated","message":"your key is not on the allow-list"}})";
    } else if (!well_formed) {
      reply = R"({"v":1,"ok":false,"error":{"code":"malformed_message","message":"a request is one frame of JSON"}})";
    } else {
      reply = handler.handle(body.to_string_view(), Caller{client->name, client->role});
      if (reply.find(R"("code":"unauthorised")") != std::string::npos) {
        refused = true;
        spdlog::warn("refused a request from {} ({}): {}", client->name, role_name(client->role), reply);
      }
    }
    {
      std::lock_guard lock(counters_mutex);
      counters.requests += 1;
      if (refused) counters.refused_requests += 1;
      if (reply.find(R"("ok":false)") != std::string::npos) counters.error_replies += 1;
    }
    std::vector<zmq::message_t> out;
    out.emplace_back(std::move(frames[0]));
    if (frames.size() == 3 && well_formed) out.emplace_back();
    out.emplace_back(reply.data(), reply.size());
    try {
      zmq::send_multipart(router, out, zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("could not send a reply: {}", e.what());
    }
  }

  void publish(const char* topic, std::int64_t seq, const std::string& body) {
    auto seq_text = std::to_string(seq);
    std::array<zmq::const_buffer, 3> parts{zmq::buffer(std::string_view(topic)), zmq::buffer(seq_text),
                                           zmq::buffer(body)};
    (void)zmq::send_multipart(publisher, parts, zmq::send_flags::dontwait);
  }

  // Publishes every event committed since the last one published, in seq order, and each
  // finished step's result right after its event.
  void publish_new() {
    for (;;) {
      auto events = backend.events_after(last_event_seq, kEventsPerPage);
      if (events.empty()) return;
      std::vector<StepResult> results;
      bool any_result = false;
      for (const auto& e : events) any_result = any_result || e.kind == "step_finished";
      if (any_result) results = backend.results_after(last_event_seq, kEventsPerPage);
      std::size_t next_result = 0;
      std::uint64_t n_events = 0, n_results = 0;
      for (const auto& e : events) {
        publish("event", e.seq, event_message_json(e));
        ++n_events;
        while (next_result < results.size() && results[next_result].event.seq < e.seq) ++next_result;
        if (next_result < results.size() && results[next_result].event.seq == e.seq) {
          publish("result", e.seq, result_message_json(results[next_result], last_result_seq));
          last_result_seq = e.seq;
          ++n_results;
        }
        last_event_seq = e.seq;
      }
      {
        std::lock_guard lock(counters_mutex);
        counters.published_events += n_events;
        counters.published_results += n_results;
      }
      if (static_cast<int>(events.size()) < kEventsPerPage) return;
    }
  }

  void run() {
    // Here, not in the constructor: the backend may need the engine thread, running only now.
    start_sequence();
    std::array<zmq::pollitem_t, 2> items{zmq::pollitem_t{router.handle(), 0, ZMQ_POLLIN, 0},
                                         zmq::pollitem_t{wake_in.handle(), 0, ZMQ_POLLIN, 0}};
    auto next_poll = std::chrono::steady_clock::now();
    auto next_probe = next_poll;
    const auto probe_interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options.storage_probe_s));
    while (!stopping) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(options.poll_interval_ms));
      if (stopping) break;
      if (items[1].revents & ZMQ_POLLIN) {
        zmq::message_t drained;
        while (wake_in.recv(drained, zmq::recv_flags::dontwait)) {
        }
      }
      if (items[0].revents & ZMQ_POLLIN) {
        for (int i = 0; i < kRequestsPerTurn && (router.get(zmq::sockopt::events) & ZMQ_POLLIN); ++i) serve_request();
      }
      auto now = std::chrono::steady_clock::now();
      if (wake_pending.exchange(false) || now >= next_poll) {
        try {
          publish_new();
        } catch (const std::exception& e) {
          spdlog::error("publishing events failed (will retry): {}", e.what());
        }
        next_poll = now + std::chrono::milliseconds(options.poll_interval_ms);
      }
      // Paused on a full disk: the engine cannot tell when space returns, so we ask now and then.
      if (now >= next_probe) {
        if (backend.storage().full) backend.try_writing_again();
        next_probe = now + probe_interval;
      }
    }
  }
};

Service::Service(Backend& backend, const Workcell& workcell, ServiceOptions options)
    : impl_(std::make_unique<Impl>(backend, workcell, std::move(options))) {}
Service::~Service() = default;

std::string Service::api_endpoint() const { return impl_->api_endpoint; }
std::string Service::stream_endpoint() const { return impl_->stream_endpoint; }
void Service::run() { impl_->run(); }
void Service::stop() {
  impl_->stopping = true;
  impl_->wake();
}
Service::Counters Service::counters() const {
  std::lock_guard lock(impl_->counters_mutex);
  auto c = impl_->counters;
  c.refused_requests += impl_->zap->refused();
  return c;
}

}  // namespace foundry::service
