// The SDK as a vendor gets it: `cmake --install` into a fresh prefix, then examples/vendor-driver
// configured and built out of tree with find_package(Foundry), loaded and run by the engine.
// Each test installs into its own prefix under the build tree, so ctest may run them in parallel.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/conformance.hpp>
#include <foundry/engine/driver_session.hpp>
#include <foundry/engine/plugin_library.hpp>

#include <foundry/version.h>

#include "command_runner.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;
using foundry::testing::run_command;
using foundry::testing::shell_quote;

namespace {

foundry::testing::CommandResult cmake(const std::string& arguments) {
  return run_command(shell_quote(FOUNDRY_CMAKE_COMMAND) + " " + arguments);
}

// Installs the current build into `prefix`; false (with the reason recorded) when that fails.
bool install_sdk(const fs::path& prefix) {
  auto r = cmake("--install " + shell_quote(foundry::testing::binary_dir()) + " --prefix " + shell_quote(prefix.string()));
  // stderr first, and the free space: a full disk makes cmake fail without being able to say why.
  std::error_code ec;
  const auto space = fs::space(prefix.parent_path(), ec);
  EXPECT_EQ(r.exit_code, 0) << "stderr:\n" << r.err << "\nfree space there: "
                            << (ec ? std::string("unknown") : std::to_string(space.available >> 20) + " MiB")
                            << "\nstdout:\n" << r.out;
  return r.exit_code == 0;
}

fs::path config_dir(const fs::path& prefix) { return prefix / FOUNDRY_INSTALL_LIBDIR / "cmake" / "Foundry"; }

// Configures the CMake project in `source` against the SDK in `prefix` (same generator and
// compiler as this build). No build type: unoptimised code compiles fastest, and the test only
// needs the plugin to load and run.
foundry::testing::CommandResult configure(const fs::path& source, const fs::path& build, const fs::path& prefix) {
  std::string args = "-S " + shell_quote(source.string()) + " -B " + shell_quote(build.string()) + " -G " +
                     shell_quote(FOUNDRY_CMAKE_GENERATOR) + " -DCMAKE_BUILD_TYPE=" +
                     " -DCMAKE_PREFIX_PATH=" + shell_quote(prefix.string()) +
                     " -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_CXX_COMPILER=" + shell_quote(FOUNDRY_CXX_COMPILER);
  if (std::string(FOUNDRY_CXX_COMPILER_LAUNCHER).size() > 0)
    args += " -DCMAKE_CXX_COMPILER_LAUNCHER=" + shell_quote(FOUNDRY_CXX_COMPILER_LAUNCHER);
  return cmake(args);
}

// A one-file CMake project (no compiler needed) for checking what find_package/foundry_add_driver say.
fs::path tiny_project(const fs::path& dir, const std::string& body) {
  fs::create_directories(dir);
  std::ofstream(dir / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.25)\nproject(tiny LANGUAGES NONE)\n" << body;
  return dir;
}

// CMake wraps long messages: compare with every run of white space made one space.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  return out;
}

std::string cache_value(const fs::path& build, const std::string& name) {
  std::ifstream in(build / "CMakeCache.txt");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0) return line.substr(line.find('=') + 1);
  return "";
}

}  // namespace

// Each test gets a directory of its own, emptied first. An install of the ASan build is about
// 0.7 GB, so a passing test removes its directory; a failing one leaves it for a look.
class InstalledSdk : public ::testing::Test {
 protected:
  fs::path scratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(foundry::testing::sdk_scratch_dir()) / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    return dir_;
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

 private:
  fs::path dir_;
};

TEST_F(InstalledSdk, LaysOutHeadersPackageFilesCliAndSimulatedDrivers) {
  const fs::path prefix = scratch() / "prefix";
  ASSERT_TRUE(install_sdk(prefix));
  for (const char* header : {"include/foundry/driver/abi.h", "include/foundry/driver/driver.hpp", "include/foundry/version.h"})
    EXPECT_TRUE(fs::is_regular_file(prefix / header)) << header;
  for (const char* file : {"FoundryConfig.cmake", "FoundryConfigVersion.cmake", "FoundryTargets.cmake", "FoundryAddDriver.cmake"})
    EXPECT_TRUE(fs::is_regular_file(config_dir(prefix) / file)) << file;
  EXPECT_TRUE(fs::is_regular_file(prefix / "bin" / "foundry"));
  // The vendor guide and the example project come with it.
  EXPECT_TRUE(fs::is_regular_file(prefix / FOUNDRY_INSTALL_DOCDIR / "driver-sdk.md"));
  EXPECT_TRUE(fs::is_regular_file(prefix / FOUNDRY_INSTALL_DOCDIR / "examples" / "vendor-driver" / "CMakeLists.txt"));
  // The SDK is the driver headers only: nothing of the engine leaks into it.
  EXPECT_FALSE(fs::exists(prefix / "include" / "foundry" / "engine"));

  // Every simulated driver of the build is installed where the engine looks, and loads from there.
  const fs::path drivers = prefix / FOUNDRY_INSTALL_LIBDIR / "foundry" / "drivers";
  int count = 0;
  for (const auto& built : fs::directory_iterator(foundry::testing::driver_dir())) {
    if (built.path().extension() != ".so") continue;
    ++count;
    const fs::path installed = drivers / built.path().filename();
    ASSERT_TRUE(fs::is_regular_file(installed)) << installed;
    EXPECT_NO_THROW(foundry::engine::PluginLibrary::load(installed)) << installed;
  }
  EXPECT_GE(count, 1);
}

