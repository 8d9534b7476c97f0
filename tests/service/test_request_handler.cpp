// The request handler against a fake backend: every request type, every error code, roles.
#include "fake_backend.hpp"
#include "service_test_env.hpp"

#include <foundry/service/request_handler.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using foundry::service::Caller;
using foundry::service::HandlerOptions;
using foundry::service::RequestHandler;
using foundry::service::Role;
using foundry::service::testing::FakeBackend;
using nlohmann::json;

namespace {

class RequestHandlerTest : public ::testing::Test {
 protected:
  RequestHandlerTest() : workcell_(foundry::service::testing::sim_workcell()), handler_(backend_, workcell_, options()) {}

  static HandlerOptions options() {
    HandlerOptions o;
    o.protocols_dir = foundry::service::testing::protocols_dir();
    o.max_request_bytes = 64 * 1024;
    o.max_page = 5;
    return o;
  }

  json send(const std::string& text, Role role = Role::kStaff, const std::string& name = "alice") {
    auto reply = handler_.handle(text, Caller{name, role});
    return json::parse(reply);  // every reply is valid JSON
  }
  json send(const json& request, Role role = Role::kStaff, const std::string& name = "alice") {
    return send(request.dump(), role, name);
  }
  static std::string code(const json& reply) { return reply.at("ok").get<bool>() ? "" : reply["error"]["code"].get<std::string>(); }

  static json submit_request(const std::string& id) {
    return {{"v", 1},
            {"type", "submit"},
            {"id", id},
            {"protocol", "dbtl-quick"},
            {"designs", json::array({{{"id", "d1"}, {"promoter", "J23100"}, {"rbs", "B0034"}, {"gene", "v1"}}})}};
  }

  FakeBackend backend_;
  foundry::Workcell workcell_;
  RequestHandler handler_;
};

TEST_F(RequestHandlerTest, MalformedRequestsGetErrorReplies) {
  EXPECT_EQ(code(send(std::string("{\"v\":1,"))), "malformed_json");
  EXPECT_EQ(code(send(std::string(""))), "malformed_json");
  EXPECT_EQ(code(send(std::string("[1,2]"))), "not_an_object");
  EXPECT_EQ(code(send(json{{"type", "list"}})), "missing_field");
  EXPECT_EQ(code(send(json{{"v", 2}, {"type", "list"}})), "unsupported_version");
  EXPECT_EQ(code(send(json{{"v", "1"}, {"type", "list"}})), "unsupported_version");
  EXPECT_EQ(code(send(json{{"v", 1}})), "missing_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", 7}})), "bad_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "launch_missiles"}})), "unknown_type");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "status"}})), "missing_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "status"}, {"run_id", 3}})), "bad_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "events"}, {"after", -1}})), "bad_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "events"}, {"limit", 6}})), "bad_field");  // max_page is 5
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "list"}, {"id", std::string(200, 'x')}})), "bad_field");
}

TEST_F(RequestHandlerTest, OversizedAndDeeplyNestedRequestsAreRefused) {
  EXPECT_EQ(code(send(std::string(64 * 1024 + 1, ' '))), "too_large");
  EXPECT_EQ(code(send(std::string(100, '[') + std::string(100, ']'))), "malformed_json");
}

TEST_F(RequestHandlerTest, InvalidUtf8StillGetsAValidJsonReply) {
  auto reply = send(std::string("{\"v\":1,\"type\":\"\xff\xfe\"}"));
  EXPECT_FALSE(reply["ok"].get<bool>());
}

TEST_F(RequestHandlerTest, ReplyEchoesTheRequestIdAndType) {
  auto reply = send(json{{"v", 1}, {"type", "hello"}, {"id", "r-17"}});
  EXPECT_TRUE(reply["ok"].get<bool>());
  EXPECT_EQ(reply["id"], "r-17");
  EXPECT_EQ(reply["type"], "hello");
  EXPECT_EQ(reply["result"]["caller"]["name"], "alice");
  EXPECT_EQ(reply["result"]["caller"]["role"], "staff");
}

TEST_F(RequestHandlerTest, RolesLimitWhatACallerMaySend) {
  EXPECT_EQ(code(send(submit_request("a"), Role::kViewer)), "unauthorised");
  EXPECT_EQ(backend_.runs().size(), 0u);
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "list"}}, Role::kViewer)), "");
  EXPECT_EQ(code(send(submit_request("a"), Role::kLearner)), "");
  auto run_id = backend_.runs().at(0).run_id;
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "cancel"}, {"run_id", run_id}}, Role::kLearner)), "unauthorised");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "hold"}, {"run_id", run_id}}, Role::kViewer)), "unauthorised");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "device"}, {"device_id", "lh1"}, {"in_service", false}}, Role::kLearner)),
            "unauthorised");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "cancel"}, {"run_id", run_id}}, Role::kStaff)), "");
  EXPECT_EQ(backend_.runs().at(0).state, "cancelled");
}

TEST_F(RequestHandlerTest, ARetriedSubmitCreatesOneRun) {
  auto first = send(submit_request("req-1"), Role::kLearner, "bob");
  auto again = send(submit_request("req-1"), Role::kLearner, "bob");
  ASSERT_TRUE(first["ok"].get<bool>()) << first;
  EXPECT_TRUE(first["result"]["created"].get<bool>());
  EXPECT_FALSE(again["result"]["created"].get<bool>());
  EXPECT_EQ(first["result"]["run_id"], again["result"]["run_id"]);
  // The same request id from another client is another request.
  auto other = send(submit_request("req-1"), Role::kLearner, "carol");
  EXPECT_TRUE(other["result"]["created"].get<bool>());
  EXPECT_NE(other["result"]["run_id"], first["result"]["run_id"]);
  EXPECT_EQ(backend_.runs().size(), 2u);
}

