#include <foundry/model/diagnostic.hpp>

namespace foundry {

namespace {
std::string summarize(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return "invalid input";
  std::string text = diagnostics.front().path + ": " + diagnostics.front().reason;
  if (diagnostics.size() > 1) text += " (and " + std::to_string(diagnostics.size() - 1) + " more)";
  return text;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summarize(diagnostics)), diagnostics_(std::move(diagnostics)) {}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) text += d.path + ": " + d.reason + "\n";
  return text;
}

}  // namespace foundry
