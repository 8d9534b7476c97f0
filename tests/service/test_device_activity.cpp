// The `devices` request's activity fields (docs/api.md): busy units and running steps, utilisation
// over the last 24 h of the service's clock, the next planned use. First the computation on
// hand-made step rows, then a real foundryd: a device taken out of service is avoided by a run
// submitted afterwards, and the devices the run used show its busy time.
#include "foundryd_process.hpp"

#include <foundry/service/device_activity.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace foundry::service {
namespace {

using nlohmann::json;
using testing::FoundrydProcess;

constexpr double kDay = 86400;

store::StepRow step(const std::string& run, const std::string& id, const std::string& device, const std::string& state,
                    std::optional<double> started = std::nullopt, std::optional<double> finished = std::nullopt,
                    std::optional<double> planned_start = std::nullopt) {
  store::StepRow s;
  s.run_id = run;
  s.step_id = id;
  s.device_id = device;
  s.state = state;
  s.started_at = started;
  s.finished_at = finished;
  s.planned_start = planned_start;
  return s;
}

TEST(DeviceActivity, RunningStepsHoldUnitsAndCountAsBusyUpToNow) {
  const double now = 200000;
  auto activity = device_activity({step("r2", "b", "br", "running", now - 600),
                                   step("r1", "a", "br", "running", now - 1800),
                                   step("r0", "x", "br", "done", now - 7200, now - 3600)},
                                  {{"br", 4}, {"lh1", 1}}, now);
  const auto& br = activity.at("br");
  EXPECT_EQ(br.busy_units, 2);
  ASSERT_EQ(br.running.size(), 2u);
  EXPECT_EQ(br.running[0].step_id, "a");  // earliest start first
  EXPECT_EQ(br.running[1].run_id, "r2");
  EXPECT_DOUBLE_EQ(br.utilisation_24h, (600 + 1800 + 3600) / (4 * kDay));
  // A device with no steps is listed, idle.
  EXPECT_EQ(activity.at("lh1").busy_units, 0);
  EXPECT_DOUBLE_EQ(activity.at("lh1").utilisation_24h, 0);
  EXPECT_FALSE(activity.at("lh1").next_planned);
}

TEST(DeviceActivity, OnlyTheLast24HoursCount) {
  const double now = 500000;
  // Started 25 h ago, ended 23 h ago: one hour of it lies inside the window.
  auto activity = device_activity({step("r", "long", "lh1", "done", now - 25 * 3600, now - 23 * 3600),
                                   step("r", "old", "lh1", "done", now - 3 * kDay, now - 2 * kDay)},
                                  {{"lh1", 1}}, now);
  EXPECT_NEAR(activity.at("lh1").utilisation_24h, 3600 / kDay, 1e-12);
}

TEST(DeviceActivity, UtilisationNeverExceedsOne) {
  const double now = 500000;
  // Two steps on a one-unit device overlapping (a log from before a repair, say): still 100 %.
  auto activity = device_activity({step("r", "a", "lh1", "done", now - kDay, now),
                                   step("r", "b", "lh1", "done", now - kDay, now)},
                                  {{"lh1", 1}}, now);
  EXPECT_DOUBLE_EQ(activity.at("lh1").utilisation_24h, 1.0);
}

TEST(DeviceActivity, NextPlannedIsTheEarliestPlannedStepNotYetStarted) {
  const double now = 1000;
  auto activity = device_activity({step("r1", "later", "pr1", "planned", {}, {}, now + 7200),
                                   step("r2", "sooner", "pr1", "planned", {}, {}, now + 600),
                                   step("r3", "pending", "pr1", "pending", {}, {}, now + 60),  // not planned yet
                                   step("r4", "elsewhere", "pr2", "planned", {}, {}, now + 1)},  // unknown device
                                  {{"pr1", 1}}, now);
  ASSERT_TRUE(activity.at("pr1").next_planned);
  EXPECT_EQ(activity.at("pr1").next_planned->run_id, "r2");
  EXPECT_EQ(activity.at("pr1").next_planned->step_id, "sooner");
  EXPECT_DOUBLE_EQ(activity.at("pr1").next_planned->at, now + 600);
  EXPECT_EQ(activity.count("pr2"), 0u);
}

TEST(DeviceActivity, AHeldRunsPlannedStepsAreNoNextUse) {
  const double now = 1000;
  auto activity = device_activity({step("held", "a", "lh1", "planned", {}, {}, now + 60),
                                   step("held", "b", "lh1", "running", now - 60),
                                   step("live", "c", "lh1", "planned", {}, {}, now + 600)},
                                  {{"lh1", 2}}, now, {"held"});
  ASSERT_TRUE(activity.at("lh1").next_planned);
  EXPECT_EQ(activity.at("lh1").next_planned->run_id, "live");
  EXPECT_EQ(activity.at("lh1").busy_units, 1) << "a held run's running step still holds its unit";
}

TEST(DeviceActivity, RunsFinishedBeforeTheWindowAreSkipped) {
  store::RunRow run;
  run.finished_at = 1000;
  EXPECT_FALSE(run_may_matter(run, 1000 + kDay + 1));
  EXPECT_TRUE(run_may_matter(run, 1000 + kDay - 1));
  run.finished_at.reset();
  EXPECT_TRUE(run_may_matter(run, 1e9));
}

json request(client::Client& client, const std::string& type, const json& fields = json::object()) {
  return json::parse(client.request(type, fields.dump()));
}

json device_named(const json& devices, const std::string& id) {
  for (const auto& d : devices.at("devices"))
    if (d.at("id") == id) return d;
  ADD_FAILURE() << "no device " << id << " in " << devices.dump();
  return json::object();
}

TEST(DevicesRequest, ARunSubmittedWhileADeviceIsOutAvoidsItAndItsDevicesShowTheBusyTime) {
  FoundrydProcess foundryd;
  auto staff = foundryd.client("staff", 20);
  request(staff, "device", {{"device_id", "lh1"}, {"in_service", false}, {"reason", "tip jam"}});
  auto run_id = request(staff, "submit", {{"protocol", "dbtl-quick"}}).at("run_id").get<std::string>();
  json status;
  for (int poll = 0; poll < 6000; ++poll) {
    status = request(staff, "status", {{"run_id", run_id}});
    if (status.at("state") != "queued" && status.at("state") != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status.at("state"), "done") << status.dump();

  // What the devices reply should say, from the run's own step times.
  json devices = request(staff, "devices");
  const double now = devices.at("now").get<double>();
  std::map<std::string, double> busy;
  int on_lh2 = 0;
  for (const auto& s : status.at("steps")) {
    EXPECT_NE(s.at("device_id"), "lh1") << s.dump();
    on_lh2 += s.at("device_id") == "lh2" ? 1 : 0;
    if (s.at("started_at").is_null() || s.at("finished_at").is_null()) continue;  // never ran
    double start = std::max(s.at("started_at").get<double>(), now - kDay);
    busy[s.at("device_id").get<std::string>()] += std::max(0.0, s.at("finished_at").get<double>() - start);
  }
  EXPECT_GT(on_lh2, 0) << "the liquid handling went to the other liquid handler";

  auto lh1 = device_named(devices, "lh1");
  EXPECT_FALSE(lh1.at("in_service").get<bool>());
  EXPECT_EQ(lh1.at("reason"), "tip jam");
  EXPECT_DOUBLE_EQ(lh1.at("utilisation_24h").get<double>(), 0);
  for (const auto& d : devices.at("devices")) {
    SCOPED_TRACE(d.dump());
    EXPECT_EQ(d.at("busy_units"), 0);
    EXPECT_TRUE(d.at("running").is_array() && d.at("running").empty());
    EXPECT_TRUE(d.at("next_planned").is_null());
    double expected = busy[d.at("id").get<std::string>()] / (d.at("capacity").get<int>() * kDay);
    EXPECT_NEAR(d.at("utilisation_24h").get<double>(), expected, 1e-9);
  }
  EXPECT_GT(device_named(devices, "lh2").at("utilisation_24h").get<double>(), 0);
}

}  // namespace
}  // namespace foundry::service
