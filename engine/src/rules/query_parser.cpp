#include <algorithm>
#include <cctype>

#include "rasd/engine/rules/query.hpp"

namespace rasd::rules {
namespace {

struct Lexeme {
  enum class Type {
    end,
    lparen,
    rparen,
    and_op,
    or_op,
    not_op,
    minus,
    near,
    field,
    list,
    phrase,
    regex,
    term
  };
  Type type = Type::end;
  std::string text;
  int distance = 0;
  size_t offset = 0;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  Expected<std::vector<Lexeme>> run() {
    std::vector<Lexeme> out;
    while (true) {
      while (i_ < q_.size() && is_space(q_[i_])) ++i_;
      if (i_ >= q_.size()) break;
      const size_t start = i_;
      const char c = q_[i_];
      if (c == '(') {
        out.push_back({Lexeme::Type::lparen, "(", 0, start});
        ++i_;
      } else if (c == ')') {
        out.push_back({Lexeme::Type::rparen, ")", 0, start});
        ++i_;
      } else if (c == '"') {
        auto end = q_.find('"', i_ + 1);
        if (end == std::string_view::npos)
          return Error{"unterminated phrase: missing closing '\"'", start};
        out.push_back(
            {Lexeme::Type::phrase, std::string(q_.substr(i_ + 1, end - i_ - 1)), 0, start});
        i_ = end + 1;
      } else if (c == '/') {
        std::string re;
        size_t k = i_ + 1;
        bool closed = false;
        for (; k < q_.size(); ++k) {
          if (q_[k] == '\\' && k + 1 < q_.size() && q_[k + 1] == '/') {
            re += '/';
            ++k;
          } else if (q_[k] == '/') {
            closed = true;
            break;
          } else {
            re += q_[k];
          }
        }
        if (!closed) return Error{"unterminated regex: missing closing '/'", start};
        out.push_back({Lexeme::Type::regex, re, 0, start});
        i_ = k + 1;
      } else if (c == '-' && i_ + 1 < q_.size() && !is_space(q_[i_ + 1])) {
        out.push_back({Lexeme::Type::minus, "-", 0, start});
        ++i_;
      } else if (c == '@') {
        size_t k = i_ + 1;
        while (k < q_.size() &&
               (std::isalnum(static_cast<unsigned char>(q_[k])) || q_[k] == '_' || q_[k] == '-'))
          ++k;
        if (k == i_ + 1) return Error{"'@' must be followed by a list name", start};
        out.push_back({Lexeme::Type::list, std::string(q_.substr(i_ + 1, k - i_ - 1)), 0, start});
        i_ = k;
      } else {
        auto r = word(start);
        if (!r) return r.error();
        out.push_back(std::move(*r));
      }
    }
    out.push_back({Lexeme::Type::end, "", 0, q_.size()});
    return out;
  }

 private:
  Expected<Lexeme> word(size_t start) {
    size_t k = i_;
    while (k < q_.size() && !is_space(q_[k]) && q_[k] != '(' && q_[k] != ')' && q_[k] != '"') {
      if (q_[k] == ':') break;
      ++k;
    }
    std::string w(q_.substr(i_, k - i_));
    if (k < q_.size() && q_[k] == ':') {
      Field f;
      if (!field_from_name(w, f)) {
        return Error{"unknown field '" + w + ":' (fields: title, body, url, source, author, lang)",
                     start};
      }
      i_ = k + 1;
      if (i_ >= q_.size() || is_space(q_[i_]))
        return Error{"field '" + w + ":' needs a term after it", start};
      return Lexeme{Lexeme::Type::field, w, 0, start};
    }
    i_ = k;
    if (w == "AND") return Lexeme{Lexeme::Type::and_op, w, 0, start};
    if (w == "OR") return Lexeme{Lexeme::Type::or_op, w, 0, start};
    if (w == "NOT") return Lexeme{Lexeme::Type::not_op, w, 0, start};
    if (w.rfind("NEAR", 0) == 0 && (w.size() == 4 || w[4] == '/')) {
      if (w.size() <= 5) return Error{"NEAR needs a distance, e.g. NEAR/5", start};
      int n = 0;
      for (size_t d = 5; d < w.size(); ++d) {
        if (!std::isdigit(static_cast<unsigned char>(w[d])) || n > 10000)
          return Error{"NEAR distance must be a number, got '" + w.substr(5) + "'", start};
        n = n * 10 + (w[d] - '0');
      }
      if (n < 1) return Error{"NEAR distance must be at least 1", start};
      return Lexeme{Lexeme::Type::near, w, n, start};
    }
    return Lexeme{Lexeme::Type::term, w, 0, start};
  }

