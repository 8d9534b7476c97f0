// foundry-bench-driver-roundtrip: the cost of a command's round trip (execute -> finished, a
// zero-duration operation) through an in-process driver session and through a driver host over
// ipc://, measured in the same run and reported as a ratio.
//
// Commands run back to back, each started from the previous one's completion on the engine
// thread, as the executor does; after a warm-up, the mean wall time per command is reported.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_host.hpp>
#include <foundry/engine/driver_session.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>

using namespace foundry::engine;

namespace {

struct Measurement {
  double seconds = 0;
  int failures = 0;
};

Measurement run_commands(DriverSession& session, Clock& clock, const std::string& operation, int count) {
  int started = 0;
  Measurement m;
  std::function<void()> next = [&] {
    if (started == count) return;
    std::string id = operation + "-" + std::to_string(++started);
    session.execute({id, "bench/" + id + "/1", operation, "{}", -1}, nullptr, [&](const CommandOutcome& o) {
      if (!o.ok) ++m.failures;
      next();
    });
  };
  auto t0 = std::chrono::steady_clock::now();
  next();
  clock.run();
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Command round trip: in-process driver vs driver host over ipc://"};
  int iterations = 20000;
  int warmup = 500;
  std::string clock_kind = "virtual";
  app.add_option("--iterations", iterations, "commands per measurement")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "commands before each measurement")->check(CLI::NonNegativeNumber);
  app.add_option("--clock", clock_kind, "the engine's clock")->check(CLI::IsMember({"virtual", "wall"}));
  CLI11_PARSE(app, argc, argv);

  auto clock = clock_kind == "virtual" ? make_virtual_clock(0.0) : make_wall_clock();
  auto library = PluginLibrary::load(FOUNDRY_BENCH_PLUGIN);
  DriverSession local(library, "echo", "{}", *clock);
  DriverHostOptions host;
  host.plugin = FOUNDRY_BENCH_PLUGIN;
  host.program = FOUNDRY_DRIVER_HOST_PROGRAM;
  DriverSession remote(host, "echo", "{}", *clock);

  fmt::print("command round trip (execute -> finished), {} commands per row after {} warm-up, {} clock\n\n",
             iterations, warmup, clock_kind);
  fmt::print("{:<10} {:>16} {:>20} {:>8}\n", "operation", "in-process [us]", "driver host ipc [us]", "ratio");
  int failures = 0;
  for (const std::string operation : {"instant", "timer"}) {
    run_commands(local, *clock, operation, warmup);
    run_commands(remote, *clock, operation, warmup);
    Measurement in_process = run_commands(local, *clock, operation, iterations);
    Measurement hosted = run_commands(remote, *clock, operation, iterations);
    failures += in_process.failures + hosted.failures;
    double a = in_process.seconds / iterations * 1e6;
    double b = hosted.seconds / iterations * 1e6;
    fmt::print("{:<10} {:>16.2f} {:>20.2f} {:>7.1f}x\n", operation, a, b, b / a);
  }
  if (failures > 0) {
    fmt::print(stderr, "{} commands failed\n", failures);
    return 1;
  }
  return 0;
}
