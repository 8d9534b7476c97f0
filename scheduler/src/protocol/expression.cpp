#include "protocol/expression.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <variant>

namespace foundry::protocol_detail {

const Json* Bindings::find(std::string_view name) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->first == name) return it->second;
  return nullptr;
}

struct Expression::Node {
  enum class Kind { kInteger, kDecimal, kReference, kNegate, kBinary };
  Kind kind = Kind::kInteger;
  std::int64_t integer = 0;
  double decimal = 0;
  std::string name;                                            // kReference: first name
  std::vector<std::variant<std::string, std::size_t>> access;  // kReference: .field / [index]
  std::string source;                                          // kReference: as written
  char op = 0;                                                 // kBinary: + - * / %
  std::shared_ptr<const Node> left, right;                     // kNegate uses left only
};

namespace {

using Node = Expression::Node;

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::shared_ptr<const Node> parse_all() {
    auto node = parse_sum();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ExpressionError(what + " at position " + std::to_string(pos_ + 1) + " of expression '" +
                          std::string(text_) + "'");
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::shared_ptr<const Node> binary(char op, std::shared_ptr<const Node> left, std::shared_ptr<const Node> right) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kBinary;
    node->op = op;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  std::shared_ptr<const Node> parse_sum() {
    auto left = parse_product();
    for (;;) {
      if (accept('+')) left = binary('+', left, parse_product());
      else if (accept('-')) left = binary('-', left, parse_product());
      else return left;
    }
  }

  std::shared_ptr<const Node> parse_product() {
    auto left = parse_unary();
    for (;;) {
      if (accept('*')) left = binary('*', left, parse_unary());
      else if (accept('/')) left = binary('/', left, parse_unary());
      else if (accept('%')) left = binary('%', left, parse_unary());
      else return left;
    }
  }

  std::shared_ptr<const Node> parse_unary() {
    if (accept('-')) {
      if (++depth_ > kMaxDepth) fail("expression nested too deeply");
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::kNegate;
      node->left = parse_unary();
      --depth_;
      return node;
    }
    return parse_primary();
  }

  std::shared_ptr<const Node> parse_primary() {
    skip_space();
    if (pos_ >= text_.size()) fail("expected a number, a name or '('");
    char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      if (++depth_ > kMaxDepth) fail("expression nested too deeply");
      auto inner = parse_sum();
      --depth_;
      if (!accept(')')) fail("expected ')'");
      return inner;
    }
    if (is_digit(c)) return parse_number();
    if (is_name_start(c)) return parse_reference();
    fail("expected a number, a name or '(' but found '" + std::string(1, c) + "'");
  }

  std::shared_ptr<const Node> parse_number() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    bool decimal = pos_ < text_.size() && text_[pos_] == '.';
    if (decimal) {
      ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) fail("expected a digit after '.'");
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    std::string digits(text_.substr(start, pos_ - start));
    auto node = std::make_shared<Node>();
    if (decimal) {
      node->kind = Node::Kind::kDecimal;
      node->decimal = std::stod(digits);
      return node;
    }
    std::int64_t value = 0;
    for (char d : digits) {
      if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, d - '0', &value))
        fail("number " + digits + " is too large");
    }
    node->kind = Node::Kind::kInteger;
    node->integer = value;
    return node;
  }

  std::shared_ptr<const Node> parse_reference() {
    std::size_t start = pos_;
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kReference;
    node->name = parse_name();
    for (;;) {
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        if (pos_ >= text_.size() || !is_name_start(text_[pos_])) fail("expected a field name after '.'");
        node->access.emplace_back(parse_name());
      } else if (pos_ < text_.size() && text_[pos_] == '[') {
        ++pos_;
        std::size_t digits_start = pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        if (pos_ == digits_start || pos_ - digits_start > 9) fail("expected an index after '['");
        node->access.emplace_back(static_cast<std::size_t>(std::stoul(std::string(text_.substr(digits_start, pos_ - digits_start)))));
        if (pos_ >= text_.size() || text_[pos_] != ']') fail("expected ']'");
        ++pos_;
      } else {
        break;
      }
    }
    node->source = std::string(text_.substr(start, pos_ - start));
    return node;
  }

  std::string parse_name() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  static constexpr int kMaxDepth = 64;  // keeps hostile input from exhausting the stack
  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// Integer value of a JSON number that is integral and fits int64.
bool as_int64(const Json& v, std::int64_t& out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    out = v.get<std::int64_t>();
    return true;
  }
  return false;
}

std::string what_is(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kReference: return "'" + node.source + "'";
    default: return "the operand";
  }
}

Json evaluate_node(const Node& node, const Bindings& bindings);

Json evaluate_number(const Node& node, const Bindings& bindings) {
  Json value = evaluate_node(node, bindings);
  if (!value.is_number())
    throw ExpressionError(what_is(node) + " is " + describe_json_type(value) + ", not a number, so it cannot be used in arithmetic");
  return value;
}

Json integer_arithmetic(char op, std::int64_t a, std::int64_t b) {
  std::int64_t result = 0;
  bool overflow = false;
  switch (op) {
    case '+': overflow = __builtin_add_overflow(a, b, &result); break;
    case '-': overflow = __builtin_sub_overflow(a, b, &result); break;
    case '*': overflow = __builtin_mul_overflow(a, b, &result); break;
    case '/':
    case '%':
      if (b == 0) throw ExpressionError(op == '/' ? "division by zero" : "remainder of a division by zero");
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) overflow = true;
      else result = op == '/' ? a / b : a % b;
      break;
    default: break;
  }
  if (overflow) throw ExpressionError("integer overflow in " + std::to_string(a) + " " + op + " " + std::to_string(b));
  return result;
}