  std::string_view q_;
  size_t i_ = 0;
};

// Recursive descent, bounded: every parenthesis, NOT/-, field scope and operator node is a
// level, and a query with more than kMaxQueryNesting levels on one path is an error at the
// construct that opens the level past the bound. Two counts enforce it: open_ bounds the
// parser's own recursion (parentheses, NOT/- and field scopes, counted on the way down), and
// Tree::levels bounds the tree it returns (operator nodes, counted on the way up: a NEAR chain
// is parsed by a loop but builds one level per NEAR). Flat AND/OR chains are loops and one
// level however long.
class Parser {
 public:
  Parser(std::string_view query, std::vector<Lexeme> l) : q_(query), l_(std::move(l)) {}

  Expected<QueryNode> parse() {
    if (peek().type == Lexeme::Type::end) return Error{"empty query", 0};
    auto n = or_expr();
    if (!n) return n.error();
    if (peek().type == Lexeme::Type::rparen)
      return Error{"unexpected ')' without matching '('", peek().offset};
    if (peek().type != Lexeme::Type::end)
      return Error{"unexpected '" + peek().text + "'", peek().offset};
    return std::move(n->node);
  }

 private:
  // A subtree and its operator levels: 0 for a term, 1 for NOT a or a OR b, and so on.
  struct Tree {
    QueryNode node;
    int levels = 0;
  };
  using Result = Expected<Tree>;

  // Counts one nesting construct for as long as it is open.
  class Nest {
   public:
    explicit Nest(int& open) : open_(open) { ++open_; }
    ~Nest() { --open_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    bool too_deep() const { return open_ > kMaxQueryNesting; }

   private:
    int& open_;
  };

  const Lexeme& peek() const { return l_[p_]; }
  const Lexeme& next() { return l_[p_++]; }

  Error too_deep(size_t offset) const {
    size_t column = 1;  // in code points, like the rule loader's columns
    for (size_t i = 0; i < offset && i < q_.size(); ++i) {
      if ((static_cast<unsigned char>(q_[i]) & 0xC0) != 0x80) ++column;
    }
    return Error{"query nested deeper than " + std::to_string(kMaxQueryNesting) +
                     " levels at column " + std::to_string(column),
                 offset};
  }

  // An operator node over children whose tallest has `tallest` levels; an error at `offset`
  // when that makes one level too many.
  Result above(QueryNode node, int tallest, size_t offset) const {
    if (tallest + 1 > kMaxQueryNesting) return too_deep(offset);
    return Tree{std::move(node), tallest + 1};
  }

  static bool starts_operand(Lexeme::Type t) {
    using T = Lexeme::Type;
    return t == T::lparen || t == T::not_op || t == T::minus || t == T::field || t == T::list ||
           t == T::phrase || t == T::regex || t == T::term;
  }

