// Reading planning problems from files: the neutral JSON format (../shared/planning-problem.md)
// and the standard benchmark formats of ../shared/bench (job shop, flexible job shop, RCPSP/max).
//
// Every reader throws foundry::InputError carrying every problem it found, each naming the file
// and the place: a JSON pointer ("p.json:/jobs/0/steps/2/after/0/max_lag") for JSON, a line
// ("ft06.txt:4") for the text formats.
//
// Names in the benchmark formats follow planning-problem.md, so anyone can check a schedule
// against the file:
//   job shop (0-based machines), flexible job shop (1-based machines): job j, operation o ->
//     step "j<j>.o<o>" in job "j<j>"; machine k as numbered in the file -> device "m<k>"
//     (type "m<k>", capacity 1);
//   RCPSP/max: activity i as numbered in the file -> step "a<i>" (one job "project");
//     resource k (1-based) -> device "r<k>" with the file's capacity.
#pragma once

#include <foundry/planner/problem.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace foundry::planner {

enum class ProblemFormat {
  kNeutralJson,      // planning-problem.md, with the extensions documented in problem_io_json.cpp
  kJobShop,          // OR-Library "n m" then n lines of (machine time) pairs, 0-based machines
  kFlexibleJobShop,  // Brandimarte / FJSPLIB, 1-based machines
  kRcpspMax,         // ProGen/max .sch, start-to-start lags, negative lag = maximum lag
};

std::string_view to_string(ProblemFormat format);

// `origin` names the input in diagnostics (usually the file path). The problem's name is the
// JSON "name", else the file name of `origin` without its extension.
Problem read_neutral_json(std::string_view text, const std::string& origin);
Problem read_job_shop(std::string_view text, const std::string& origin);
Problem read_flexible_job_shop(std::string_view text, const std::string& origin);
Problem read_rcpsp_max(std::string_view text, const std::string& origin);

// By extension first (.json, .fjs, .sch), then by content: '{' -> JSON; a header of two numbers
// -> job shop, three -> flexible job shop, four with '[' on the next line -> RCPSP/max.
// Throws InputError when the content fits no format.
ProblemFormat detect_problem_format(const std::string& file_name, std::string_view text);

Problem read_problem(std::string_view text, const std::string& origin, ProblemFormat format);

// Reads the file and chooses the reader with detect_problem_format. A missing or unreadable file
// is an InputError too.
Problem read_problem_file(const std::filesystem::path& path);

// The problem as neutral JSON (with the alternatives/demands extensions when used). Negative
// min lags (RCPSP/max) are written as they are, although read_neutral_json refuses them.
std::string write_problem_json(const Problem& problem);

}  // namespace foundry::planner
