// Choosing a problem reader by file extension and content.
#include "problem_io_text.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem_io.hpp>

#include <fstream>
#include <sstream>

namespace foundry::planner {

std::string_view to_string(ProblemFormat format) {
  switch (format) {
    case ProblemFormat::kNeutralJson: return "planning-problem JSON";
    case ProblemFormat::kJobShop: return "job shop";
    case ProblemFormat::kFlexibleJobShop: return "flexible job shop";
    case ProblemFormat::kRcpspMax: return "RCPSP/max";
  }
  return "unknown";
}

ProblemFormat detect_problem_format(const std::string& file_name, std::string_view text) {
  std::string extension = std::filesystem::path(file_name).extension().string();
  if (extension == ".json") return ProblemFormat::kNeutralJson;
  if (extension == ".fjs") return ProblemFormat::kFlexibleJobShop;
  if (extension == ".sch") return ProblemFormat::kRcpspMax;

  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') return ProblemFormat::kNeutralJson;
  auto tokens = detail::split_tokens(text);
  std::size_t header = 0;
  while (header < tokens.size() && tokens[header].line == tokens.front().line) ++header;
  bool bracket_next = header < tokens.size() &&
                      tokens[header].line != tokens.front().line &&
                      text.find('[') != std::string_view::npos;
  if (header == 2) return ProblemFormat::kJobShop;
  if (header == 3) return ProblemFormat::kFlexibleJobShop;
  if (header == 4 && bracket_next) return ProblemFormat::kRcpspMax;
  throw InputError({{file_name + ":1",
                     "not a known problem format (expected planning-problem JSON, a job shop, "
                     "flexible job shop (.fjs) or RCPSP/max (.sch) file)"}});
}

Problem read_problem(std::string_view text, const std::string& origin, ProblemFormat format) {
  switch (format) {
    case ProblemFormat::kNeutralJson: return read_neutral_json(text, origin);
    case ProblemFormat::kJobShop: return read_job_shop(text, origin);
    case ProblemFormat::kFlexibleJobShop: return read_flexible_job_shop(text, origin);
    case ProblemFormat::kRcpspMax: return read_rcpsp_max(text, origin);
  }
  throw InputError({{origin, "unknown problem format"}});
}

Problem read_problem_file(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError({{path.string(), "is a directory, not a problem file"}});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({{path.string(), "cannot open the problem file"}});
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError({{path.string(), "cannot read the problem file"}});
  std::string content = text.str();
  return read_problem(content, path.string(), detect_problem_format(path.string(), content));
}

}  // namespace foundry::planner
