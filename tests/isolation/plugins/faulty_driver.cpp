// A deliberately faulty driver for the fault-isolation tests, written against the raw C ABI (not
// the SDK's C++ adapter, which would catch its exceptions) so that each fault really escapes.
// Never load it in-process: most of its operations take the whole process down.
//
// Model "faulty-device" (type "test_device", 2 units). Operations:
//   work            finishes after parameters.duration_s (default 10) of host time, progress 0.5 half way
//   instant         finishes inside execute
//   reject          refused up front with a validation error
//   segfault        writes through a null pointer 1 s (host time) after it started
//   abort           calls std::abort() inside execute
//   hang            never returns from execute
//   throw_in_timer  throws std::runtime_error("sensor buffer overflow") from a timer callback
//   exhaust_memory  allocates (and touches) 16 MiB blocks until allocation fails; refused unless
//                   the process has an address-space limit, so it can never eat the machine
// Settings: {"crash_on_create_if_exists": PATH} segfaults in create() while PATH exists.
#include <foundry/driver/abi.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Instance {
  const foundry_host* host;
};

struct Job {
  foundry_command_events events;  // copied: the host's struct lives only during execute()
  double duration = 0;
  int unit = 0;
  bool progress_only = false;
};

void write_error(char* buffer, size_t size, const std::string& message) {
  if (size == 0) return;
  size_t n = message.size() < size - 1 ? message.size() : size - 1;
  std::memcpy(buffer, message.data(), n);
  buffer[n] = '\0';
}

// Reads a number parameter without a JSON library: {"duration_s": 12.5}.
double number_parameter(const char* json, const char* name, double fallback) {
  std::string text = json ? json : "";
  auto at = text.find(std::string("\"") + name + "\"");
  if (at == std::string::npos) return fallback;
  at = text.find(':', at);
  return at == std::string::npos ? fallback : std::strtod(text.c_str() + at + 1, nullptr);
}

std::string string_setting(const char* json, const char* name) {
  std::string text = json ? json : "";
  auto at = text.find(std::string("\"") + name + "\"");
  if (at == std::string::npos) return "";
  auto open = text.find('"', text.find(':', at));
  auto close = text.find('"', open + 1);
  return open == std::string::npos || close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
}

// The sanitizers would turn the null write into their own report and exit; we want the signal.
__attribute__((no_sanitize("address", "undefined"))) void segfault() {
  static int* volatile target = nullptr;  // volatile: the compiler cannot see it is null
  *target = 42;
}

void on_timer(void* arg, int cancelled) {
  std::unique_ptr<Job> job(static_cast<Job*>(arg));
  if (cancelled) return;
  if (job->progress_only) {
    job->events.progress(job->events.context, 0.5, job->duration / 2);
    return;
  }
  std::string result = "{\"unit\":" + std::to_string(job->unit) +
                       ",\"measurements\":[{\"name\":\"elapsed\",\"value\":" + std::to_string(job->duration) +
                       ",\"unit\":\"s\"}]}";
  job->events.finished(job->events.context, result.c_str());
}

void segfault_timer(void* arg, int cancelled) {
  std::unique_ptr<Job> job(static_cast<Job*>(arg));
  if (!cancelled) segfault();
}

void throwing_timer(void* arg, int cancelled) {
  std::unique_ptr<Job> job(static_cast<Job*>(arg));
  if (!cancelled) throw std::runtime_error("sensor buffer overflow");
}

const char* describe() {
  return R"({"vendor":"Foundry tests","version":"1.0","models":[
    {"model":"faulty-device","device_type":"test_device","units":2,"operations":[
      {"name":"work","idempotent":true},{"name":"instant","idempotent":true},{"name":"reject"},
      {"name":"segfault"},{"name":"abort"},{"name":"hang"},{"name":"throw_in_timer"},{"name":"exhaust_memory"}]}]})";
}

foundry_driver_instance* create(const char* model, const char* settings, const foundry_host* host, char* error,
                                size_t error_size) {
  if (std::string(model) != "faulty-device") {
    write_error(error, error_size, std::string("unknown model '") + model + "'");
    return nullptr;
  }
  std::string marker = string_setting(settings, "crash_on_create_if_exists");
  if (!marker.empty() && std::filesystem::exists(marker)) segfault();
  return reinterpret_cast<foundry_driver_instance*>(new Instance{host});
}

void destroy(foundry_driver_instance* instance) { delete reinterpret_cast<Instance*>(instance); }

int execute(foundry_driver_instance* handle, const foundry_command* command, const foundry_command_events* events,
            char* error, size_t error_size) {
  auto* instance = reinterpret_cast<Instance*>(handle);
  const foundry_host* host = instance->host;
  std::string op = command->operation;
  double duration = number_parameter(command->parameters_json, "duration_s", 10);
  auto job = [&](bool progress_only = false) { return new Job{*events, duration, command->unit, progress_only}; };
  if (op == "work") {
    host->call_after(host->context, duration / 2, &on_timer, job(true));
    host->call_after(host->context, duration, &on_timer, job());
  } else if (op == "instant") {
    events->finished(events->context, "{\"instant\":true}");
  } else if (op == "reject") {
    write_error(error, error_size, "parameter 'x': must be given");
    return FOUNDRY_ERROR_VALIDATION;
  } else if (op == "segfault") {
    host->call_after(host->context, 1.0, &segfault_timer, job());
  } else if (op == "abort") {
    std::abort();
  } else if (op == "hang") {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  } else if (op == "throw_in_timer") {
    host->call_after(host->context, 1.0, &throwing_timer, job());
  } else if (op == "exhaust_memory") {
    rlimit limit{};
    if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
      write_error(error, error_size, "refusing to exhaust memory without an address-space limit");
      return FOUNDRY_ERROR_VALIDATION;
    }
    constexpr std::size_t block = std::size_t{16} << 20;
    std::vector<std::unique_ptr<char[]>> hog;
    for (;;) {
      hog.push_back(std::make_unique<char[]>(block));
      std::memset(hog.back().get(), 1, block);
    }
  } else {
    write_error(error, error_size, "unknown operation " + op);
    return FOUNDRY_ERROR_VALIDATION;
  }
  return 0;
}

int cancel(foundry_driver_instance*, const char*) { return 1; }

size_t command_state(foundry_driver_instance*, const char*, char* out, size_t out_size) {
  std::string text = R"({"state":"unknown"})";
  write_error(out, out_size, text);
  return text.size();
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const foundry_plugin* foundry_driver_plugin(void) {
  static const foundry_plugin plugin = {sizeof(foundry_plugin), FOUNDRY_DRIVER_ABI_MAJOR, FOUNDRY_DRIVER_ABI_MINOR,
                                        "org.foundry.test.faulty",  &describe, &create, &destroy, &execute, &cancel,
                                        &command_state};
  return &plugin;
}
