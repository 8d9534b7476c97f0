// A plugin declaring an ABI version this host must refuse (major).
#include <foundry/driver/abi.h>

namespace {
const char* describe() { return R"({"models":[{"model":"m","device_type":"t","operations":[]}]})"; }
}  // namespace

extern "C" __attribute__((visibility("default"))) const foundry_plugin* foundry_driver_plugin(void) {
  static const foundry_plugin plugin = {sizeof(foundry_plugin), 99, FOUNDRY_DRIVER_ABI_MINOR, "org.foundry.test.abi", describe,
                                        nullptr, nullptr, nullptr, nullptr, nullptr};
  return &plugin;
}
