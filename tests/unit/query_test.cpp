#include <catch2/catch.hpp>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/query.hpp"

using namespace rasd::rules;

TEST_CASE("query parser: precedence and canonical form", "[rules][query]") {
  auto q = [](const char* s) {
    auto r = parse_query(s);
    INFO(s << " -> " << (r ? "" : r.error().message));
    REQUIRE(r);
    return to_string(*r);
  };
  CHECK(q("a b") == "(a AND b)");
  CHECK(q("a OR b c") == "(a OR (b AND c))");
  CHECK(q("a AND (b OR c)") == "(a AND (b OR c))");
  CHECK(q("NOT a b") == "(NOT a AND b)");
  CHECK(q("a -b") == "(a AND NOT b)");
  CHECK(q("a NEAR/5 b OR c") == "((a NEAR/5 b) OR c)");
  CHECK(q("title:داعش body:\"دير الزور\"") == "(title:داعش AND body:\"دير الزور\")");
  CHECK(q("@isis AND /da.sh/") == "(@isis AND /da.sh/)");
  CHECK(q("hijack*") == "hijack*");
  CHECK(q("al-Qaeda") == "al-Qaeda");
  CHECK(q("and or not") == "(and AND or AND not)");
}

TEST_CASE("query parser: errors with byte offsets", "[rules][query][errors]") {
  struct E {
    const char* query;
    const char* message;
    size_t offset;
  };
  const E cases[] = {
      {"", "empty query", 0},
      {"a AND", "AND needs an operand on its right", 2},
      {"a OR", "OR needs an operand on its right", 2},
      {"(a OR b", "missing ')' for the '(' here", 0},
      {"a)", "unexpected ')' without matching '('", 1},
      {"\"دير الزور", "unterminated phrase: missing closing '\"'", 0},
      {"/abc", "unterminated regex: missing closing '/'", 0},
      {"a NEAR b", "NEAR needs a distance, e.g. NEAR/5", 2},
      {"a NEAR/x b", "NEAR distance must be a number, got 'x'", 2},
      {"a NEAR/0 b", "NEAR distance must be at least 1", 2},
      {"titel:a", "unknown field 'titel:' (fields: title, body, url, source, author, lang)", 0},
      {"()", "empty parentheses", 0},
      {"NOT", "NOT needs an operand", 0},
      {"@ a", "'@' must be followed by a list name", 0},
      {"*", "'*' alone would match everything", 0},
      {"\"  \"", "empty phrase", 0},
  };
  for (const auto& e : cases) {
    INFO(e.query);
    auto r = parse_query(e.query);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == e.message);
    CHECK(r.error().offset == e.offset);
  }
}

TEST_CASE("query compiler: errors", "[rules][query][errors]") {
  const rasd::text::Normalizer normalizer;
  const std::map<std::string, std::vector<std::string>> lists = {{"isis", {"داعش", "تنظيم الدولة"}}};
  const CompileContext ctx{normalizer, lists};
  struct E {
    const char* query;
    const char* message;
    size_t offset;
  };
  const E cases[] = {
      {"@isiss", "unknown list '@isiss'", 0},
      {"NOT داعش", "query can only match by what an article lacks (NOT alone); add a term it must contain", 0},
      {"a OR NOT b", "query can only match by what an article lacks (NOT alone); add a term it must contain", 0},
      {"x /a(/", "invalid regex /a(/: missing ): a(", 2},
      {"ـــ", "'ـــ' has no letters or digits after normalization", 0},
      {"a*", "prefix 'a*' is too short (at least 2 letters)", 0},
      {"a NEAR/3 -b", "NEAR operands must be terms, not negations", 9},
  };
  for (const auto& e : cases) {
    INFO(e.query);
    auto r = compile_query_text(e.query, ctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == e.message);
    CHECK(r.error().offset == e.offset);
  }
  auto ok = compile_query_text("@isis AND هجوم", ctx);
  REQUIRE(ok);
  CHECK(ok->children[0].children.size() == 2);
  CHECK(ok->children[0].children[1].kind == QueryNode::Kind::phrase);
  CHECK(ok->children[0].children[1].glued == "تنظيمالدوله");
}
