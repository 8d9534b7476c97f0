#include "driver_host_curve.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace foundry::engine::curve {

namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") + 1 - begin);
}

void set_key(zmq::socket_t& socket, int option, const std::string& z85) {
  // 41 bytes: the Z85 text with its terminating NUL, which libzmq decodes itself.
  if (zmq_setsockopt(socket.handle(), option, z85.c_str(), z85.size() + 1) != 0)
    throw std::invalid_argument(std::string("CURVE key rejected by libzmq: ") + zmq_strerror(zmq_errno()));
}

}  // namespace

bool is_z85_key(const std::string& text) {
  if (text.size() != 40) return false;
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), text.c_str()) != nullptr;
}

KeyPair read_key_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument(file.string() + ": cannot read the key file: " + std::strerror(errno));
  KeyPair keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string name = eq == std::string::npos ? line : trim(line.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
    if ((name != "public" && name != "secret") || !is_z85_key(value))
      throw std::invalid_argument(file.string() + ":" + std::to_string(number) +
                                  ": expected 'public = <40 Z85 characters>' or 'secret = <...>'");
    (name == "public" ? keys.public_key : keys.secret_key) = value;
  }
  if (keys.public_key.empty()) throw std::invalid_argument(file.string() + ": no 'public = ...' line");
  return keys;
}

std::set<std::string> read_allowed_clients(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument(file.string() + ": cannot read the allowed clients: " + std::strerror(errno));
  std::set<std::string> keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const std::string key = line.substr(0, line.find_first_of(" \t"));
    if (!is_z85_key(key))
      throw std::invalid_argument(file.string() + ":" + std::to_string(number) + ": expected a client public key (40 Z85 characters) first");
    keys.insert(key);
  }
  return keys;
}

void make_client(zmq::socket_t& socket, const std::string& server_public_key, const KeyPair& client) {
  set_key(socket, ZMQ_CURVE_SERVERKEY, server_public_key);
  set_key(socket, ZMQ_CURVE_PUBLICKEY, client.public_key);
  set_key(socket, ZMQ_CURVE_SECRETKEY, client.secret_key);
}

void make_server(zmq::socket_t& socket, const KeyPair& server) {
  if (server.secret_key.empty()) throw std::invalid_argument("the host's key file has no 'secret = ...' line");
  socket.set(zmq::sockopt::curve_server, 1);
  set_key(socket, ZMQ_CURVE_SECRETKEY, server.secret_key);
  // Ask the ZAP handler about every peer (the default domain "" would too; say it).
  socket.set(zmq::sockopt::zap_domain, "foundry-driver-host");
}

ZapHandler::ZapHandler(zmq::context_t& context, std::set<std::string> allowed)
    : socket_(context, zmq::socket_type::rep), allowed_(std::move(allowed)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { serve(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  thread_.join();
  socket_.close();
}

void ZapHandler::serve() {
  while (!stop_) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      // version, request id, domain, address, identity, mechanism, credentials...
      std::vector<zmq::message_t> frames;
      do {
        frames.emplace_back();
        if (!socket_.recv(frames.back(), zmq::recv_flags::dontwait)) break;
      } while (frames.back().more());
      if (frames.size() < 6) continue;
      const std::string request_id = frames[1].to_string();
      const std::string address = frames[3].to_string();
      const std::string mechanism = frames[5].to_string();
      std::string client;
      if (mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
        char z85[41] = {};
        zmq_z85_encode(z85, static_cast<const std::uint8_t*>(frames[6].data()), 32);
        client = z85;
      }
      const bool ok = !client.empty() && allowed_.count(client) != 0;
      if (!ok) {
        ++refused_;
        // stderr, like the host's other messages: a service manager's journal keeps them.
        std::cerr << "foundry-driver-host: refused " << mechanism << " client " << (client.empty() ? "(no key)" : client)
                  << " from " << address << " (not in the allowed clients)\n";
      }
      const std::array<std::string, 6> reply = {"1.0", request_id, ok ? "200" : "400",
                                                ok ? "OK" : "client key not allowed", ok ? client : "", ""};
      for (std::size_t i = 0; i < reply.size(); ++i)
        socket_.send(zmq::buffer(reply[i]), i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) {  // the context is closing: it waits for this socket
        socket_.close();
        return;
      }
      std::cerr << "foundry-driver-host: ZAP handler: " << e.what() << "\n";
    }
  }
}

}  // namespace foundry::engine::curve
