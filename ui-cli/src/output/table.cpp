#include "output/table.hpp"

#include <algorithm>
#include <stdexcept>

namespace foundry::cli::output {

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() > columns_.size())
    throw std::logic_error("table row has " + std::to_string(cells.size()) + " cells for " +
                           std::to_string(columns_.size()) + " columns");
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out, const Style& style) const {
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    width[c] = display_width(columns_[c].header);
    for (const auto& row : rows_) width[c] = std::max(width[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const bool last = c + 1 == cells.size();
      std::size_t pad = width[c] - display_width(cells[c]);
      std::string cell = header ? style.paint(cells[c], Tone::kBold) : cells[c];
      if (columns_[c].align == Align::kRight) text += std::string(pad, ' ') + cell;
      else text += cell + (last ? "" : std::string(pad, ' '));
      if (!last) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  std::vector<std::string> headers;
  for (const auto& c : columns_) headers.push_back(c.header);
  line(headers, true);
  for (const auto& row : rows_) line(row, false);
}

}  // namespace foundry::cli::output
