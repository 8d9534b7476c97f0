// The conformance kit with the driver in a driver-host process (`foundry driver check --isolated`):
// a sound driver passes as in-process; a driver that segfaults, aborts or throws across the ABI
// fails the checks it was in, and the kit itself lives on to report the rest.
#include "isolation_support.hpp"
#include "build_paths.hpp"

#include <foundry/engine/conformance.hpp>

#include <gtest/gtest.h>

namespace {

using foundry::engine::CheckStatus;
using foundry::engine::ConformanceOptions;

ConformanceOptions isolated(const std::filesystem::path& plugin) {
  ConformanceOptions options;
  options.isolated = true;
  options.driver_host = foundry::test::quick_host(plugin);
  return options;
}

TEST(ConformanceIsolated, ASimulatedDriverPassesInADriverHost) {
  const auto plugin = std::filesystem::path(foundry::testing::driver_dir()) / "foundry_sim_plate_reader.so";
  const auto report = foundry::engine::check_driver_conformance(plugin, isolated(plugin));
  EXPECT_TRUE(report.passed()) << report.text();
  EXPECT_TRUE(report.isolated);
  EXPECT_NE(report.text().find("driver in a foundry-driver-host process"), std::string::npos);
  ASSERT_NE(report.find("sim-pr", "read_absorbance", "completes"), nullptr);
  EXPECT_EQ(report.find("sim-pr", "read_absorbance", "completes")->status, CheckStatus::passed);
}

TEST(ConformanceIsolated, ACrashingDriverFailsItsChecksAndTheKitReportsTheRest) {
  foundry::test::let_hosts_die_by_signal();
  const auto plugin = foundry::test::faulty_plugin();
  const auto report = foundry::engine::check_driver_conformance(plugin, isolated(plugin));
  EXPECT_FALSE(report.passed());
  const auto* segfault = report.find("faulty-device", "segfault", "completes");
  ASSERT_NE(segfault, nullptr) << report.text();
  EXPECT_EQ(segfault->status, CheckStatus::failed);
  EXPECT_NE(segfault->detail.find("signal 11"), std::string::npos) << segfault->detail;
  const auto* abort = report.find("faulty-device", "abort", "completes");
  ASSERT_NE(abort, nullptr);
  EXPECT_NE(abort->detail.find("signal 6"), std::string::npos) << abort->detail;
  // Later checks still ran on a restarted host.
  const auto* unknown = report.find("faulty-device", "", "state-unknown");
  ASSERT_NE(unknown, nullptr) << report.text();
  EXPECT_EQ(unknown->status, CheckStatus::passed) << unknown->detail;
}

}  // namespace
