// foundry plan --preview PROTOCOL [--set NAME=VALUE]... [--json] [server options]
// "When would my run finish if I submitted it now?": asks foundryd's `preview` (docs/api.md),
// which plans the run against everything already planned and running, and records nothing.
// Lives beside `foundry plan PROBLEM` (plan_command.cpp), which plans a problem file locally.
#pragma once

#include "commands/server_connection.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace foundry::cli {

struct PlanPreviewOptions {
  bool preview = false;
  std::vector<std::string> values;  // --set NAME=VALUE
  bool json = false;
  ServerOptions server;
  CLI::App* command = nullptr;
};

// Adds --preview, --set, --json and the server options to `plan`.
void add_plan_preview_options(CLI::App& plan, PlanPreviewOptions& options);

// True when the command line asked for a preview. Throws CliExit (usage) when a preview-only
// option (--set, --json) came without --preview.
bool preview_requested(const PlanPreviewOptions& options);

// Prints the preview of `protocol` (a protocol name on the server, or a local protocol file).
void preview_plan(const std::string& protocol, const PlanPreviewOptions& options);

}  // namespace foundry::cli
