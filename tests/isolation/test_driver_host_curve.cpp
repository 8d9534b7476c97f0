// A standalone driver host on tcp:// with CURVE: the engine knows the host's public key and has a
// key pair of its own; the host's ZAP handler admits only the engine keys in its allow file. A
// client with an unknown key, a client expecting another server key and a plain (non-CURVE) client
// are all refused, and the host goes on serving the allowed one.
#include "standalone_host.hpp"

#include <zmq.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace foundry;

namespace {

struct Keys {
  std::string public_key, secret_key;
};

Keys new_keys() {
  char pub[41] = {}, sec[41] = {};
  EXPECT_EQ(zmq_curve_keypair(pub, sec), 0);
  return {pub, sec};
}

std::filesystem::path write_key_file(const std::filesystem::path& file, const Keys& keys) {
  std::ofstream(file) << "# a test key pair\npublic = " << keys.public_key << "\nsecret = " << keys.secret_key << "\n";
  return file;
}

class DriverHostCurve : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("foundry-curve-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    server_ = new_keys();
    engine_ = new_keys();
    write_key_file(dir_ / "host.secret", server_);
    write_key_file(dir_ / "engine.secret", engine_);
    stranger_ = new_keys();
    write_key_file(dir_ / "stranger.secret", stranger_);
    std::ofstream(dir_ / "allowed.txt") << "# engines allowed to drive this instrument\n" << engine_.public_key << " lab-engine\n";
    // CURVE with this key pair; the ZAP handler admits only the keys in allowed.txt.
    host_ = std::make_unique<test::StandaloneHost>(
        "tcp://127.0.0.1:*",
        std::vector<std::string>{"--curve-key-file", (dir_ / "host.secret").string(), "--allowed-clients",
                                 (dir_ / "allowed.txt").string()},
        dir_ / "host.log");
    ASSERT_EQ(host_->endpoint().rfind("tcp://127.0.0.1:", 0), 0u) << host_->endpoint();
  }
  void TearDown() override {
    host_.reset();
    std::filesystem::remove_all(dir_);
  }

  engine::DriverHostOptions options(const std::string& server_key, const std::filesystem::path& client_keys) const {
    auto o = test::quick_host("foundry_test_driver.so");  // a label: the plugin is the host's
    o.endpoint = host_->endpoint();
    o.server_public_key = server_key;
    o.client_key_file = client_keys;
    o.start_timeout_s = 1.5;
    o.max_restarts = 0;
    return o;
  }
  // Connecting with `o` is refused: the session cannot be created.
  void expect_refused(const engine::DriverHostOptions& o, const char* who) {
    auto clock = engine::make_virtual_clock(0.0);
    EXPECT_THROW(engine::DriverSession(o, "bench-device", "{}", *clock), engine::PluginError) << who;
  }
  void expect_served() {
    auto clock = engine::make_virtual_clock(0.0);
    engine::DriverSession session(options(server_.public_key, dir_ / "engine.secret"), "bench-device", "{}", *clock);
    auto run = test::run_command(session, *clock, "work", R"({"duration_s": 5})");
    ASSERT_TRUE(run.outcome);
    EXPECT_TRUE(run.outcome->ok) << run.outcome->message;
  }

  std::filesystem::path dir_;
  Keys server_, engine_, stranger_;
  std::unique_ptr<test::StandaloneHost> host_;
};

TEST_F(DriverHostCurve, AnAllowedEngineKeyIsServed) { expect_served(); }

TEST_F(DriverHostCurve, AnUnknownClientKeyIsRefusedAndTheHostServesOn) {
  expect_refused(options(server_.public_key, dir_ / "stranger.secret"), "a key not in the allow file");
  std::stringstream logged_text;
  logged_text << std::ifstream(dir_ / "host.log").rdbuf();
  const std::string logged = logged_text.str();
  EXPECT_NE(logged.find("foundry-driver-host: refused CURVE client " + stranger_.public_key), std::string::npos) << logged;
  expect_served();
}

TEST_F(DriverHostCurve, AClientExpectingAnotherServerKeyIsRefused) {
  expect_refused(options(new_keys().public_key, dir_ / "engine.secret"), "the wrong server key");
  expect_served();
}

TEST_F(DriverHostCurve, APlainClientIsRefused) {
  auto plain = options("", "");
  expect_refused(plain, "no CURVE at all");
  expect_served();
}

TEST(DriverHostCurveSettings, KeysAreCheckedWhenTheWorkcellIsRead) {
  auto message = [](const std::string& settings) {
    try {
      engine::split_driver_host_settings(settings);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(R"({"driver_host": {"endpoint": "tcp://10.0.0.7:5555", "server_public_key": "short"}})"),
            "settings/driver_host/server_public_key: must be the host's CURVE public key: 40 Z85 characters");
  EXPECT_EQ(message(R"({"driver_host": {"endpoint": "tcp://10.0.0.7:5555", "client_key_file": "/no/such/file"}})"),
            "settings/driver_host/client_key_file: /no/such/file: cannot read the key file: No such file or directory");
  const std::string key = new_keys().public_key;
  EXPECT_EQ(message(R"({"driver_host": {"endpoint": "tcp://10.0.0.7:5555", "server_public_key": ")" + key + R"("}})"),
            "settings/driver_host/client_key_file: CURVE needs both server_public_key and client_key_file");
  const auto pair = std::filesystem::temp_directory_path() / ("foundry-curve-settings-" + std::to_string(::getpid()));
  write_key_file(pair, new_keys());
  EXPECT_EQ(message(R"({"driver_host": {"server_public_key": ")" + key + R"(", "client_key_file": ")" + pair.string() + R"("}})"),
            "settings/driver_host/server_public_key: CURVE is for a host on a tcp:// endpoint (a spawned host's ipc:// "
            "socket is private)");
  EXPECT_EQ(message(R"({"driver_host": {"endpoint": "tcp://10.0.0.7:5555", "server_public_key": ")" + key +
                    R"(", "client_key_file": ")" + pair.string() + R"("}})"),
            "accepted");
  std::filesystem::remove(pair);
}

}  // namespace
