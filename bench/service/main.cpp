// bench-service: how fast and how promptly results reach a subscriber through foundryd's
// publication path, against raw ZeroMQ PUB/SUB on the same machine, in the same run.
//
// Both sides use loopback TCP, CURVE and the same high-water marks. The "foundryd" side is the
// real service (Service: store commit listener -> wake-up -> read the committed events and
// results -> JSON -> PUB), with a backend that commits synthetic results in memory instead of the
// engine, so the numbers are the service's own cost. The raw side publishes a message of the same
// size straight from the committing thread.
//
//   bench-service [--results N] [--rate PER_S] [--latency-results N]
#include <foundry/service/access.hpp>
#include <foundry/service/backend.hpp>
#include <foundry/service/service.hpp>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace foundry;
using Clock = std::chrono::steady_clock;

namespace {

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// Commits results in memory and announces each commit, as the store does after a transaction.
class BenchBackend final : public service::Backend {
 public:
  void commit_result(int i) {
    std::function<void(std::int64_t)> listener;
    std::int64_t seq;
    {
      std::lock_guard lock(mutex_);
      seq = static_cast<std::int64_t>(events_.size()) + 1;
      store::Event e{seq, now_s(), "run-1", "d" + std::to_string(i) + "/harvest_read", "step_finished", "{}"};
      store::Measurement m{"run-1", e.step_id, "pr1", "titer", 1.0 + i * 1e-6, "g/L", "d" + std::to_string(i), e.t};
      events_.push_back(e);
      measurements_.push_back({m});
      listener = listener_;
    }
    if (listener) listener(seq);
  }
  engine::SubmitResult submit(RunSpec, const std::string&) override { return {}; }
  engine::PlanPreview preview(const RunSpec&) override { return {}; }
  void cancel(const std::string&, const std::string&) override {}
  void hold(const std::string&, const std::string&) override {}
  void resume(const std::string&) override {}
  void acknowledge(const std::string&, const std::string&, engine::OperatorChoice) override {}
  void set_device_in_service(const std::string&, bool, const std::string&) override {}
  std::vector<engine::Prompt> prompts() override { return {}; }
  std::vector<service::DeviceStatus> devices() override { return {}; }
  double now() override { return now_s(); }
  std::vector<store::RunRow> runs() override { return {}; }
  std::vector<store::StepRow> steps(const std::string&) override { return {}; }
  std::vector<store::Event> events_after(std::int64_t after, int limit) override {
    std::lock_guard lock(mutex_);
    auto begin = std::min<std::size_t>(static_cast<std::size_t>(after), events_.size());
    auto end = std::min(events_.size(), begin + static_cast<std::size_t>(limit));
    return {events_.begin() + static_cast<long>(begin), events_.begin() + static_cast<long>(end)};
  }
  std::vector<service::StepResult> results_after(std::int64_t after, int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<service::StepResult> out;
    for (auto i = static_cast<std::size_t>(after); i < events_.size() && static_cast<int>(out.size()) < limit; ++i)
      out.push_back({events_[i], measurements_[i]});
    return out;
  }
  void on_event_committed(std::function<void(std::int64_t)> listener) override {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
  }

 private:
  std::mutex mutex_;
  std::vector<store::Event> events_;
  std::vector<std::vector<store::Measurement>> measurements_;
  std::function<void(std::int64_t)> listener_;
};

struct Keys {
  service::KeyPair server, client;
};

void curve_client(zmq::socket_t& s, const Keys& k) {
  s.set(zmq::sockopt::curve_serverkey, k.server.public_key);
  s.set(zmq::sockopt::curve_publickey, k.client.public_key);
  s.set(zmq::sockopt::curve_secretkey, k.client.secret_key);
  s.set(zmq::sockopt::rcvhwm, 1000000);
  s.set(zmq::sockopt::linger, 0);
}

struct Measured {
  double throughput = 0;  // results per second, first commit to last receipt
  double p50_ms = 0, p99_ms = 0;
  std::size_t received = 0;
};

// Receives `n` messages on `sub` (topic "result"); latency = receipt - the body's "t".
Measured receive(zmq::socket_t& sub, std::size_t n, double start, bool latencies) {
  Measured m;
  std::vector<double> lat;
  lat.reserve(n);
  while (m.received < n) {
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::seconds(10));
    if (!(item.revents & ZMQ_POLLIN)) break;  // lost messages: report what arrived
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(sub, std::back_inserter(frames));
    if (frames.size() != 3) continue;
    if (latencies) {
      auto body = nlohmann::json::parse(frames[2].to_string_view());
      lat.push_back((now_s() - body.at("t").get<double>()) * 1000);
    }
    ++m.received;
  }
  m.throughput = static_cast<double>(m.received) / (now_s() - start);
  if (!lat.empty()) {
    std::sort(lat.begin(), lat.end());
    m.p50_ms = lat[lat.size() / 2];
    m.p99_ms = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  }
  return m;
}

