// Choosing isolation per device in the workcell: the "driver_host" settings are read, checked
// (errors name the device and the setting) and kept from the driver; a driver-host device works
// through the fleet like any other.
#include "isolation_support.hpp"

#include <foundry/engine/device_fleet.hpp>
#include <foundry/model/workcell.hpp>

#include <nlohmann/json.hpp>

using namespace foundry;
using nlohmann::json;

namespace {

std::string split_error(const std::string& settings) {
  try {
    engine::split_driver_host_settings(settings);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

Workcell workcell_with(const json& driver, int capacity = 2) {
  json device = {{"id", "d1"}, {"type", "test_device"}, {"capacity", capacity}, {"operations", {"work"}}, {"driver", driver}};
  return parse_workcell(json{{"devices", {device}}}.dump(), "isolation-workcell.json");
}

json test_driver(const std::string& isolation, const json& settings = json::object()) {
  return {{"plugin", test::engine_test_plugin("foundry_test_driver").string()},
          {"model", "bench-device"},
          {"isolation", isolation},
          {"settings", settings}};
}

std::string fleet_error(const Workcell& workcell, engine::Clock& clock) {
  try {
    engine::DeviceFleet fleet(workcell, clock);
  } catch (const engine::PluginError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(DriverHostSettings, AreSplitFromTheDriversOwnSettings) {
  auto none = engine::split_driver_host_settings(R"({"landscape_seed": 3})");
  EXPECT_FALSE(none.present);
  EXPECT_EQ(json::parse(none.driver_settings_json), json({{"landscape_seed", 3}}));

  auto some = engine::split_driver_host_settings(
      R"({"landscape_seed": 3, "driver_host": {"memory_limit_mb": 512, "reply_timeout_s": 2.5, "max_restarts": 3,
          "restart_delay_s": 1, "restart_delay_max_s": 60, "heartbeat_interval_s": 0.5, "start_timeout_s": 9}})");
  EXPECT_TRUE(some.present);
  EXPECT_EQ(json::parse(some.driver_settings_json), json({{"landscape_seed", 3}}));
  EXPECT_EQ(some.options.memory_limit_mb, 512);
  EXPECT_DOUBLE_EQ(some.options.reply_timeout_s, 2.5);
  EXPECT_EQ(some.options.max_restarts, 3);
  EXPECT_DOUBLE_EQ(some.options.restart_delay_s, 1.0);
  EXPECT_DOUBLE_EQ(some.options.restart_delay_max_s, 60.0);
  EXPECT_DOUBLE_EQ(some.options.heartbeat_interval_s, 0.5);
  EXPECT_DOUBLE_EQ(some.options.start_timeout_s, 9.0);

  auto remote = engine::split_driver_host_settings(R"({"driver_host": {"endpoint": "tcp://10.0.0.7:5555"}})");
  EXPECT_EQ(remote.options.endpoint, "tcp://10.0.0.7:5555");
}

TEST(DriverHostSettings, RefuseBadOptionsNamingThem) {
  EXPECT_EQ(split_error(R"({"driver_host": 5})"), "settings/driver_host: must be an object of driver-host options");
  EXPECT_EQ(split_error(R"({"driver_host": {"memory_limit_mb": 0}})"),
            "settings/driver_host/memory_limit_mb: must be an integer >= 1");
  EXPECT_EQ(split_error(R"({"driver_host": {"reply_timeout_s": "soon"}})"),
            "settings/driver_host/reply_timeout_s: must be a number of seconds >= 0.01");
  EXPECT_EQ(split_error(R"({"driver_host": {"endpoint": "http://x"}})"),
            "settings/driver_host/endpoint: must be a \"tcp://host:port\" or \"ipc://path\" string");
  EXPECT_EQ(split_error(R"({"driver_host": {"max_restarts": -1}})"),
            "settings/driver_host/max_restarts: must be an integer from 0 to 1000");
  EXPECT_EQ(split_error(R"({"driver_host": {"restart_delay_s": 5, "restart_delay_max_s": 1}})"),
            "settings/driver_host/restart_delay_max_s: must not be below restart_delay_s");
  EXPECT_EQ(split_error(R"({"driver_host": {"endpoint": "tcp://pc:1", "memory_limit_mb": 64}})"),
            "settings/driver_host/memory_limit_mb: applies to a spawned host only; start the host at tcp://pc:1 "
            "with --memory-limit-mb instead");
  EXPECT_NE(split_error(R"({"driver_host": {"memory_limit": 64}})")
                .find("settings/driver_host/memory_limit: unknown option (known: endpoint, program"),
            std::string::npos);
  EXPECT_EQ(split_error("[1]"), "settings: must be a JSON object");
}

TEST(DriverHostSettings, TheFleetRunsADriverHostDeviceAndChecksItAgainstTheHostsDescription) {
  auto clock = engine::make_virtual_clock(0.0);
  engine::DeviceFleet fleet(workcell_with(test_driver("driver-host", {{"driver_host", {{"reply_timeout_s", 2}}}})), *clock);
  auto& session = fleet.session("d1");
  EXPECT_TRUE(session.health().isolated);
  EXPECT_EQ(fleet.model("d1").units, 2);
  EXPECT_TRUE(fleet.idempotent("d1", "work"));
  auto out = test::run_command(session, *clock, "work", R"({"duration_s": 5})");
  ASSERT_TRUE(out.outcome);
  EXPECT_TRUE(out.outcome->ok) << out.outcome->message;
  EXPECT_DOUBLE_EQ(out.ended, 5.0);

  EXPECT_NE(fleet_error(workcell_with(test_driver("driver-host"), 3), *clock)
                .find("device 'd1': capacity 3 exceeds the model's 2 units"),
            std::string::npos);
}

TEST(DriverHostSettings, TheFleetRefusesMisplacedOrBadHostSettingsNamingTheDevice) {
  auto clock = engine::make_virtual_clock(0.0);
  EXPECT_NE(fleet_error(workcell_with(test_driver("in-process", {{"driver_host", json::object()}})), *clock)
                .find("device 'd1': settings/driver_host: only used with \"isolation\": \"driver-host\""),
            std::string::npos);
  EXPECT_NE(fleet_error(workcell_with(test_driver("driver-host", {{"driver_host", {{"max_restarts", "many"}}}})), *clock)
                .find("device 'd1': settings/driver_host/max_restarts: must be an integer from 0 to 1000"),
            std::string::npos);
}
