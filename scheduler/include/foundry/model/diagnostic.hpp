// A problem found in user input: where it is and why it is wrong.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace foundry {

struct Diagnostic {
  std::string path;    // where: "file.json:/steps/3/after/0/max_lag" (file, then a JSON pointer)
  std::string reason;  // why, in words a lab user understands
};

// Thrown when input cannot be used. Carries every problem found, not just the first.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// "path: reason" lines, one per diagnostic.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace foundry