Json evaluate_node(const Node& node, const Bindings& bindings) {
  switch (node.kind) {
    case Node::Kind::kInteger: return node.integer;
    case Node::Kind::kDecimal: return node.decimal;
    case Node::Kind::kReference: {
      const Json* value = bindings.find(node.name);
      if (value == nullptr) throw ExpressionError("unknown name '" + node.name + "'");
      std::string so_far = node.name;
      for (const auto& step : node.access) {
        if (const auto* field = std::get_if<std::string>(&step)) {
          if (!value->is_object()) throw ExpressionError("'" + so_far + "' is " + describe_json_type(*value) + ", it has no field '" + *field + "'");
          auto it = value->find(*field);
          if (it == value->end()) throw ExpressionError("'" + so_far + "' has no field '" + *field + "'");
          value = &*it;
          so_far += "." + *field;
        } else {
          std::size_t index = std::get<std::size_t>(step);
          if (!value->is_array()) throw ExpressionError("'" + so_far + "' is " + describe_json_type(*value) + ", not an array");
          if (index >= value->size())
            throw ExpressionError("index " + std::to_string(index) + " is past the end of '" + so_far + "' (" + std::to_string(value->size()) + " elements)");
          value = &(*value)[index];
          so_far += "[" + std::to_string(index) + "]";
        }
      }
      return *value;
    }
    case Node::Kind::kNegate: {
      Json v = evaluate_number(*node.left, bindings);
      std::int64_t i = 0;
      if (as_int64(v, i)) return integer_arithmetic('-', 0, i);
      return -v.get<double>();
    }
    case Node::Kind::kBinary: {
      Json a = evaluate_number(*node.left, bindings);
      Json b = evaluate_number(*node.right, bindings);
      std::int64_t ia = 0;
      std::int64_t ib = 0;
      if (as_int64(a, ia) && as_int64(b, ib)) return integer_arithmetic(node.op, ia, ib);
      if (node.op == '%') throw ExpressionError("'%' needs whole numbers");
      double x = a.get<double>();
      double y = b.get<double>();
      double r = 0;
      switch (node.op) {
        case '+': r = x + y; break;
        case '-': r = x - y; break;
        case '*': r = x * y; break;
        case '/':
          if (y == 0) throw ExpressionError("division by zero");
          r = x / y;
          break;
        default: break;
      }
      if (!std::isfinite(r)) throw ExpressionError("arithmetic result is out of range");
      return r;
    }
  }
  return nullptr;
}

void collect(const Node& node, std::vector<std::string>& names) {
  if (node.kind == Node::Kind::kReference) names.push_back(node.name);
  if (node.left) collect(*node.left, names);
  if (node.right) collect(*node.right, names);
}

// Text of a value placed inside a longer string.
std::string as_text(const Json& value, const std::string& expression) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  throw ExpressionError("'${" + expression + "}' is " + describe_json_type(value) +
                        ", which cannot be placed inside text (use a field, e.g. ${design.id})");
}

}  // namespace

Expression Expression::parse(std::string_view text) { return Expression(Parser(text).parse_all()); }

Json Expression::evaluate(const Bindings& bindings) const { return evaluate_node(*root_, bindings); }

void Expression::collect_names(std::vector<std::string>& names) const { collect(*root_, names); }

bool Template::contains_expression(std::string_view text) { return text.find("${") != std::string_view::npos; }

namespace {
constexpr std::size_t kMaxExpressionLength = 500;
}  // namespace

Template Template::parse(std::string_view text) {
  Template result;
  result.text_ = std::string(text);
  std::string literal;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, 3, "$${") == 0) {
      literal += "${";
      pos += 3;
    } else if (text.compare(pos, 2, "${") == 0) {
      std::size_t close = text.find('}', pos + 2);
      if (close == std::string_view::npos)
        throw ExpressionError("'${' at position " + std::to_string(pos + 1) + " has no closing '}'");
      std::string_view inside = text.substr(pos + 2, close - pos - 2);
      // Evaluation recurses over the expression tree: bound its size, whatever the input.
      if (inside.size() > kMaxExpressionLength)
        throw ExpressionError("expression at position " + std::to_string(pos + 1) + " is longer than " +
                              std::to_string(kMaxExpressionLength) + " characters");
      if (inside.find_first_not_of(" \t") == std::string_view::npos)
        throw ExpressionError("empty '${}' at position " + std::to_string(pos + 1));
      if (!literal.empty()) result.parts_.push_back({std::move(literal), nullptr});
      literal.clear();
      result.parts_.push_back({std::string(inside), std::make_shared<const Expression>(Expression::parse(inside))});
      pos = close + 1;
    } else {
      literal += text[pos++];
    }
  }
  if (!literal.empty() || result.parts_.empty()) result.parts_.push_back({std::move(literal), nullptr});
  return result;
}

Json Template::evaluate(const Bindings& bindings) const {
  if (parts_.size() == 1 && parts_.front().expression) return parts_.front().expression->evaluate(bindings);
  std::string text;
  for (const auto& part : parts_) {
    if (part.expression) text += as_text(part.expression->evaluate(bindings), part.literal);
    else text += part.literal;
  }
  return text;
}

std::vector<std::string> Template::names() const {
  std::vector<std::string> names;
  for (const auto& part : parts_)
    if (part.expression) part.expression->collect_names(names);
  return names;
}

}  // namespace foundry::protocol_detail