void pace(double start, std::size_t i, double rate) {
  if (rate <= 0) return;
  double due = start + static_cast<double>(i) / rate;
  while (now_s() < due) std::this_thread::sleep_for(std::chrono::microseconds(50));
}

Measured run_raw(const Keys& keys, std::size_t n, double rate, bool latencies, const std::string& sample_body) {
  zmq::context_t context;
  zmq::socket_t pub(context, zmq::socket_type::pub);
  pub.set(zmq::sockopt::curve_server, 1);
  pub.set(zmq::sockopt::curve_secretkey, keys.server.secret_key);
  pub.set(zmq::sockopt::sndhwm, 100000);
  pub.set(zmq::sockopt::linger, 0);
  pub.bind("tcp://127.0.0.1:*");
  zmq::socket_t sub(context, zmq::socket_type::sub);
  curve_client(sub, keys);
  sub.set(zmq::sockopt::subscribe, "result");
  sub.connect(pub.get(zmq::sockopt::last_endpoint));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the subscription arrive
  double start = now_s();
  std::thread publisher([&] {
    for (std::size_t i = 0; i < n; ++i) {
      pace(start, i, rate);
      // A body of the same size as the service's, carrying the commit time.
      auto body = nlohmann::json::parse(sample_body);
      body["t"] = now_s();
      body["seq"] = i + 1;
      auto text = body.dump();
      auto seq = std::to_string(i + 1);
      std::array<zmq::const_buffer, 3> parts{zmq::str_buffer("result"), zmq::buffer(seq), zmq::buffer(text)};
      (void)zmq::send_multipart(pub, parts);
    }
  });
  auto m = receive(sub, n, start, latencies);
  publisher.join();
  return m;
}

Measured run_service(const Keys& keys, const fs::path& dir, std::size_t n, double rate, bool latencies,
                     std::string* sample_body) {
  BenchBackend backend;
  Workcell workcell;
  service::ServiceOptions options;
  options.server_keys = keys.server;
  options.allow_list = dir / "allowed_clients";
  options.poll_interval_ms = 20;
  service::Service svc(backend, workcell, options);
  std::thread serving([&] { svc.run(); });
  zmq::context_t context;
  zmq::socket_t sub(context, zmq::socket_type::sub);
  curve_client(sub, keys);
  sub.set(zmq::sockopt::subscribe, "result");
  sub.connect(svc.stream_endpoint());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double start = now_s();
  std::thread committer([&] {
    for (std::size_t i = 0; i < n; ++i) {
      pace(start, i, rate);
      backend.commit_result(static_cast<int>(i));
    }
  });
  auto m = receive(sub, n, start, latencies);
  committer.join();
  if (sample_body) {
    auto results = backend.results_after(0, 1);
    *sample_body = service::result_message_json(results.at(0), 0);
  }
  svc.stop();
  serving.join();
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 20000, latency_n = 2000;
  double rate = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--results") n = std::stoul(argv[i + 1]);
    else if (flag == "--rate") rate = std::stod(argv[i + 1]);
    else if (flag == "--latency-results") latency_n = std::stoul(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench-service [--results N] [--rate PER_S] [--latency-results N]\n");
      return 2;
    }
  }
  auto dir = fs::temp_directory_path() / ("bench-service-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Keys keys{service::generate_key_pair(), service::generate_key_pair()};
  service::AllowList::add(dir / "allowed_clients", keys.client.public_key, service::Role::kLearner, "bench");

  std::string sample;
  // Throughput: results committed as fast as possible; latency: paced at `rate` per second.
  auto service_tp = run_service(keys, dir, n, 0, false, &sample);
  auto raw_tp = run_raw(keys, n, 0, false, sample);
  auto service_lat = run_service(keys, dir, latency_n, rate, true, nullptr);
  auto raw_lat = run_raw(keys, latency_n, rate, true, sample);
  fs::remove_all(dir);

  std::printf("result publication, loopback TCP + CURVE, %zu-byte result messages\n", sample.size());
  std::printf("throughput: %zu results as fast as they commit; latency: %zu results at %.0f/s\n\n", n, latency_n, rate);
  std::printf("| | foundryd service | raw PUB/SUB | ratio (service / raw) |\n|---|---|---|---|\n");
  std::printf("| throughput (results/s) | %.0f | %.0f | %.2f |\n", service_tp.throughput, raw_tp.throughput,
              service_tp.throughput / raw_tp.throughput);
  std::printf("| received | %zu / %zu | %zu / %zu | |\n", service_tp.received, n, raw_tp.received, n);
  std::printf("| latency p50 (ms) | %.3f | %.3f | %.2f |\n", service_lat.p50_ms, raw_lat.p50_ms,
              service_lat.p50_ms / raw_lat.p50_ms);
  std::printf("| latency p99 (ms) | %.3f | %.3f | %.2f |\n", service_lat.p99_ms, raw_lat.p99_ms,
              service_lat.p99_ms / raw_lat.p99_ms);
  return 0;
}
