#include "output/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace foundry::cli::output {

bool is_terminal(std::FILE* stream) { return stream != nullptr && ::isatty(::fileno(stream)) == 1; }

bool colour_enabled(std::FILE* stream) {
  // no-color.org: "when present and not an empty string" NO_COLOR disables colour.
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return is_terminal(stream);
}

int terminal_width(std::FILE* stream, int fallback) {
  if (!is_terminal(stream)) return fallback;
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return fallback;
  return size.ws_col;
}

}  // namespace foundry::cli::output
