// The benchmark's driver: zero-duration operations, so a command's cost is the host path alone.
//   instant  finishes inside execute()
//   timer    finishes from a call_after(0) callback, as simulated drivers do (one extra round
//            trip through the engine's clock when the driver runs in a driver host)
#include <foundry/driver/driver.hpp>

namespace {

class EchoDriver final : public foundry::driver::Driver {
 public:
  explicit EchoDriver(foundry::driver::Host host) : host_(host) {}

  void execute(const foundry::driver::Command& command, std::shared_ptr<foundry::driver::CommandEvents> events) override {
    if (command.operation == "instant") {
      events->finish(R"({"echo":true})");
    } else if (command.operation == "timer") {
      host_.call_after(0.0, [events](bool cancelled) {
        if (!cancelled) events->finish(R"({"echo":true})");
      });
    } else {
      throw foundry::driver::CommandRejected(FOUNDRY_ERROR_VALIDATION, "unknown operation " + command.operation);
    }
  }

 private:
  foundry::driver::Host host_;
};

const char* describe() {
  return R"({"vendor":"Foundry bench","version":"1.0","models":[{"model":"echo","device_type":"bench_device",
             "operations":[{"name":"instant","idempotent":true},{"name":"timer","idempotent":true}]}]})";
}

std::unique_ptr<foundry::driver::Driver> create(const std::string& model, const std::string&, foundry::driver::Host host) {
  return model == "echo" ? std::make_unique<EchoDriver>(host) : nullptr;
}

}  // namespace

FOUNDRY_DRIVER_PLUGIN("org.foundry.bench.echo", describe, create)
