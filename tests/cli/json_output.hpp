// A command's --json output, parsed; a test failure (with the output) when it is not JSON.
#pragma once

#include "command_runner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace foundry::testing {

inline nlohmann::json parse_json_output(const CommandResult& r) {
  auto value = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(value.is_discarded()) << "not JSON:\n" << r.out << r.err;
  return value;
}

}  // namespace foundry::testing
