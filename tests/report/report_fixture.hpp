// A small store written through store::Store's public API with everything the pictures mark:
// two runs on an array and a single device, a max-lag window, a failed step, a late start
// (constraint_violated) and a run held and released.
#pragma once

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace foundry::report::testing {

inline constexpr double kT0 = 1'800'000'000;  // 2027-01-15 08:00 UTC

inline StepSpec step(const std::string& id, const std::string& type, std::int64_t duration) {
  StepSpec s;
  s.id = id;
  s.operation = type == "bioreactor_250ml" ? "cultivate" : "sample";
  s.device_type = type;
  s.duration_s = duration;
  return s;
}

inline RunSpec two_step_run(const std::string& run_id, const std::string& design) {
  RunSpec run;
  run.run_id = run_id;
  run.protocol = "demo";
  StepSpec cultivate = step(design + "/cultivate", "bioreactor_250ml", 7200);
  StepSpec sample = step(design + "/t1/sample", "liquid_handler", 300);
  sample.after.push_back({design + "/cultivate", Anchor::kStart, 3000, 3900});
  run.steps = {cultivate, sample};
  return run;
}

class ReportStore : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("foundry-report-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<store::Store> store;

  void SetUp() override {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = store::Store::open(dir / "lab.db");
    // Run 1: d01 cultivated in vessel 3, sampled late (violation), OD600 and titer measured.
    store->create_run(two_step_run("cycle-1", "d01"), kT0);
    store->plan_steps({{"cycle-1", "d01/cultivate", "br250", 3, kT0, kT0 + 7200},
                       {"cycle-1", "d01/t1/sample", "lh1", 0, kT0 + 3600, kT0 + 3900}},
                      kT0);
    store->set_run_state("cycle-1", "running", kT0);
    store->step_started("cycle-1", "d01/cultivate", "br250", 3, 1, "k1", kT0);
    store->step_started("cycle-1", "d01/t1/sample", "lh1", 0, 1, "k2", kT0 + 4000);
    store->append_event("cycle-1", "d01/t1/sample", "constraint_violated",
                        R"({"predecessor":"d01/cultivate","max_lag_s":3900,"late_by_s":100,"from":"start"})", kT0 + 4000);
    store->step_finished("cycle-1", "d01/t1/sample", "{}",
                         {{"cycle-1", "d01/t1/sample", "pr1", "OD600", 0.4, "AU", "d01/t1", kT0 + 4300}}, kT0 + 4300);
    store->step_finished("cycle-1", "d01/cultivate", "{}",
                         {{"cycle-1", "d01/cultivate", "br250", "OD600", 1.3, "AU", "d01/t2h", kT0 + 7200},
                          {"cycle-1", "d01/cultivate", "br250", "titer", 0.5, "g/L", "d01/t2h", kT0 + 7200}},
                         kT0 + 7200);
    store->set_run_state("cycle-1", "done", kT0 + 7200);
    // Run 2: d02 in vessel 5; held for an operator for 10 min, then its sample fails.
    store->create_run(two_step_run("cycle-2", "d02"), kT0 + 600);
    store->plan_steps({{"cycle-2", "d02/cultivate", "br250", 5, kT0 + 600, kT0 + 7800},
                       {"cycle-2", "d02/t1/sample", "lh1", 0, kT0 + 4200, kT0 + 4500}},
                      kT0 + 600);
    store->set_run_state("cycle-2", "running", kT0 + 600);
    store->step_started("cycle-2", "d02/cultivate", "br250", 5, 1, "k3", kT0 + 600);
    store->set_run_state("cycle-2", "held", kT0 + 1200);
    store->set_run_state("cycle-2", "running", kT0 + 1800);
    store->step_started("cycle-2", "d02/t1/sample", "lh1", 0, 1, "k4", kT0 + 4200);
    store->step_failed("cycle-2", "d02/t1/sample", "tip pick-up failed", kT0 + 4250);
    store->step_finished("cycle-2", "d02/cultivate", "{}",
                         {{"cycle-2", "d02/cultivate", "br250", "titer", 0.9, "g/L", "d02/t2h", kT0 + 7800}},
                         kT0 + 7800);
    store->set_run_state("cycle-2", "failed", kT0 + 7800);
    // The array is out of service for 16 min (and an earlier period, before any run, is not drawn).
    store->set_device_in_service("lh1", false, "long ago", kT0 - 9000);
    store->set_device_in_service("lh1", true, "", kT0 - 8000);
    store->set_device_in_service("br250", false, "pump fault", kT0 + 5000);
    store->set_device_in_service("br250", true, "", kT0 + 5960);
  }
  void TearDown() override {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace foundry::report::testing
