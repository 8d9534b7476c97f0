// Whitespace-separated tokens with their line numbers, for the plain-text benchmark formats.
// Private to the problem readers.
#pragma once

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem.hpp>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace foundry::planner::detail {

struct TextToken {
  std::string_view text;
  int line = 0;  // 1-based
};

inline std::vector<TextToken> split_tokens(std::string_view text) {
  std::vector<TextToken> tokens;
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else {
      std::size_t begin = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
             text[i] != '\n' && text[i] != '\f' && text[i] != '\v')
        ++i;
      tokens.push_back({text.substr(begin, i - begin), line});
    }
  }
  return tokens;
}

// The file name without directory and extension: the problem's default name.
inline std::string stem_of(const std::string& origin) {
  return std::filesystem::path(origin).stem().string();
}

// Reads tokens in order; every failure is an InputError naming "origin:line".
class TokenReader {
 public:
  TokenReader(std::string_view text, std::string origin)
      : tokens_(split_tokens(text)), origin_(std::move(origin)) {}

  bool at_end() const { return pos_ >= tokens_.size(); }
  // Line of the next token (or of the last one at the end), for diagnostics.
  int line() const {
    if (tokens_.empty()) return 1;
    return pos_ < tokens_.size() ? tokens_[pos_].line : tokens_.back().line;
  }
  const TextToken& peek() const { return tokens_[pos_]; }

  // An integer in [min, max]. `what` says what was expected, in words: a string, or a callable
  // returning one, so that hot loops build the words only when there is an error to report.
  template <typename What>
  std::int64_t next_int(const What& what, std::int64_t min, std::int64_t max) {
    return parse_int(next(what), what, min, max);
  }

  // An integer written as "[lag]" (RCPSP/max lags).
  template <typename What>
  std::int64_t next_bracketed_int(const What& what, std::int64_t min, std::int64_t max) {
    TextToken token = next(what);
    std::string_view t = token.text;
    if (t.size() < 3 || t.front() != '[' || t.back() != ']')
      fail(token.line, words(what) + " must be written as [integer], found '" + std::string(t) + "'");
    return parse_int({t.substr(1, t.size() - 2), token.line}, what, min, max);
  }

  // A number that may have a fraction (the FJSP header's average machines per operation).
  void skip_number(std::string_view what) {
    TextToken token = next(what);
    bool digit = false;
    for (char c : token.text) {
      if (c >= '0' && c <= '9') digit = true;
      else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E')
        fail(token.line, std::string(what) + " must be a number, found '" + std::string(token.text) + "'");
    }
    if (!digit) fail(token.line, std::string(what) + " must be a number, found '" + std::string(token.text) + "'");
  }

  [[noreturn]] void fail(int at_line, const std::string& reason) const {
    throw InputError({{origin_ + ":" + std::to_string(at_line), reason}});
  }

  const std::string& origin() const { return origin_; }

 private:
  template <typename What>
  static std::string words(const What& what) {
    if constexpr (std::is_invocable_v<const What&>) return what();
    else return std::string(what);
  }

  template <typename What>
  TextToken next(const What& what) {
    if (at_end()) fail(line(), "the file ends where " + words(what) + " was expected");
    return tokens_[pos_++];
  }

  template <typename What>
  std::int64_t parse_int(TextToken token, const What& what, std::int64_t min, std::int64_t max) const {
    std::int64_t value = 0;
    std::string_view t = token.text;
    const char* first = t.data();
    const char* last = t.data() + t.size();
    if (!t.empty() && t.front() == '+') ++first;
    auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last || first == last)
      fail(token.line, words(what) + " must be an integer, found '" + std::string(t) + "'");
    if (value < min || value > max)
      fail(token.line, words(what) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", found " + std::to_string(value));
    return value;
  }

  std::vector<TextToken> tokens_;
  std::string origin_;
  std::size_t pos_ = 0;
};

// Durations and times beyond this are refused: sums of thousands of them must not overflow.
inline constexpr Time kMaxReadTime = Time{1} << 40;

}  // namespace foundry::planner::detail
