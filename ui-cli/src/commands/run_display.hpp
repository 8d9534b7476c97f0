// How runs and steps read in the human output of the server commands (queue, show, submit,
// results): one colour per state, "12/40 steps", the next step or the prompt waiting for an
// answer, and the exact `foundry ack` commands that answer it. Kept in one place so every
// command says the same thing the same way.
#pragma once

#include "output/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace foundry::cli {

// Run states (queued, running, held, done, failed, cancelled) and step states (pending, planned,
// running, done, failed, skipped, cancelled, held): trouble red, waiting yellow, done green.
output::Tone state_tone(const std::string& state);

// True for the run states that will not change any more.
bool run_finished(const std::string& state);

// Steps whose outcome is settled (done, failed, skipped, cancelled) and all steps, from a
// `status` reply's step_counts object.
struct StepProgress {
  int finished = 0;
  int total = 0;
};
StepProgress step_progress(const nlohmann::json& step_counts);
std::string progress_text(const StepProgress& progress);  // "12/40 steps"

// The commands that answer a prompt ({run_id, step_id, choices}), one per choice, e.g.
// "foundry ack dbtl-quick-1 d01/inoculate retry --db lab.db"; `repeat` ends each one
// (ServerOptions::repeat_options).
std::vector<std::string> ack_commands(const nlohmann::json& prompt, const std::string& repeat);

// A clock time as "Dec 03 18:54" (":30" more with `seconds`), local time: one format in every
// column, whichever day it falls on (a campaign spans days, and in virtual time "today" means
// little). It is the lab's clock, so a virtual-time service shows its virtual dates.
std::string lab_time(double t, bool seconds = false);

}  // namespace foundry::cli
