// Substituting "${...}" templates throughout a JSON value (object keys are left as written).
#pragma once

#include "protocol/expression.hpp"
#include "protocol/json_document.hpp"

#include <set>
#include <string>

namespace foundry::protocol_detail {

// A template that failed, and where: `pointer` locates the string inside the protocol.
class SubstitutionError : public ExpressionError {
 public:
  SubstitutionError(std::string pointer, const std::string& reason) : ExpressionError(reason), pointer_(std::move(pointer)) {}
  const std::string& pointer() const noexcept { return pointer_; }

 private:
  std::string pointer_;
};

// `value` with every string that contains "${" replaced by its evaluation. `pointer` is where
// `value` sits in the protocol, for the error.
Json substitute(const Json& value, const Bindings& bindings, const std::string& pointer);

// Before any expansion: every template in `value` parses and names only `known` names.
void check_templates(const Json& value, const std::string& pointer, const std::set<std::string>& known,
                     DiagnosticSink& sink);

}  // namespace foundry::protocol_detail
