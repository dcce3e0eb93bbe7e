// The watch-rule query language (DESIGN.md section 4): parsing text into a syntax tree.
//
// Precedence, tightest first: field scope (`title:`), NOT / `-`, NEAR/n, AND (and
// juxtaposition), OR. Operators are upper case; lower-case `and`/`or`/`not` are plain terms.
// Pure, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/parsers/expected.hpp"

namespace rasd::rules {

// Article fields a query can look at, as a bit mask.
enum Field : uint8_t {
  kTitle = 1,
  kBody = 2,
  kUrl = 4,
  kSource = 8,
  kAuthor = 16,
  kLang = 32,
  kDefaultFields = kTitle | kBody,
};
const char* field_name(Field f);
bool field_from_name(std::string_view name, Field& out);

struct QueryNode {
  enum class Kind { term, phrase, prefix, regex, list, all_of, any_of, negation, near };
  Kind kind = Kind::term;
  std::string text;  // term, phrase, prefix (without *), regex or list name
  uint8_t fields = kDefaultFields;
  int distance = 0;   // NEAR/n
  size_t offset = 0;  // byte offset in the query text, for error messages
  std::vector<QueryNode> children;
};

// How deep a query may nest. Each parenthesis, NOT/-, field scope and operator node (AND, OR,
// NEAR) is a level; a flat chain `a OR b OR c ...` is one level however long. Real queries
// use a handful; the bound lets the parser, to_string(), the compiler, the rule index and the
// matcher recurse over a query's tree: a tree parse_query() returns has at most
// kMaxQueryNesting operator nodes on any path from its root.
constexpr int kMaxQueryNesting = 256;

// Parses a query. On error, Error::offset is the byte offset in `query` of the problem. A query
// nested past kMaxQueryNesting is the error "query nested deeper than 256 levels at column C"
// (C in code points, from 1), at the construct that opens level 257.
Expected<QueryNode> parse_query(std::string_view query);

// Query in canonical form, for tests and `rasd check --explain`.
std::string to_string(const QueryNode& node);

}  // namespace rasd::rules
