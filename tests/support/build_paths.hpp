#pragma once
// Where this build's files are: the checkout, the build tree, and the plugins and programs built
// into it for the tests.
//
// The values live in one source generated at configure time (build_paths.cpp.in), not in -D
// definitions. An absolute path on a compile command is part of ccache's key, and CCACHE_BASEDIR
// only rewrites include paths, not macro values: with the paths as definitions a clone at another
// place recompiled every test in both CI builds. Now only build_paths.cpp differs between clones.
#include <string>

namespace foundry::testing {

const std::string& source_dir();           // the checkout (protocols/, docs/, tests/data/, ...)
const std::string& binary_dir();           // the build tree (bin/foundry, bin/foundryd, ...)
const std::string& driver_dir();           // the in-tree simulated drivers
const std::string& test_plugin_dir();      // tests/engine's test plugins, broken ones included
const std::string& isolation_plugin_dir(); // tests/isolation's faulty driver
const std::string& kit_plugin_dir();       // tests/sdk's conformance-kit variants
const std::string& sdk_scratch_dir();      // where tests/sdk installs and builds out of tree
// The programs of this build (their places come from CMake's targets, not from a copy of where
// ui-cli/CMakeLists.txt happens to put them).
const std::string& foundry_binary();       // the command line
const std::string& foundryd_binary();      // the service
const std::string& driver_host_binary();   // foundry-driver-host
const std::string& shared_bench_dir();     // ../shared/bench beside the checkout (may be absent)

}  // namespace foundry::testing
