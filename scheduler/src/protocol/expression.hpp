// The protocol's small substitution language, evaluated without any general-purpose eval.
//
//   template    := text with "${expression}" parts; "$${" writes a literal "${"
//   expression  := sum
//   sum         := product (("+" | "-") product)*
//   product     := unary (("*" | "/" | "%") unary)*
//   unary       := "-" unary | primary
//   primary     := integer | decimal | reference | "(" sum ")"
//   reference   := name ("." name | "[" integer "]")*      e.g. design.id, designs[0].gene
//
// Integers stay integers (64-bit, overflow is an error, "/" truncates toward zero); a decimal
// operand makes the result a decimal. A template that is exactly one "${...}" yields the value
// itself (a number, an object...); otherwise the parts are joined into a string.
#pragma once

#include "protocol/json_document.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foundry::protocol_detail {

class ExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The names an expression can see: parameters, then loop variables (innermost last).
class Bindings {
 public:
  void push(std::string name, const Json* value) { entries_.emplace_back(std::move(name), value); }
  void pop() { entries_.pop_back(); }
  const Json* find(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, const Json*>> entries_;
};

class Expression {
 public:
  struct Node;

  static Expression parse(std::string_view text);  // throws ExpressionError
  Json evaluate(const Bindings& bindings) const;   // throws ExpressionError
  // The first name of every reference ("design" in design.id), for checks before expansion.
  void collect_names(std::vector<std::string>& names) const;

 private:
  explicit Expression(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

class Template {
 public:
  static Template parse(std::string_view text);  // throws ExpressionError
  static bool contains_expression(std::string_view text);

  Json evaluate(const Bindings& bindings) const;  // throws ExpressionError
  std::vector<std::string> names() const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    std::string literal;
    std::shared_ptr<const Expression> expression;  // null: literal text only
  };
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace foundry::protocol_detail
