#include "output/progress_line.hpp"

#include "output/relative_time.hpp"
#include "output/terminal.hpp"

#include <algorithm>

namespace foundry::cli::output {

ProgressLine::ProgressLine(std::FILE* stream, std::string what, long total)
    : stream_(stream), what_(std::move(what)), total_(total), interactive_(is_terminal(stream)) {}

ProgressLine::~ProgressLine() {
  // An abandoned line (an exception) must not leave the cursor mid-line.
  if (interactive_ && !finished_ && last_draw_ > 0) std::fputs("\n", stream_);
}

std::string ProgressLine::render(long done, const std::string& note, int width) const {
  std::string text;
  if (total_ > 0) {
    constexpr int kBar = 20;
    long filled = std::clamp<long>(done * kBar / total_, 0, kBar);
    text = "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(kBar - filled), '.') + "] " + std::to_string(done) + "/" +
           std::to_string(total_) + " " + what_;
  } else {
    text = std::to_string(done) + " " + what_;
  }
  if (!note.empty()) text += "  " + note;
  if (width > 1 && text.size() >= static_cast<std::size_t>(width))
    text = text.substr(0, static_cast<std::size_t>(width - 2)) + "~";
  return text;
}

void ProgressLine::update(long done, const std::string& note) {
  done_ = done;
  if (!interactive_) return;
  double now = wall_now();
  if (now - last_draw_ < 0.1 && done != total_) return;
  last_draw_ = now;
  // \r and "erase to end of line" redraw in place.
  std::fprintf(stream_, "\r%s\x1b[K", render(done, note, terminal_width(stream_)).c_str());
  std::fflush(stream_);
}

void ProgressLine::finish(const std::string& note) {
  finished_ = true;
  std::string line = render(total_ > 0 ? std::max(done_, 0L) : done_, note, 0);
  if (interactive_) std::fprintf(stream_, "\r%s\x1b[K\n", line.c_str());
  else std::fprintf(stream_, "%s\n", line.c_str());
  std::fflush(stream_);
}

}  // namespace foundry::cli::output
