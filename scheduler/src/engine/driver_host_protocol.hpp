// The wire protocol between the engine and foundry-driver-host: JSON text, one message per
// ZeroMQ frame, the same text the C ABI carries in-process.
//
// Sockets: the host binds a ROUTER, the engine connects a DEALER. Both directions are
// asynchronous (events and timer requests flow host -> engine while requests flow the other way),
// which rules out lock-step REQ/REP; PAIR would do for one engine but does not reconnect reliably
// over tcp://. ROUTER lets a standalone host on an instrument PC tell engine connections apart and
// answer the one that created the driver instance.
//
// engine -> host requests, each with a "seq" the reply echoes as "reply_to", and the engine's
// clock reading "now" (the host's clock in virtual time):
//   describe                      -> {protocol, boot, plugin, description | error}
//   create {model, settings}      -> {boot} | {error}
//   execute {ref, command{id, idempotency_key, operation, parameters, unit}} -> {} | {rejected, message}
//   timer_fired {timer}           -> {}      (after the driver's callback returned)
//   cancel {command_id}           -> {known}
//   command_state {command_id}    -> {state}  (the driver's JSON text)
//   heartbeat                     -> {}
//   shutdown                      -> {}      (destroys the instance; a spawned host then exits)
// host -> engine, unsolicited, always sent before the reply to the request that caused them:
//   call_after {timer, at}  progress {ref, fraction, remaining}  finished {ref, result}
//   failed {ref, kind, message}  log {level, message}  fatal {reason} (the host is about to exit)
// Every reply carries "boot", the host process's random id, so an engine notices a host that
// restarted behind its back (a standalone host on another machine).
#pragma once

#include <zmq.hpp>

#include <cstdint>

namespace foundry::engine::host_protocol {

inline constexpr int kVersion = 1;
// Results are JSON objects of a few kilobytes; 16 MiB bounds what a confused peer can make us buffer.
inline constexpr std::int64_t kMaxMessageBytes = std::int64_t{16} << 20;
// The host's exit status after it reported a fatal driver fault (EX_SOFTWARE).
inline constexpr int kFatalExitStatus = 70;

// Options both ends set on their socket: never block shutdown on unsent messages, refuse oversized
// input (ZeroMQ drops the connection of a peer that sends more).
inline void configure(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, kMaxMessageBytes);
}

}  // namespace foundry::engine::host_protocol
