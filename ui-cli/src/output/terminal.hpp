// Whether to decorate output for a person at a terminal: colour only when the stream is a TTY,
// never when NO_COLOR is set to a non-empty value (https://no-color.org) or TERM is "dumb".
#pragma once

#include <cstdio>

namespace foundry::cli::output {

// True when `stream` (stdout, stderr) goes to a terminal.
bool is_terminal(std::FILE* stream);

// True when colour may be written to `stream`: a terminal, NO_COLOR unset or empty, TERM not
// "dumb". Piped output (`foundry history X | grep`) therefore stays plain text.
bool colour_enabled(std::FILE* stream);

// The terminal's width in columns, or `fallback` when it is not a terminal.
int terminal_width(std::FILE* stream, int fallback = 100);

}  // namespace foundry::cli::output
