// A driver whose host-timer callbacks throw, for the SDK's timer exception handling
// (tests/sdk/test_timer_exceptions.cpp). Model "timer-device", 1 unit. Operations:
//   throw_in_command_timer  the command's own timer (Host::call_after with its events) throws
//                           -> the command fails with FOUNDRY_ERROR_UNEXPECTED
//   throw_in_plain_timer    a timer not tied to a command throws (logged), then a second timer
//                           finishes the command
#include <foundry/driver/driver.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace {

using foundry::driver::CommandEvents;

const char* describe() {
  return R"({"vendor": "Foundry tests", "version": "1.0", "models": [
    {"model": "timer-device", "device_type": "test_device", "units": 1, "operations": [
      {"name": "throw_in_command_timer", "idempotent": true, "parameters": {"type": "object"},
       "result": {"type": "object"}, "duration_s": {"nominal": 10, "min": 10, "max": 10}},
      {"name": "throw_in_plain_timer", "idempotent": true, "parameters": {"type": "object"},
       "result": {"type": "object"}, "duration_s": {"nominal": 10, "min": 10, "max": 10}}]}]})";
}

class TimerDevice final : public foundry::driver::Driver {
 public:
  explicit TimerDevice(foundry::driver::Host host) : host_(host) {}

  void execute(const foundry::driver::Command& command, std::shared_ptr<CommandEvents> events) override {
    if (command.operation == "throw_in_command_timer") {
      host_.call_after(10.0, events, [](bool) -> void { throw std::runtime_error("sensor overflow"); });
    } else {
      host_.call_after(5.0, [](bool) -> void { throw std::runtime_error("housekeeping failed"); });
      host_.call_after(10.0, events, [events](bool destroyed) {
        if (!destroyed) events->finish("{}");
      });
    }
  }

 private:
  foundry::driver::Host host_;
};

std::unique_ptr<foundry::driver::Driver> create(const std::string& model, const std::string&,
                                                foundry::driver::Host host) {
  if (model != "timer-device") return nullptr;
  return std::make_unique<TimerDevice>(host);
}

}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.test.timer-device", describe, create)
