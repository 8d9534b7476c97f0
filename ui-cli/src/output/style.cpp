#include "output/style.hpp"

#include "output/terminal.hpp"

namespace foundry::cli::output {

Style Style::for_stdout() { return Style(colour_enabled(stdout)); }
Style Style::for_stderr() { return Style(colour_enabled(stderr)); }

std::string Style::paint(std::string_view text, Tone tone) const {
  if (!colour_ || tone == Tone::kPlain || text.empty()) return std::string(text);
  const char* code = "";
  switch (tone) {
    case Tone::kPlain: break;
    case Tone::kBold: code = "1"; break;
    case Tone::kDim: code = "2"; break;
    case Tone::kGood: code = "32"; break;
    case Tone::kWarning: code = "33"; break;
    case Tone::kBad: code = "1;31"; break;
    case Tone::kInfo: code = "36"; break;
  }
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
      // Skip "ESC [ params final-byte" (final byte in 0x40..0x7e).
      i += 2;
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e)) ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++width;  // count lead bytes, not continuation bytes
  }
  return width;
}

}  // namespace foundry::cli::output
