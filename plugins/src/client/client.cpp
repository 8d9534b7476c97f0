#include <foundry/client/client.hpp>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>

namespace foundry::client {

using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

void make_curve_client(zmq::socket_t& socket, const ClientOptions& o) {
  socket.set(zmq::sockopt::curve_serverkey, o.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, o.public_key);
  socket.set(zmq::sockopt::curve_secretkey, o.secret_key);
  socket.set(zmq::sockopt::linger, 0);
}

Result result_of(const json& j) {
  Result r;
  r.seq = j.at("seq").get<std::int64_t>();
  r.previous_result_seq = j.value("previous_result_seq", std::int64_t{0});
  r.run_id = j.value("run_id", "");
  r.step_id = j.value("step_id", "");
  r.device_id = j.value("device_id", "");
  r.t = j.value("t", 0.0);
  for (const auto& m : j.value("measurements", json::array()))
    r.measurements.push_back({m.value("name", ""), m.value("unit", ""), m.value("sample", ""), m.value("value", 0.0)});
  return r;
}

}  // namespace

std::pair<std::string, std::string> read_key_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot read the key file");
  std::pair<std::string, std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    auto name = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (name == "public") keys.first = value;
    if (name == "secret") keys.second = value;
  }
  if (keys.first.size() != 40) throw std::runtime_error(file.string() + ": no 'public = <40 characters>' line");
  return keys;
}

struct Client::Impl {
  ClientOptions options;
  zmq::context_t context;
  std::unique_ptr<zmq::socket_t> socket;
  std::string prefix;
  std::atomic<std::uint64_t> counter{0};

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    std::random_device random;
    prefix = std::to_string(random()) + std::to_string(random() % 1000);
  }

  void open() {
    socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::req);
    make_curve_client(*socket, options);
    socket->connect(options.endpoint);
  }

  json exchange(const json& request) {
    auto payload = request.dump();
    for (int attempt = 0; attempt <= options.retries; ++attempt) {
      if (!socket) open();
      socket->send(zmq::buffer(payload), zmq::send_flags::none);
      zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000)));
      if (item.revents & ZMQ_POLLIN) {
        zmq::message_t reply;
        (void)socket->recv(reply);
        json parsed = json::parse(reply.to_string_view());
        if (parsed.value("ok", false)) return parsed.at("result");
        const json& error = parsed.value("error", json::object());
        throw ClientError(error.value("code", "?"), error.value("message", ""));
      }
      socket.reset();  // Lazy Pirate: a REQ socket that lost its reply is stuck; start afresh
    }
    throw ClientTimeout("no reply from " + options.endpoint + " after " + std::to_string(options.retries + 1) +
                        " tries");
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Client Client::from_key_files(const std::string& endpoint, const std::filesystem::path& server_key_file,
                              const std::filesystem::path& client_secret_file, double timeout_s, int retries) {
  ClientOptions o;
  o.endpoint = endpoint;
  o.server_public_key = read_key_file(server_key_file).first;
  auto mine = read_key_file(client_secret_file);
  o.public_key = mine.first;
  o.secret_key = mine.second;
  o.timeout_s = timeout_s;
  o.retries = retries;
  return Client(std::move(o));
}

std::string Client::new_request_id() { return impl_->prefix + "-" + std::to_string(++impl_->counter); }

std::string Client::request(const std::string& type, const std::string& fields_json, const std::string& request_id) {
  json request = json::parse(fields_json);
  request["v"] = 1;
  request["type"] = type;
  request["id"] = request_id.empty() ? new_request_id() : request_id;
  return impl_->exchange(request).dump();
}

std::string Client::submit(const std::string& protocol, const std::string& parameters_json,
                           const std::string& request_id) {
  json fields = {{"protocol", protocol}, {"parameters", json::parse(parameters_json)}};
  return json::parse(request("submit", fields.dump(), request_id)).at("run_id").get<std::string>();
}

std::vector<Result> Client::results(std::int64_t after, bool* more) {
  json page = json::parse(request("results", json{{"after", after}}.dump()));
  std::vector<Result> out;
  for (const auto& r : page.at("results")) out.push_back(result_of(r));
  if (more) *more = page.value("more", false);
  return out;
}

const ClientOptions& Client::options() const { return impl_->options; }
void* Client::context() { return &impl_->context; }

struct ResultStream::Impl {
  Client& client;
  zmq::socket_t socket;
  std::int64_t last = 0;
  bool caught_up = false;

  Impl(Client& c, const std::string& endpoint, std::int64_t after)
      : client(c), socket(*static_cast<zmq::context_t*>(c.context()), zmq::socket_type::sub), last(after) {
    make_curve_client(socket, client.options());
    socket.set(zmq::sockopt::subscribe, "result");
    socket.connect(endpoint);
  }

  void catch_up(std::vector<Result>& found) {
    for (bool more = true; more;) {
      for (auto& r : client.results(last, &more)) {
        if (r.seq <= last) continue;
        last = r.seq;
        found.push_back(std::move(r));
      }
    }
  }

  std::vector<Result> poll(double timeout_s) {
    std::vector<Result> found;
    if (!caught_up) {
      catch_up(found);  // after subscribing: anything published from now on is on the socket
      caught_up = true;
    }
    for (;;) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(found.empty() ? static_cast<long>(timeout_s * 1000) : 0));
      if (!(item.revents & ZMQ_POLLIN)) return found;
      std::vector<zmq::message_t> frames;
      (void)zmq::recv_multipart(socket, std::back_inserter(frames));
      if (frames.size() != 3) continue;
      auto seq = std::stoll(frames[1].to_string());
      if (seq <= last) continue;  // fetched through the API already
      Result r = result_of(json::parse(frames[2].to_string_view()));
      if (r.previous_result_seq != last) {
        catch_up(found);  // we missed one: the API has it, and this one
        continue;
      }
      last = r.seq;
      found.push_back(std::move(r));
    }
  }
};

ResultStream::ResultStream(Client& client, const std::string& stream_endpoint, std::int64_t after)
    : impl_(std::make_unique<Impl>(client, stream_endpoint, after)) {}
ResultStream::~ResultStream() = default;
std::vector<Result> ResultStream::poll(double timeout_s) { return impl_->poll(timeout_s); }
std::int64_t ResultStream::last_seq() const { return impl_->last; }

}  // namespace foundry::client
