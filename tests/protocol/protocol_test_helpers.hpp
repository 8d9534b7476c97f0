// Helpers for protocol tests: small protocols written inline, and assertions on InputError.
#pragma once

#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/protocol.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace foundry::testing {

// A protocol document named "t" with the given `steps` (JSON array text) and `parameters`
// (JSON object text).
inline std::string protocol_json(const std::string& steps, const std::string& parameters = "{}") {
  return R"({"name": "t", "version": "1", "parameters": )" + parameters + R"(, "steps": )" + steps + "}";
}

// One liquid-handler step with the given extra members (JSON text without braces, may be empty).
inline std::string step_json(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "operation": "transfer", "device_type": "liquid_handler", "duration": 60)" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

inline Protocol parse(const std::string& text) { return parse_protocol(text, "t.json"); }

// The diagnostics of the InputError that `action` throws (fails the test if it throws none).
inline std::vector<Diagnostic> diagnostics_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected an InputError";
  return {};
}

// Asserts that some diagnostic has exactly `path` and a reason containing `reason_part`.
inline ::testing::AssertionResult has_diagnostic(const std::vector<Diagnostic>& diagnostics, const std::string& path,
                                                 const std::string& reason_part) {
  for (const auto& d : diagnostics)
    if (d.path == path && d.reason.find(reason_part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no diagnostic at '" << path << "' containing '" << reason_part
                                       << "'; got:\n"
                                       << format_diagnostics(diagnostics);
}

inline std::vector<Diagnostic> load_errors(const std::string& text) {
  return diagnostics_of([&] { parse(text); });
}

inline std::vector<Diagnostic> expand_errors(const std::string& text, const std::map<std::string, std::string>& values) {
  Protocol protocol = parse(text);
  return diagnostics_of([&] { protocol.expand(values, "r"); });
}

}  // namespace foundry::testing
