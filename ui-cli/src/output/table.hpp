// An aligned text table for human output: columns sized to their widest cell (colour escapes
// not counted), numbers right-aligned, an optional last column that may run long (details).
#pragma once

#include "output/style.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace foundry::cli::output {

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row of cells, one per column (missing cells are blank; extra cells are an error).
  void add_row(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }

  // Writes the header (bold when `style` has colour) and the rows, two spaces between columns,
  // no trailing spaces.
  void print(std::ostream& out, const Style& style) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace foundry::cli::output
