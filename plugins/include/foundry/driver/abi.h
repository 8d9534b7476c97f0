/*
 * The Foundry driver ABI: the one boundary between the engine and a driver plugin.
 *
 * Why a C ABI: a plugin may be built by a vendor with another compiler version or other
 * standard-library settings. Only plain C structs, C strings and function pointers cross this
 * boundary, so nothing depends on the two sides agreeing on C++ layouts. Vendors normally do not
 * use this header directly: <foundry/driver/driver.hpp> wraps it in a small C++ class.
 *
 * Rules of the boundary
 *  - Strings are NUL-terminated UTF-8. A string passed as an argument is owned by the caller and
 *    valid only during the call: copy what you keep. Strings returned by the plugin from
 *    `describe` live as long as the library is loaded.
 *  - Structured data (descriptions, parameters, results) travels as JSON text. The same text
 *    travels over ZeroMQ when a driver runs in a separate driver-host process.
 *  - No exception may cross the boundary. Every function reports failure by its return value and
 *    a message written into a caller-provided buffer (always NUL-terminated, truncated to fit).
 *  - The host keeps the library loaded until every instance was destroyed and every timer
 *    callback returned, so plugin code is never unloaded while something of it is alive.
 *  - Versioning: each struct starts with `struct_size`. The host refuses a plugin whose
 *    abi_major differs from FOUNDRY_DRIVER_ABI_MAJOR or whose abi_minor is newer than the host's.
 *    Minor versions only append fields/functions at the end of structs.
 */
#ifndef FOUNDRY_DRIVER_ABI_H
#define FOUNDRY_DRIVER_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FOUNDRY_DRIVER_ABI_MAJOR 1
#define FOUNDRY_DRIVER_ABI_MINOR 0

/* The one exported symbol of a driver plugin: `const foundry_plugin* foundry_driver_plugin(void)`. */
#define FOUNDRY_DRIVER_ENTRY_POINT "foundry_driver_plugin"

/* Error kinds, chosen to map onto SiLA 2's error categories. */
typedef enum foundry_error_kind {
  FOUNDRY_ERROR_NONE = 0,
  FOUNDRY_ERROR_VALIDATION = 1, /* a parameter is invalid; the message names it. Nothing happened. */
  FOUNDRY_ERROR_EXECUTION = 2,  /* a declared execution error of the operation (e.g. no tips). */
  FOUNDRY_ERROR_UNEXPECTED = 3, /* an undeclared failure inside the driver. */
  FOUNDRY_ERROR_CONNECTION = 4  /* the instrument cannot be reached. */
} foundry_error_kind;

typedef enum foundry_log_level {
  FOUNDRY_LOG_DEBUG = 0,
  FOUNDRY_LOG_INFO = 1,
  FOUNDRY_LOG_WARNING = 2,
  FOUNDRY_LOG_ERROR = 3
} foundry_log_level;

/* Services the host offers to a driver instance. Owned by the host; valid until `destroy`.
 * Time comes from the host so that simulated drivers run in the host's virtual time. */
typedef struct foundry_host {
  uint32_t struct_size;
  void* context;
  /* Seconds since the Unix epoch in the host's clock (virtual or wall). */
  double (*now)(void* context);
  /* Calls fn(arg, 0) once `delay_seconds` have passed in the host's clock, on a host thread.
   * If the instance is destroyed first, calls fn(arg, 1) instead, so `arg` can be freed.
   * Either way fn is called exactly once. */
  void (*call_after)(void* context, double delay_seconds, void (*fn)(void* arg, int cancelled), void* arg);
  void (*log)(void* context, int level, const char* message);
} foundry_host;

/* A command to execute. All strings owned by the host, valid during `execute` only. */
typedef struct foundry_command {
  uint32_t struct_size;
  const char* command_id;      /* unique per execution; used by cancel and command_state */
  const char* idempotency_key; /* run/step/attempt: equal keys mean "the same physical action" */
  const char* operation;       /* one of the model's operations */
  const char* parameters_json; /* JSON object, validated by the driver */
  int32_t unit;                /* which unit of the device (vessel, slot), 0-based; -1: any */
} foundry_command;

/* Where a driver reports a command's progress and outcome. Owned by the host.
 * The driver calls exactly one of `finished` / `failed`, exactly once, after which the events
 * object must not be used again. Calls may come from any thread. */
typedef struct foundry_command_events {
  void* context;
  /* fraction in [0, 1]; remaining_seconds < 0 when unknown. */
  void (*progress)(void* context, double fraction, double remaining_seconds);
  /* result_json: JSON object; may contain "measurements": [{"name","value","unit"}...]. */
  void (*finished)(void* context, const char* result_json);
  void (*failed)(void* context, int error_kind, const char* message);
} foundry_command_events;

typedef struct foundry_driver_instance foundry_driver_instance; /* opaque, owned by the plugin */

/* The plugin descriptor returned by the entry point. Static storage inside the plugin. */
typedef struct foundry_plugin {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name; /* reverse-DNS plugin name, e.g. "org.foundry.sim.liquid-handler" */

  /* JSON: {"vendor":..., "version":..., "models":[{"model":..., "device_type":..., "units":N,
   *        "operations":[{"name":..., "idempotent":bool, "duration_s":{...}}...]}...]} */
  const char* (*describe)(void);

  /* Creates a driver for `model` configured with `settings_json`. Returns NULL on failure and
   * writes the reason into `error` (capacity `error_size`). `host` outlives the instance. */
  foundry_driver_instance* (*create)(const char* model, const char* settings_json,
                                     const foundry_host* host, char* error, size_t error_size);

  /* Destroys an instance. Commands still running are abandoned without further events. */
  void (*destroy)(foundry_driver_instance* instance);

  /* Starts a command. Returns 0 when accepted (then `events` will be called exactly once with
   * the outcome) or an error kind with a message in `error` (then `events` is never called). */
  int (*execute)(foundry_driver_instance* instance, const foundry_command* command,
                 const foundry_command_events* events, char* error, size_t error_size);

  /* Requests cancellation of a running command; it then fails with FOUNDRY_ERROR_EXECUTION
   * "cancelled", or finishes if it was too late. Returns 0 if the id is known. */
  int (*cancel)(foundry_driver_instance* instance, const char* command_id);

  /* Writes the state of a command as JSON into `out`. Used after an engine restart to settle
   * in-doubt commands. "state" is one of
   *   "running"      this instance runs it now;
   *   "finished"     completed: {"state","result": the result object};
   *   "failed"       completed with an error: {"state","error_kind": foundry_error_kind,"message"};
   *   "interrupted"  begun by an earlier instance (before a restart), never ended: the physical
   *                  action started and its outcome is unknown (drivers with durable records only);
   *   "unknown"      never received (or this driver keeps no record of earlier instances).
   * Returns the length needed (excluding NUL); call again with a larger buffer if it is >= out_size. */
  size_t (*command_state)(foundry_driver_instance* instance, const char* command_id, char* out,
                          size_t out_size);
} foundry_plugin;

typedef const foundry_plugin* (*foundry_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* FOUNDRY_DRIVER_ABI_H */
