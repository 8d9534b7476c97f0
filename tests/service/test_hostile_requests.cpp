// A few thousand seeded malformed or hostile requests: every one gets an error reply (or is
// dropped by the transport), the service keeps serving, and the database stays intact.
#include "foundryd_process.hpp"

#include <sqlite3.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <random>

using foundry::service::testing::FoundrydProcess;
using nlohmann::json;

namespace {

constexpr int kRequests = 3000;

// One hostile request body from `rng`: random bytes, broken JSON, wrong types, odd values.
std::string hostile_request(std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static const std::vector<std::string> types{"hello", "submit",  "validate", "preview", "status", "list",
                                              "cancel", "hold",   "resume",   "ack",     "results", "events",
                                              "devices", "device", "prompts", "nope",    "",        "SUBMIT"};
  static const std::vector<json> odd_values{nullptr, true, -1, 0, 1e308, -9223372036854775807LL - 1,
                                            18446744073709551615ULL, "", std::string(5000, 'a'), "../../etc/passwd",
                                            "\xc3\x28", json::array(), json::object(), json::array({1, "x", nullptr}),
                                            json{{"id", "x"}}, "dbtl-quick", "d1/../x"};
  static const std::vector<std::string> fields{"v",     "type",  "id",     "run_id",  "step_id", "choice",
                                               "after", "limit", "protocol", "parameters", "designs", "priority",
                                               "deadline_h", "device_id", "in_service", "reason", "state", "steps"};
  switch (pick(6)) {
    case 0: {  // random bytes
      std::string s(pick(200), '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      return s;
    }
    case 1: {  // a valid request cut short or with a byte flipped
      std::string s = json{{"v", 1}, {"type", types[pick(types.size())]}, {"run_id", "r"}}.dump();
      if (pick(2)) return s.substr(0, pick(s.size()));
      s[pick(s.size())] = static_cast<char>(rng());
      return s;
    }
    case 2: {  // right shape, hostile field values
      json request = {{"v", 1}, {"type", types[pick(types.size())]}};
      for (std::size_t i = 0, n = pick(5); i < n; ++i) request[fields[pick(fields.size())]] = odd_values[pick(odd_values.size())];
      return request.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    case 3: {  // deep nesting
      std::size_t depth = 10 + pick(5000);
      return std::string(depth, '[') + std::string(pick(2) ? depth : 0, ']');
    }
    case 4: {  // hostile inline protocols and parameters
      json protocol = {{"name", odd_values[pick(odd_values.size())]},
                       {"steps", json::array({{{"id", "s"}, {"operation", odd_values[pick(odd_values.size())]},
                                               {"device_type", "liquid_handler"}, {"duration", odd_values[pick(odd_values.size())]}}})}};
      json request = {{"v", 1}, {"type", pick(2) ? "validate" : "preview"}, {"protocol", protocol}};
      if (pick(2)) request["parameters"] = {{"designs", odd_values[pick(odd_values.size())]}};
      return request.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    default: {  // wrong versions and envelopes
      json request = {{"v", odd_values[pick(odd_values.size())]}, {"type", "hello"}};
      return pick(2) ? request.dump(-1, ' ', false, json::error_handler_t::replace) : "\"just a string\"";
    }
  }
}

std::string integrity_check(const std::filesystem::path& db) {
  sqlite3* handle = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
  }
  sqlite3_close(handle);
  return result;
}

TEST(HostileRequests, ThousandsOfSeededBadRequestsNeverCrashOrCorrupt) {
  FoundrydProcess foundryd;
  auto staff_keys = foundry::client::read_key_file(foundryd.dir() / "keys/staff.secret");
  auto server_key = foundry::client::read_key_file(foundryd.dir() / "keys/server.pub").first;
  zmq::context_t context;
  // A DEALER, so we can also send multi-frame and empty messages and pipeline requests.
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::curve_serverkey, server_key);
  dealer.set(zmq::sockopt::curve_publickey, staff_keys.first);
  dealer.set(zmq::sockopt::curve_secretkey, staff_keys.second);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(foundryd.api());

  std::mt19937_64 rng(20261128);
  int sent = 0, replies = 0, ok_replies = 0;
  constexpr int kBatch = 100;
  for (int batch = 0; batch < kRequests / kBatch; ++batch) {
    int expected = 0;
    for (int i = 0; i < kBatch; ++i, ++sent) {
      auto body = hostile_request(rng);
      if (rng() % 50 == 0) {  // a multi-frame message: answered with "malformed_message"
        std::array<zmq::const_buffer, 2> frames{zmq::buffer(body), zmq::str_buffer("extra")};
        zmq::send_multipart(dealer, frames);
      } else {
        dealer.send(zmq::buffer(body), zmq::send_flags::none);
      }
      ++expected;
    }
    for (int i = 0; i < expected; ++i) {
      zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::seconds(10));
      ASSERT_TRUE(item.revents & ZMQ_POLLIN) << "no reply in batch " << batch << "\n" << foundryd.log_text();
      zmq::message_t reply;
      (void)dealer.recv(reply);
      json parsed = json::parse(reply.to_string_view());  // every reply is valid JSON
      ASSERT_TRUE(parsed.contains("ok"));
      ++replies;
      if (parsed["ok"].get<bool>()) ++ok_replies;
      else EXPECT_FALSE(parsed["error"]["code"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(replies, sent);
  EXPECT_LT(ok_replies, sent / 2);  // the generator mostly produces bad requests
  ASSERT_TRUE(foundryd.alive());
  auto staff = foundryd.client("staff");
  EXPECT_NE(staff.request("hello").find("foundryd"), std::string::npos);
  EXPECT_EQ(foundryd.stop(), 0);
  EXPECT_EQ(integrity_check(foundryd.db()), "ok");
}

}  // namespace
