// Reading a JSON document for the protocol loader: keeps member order (so diagnostics and
// parameters come out in the order the author wrote them), reports syntax errors with line and
// column, and reports duplicate member names, which plain JSON parsers silently collapse.
#pragma once

#include <foundry/model/diagnostic.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foundry::protocol_detail {

using Json = nlohmann::ordered_json;

// Collects diagnostics against one input (a file name or other origin).
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string origin) : origin_(std::move(origin)) {}

  // `pointer` is a JSON pointer ("" for the whole document).
  void add(const std::string& pointer, std::string reason);
  void add_raw(std::string path, std::string reason) { diagnostics_.push_back({std::move(path), std::move(reason)}); }
  void append(const std::vector<Diagnostic>& more) { diagnostics_.insert(diagnostics_.end(), more.begin(), more.end()); }

  bool empty() const { return diagnostics_.empty(); }
  std::size_t size() const { return diagnostics_.size(); }
  const std::string& origin() const { return origin_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::string path(const std::string& pointer) const;

  // Throws InputError with everything collected, if anything was.
  void throw_if_any() const;

 private:
  std::string origin_;
  std::vector<Diagnostic> diagnostics_;
};

// Appends one member name to a JSON pointer, escaping '~' and '/' (RFC 6901).
std::string pointer_append(const std::string& pointer, std::string_view member);
std::string pointer_append(const std::string& pointer, std::size_t index);

// Parses `text`, recording duplicate members in `sink`; on a syntax error records it and returns
// nothing.
std::optional<Json> parse_json_document(const std::string& text, DiagnosticSink& sink);

// The JSON type of a value in words: "a string", "an integer", "an object"...
std::string describe_json_type(const Json& value);

}  // namespace foundry::protocol_detail
