// Checks on the protocol's steps as a graph, before expansion: every dependency names a step that
// can be found from where it is written, the dependencies form no cycle, and (given a workcell)
// every device type and operation exists.
#pragma once

#include "protocol/json_document.hpp"
#include "protocol/protocol_model.hpp"

namespace foundry::protocol_detail {

// Sets DependencyDecl::target and ::shared_depth. A name is looked up in the dependent step's
// group (including groups nested in it), then in each enclosing group outward; within one level
// it must match exactly one step.
void resolve_dependencies(Protocol::Impl& protocol, DiagnosticSink& sink);

// Reports each cycle of resolved dependencies once, naming its steps in order.
void check_dependency_cycles(const Protocol::Impl& protocol, DiagnosticSink& sink);

// Reports device types the workcell lacks and operations no device of the type offers. Device
// types written as templates are checked at expansion instead.
void check_capabilities(const Protocol::Impl& protocol, const Capabilities& capabilities, DiagnosticSink& sink);

// The reason `type`/`operation` is unavailable, or nothing.
std::optional<std::string> capability_problem(const Capabilities& capabilities, const std::string& type,
                                              const std::string& operation, bool* type_missing = nullptr);

}  // namespace foundry::protocol_detail
