// foundryd's security end to end: CURVE on every socket, the ZAP allow-list, roles, limits.
#include "foundryd_process.hpp"

#include <zmq.hpp>

using foundry::client::ClientError;
using foundry::client::ClientTimeout;
using foundry::service::testing::FoundrydProcess;

namespace {

const char* kSubmit = R"({"protocol": "dbtl-quick", "designs": [{"id": "d1", "promoter": "J23100", "rbs": "B0034", "gene": "v1"}]})";

TEST(Security, AKeyNotOnTheAllowListIsRefusedAndLogged) {
  FoundrydProcess foundryd;
  auto stranger = foundryd.client("stranger", /*timeout_s=*/0.5, /*retries=*/1);
  EXPECT_THROW(stranger.request("hello"), ClientTimeout);
  // The refusal is logged, and the service serves the keys it knows.
  auto staff = foundryd.client("staff");
  EXPECT_NE(staff.request("hello").find("\"staff\""), std::string::npos);
  EXPECT_NE(foundryd.log_text().find("is not on the allow-list"), std::string::npos) << foundryd.log_text();
}

TEST(Security, AClientWithoutCurveGetsNoAnswer) {
  FoundrydProcess foundryd;
  zmq::context_t context;
  zmq::socket_t plain(context, zmq::socket_type::req);
  plain.set(zmq::sockopt::linger, 0);
  plain.connect(foundryd.api());
  plain.send(zmq::str_buffer(R"({"v":1,"type":"hello"})"), zmq::send_flags::none);
  zmq::pollitem_t item{plain.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(500));
  EXPECT_FALSE(item.revents & ZMQ_POLLIN);
}

TEST(Security, AStreamSubscriberMustBeOnTheAllowListToo) {
  FoundrydProcess foundryd;
  auto stranger = foundryd.client("stranger", 0.5, 0);
  foundry::client::ResultStream stream(stranger, foundryd.stream(), 0);
  // Catching up needs the API, which refuses the key: the stream gives nothing away.
  EXPECT_THROW(stream.poll(0.2), ClientTimeout);
}

TEST(Security, AViewerCannotSubmitAndALearnerCannotCancel) {
  FoundrydProcess foundryd;
  auto viewer = foundryd.client("viewer");
  try {
    viewer.request("submit", kSubmit);
    ADD_FAILURE() << "a viewer submitted a run";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "unauthorised");
  }
  EXPECT_NE(viewer.request("list").find("\"runs\":[]"), std::string::npos);
  EXPECT_NE(foundryd.log_text().find("refused a request from viewer"), std::string::npos);

  auto learner = foundryd.client("learner");
  auto run_id = learner.submit("dbtl-quick", R"({"designs": [{"id": "d1", "promoter": "J23100", "rbs": "B0034", "gene": "v1"}]})");
  try {
    learner.request("cancel", R"({"run_id": ")" + run_id + R"("})");
    ADD_FAILURE() << "a learner cancelled a run";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "unauthorised");
  }
  EXPECT_NE(viewer.request("status", R"({"run_id": ")" + run_id + R"(", "steps": false})").find(run_id),
            std::string::npos);
}

TEST(Security, AnOversizedMessageDropsOnlyThatConnection) {
  FoundrydProcess foundryd({"--max-message-bytes", "65536"});
  auto staff = foundryd.client("staff", 0.5, 0);
  std::string huge = R"({"pad": ")" + std::string(100000, 'x') + R"("})";
  EXPECT_THROW(staff.request("hello", huge), ClientTimeout);
  // Between the handler's limit and ZMQ_MAXMSGSIZE: an error reply.
  auto other = foundryd.client("staff", 2, 1);
  std::string big = R"({"pad": ")" + std::string(40000, 'x') + R"("})";
  try {
    other.request("hello", big);
    ADD_FAILURE() << "an oversized request was served";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "too_large");
  }
  EXPECT_NE(other.request("hello").find("foundryd"), std::string::npos);
  EXPECT_TRUE(foundryd.alive());
}

}  // namespace