TEST_F(InstalledSdk, VendorExampleBuildsOutOfTreeAndRunsInTheEngine) {
  const fs::path dir = scratch();
  ASSERT_TRUE(install_sdk(dir / "prefix"));
  const fs::path build = dir / "vendor-build";
  auto configured = configure(fs::path(foundry::testing::source_dir()) / "examples" / "vendor-driver", build, dir / "prefix");
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  // Found in the fresh prefix, not in the build tree or anywhere else.
  EXPECT_EQ(fs::path(cache_value(build, "Foundry_DIR")), config_dir(dir / "prefix"));
  auto built = cmake("--build " + shell_quote(build.string()));
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;

  const fs::path plugin = build / "acme_platesealer.so";
  auto library = foundry::engine::PluginLibrary::load(plugin);
  EXPECT_EQ(library->name(), "com.acme.platesealer");
  ASSERT_NE(library->find_model("PS-3000"), nullptr);

  // seal at 180 degC for 2 s from the 150 degC standby: drawer 4 s + ramp 15 s + 2 s + drawer 4 s.
  auto clock = foundry::engine::make_virtual_clock(1000.0);
  foundry::engine::DriverSession session(library, "PS-3000", "{}", *clock);
  std::optional<foundry::engine::CommandOutcome> outcome;
  double finished_at = 0;
  int progress_reports = 0;
  session.execute({"seal-1", "run/seal/1", "seal", R"({"temperature_c": 180, "time_s": 2})", -1},
                  [&](double, double) { ++progress_reports; },
                  [&](const foundry::engine::CommandOutcome& o) {
                    outcome = o;
                    finished_at = clock->now();
                  });
  clock->run();
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->ok) << outcome->message;
  EXPECT_DOUBLE_EQ(finished_at - 1000.0, 25.0);
  EXPECT_GE(progress_reports, 3);
  auto result = nlohmann::json::parse(outcome->result_json);
  EXPECT_EQ(result["sealed"], true);
  EXPECT_EQ(result["films_left"], 499);

  // A declared execution error: the plate is sealed already.
  outcome.reset();
  session.execute({"seal-2", "run/seal/2", "seal", "{}", -1}, nullptr,
                  [&](const foundry::engine::CommandOutcome& o) { outcome = o; });
  clock->run();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_NE(outcome->message.find("plate_already_sealed"), std::string::npos) << outcome->message;

  // And the example passes the conformance kit, as its README promises vendors.
  foundry::engine::ConformanceOptions options;
  options.wall_grace_s = 0.05;
  auto report = foundry::engine::check_driver_conformance(plugin, options);
  EXPECT_TRUE(report.passed()) << report.text();
}

TEST_F(InstalledSdk, AddDriverRejectsUnknownArgumentsAlsoAfterAListKeyword) {
  const fs::path dir = scratch();
  ASSERT_TRUE(install_sdk(dir / "prefix"));
  // A misspelled keyword after SOURCES, which a plain cmake_parse_arguments takes for a source file.
  auto after = configure(tiny_project(dir / "after", "find_package(Foundry REQUIRED)\n"
                                                     "foundry_add_driver(acme SOURCES acme.cpp OUTPUT_DIR out)\n"),
                         dir / "after-build", dir / "prefix");
  EXPECT_NE(after.exit_code, 0);
  EXPECT_NE(one_line(after.err).find("foundry_add_driver(acme): unknown arguments: OUTPUT_DIR (known: SOURCES, "
                                     "OUTPUT_DIRECTORY, LINK_LIBRARIES)"),
            std::string::npos)
      << after.err;
  // And before any keyword, with its value.
  auto before = configure(tiny_project(dir / "before", "find_package(Foundry REQUIRED)\n"
                                                       "foundry_add_driver(acme VERSION 2 SOURCES acme.cpp)\n"),
                          dir / "before-build", dir / "prefix");
  EXPECT_NE(before.exit_code, 0);
  EXPECT_NE(one_line(before.err).find("unknown arguments: VERSION, 2 (known:"), std::string::npos) << before.err;
}

TEST_F(InstalledSdk, PackageVersionAcceptsTheSameMajorOnly) {
  const fs::path dir = scratch();
  ASSERT_TRUE(install_sdk(dir / "prefix"));
  const std::string major = std::to_string(FOUNDRY_VERSION_MAJOR);
  auto same = configure(tiny_project(dir / "same", "find_package(Foundry " + major + ".0 REQUIRED)\n"
                                                   "message(STATUS \"sdk=${Foundry_VERSION}\")\n"),
                        dir / "same-build", dir / "prefix");
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("sdk=" + major + "."), std::string::npos) << same.out;
  const std::string next_major = std::to_string(FOUNDRY_VERSION_MAJOR + 1);
  auto next = configure(tiny_project(dir / "next", "find_package(Foundry " + next_major + ".0 REQUIRED)\n"),
                        dir / "next-build", dir / "prefix");
  EXPECT_NE(next.exit_code, 0);
  EXPECT_NE(one_line(next.err).find("compatible with requested version"), std::string::npos) << next.err;
}
