// Loading plugins through the real loader, including each way a plugin can be refused.
#include <foundry/engine/plugin_library.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <fstream>

using foundry::engine::PluginError;
using foundry::engine::PluginLibrary;

namespace {

std::filesystem::path plugin(const std::string& name) {
  return std::filesystem::path(foundry::testing::test_plugin_dir()) / ("foundry_" + name + ".so");
}

// Loads `file`, expecting a refusal whose message names the file and contains `reason`.
void expect_refused(const std::filesystem::path& file, const std::string& reason) {
  try {
    PluginLibrary::load(file);
    FAIL() << "loading " << file << " should have been refused";
  } catch (const PluginError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
  }
}

}  // namespace

TEST(PluginLibrary, LoadsAGoodPluginAndReadsItsModels) {
  auto library = PluginLibrary::load(plugin("test_driver"));
  EXPECT_EQ(library->name(), "org.foundry.test.driver");
  EXPECT_EQ(library->abi_major(), static_cast<unsigned>(FOUNDRY_DRIVER_ABI_MAJOR));
  ASSERT_EQ(library->models().size(), 1u);
  const auto* model = library->find_model("bench-device");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->device_type, "test_device");
  EXPECT_EQ(model->units, 2);
  ASSERT_EQ(model->operations.size(), 6u);
  EXPECT_EQ(model->operations[0].name, "work");
  EXPECT_TRUE(model->operations[0].idempotent);
  EXPECT_FALSE(model->operations[2].idempotent);
  EXPECT_EQ(model->operations[5].name, "dispense");
  EXPECT_FALSE(model->operations[5].idempotent);
  EXPECT_EQ(library->find_model("nope"), nullptr);
}

TEST(PluginLibrary, RefusesAnotherMajorAbiVersion) { expect_refused(plugin("bad_abi_major"), "ABI major version 99"); }

TEST(PluginLibrary, RefusesANewerMinorAbiVersion) { expect_refused(plugin("bad_abi_newer_minor"), "is newer than this host"); }

TEST(PluginLibrary, RefusesALibraryWithoutTheEntryPoint) {
  expect_refused(plugin("no_entry_point"), "missing entry point 'foundry_driver_plugin'");
}

TEST(PluginLibrary, RefusesADescriptionThatIsNotJson) { expect_refused(plugin("bad_description"), "invalid JSON"); }

TEST(PluginLibrary, RefusesAFileThatIsNotASharedLibrary) {
  auto file = std::filesystem::temp_directory_path() / "foundry-not-a-plugin.so";
  std::ofstream(file) << "#!/bin/sh\necho I am a script\n";
  expect_refused(file, "not a shared library");
  std::filesystem::remove(file);
}

TEST(PluginLibrary, RefusesAMissingFile) { expect_refused(plugin("does_not_exist"), "no such file"); }

TEST(PluginLibrary, RefusesATruncatedSharedLibrary) {
  // An ELF header followed by nothing: passes the magic check, fails in the dynamic loader.
  auto file = std::filesystem::temp_directory_path() / "foundry-truncated.so";
  {
    std::ifstream in(plugin("test_driver"), std::ios::binary);
    std::string head(64, '\0');
    in.read(head.data(), 64);
    std::ofstream(file, std::ios::binary) << head;
  }
  expect_refused(file, "cannot be loaded");
  std::filesystem::remove(file);
}

TEST(PluginLibrary, ResolvesPluginNamesWithoutTheExtension) {
  auto found = foundry::engine::resolve_plugin("foundry_test_driver", foundry::testing::test_plugin_dir());
  EXPECT_EQ(found, plugin("test_driver"));
}
