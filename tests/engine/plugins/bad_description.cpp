// A plugin whose description is not JSON: refused at load time.
#include <foundry/driver/driver.hpp>

namespace {
const char* describe() { return "models: none, this is not JSON"; }
std::unique_ptr<foundry::driver::Driver> create(const std::string&, const std::string&, foundry::driver::Host) {
  return nullptr;
}
}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.test.bad-description", describe, create)
