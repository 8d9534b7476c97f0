#include "service/zap_handler.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <vector>

namespace foundry::service {

ZapHandler::ZapHandler(zmq::context_t& context, std::shared_ptr<AllowList> allow_list)
    : socket_(context, zmq::socket_type::rep), allow_list_(std::move(allow_list)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { serve(); });
}

ZapHandler::~ZapHandler() {
  stopping_ = true;
  thread_.join();
}

void ZapHandler::serve() {
  while (!stopping_) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
    // version, request id, domain, address, routing id, mechanism, credentials...
    std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    std::string address = frames.size() > 3 ? frames[3].to_string() : "?";
    std::string mechanism = frames.size() > 5 ? frames[5].to_string() : "";
    std::string status = "400", text = "refused", user_id;
    if (frames.size() < 7 || frames[0].to_string_view() != "1.0") {
      text = "malformed ZAP request";
    } else if (mechanism != "CURVE" || frames[6].size() != 32) {
      text = "CURVE required";
      spdlog::warn("refused a {} connection from {}: CURVE is required", mechanism, address);
    } else {
      std::array<char, 41> key{};
      zmq_z85_encode(key.data(), static_cast<const std::uint8_t*>(frames[6].data()), 32);
      allow_list_->reload_if_changed();
      if (auto client = allow_list_->find(key.data())) {
        status = "200";
        text = "OK";
        user_id = key.data();
      } else {
        text = "key not on the allow-list";
        spdlog::warn("refused a connection from {}: key {} is not on the allow-list", address, key.data());
      }
    }
    if (status != "200") ++refused_;
    std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"),     zmq::buffer(request_id),
                                           zmq::buffer(status),         zmq::buffer(text),
                                           zmq::buffer(user_id),        zmq::const_buffer()};
    (void)zmq::send_multipart(socket_, reply);
  }
}

}  // namespace foundry::service
