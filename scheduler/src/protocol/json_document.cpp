#include "protocol/json_document.hpp"

#include <set>

namespace foundry::protocol_detail {

std::string DiagnosticSink::path(const std::string& pointer) const {
  return pointer.empty() ? origin_ : origin_ + ":" + pointer;
}

void DiagnosticSink::add(const std::string& pointer, std::string reason) {
  diagnostics_.push_back({path(pointer), std::move(reason)});
}

void DiagnosticSink::throw_if_any() const {
  if (!diagnostics_.empty()) throw InputError(diagnostics_);
}

std::string pointer_append(const std::string& pointer, std::string_view member) {
  std::string out = pointer + "/";
  for (char c : member) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string pointer_append(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

namespace {

// Line and column (both from 1) of the byte at `offset` (0-based).
std::pair<std::size_t, std::size_t> line_and_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 3,
// column 5: "; keep only the part after the position, which says what was wrong.
std::string syntax_message(const std::string& what) {
  static const std::string kMarker = "syntax error while parsing ";
  auto at = what.find(kMarker);
  if (at != std::string::npos) return what.substr(at + kMarker.size());
  auto colon = what.find(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Tracks where the parser is (as a JSON pointer) to name duplicate members, and how deep.
class DuplicateMemberFinder {
 public:
  // Readers of the document recurse over its nesting; hostile input must not exhaust the stack.
  static constexpr std::size_t kMaxDepth = 64;

  explicit DuplicateMemberFinder(DiagnosticSink& sink) : sink_(sink) {}
  bool too_deep() const { return too_deep_; }

  bool on_event(Json::parse_event_t event, const Json& parsed) {
    using Event = Json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        // Past the limit, stop building pointers (they would grow with the square of the depth).
        frames_.push_back({event == Event::array_start, 0, {}, {}, too_deep_ ? std::string() : child_pointer()});
        if (!too_deep_ && frames_.size() > kMaxDepth) {
          too_deep_ = true;
          sink_.add(frames_.back().pointer, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        break;
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        break;
      case Event::key: {
        if (too_deep_) break;
        auto& frame = frames_.back();
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!frame.keys.insert(key).second)
          sink_.add(pointer_append(frame.pointer, key), "duplicate member '" + key + "' (JSON keeps only one of them)");
        frame.key = key;
        break;
      }
      case Event::value:
        if (!frames_.empty() && frames_.back().is_array) ++frames_.back().next_index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    std::size_t next_index;
    std::string key;
    std::set<std::string> keys;
    std::string pointer;
  };

  // The pointer of a value starting now, inside the current container.
  std::string child_pointer() {
    if (frames_.empty()) return "";
    auto& parent = frames_.back();
    if (parent.is_array) return pointer_append(parent.pointer, parent.next_index++);
    return pointer_append(parent.pointer, parent.key);
  }

  DiagnosticSink& sink_;
  std::vector<Frame> frames_;
  bool too_deep_ = false;
};

}  // namespace

std::optional<Json> parse_json_document(const std::string& text, DiagnosticSink& sink) {
  DuplicateMemberFinder finder(sink);
  try {
    Json document = Json::parse(
        text, [&finder](int /*depth*/, Json::parse_event_t event, Json& parsed) { return finder.on_event(event, parsed); });
    if (finder.too_deep()) return std::nullopt;
    return document;  // even with duplicate members, so that every other problem is found too
  } catch (const Json::parse_error& e) {
    auto [line, column] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1);
    sink.add_raw(sink.origin() + ":" + std::to_string(line) + ":" + std::to_string(column),
                 "JSON syntax error at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                     syntax_message(e.what()));
    return std::nullopt;
  }
}

std::string describe_json_type(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

}  // namespace foundry::protocol_detail
