// Text decorations (SGR escape sequences) that are switched off as a whole when colour is not
// wanted, so callers never test for a terminal themselves.
#pragma once

#include <string>
#include <string_view>

namespace foundry::cli::output {

enum class Tone { kPlain, kBold, kDim, kGood, kWarning, kBad, kInfo };

class Style {
 public:
  explicit Style(bool colour) : colour_(colour) {}
  // Style for standard output, decided by colour_enabled(stdout).
  static Style for_stdout();
  static Style for_stderr();

  bool colour() const { return colour_; }
  // `text` wrapped in the tone's escape sequence, or `text` itself when colour is off.
  std::string paint(std::string_view text, Tone tone) const;

 private:
  bool colour_;
};

// The number of terminal columns `text` takes: UTF-8 code points, not counting SGR escape
// sequences. (Wide East Asian characters are not expected in lab output and count as one.)
std::size_t display_width(std::string_view text);

}  // namespace foundry::cli::output
