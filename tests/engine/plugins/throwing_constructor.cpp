// A plugin whose driver constructor throws: the host must refuse it with the message.
#include <foundry/driver/driver.hpp>

namespace {
const char* describe() {
  return R"({"models":[{"model":"m","device_type":"t","units":1,"operations":[{"name":"op"}]}]})";
}
std::unique_ptr<foundry::driver::Driver> create(const std::string&, const std::string&, foundry::driver::Host) {
  throw std::runtime_error("serial port /dev/ttyUSB9 not found");
}
}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.test.throwing", describe, create)
