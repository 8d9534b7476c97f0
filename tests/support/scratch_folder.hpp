// A fresh, empty folder for the running test, removed with all in it when the test ends:
// <temp>/foundry-<what>-<pid>-<test name>. The test's name keeps the tests of one binary apart;
// the process id keeps apart two builds running the same test at once (several build folders on
// one machine share the temporary directory).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace foundry::testing {

class ScratchFolder {
 public:
  // Made when a test fixture is (gtest knows the running test by then).
  explicit ScratchFolder(const std::string& what)
      : path_(std::filesystem::temp_directory_path() /
              ("foundry-" + what + "-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;  // a destructor must not throw; a leftover folder is harmless
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace foundry::testing