TEST_F(RequestHandlerTest, ProtocolsAreNamedPlainlyOrGivenInline) {
  auto request = submit_request("x");
  request["protocol"] = "../protocols/dbtl-quick";
  EXPECT_EQ(code(send(request)), "bad_field");
  request["protocol"] = "no-such-protocol";
  EXPECT_EQ(code(send(request)), "not_found");
  request["protocol"] = json{{"name", "broken"}};
  auto reply = send(request);
  EXPECT_EQ(code(reply), "invalid_input");
  EXPECT_FALSE(reply["error"]["diagnostics"].empty());
}

TEST_F(RequestHandlerTest, ValidateReportsDiagnosticsWithoutSubmitting) {
  auto request = submit_request("v");
  request["type"] = "validate";
  auto ok = send(request);
  ASSERT_TRUE(ok["ok"].get<bool>()) << ok;
  EXPECT_TRUE(ok["result"]["valid"].get<bool>());
  EXPECT_GT(ok["result"]["steps"].get<int>(), 0);
  request["designs"] = json::array({{{"promoter", "J23100"}}});  // no id
  auto bad = send(request);
  ASSERT_TRUE(bad["ok"].get<bool>()) << bad;
  EXPECT_FALSE(bad["result"]["valid"].get<bool>());
  EXPECT_FALSE(bad["result"]["diagnostics"].empty());
  request["type"] = "submit";
  EXPECT_EQ(code(send(request)), "invalid_input");
  EXPECT_TRUE(backend_.runs().empty());
}

TEST_F(RequestHandlerTest, PreviewStatusListAndDevices) {
  auto request = submit_request("p");
  request["type"] = "preview";
  auto preview = send(request);
  ASSERT_TRUE(preview["ok"].get<bool>()) << preview;
  EXPECT_GT(preview["result"]["makespan_s"].get<double>(), 0);
  EXPECT_TRUE(backend_.runs().empty());

  auto run_id = send(submit_request("s"))["result"]["run_id"].get<std::string>();
  auto status = send(json{{"v", 1}, {"type", "status"}, {"run_id", run_id}});
  ASSERT_TRUE(status["ok"].get<bool>()) << status;
  EXPECT_EQ(status["result"]["state"], "queued");
  EXPECT_FALSE(status["result"]["steps"].empty());
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "status"}, {"run_id", "nope"}})), "not_found");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "cancel"}, {"run_id", "nope"}})), "not_found");

  EXPECT_EQ(send(json{{"v", 1}, {"type", "list"}})["result"]["runs"].size(), 1u);
  EXPECT_EQ(send(json{{"v", 1}, {"type", "list"}, {"state", "done"}})["result"]["runs"].size(), 0u);

  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "device"}, {"device_id", "nope"}, {"in_service", false}})), "not_found");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "device"}, {"device_id", "lh1"}})), "missing_field");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "device"}, {"device_id", "lh1"}, {"in_service", false}, {"reason", "jam"}})), "");
  auto devices = send(json{{"v", 1}, {"type", "devices"}});
  EXPECT_FALSE(devices["result"]["devices"][0]["in_service"].get<bool>());
  EXPECT_EQ(devices["result"]["devices"][0]["reason"], "jam");
}

TEST_F(RequestHandlerTest, EngineRefusalsBecomeErrorReplies) {
  auto run_id = send(submit_request("a"))["result"]["run_id"].get<std::string>();
  auto reply = send(json{{"v", 1}, {"type", "ack"}, {"run_id", run_id}, {"step_id", "x"}, {"choice", "retry"}});
  EXPECT_EQ(code(reply), "rejected");
  EXPECT_EQ(code(send(json{{"v", 1}, {"type", "ack"}, {"run_id", run_id}, {"step_id", "x"}, {"choice", "maybe"}})),
            "bad_field");
}

TEST_F(RequestHandlerTest, ResultsPageAfterASequenceNumberAndChain) {
  send(submit_request("a"));
  int finished = 0;
  while (finished < 7 && backend_.finish_next_step()) ++finished;
  ASSERT_EQ(finished, 7);
  std::int64_t after = 0;
  std::vector<std::int64_t> seen;
  for (int page = 0; page < 5; ++page) {
    auto reply = send(json{{"v", 1}, {"type", "results"}, {"after", after}});
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply;
    for (const auto& r : reply["result"]["results"]) {
      EXPECT_EQ(r["previous_result_seq"].get<std::int64_t>(), seen.empty() ? 0 : seen.back());
      seen.push_back(r["seq"].get<std::int64_t>());
      EXPECT_EQ(r["measurements"][0]["name"], "titer");
    }
    after = reply["result"]["last_seq"].get<std::int64_t>();
    if (!reply["result"]["more"].get<bool>()) break;
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  auto events = send(json{{"v", 1}, {"type", "events"}, {"after", 0}, {"limit", 3}});
  EXPECT_EQ(events["result"]["events"].size(), 3u);
  EXPECT_TRUE(events["result"]["more"].get<bool>());
}

}  // namespace
