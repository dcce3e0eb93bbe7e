// Hostile nesting in rule files and the config: a clear `file:line:col: error:` at the
// collection that nests too deep, before yaml-cpp (whose own guard, at 500 levels, says only
// "bad file", and for flow collections at the end of the text).
#include <catch2/catch.hpp>
#include <string>

#include "rasd/daemon/config.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/yaml_nesting.hpp"

using namespace rasd;

namespace {

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kTooDeep = "error: YAML nested deeper than 100 levels";

std::string load_rules_errors(const std::string& text) {
  static const text::Normalizer normalizer;
  auto r = rules::load_rules({{"r.yaml", text}}, normalizer);
  return r.diagnostics.format();
}

// Rule-file prefixes whose next collection is at nesting level 4 (rules, the rule, tags).
const std::string kTags = "rules:\n  - id: x\n    query: a\n    tags: ";

}  // namespace

TEST_CASE("rules: 100000 nested flow sequences or maps are a positioned error",
          "[rules][yaml][deep]") {
  // The collection that opens level 101: tags is level 3, so the 98th '[' (column 11 + 97).
  CHECK(load_rules_errors(kTags + repeat("[", 100000) + repeat("]", 100000) + "\n") ==
        "r.yaml:4:108: " + kTooDeep + "\n");
  CHECK(load_rules_errors(kTags + repeat("[", 100000) + "\n") ==
        "r.yaml:4:108: " + kTooDeep + "\n");
  CHECK(load_rules_errors("lists: " + repeat("{a: ", 100000) + "b" + repeat("}", 100000)) ==
        "r.yaml:1:" + std::to_string(8 + 99 * 4) + ": " + kTooDeep + "\n");
  // Block collections: by indentation, and "- " entries opened on one line.
  std::string block;
  for (int i = 0; i < 1000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  CHECK(load_rules_errors(block) == "r.yaml:101:101: " + kTooDeep + "\n");
  CHECK(load_rules_errors("rules:\n  " + repeat("- ", 100000) + "x\n") ==
        "r.yaml:2:" + std::to_string(3 + 98 * 2) + ": " + kTooDeep + "\n");
}

TEST_CASE("rules: nesting under the bound is read and brackets in text are not nesting",
          "[rules][yaml][deep]") {
  // 96 levels of tags: a rule-file error, not a nesting one.
  CHECK(load_rules_errors(kTags + repeat("[", 96) + "t" + repeat("]", 96) + "\n") ==
        "r.yaml:4:12: error: rule 'x': tags entries must be strings\n");
  // Brackets inside quoted, plain and block scalars and comments open nothing.
  const std::string many = repeat("[{", 300);
  const std::string text = "rules:  # " + many +
                           "\n"
                           "  - id: x\n"
                           "    query: '/[" +
                           repeat("[", 300) +
                           "a]/'\n"
                           "    title: \"" +
                           many + "\"\n    description: plain " + many +
                           "\n"
                           "    tags:\n"
                           "      - |\n"
                           "        " +
                           many + "\n        " + many + "\n      - >-\n        " + many + "\n";
  CHECK(load_rules_errors(text).find("nested deeper") == std::string::npos);
}

TEST_CASE("config: 100000 nested collections are a positioned error", "[config][yaml][deep]") {
  auto c =
      load_config_text("rasd.yaml", "sources:\n  - {id: a, tags: " + repeat("[", 100000) + "}\n");
  REQUIRE_FALSE(c.config);
  CHECK(c.diagnostics.format() ==
        "rasd.yaml:2:" + std::to_string(18 + 97) + ": " + kTooDeep + "\n");
  std::string block = "defaults:\n";
  for (int i = 1; i < 1000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  c = load_config_text("rasd.yaml", block);
  REQUIRE_FALSE(c.config);
  CHECK(c.diagnostics.format() == "rasd.yaml:101:101: " + kTooDeep + "\n");
}

TEST_CASE("rules: what yaml_too_deep counts as a level", "[rules][yaml][deep]") {
  // A block map, then flow collections: level 4 is the second '['.
  CHECK_FALSE(yaml_too_deep("a: [b, {c: d}]\n", 3));
  CHECK(yaml_too_deep("a: [b, {c: [d]}]\n", 3) == 11u);
  // Anchors and tags come before the node; CRLF line ends are line ends.
  CHECK(yaml_too_deep("a: &x !!seq [b]\n", 1) == 12u);
  CHECK_FALSE(yaml_too_deep("a:\r\n  b: [c]\r\n", 3));
  CHECK(yaml_too_deep("a:\r\n  b: [c]\r\n", 2) == 9u);
  // A quoted scalar that spans lines, a '#' inside a plain scalar, and a block scalar's text
  // hold no collections.
  CHECK_FALSE(yaml_too_deep("a: \"x\n  [[[[\n  \"\nb: '[[''[['\n", 1));
  CHECK_FALSE(yaml_too_deep("a: b#[[[[\n", 1));
  CHECK_FALSE(yaml_too_deep("a: |-\n  [[[[\n\n  {{{{\nb: >\n [[[[\n", 1));
  // Each document starts again at level 1; "? " and "- " open a level on their line.
  CHECK_FALSE(yaml_too_deep("---\n- a\n...\n---\n[b]\n", 2));
  CHECK(yaml_too_deep("? [a]\n: b\n", 1) == 0u);
  CHECK_FALSE(yaml_too_deep("? [a]\n: b\n", 3));
}
