// Hostile query shapes: nesting past the bound is an ordinary parse error with its position;
// what the bound admits, and long flat chains, parse, compile and match without recursing
// per operand.
#include <catch2/catch.hpp>
#include <string>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/engine/rules/query.hpp"

using namespace rasd;
using namespace rasd::rules;

namespace {

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kTooDeep = "query nested deeper than 256 levels at column ";

// Whether `query` compiles and matches an article titled `title`.
bool matches(const std::string& query, const std::string& title) {
  static const text::Normalizer normalizer;
  static const std::map<std::string, std::vector<std::string>> lists = {{"isis", {"داعش"}}};
  auto c = compile_query_text(query, {normalizer, lists});
  INFO(query.substr(0, 60) << ": " << (c ? "" : c.error().message));
  REQUIRE(c);
  const PreparedArticle a(normalizer, ArticleFields{"id", title, "", "", "src", "", "ar", {}});
  std::vector<Hit> hits;
  return evaluate(*c, a, hits);
}

}  // namespace

TEST_CASE("query parser: 100000 levels of parentheses or NOT or - or field or NEAR are an error",
          "[rules][query][deep]") {
  struct Case {
    std::string query;
    size_t offset;  // of the construct that opens level 257
  };
  const size_t n = 100000;
  const Case cases[] = {
      {repeat("(", n) + "a" + repeat(")", n), 256},
      {repeat("NOT ", n) + "a", 256 * 4},
      {repeat("-", n) + "a", 256},
      {repeat("title:", n) + "a", 256 * 6},
      {"a" + repeat(" NEAR/1 a", n), 1 + 256 * 9 + 1},       // NEAR number k is level k
      {repeat("(NOT ", n) + "a" + repeat(")", n), 128 * 5},  // "(" and NOT each a level
      {repeat("a OR (", n) + "a" + repeat(")", n), 256 * 6 + 5},
  };
  for (const auto& c : cases) {
    INFO(c.query.substr(0, 40));
    auto r = parse_query(c.query);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == kTooDeep + std::to_string(c.offset + 1));
    CHECK(r.error().offset == c.offset);
  }
  // The column counts code points: "داعش AND " is 9 of them in 13 bytes.
  auto arabic = parse_query("داعش AND " + repeat("(", n) + "a" + repeat(")", n));
  REQUIRE_FALSE(arabic);
  CHECK(arabic.error().message == kTooDeep + std::to_string(9 + 256 + 1));
  CHECK(arabic.error().offset == 13 + 256);
  // Compiling reports the parse error unchanged.
  static const text::Normalizer normalizer;
  static const std::map<std::string, std::vector<std::string>> no_lists;
  auto compiled = compile_query_text(repeat("(", n) + "a" + repeat(")", n), {normalizer, no_lists});
  REQUIRE_FALSE(compiled);
  CHECK(compiled.error().message == kTooDeep + "257");
}

TEST_CASE("query parser: 256 levels parse and compile and match", "[rules][query][deep]") {
  CHECK(matches(repeat("(", 256) + "داعش" + repeat(")", 256), "هجوم لداعش"));
  CHECK(matches(repeat("title:", 256) + "داعش", "هجوم لداعش"));
  CHECK(matches("داعش" + repeat(" NEAR/3 داعش", 256), "داعش داعش"));
  // The AND is a level too: 255 NOTs below it make 256.
  CHECK(matches("هجوم " + repeat("NOT ", 254) + "داعش", "هجوم لداعش"));
  CHECK_FALSE(matches("هجوم " + repeat("NOT ", 255) + "داعش", "هجوم لداعش"));
  auto and_over = parse_query("هجوم " + repeat("NOT ", 256) + "داعش");
  REQUIRE_FALSE(and_over);
  CHECK(and_over.error().message == kTooDeep + "1");  // the AND that starts at column 1
  // Each OR is a level: 256 of them nested, an @list at the bottom.
  CHECK(matches(repeat("x OR (", 255) + "y OR @isis" + repeat(")", 255), "هجوم لداعش"));
  auto over = parse_query(repeat("x OR (", 256) + "y OR z" + repeat(")", 256));
  REQUIRE_FALSE(over);
  CHECK(over.error().message.find(kTooDeep) == 0);
}

TEST_CASE("query parser: flat chains of 100000 operands are one level", "[rules][query][deep]") {
  const size_t n = 100000;
  auto any = parse_query(repeat("a OR ", n) + "b");
  REQUIRE(any);
  CHECK(any->kind == QueryNode::Kind::any_of);
  CHECK(any->children.size() == n + 1);
  auto all = parse_query(repeat("a AND ", n) + repeat("b ", n) + "c");
  REQUIRE(all);
  CHECK(all->kind == QueryNode::Kind::all_of);
  CHECK(all->children.size() == 2 * n + 1);
  CHECK(matches(repeat("x OR ", n) + "داعش", "هجوم لداعش"));
  CHECK(matches(repeat("داعش ", n) + "هجوم", "هجوم لداعش"));
  CHECK_FALSE(matches(repeat("داعش AND ", n) + "x", "هجوم لداعش"));
}
