// An API request that cannot be served: a stable machine-readable code (docs/api.md, "Errors")
// and a message for people. Thrown inside the handler, turned into an error reply.
#pragma once

#include <foundry/model/diagnostic.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace foundry::service {

class ApiError : public std::runtime_error {
 public:
  ApiError(std::string code, const std::string& message, std::vector<Diagnostic> diagnostics = {})
      : std::runtime_error(message), code_(std::move(code)), diagnostics_(std::move(diagnostics)) {}
  const std::string& code() const noexcept { return code_; }
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::string code_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace foundry::service
