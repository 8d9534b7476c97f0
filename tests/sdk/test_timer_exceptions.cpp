// The C++ layer of the SDK (driver.hpp) and exceptions thrown in host-timer callbacks: a timer
// tied to a command fails that command with an unexpected error; any other is logged. Driven
// through the C ABI with a hand-made host, so nothing but the SDK layer is under test.
#include <foundry/engine/plugin_library.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// A host whose timers fire when the test says so, and whose log the test reads.
struct FakeHost {
  struct Timer {
    double delay;
    void (*fn)(void*, int);
    void* arg;
  };
  std::vector<Timer> timers;
  std::vector<std::string> log;
  foundry_host host{sizeof(foundry_host), this, &FakeHost::now, &FakeHost::call_after, &FakeHost::write_log};

  static double now(void*) { return 0; }
  static void call_after(void* self, double delay, void (*fn)(void*, int), void* arg) {
    static_cast<FakeHost*>(self)->timers.push_back({delay, fn, arg});
  }
  static void write_log(void* self, int level, const char* message) {
    static_cast<FakeHost*>(self)->log.push_back(std::to_string(level) + " " + message);
  }
  // Fires every timer in the order they were set (cancelled = 0).
  void fire_all() {
    for (std::size_t i = 0; i < timers.size(); ++i) timers[i].fn(timers[i].arg, 0);
    timers.clear();
  }
};

struct Events {
  std::string finished;
  int error_kind = 0;
  std::string message;
  foundry_command_events events{this, [](void*, double, double) {},
                                [](void* self, const char* result) { static_cast<Events*>(self)->finished = result; },
                                [](void* self, int kind, const char* text) {
                                  static_cast<Events*>(self)->error_kind = kind;
                                  static_cast<Events*>(self)->message = text;
                                }};
};

class TimerExceptions : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = foundry::engine::PluginLibrary::load(foundry::testing::kit_plugin_dir() + "/foundry_timer_device.so");
    char error[256] = "";
    instance_ = library_->api().create("timer-device", "{}", &host_.host, error, sizeof error);
    ASSERT_NE(instance_, nullptr) << error;
  }
  void TearDown() override {
    if (instance_ != nullptr) library_->api().destroy(instance_);
  }
  void execute(const char* id, const char* operation, Events& events) {
    foundry_command command{sizeof(foundry_command), id, id, operation, "{}", -1};
    char error[256] = "";
    ASSERT_EQ(library_->api().execute(instance_, &command, &events.events, error, sizeof error), 0) << error;
  }
  std::string state(const char* id) {
    char out[512] = "";
    library_->api().command_state(instance_, id, out, sizeof out);
    return out;
  }

  FakeHost host_;
  std::shared_ptr<foundry::engine::PluginLibrary> library_;
  foundry_driver_instance* instance_ = nullptr;
};

TEST_F(TimerExceptions, AThrowInACommandsTimerFailsThatCommandAsUnexpected) {
  Events events;
  execute("c1", "throw_in_command_timer", events);
  host_.fire_all();
  EXPECT_TRUE(events.finished.empty());
  EXPECT_EQ(events.error_kind, FOUNDRY_ERROR_UNEXPECTED);
  EXPECT_EQ(events.message, "timer callback threw: sensor overflow");
  EXPECT_EQ(state("c1"), R"({"state":"failed","error_kind":3,"message":"timer callback threw: sensor overflow"})");
}

TEST_F(TimerExceptions, AThrowInATimerOfNoCommandIsLoggedAsAnErrorAndTheCommandGoesOn) {
  Events events;
  execute("c2", "throw_in_plain_timer", events);
  host_.fire_all();
  EXPECT_EQ(events.finished, "{}");
  EXPECT_EQ(events.error_kind, 0);
  ASSERT_EQ(host_.log.size(), 1u);
  EXPECT_EQ(host_.log[0], std::to_string(FOUNDRY_LOG_ERROR) + " timer callback threw: housekeeping failed");
}

TEST_F(TimerExceptions, AThrowWhileTheInstanceIsDestroyedReportsNothing) {
  Events events;
  execute("c3", "throw_in_command_timer", events);
  library_->api().destroy(instance_);
  instance_ = nullptr;
  for (auto& t : host_.timers) t.fn(t.arg, 1);  // what the host does for pending timers on destroy
  host_.timers.clear();
  EXPECT_EQ(events.error_kind, 0);
  EXPECT_TRUE(host_.log.empty());
}

}  // namespace