  Result or_expr() {
    auto left = and_expr();
    if (!left) return left;
    if (peek().type != Lexeme::Type::or_op) return left;
    QueryNode n;
    n.kind = QueryNode::Kind::any_of;
    n.offset = left->node.offset;
    int tallest = left->levels;
    n.children.push_back(std::move(left->node));
    while (peek().type == Lexeme::Type::or_op) {
      const size_t at = next().offset;
      if (!starts_operand(peek().type)) return Error{"OR needs an operand on its right", at};
      auto right = and_expr();
      if (!right) return right;
      tallest = std::max(tallest, right->levels);
      n.children.push_back(std::move(right->node));
    }
    const size_t offset = n.offset;
    return above(std::move(n), tallest, offset);
  }

  Result and_expr() {
    auto left = near_expr();
    if (!left) return left;
    QueryNode n;
    n.kind = QueryNode::Kind::all_of;
    n.offset = left->node.offset;
    int tallest = left->levels;
    n.children.push_back(std::move(left->node));
    while (true) {
      if (peek().type == Lexeme::Type::and_op) {
        const size_t at = next().offset;
        if (!starts_operand(peek().type)) return Error{"AND needs an operand on its right", at};
      } else if (!starts_operand(peek().type)) {
        break;
      }
      auto right = near_expr();
      if (!right) return right;
      tallest = std::max(tallest, right->levels);
      n.children.push_back(std::move(right->node));
    }
    if (n.children.size() == 1) return Tree{std::move(n.children[0]), tallest};
    const size_t offset = n.offset;
    return above(std::move(n), tallest, offset);
  }

  Result near_expr() {
    auto left = unary();
    if (!left) return left;
    while (peek().type == Lexeme::Type::near) {
      const Lexeme& op = next();
      if (!starts_operand(peek().type))
        return Error{"NEAR needs an operand on its right", op.offset};
      auto right = unary();
      if (!right) return right;
      QueryNode n;
      n.kind = QueryNode::Kind::near;
      n.distance = op.distance;
      n.offset = op.offset;
      const int tallest = std::max(left->levels, right->levels);
      n.children.push_back(std::move(left->node));
      n.children.push_back(std::move(right->node));
      left = above(std::move(n), tallest, op.offset);
      if (!left) return left;
    }
    return left;
  }

  Result unary() {
    const Lexeme& t = peek();
    if (t.type == Lexeme::Type::not_op || t.type == Lexeme::Type::minus) {
      next();
      if (!starts_operand(peek().type)) return Error{"NOT needs an operand", t.offset};
      const Nest nest(open_);
      if (nest.too_deep()) return too_deep(t.offset);
      auto child = unary();
      if (!child) return child;
      QueryNode n;
      n.kind = QueryNode::Kind::negation;
      n.offset = t.offset;
      n.children.push_back(std::move(child->node));
      return above(std::move(n), child->levels, t.offset);
    }
    return primary();
  }

  // Recursion over a tree of at most kMaxQueryNesting levels.
  static void scope(QueryNode& n, uint8_t fields) {
    n.fields = fields;
    for (auto& c : n.children) scope(c, fields);
  }

