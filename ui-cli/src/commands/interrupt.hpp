// Ctrl-C as the normal way to leave a command that follows the lab (queue --watch, results
// --follow): the first SIGINT only asks the loop to stop, so it ends cleanly (exit 0, the
// terminal left tidy) after the request in flight.
#pragma once

namespace foundry::cli {

// Installs the SIGINT and SIGTERM handler; from then on interrupted() tells whether one came.
void stop_on_interrupt();
bool interrupted();
// Sleeps `seconds`, waking early when interrupted.
void sleep_unless_interrupted(double seconds);

}  // namespace foundry::cli