  Result primary() {
    const Lexeme t = next();
    QueryNode n;
    n.offset = t.offset;
    switch (t.type) {
      case Lexeme::Type::lparen: {
        if (peek().type == Lexeme::Type::rparen) return Error{"empty parentheses", t.offset};
        const Nest nest(open_);
        if (nest.too_deep()) return too_deep(t.offset);
        auto inner = or_expr();
        if (!inner) return inner;
        if (peek().type != Lexeme::Type::rparen)
          return Error{"missing ')' for the '(' here", t.offset};
        next();
        return inner;
      }
      case Lexeme::Type::field: {
        Field f;
        field_from_name(t.text, f);
        if (!starts_operand(peek().type))
          return Error{"field '" + t.text + ":' needs a term after it", t.offset};
        const Nest nest(open_);
        if (nest.too_deep()) return too_deep(t.offset);
        auto inner = unary();
        if (!inner) return inner;
        scope(inner->node, f);
        return inner;
      }
      case Lexeme::Type::list:
        n.kind = QueryNode::Kind::list;
        n.text = t.text;
        return Tree{std::move(n)};
      case Lexeme::Type::phrase:
        if (t.text.find_first_not_of(" \t") == std::string::npos)
          return Error{"empty phrase", t.offset};
        n.kind = QueryNode::Kind::phrase;
        n.text = t.text;
        return Tree{std::move(n)};
      case Lexeme::Type::regex:
        if (t.text.empty()) return Error{"empty regex", t.offset};
        n.kind = QueryNode::Kind::regex;
        n.text = t.text;
        return Tree{std::move(n)};
      case Lexeme::Type::term:
        if (t.text.size() > 1 && t.text.back() == '*') {
          n.kind = QueryNode::Kind::prefix;
          n.text = t.text.substr(0, t.text.size() - 1);
          if (n.text.find('*') != std::string::npos)
            return Error{"'*' is only allowed at the end of a term", t.offset};
        } else if (t.text == "*") {
          return Error{"'*' alone would match everything", t.offset};
        } else {
          n.kind = QueryNode::Kind::term;
          n.text = t.text;
        }
        return Tree{std::move(n)};
      case Lexeme::Type::rparen:
        return Error{"unexpected ')' without matching '('", t.offset};
      case Lexeme::Type::end:
        return Error{"query ends where an operand was expected", t.offset};
      default:
        return Error{"operator '" + t.text + "' where an operand was expected", t.offset};
    }
  }

  std::string_view q_;
  std::vector<Lexeme> l_;
  size_t p_ = 0;
  int open_ = 0;  // parentheses, NOT/- and field scopes the parse is inside
};

}  // namespace

const char* field_name(Field f) {
  switch (f) {
    case kTitle:
      return "title";
    case kBody:
      return "body";
    case kUrl:
      return "url";
    case kSource:
      return "source";
    case kAuthor:
      return "author";
    case kLang:
      return "lang";
    default:
      return "?";
  }
}

bool field_from_name(std::string_view name, Field& out) {
  for (Field f : {kTitle, kBody, kUrl, kSource, kAuthor, kLang}) {
    if (name == field_name(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

Expected<QueryNode> parse_query(std::string_view query) {
  auto lexemes = Lexer(query).run();
  if (!lexemes) return lexemes.error();
  return Parser(query, std::move(*lexemes)).parse();
}

std::string to_string(const QueryNode& n) {
  std::string scope;
  if (n.fields != kDefaultFields && n.kind != QueryNode::Kind::all_of &&
      n.kind != QueryNode::Kind::any_of && n.kind != QueryNode::Kind::negation &&
      n.kind != QueryNode::Kind::near) {
    for (Field f : {kTitle, kBody, kUrl, kSource, kAuthor, kLang}) {
      if (n.fields & f) scope += std::string(field_name(f)) + ":";
    }
  }
  auto join = [&](const char* op) {
    std::string s = "(";
    for (size_t i = 0; i < n.children.size(); ++i) {
      if (i) s += op;
      s += to_string(n.children[i]);
    }
    return s + ")";
  };
  switch (n.kind) {
    case QueryNode::Kind::term:
      return scope + n.text;
    case QueryNode::Kind::phrase:
      return scope + "\"" + n.text + "\"";
    case QueryNode::Kind::prefix:
      return scope + n.text + "*";
    case QueryNode::Kind::regex:
      return scope + "/" + n.text + "/";
    case QueryNode::Kind::list:
      return scope + "@" + n.text;
    case QueryNode::Kind::all_of:
      return join(" AND ");
    case QueryNode::Kind::any_of:
      return join(" OR ");
    case QueryNode::Kind::negation:
      return "NOT " + to_string(n.children[0]);
    case QueryNode::Kind::near:
      return "(" + to_string(n.children[0]) + " NEAR/" + std::to_string(n.distance) + " " +
             to_string(n.children[1]) + ")";
  }
  return {};
}

}  // namespace rasd::rules
