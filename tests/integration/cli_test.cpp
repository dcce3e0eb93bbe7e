// The rasd binary's contract: `check` diagnostics, `normalize`, `match`, `parse-feed`.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "test_util.hpp"

using rasd::test::run_process;
using rasd::test::TempDir;

namespace {
std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
bool has_line(const std::string& output, const std::string& line) {
  for (const auto& l : lines_of(output)) {
    if (l == line) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("rasd check: typo'd key, missing file and bad value each get one precise message", "[cli][check]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\n"
                                    "rules: [rules.d/missing.yaml]\n"
                                    "defaults:\n"
                                    "  intervall: 15m\n"
                                    "  timeout: fast\n"
                                    "sources:\n"
                                    "  - {id: a, url: \"https://news.example/feed.rss\"}\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(has_line(r.out, cfg + ":2:9: error: rules: no such file or directory '" + dir.path() + "/rules.d/missing.yaml'"));
  CHECK(has_line(r.out, cfg + ":4:3: error: unknown key 'intervall' in defaults; did you mean 'interval'?"));
  CHECK(has_line(r.out, cfg + ":5:12: error: defaults.timeout: invalid duration 'fast' (expected e.g. 30s, 15m, 6h, 90d)"));
  size_t errors = 0;
  for (const auto& l : lines_of(r.out)) errors += l.find(": error: ") != std::string::npos;
  CHECK(errors == 3);
}

TEST_CASE("rasd check: rule file errors carry file, line, column and rule id", "[cli][check]") {
  TempDir dir;
  dir.write("rules/a.yaml",
            "lists:\n"
            "  isis: [داعش, ISIS]\n"
            "rules:\n"
            "  - id: one\n"
            "    query: '@isis AND (هجوم OR'\n"
            "  - id: two\n"
            "    query: '@isiss'\n"
            "    severity: urgent\n"
            "    colour: red\n");
  const std::string cfg = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: [rules]\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const std::string f = dir.path() + "/rules/a.yaml";
  CHECK(has_line(r.out, f + ":5:29: error: rule 'one': OR needs an operand on its right"));
  CHECK(has_line(r.out, f + ":7:13: error: rule 'two': unknown list '@isiss'"));
  CHECK(has_line(r.out, f + ":8:15: error: rule 'two': severity must be one of info, low, medium, high, critical; got 'urgent'"));
  CHECK(has_line(r.out, f + ":9:5: warning: rule 'two': unknown key 'colour' in rule (ignored)"));
}

TEST_CASE("rasd check: a valid configuration passes with exit 0", "[cli][check]") {
  TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: x\n    query: داعش\n    notify: [hook]\n");
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: [rules]\n"
                                    "webhooks:\n  - {name: hook, url: \"https://hooks.example/x\"}\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok: 0 sources, 1 webhooks, 1 rules\n");
}

TEST_CASE("rasd normalize prints both views line by line", "[cli][normalize]") {
  auto strict = run_process({RASD_BINARY, "normalize", "-"}, "القبـ.ـض على د|عـ.ـش\nالدَّولةُ ٢٠٢٤\n");
  CHECK(strict.exit_code == 0);
  CHECK(strict.out == "القب.ض علي د|ع.ش\nالدوله 2024\n");
  auto collapsed = run_process({RASD_BINARY, "normalize", "--view", "collapsed", "القبـ.ـض على د|عـ.ـش"});
  CHECK(collapsed.exit_code == 0);
  CHECK(collapsed.out == "القبض علي داعش\n");
}

TEST_CASE("rasd match reports hits with offsets into the original field", "[cli][match]") {
  TempDir dir;
  const std::string rules = dir.write("r.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string input =
      R"({"id":"a1","title":"القبـ.ـض على عنـ.ـاصر د|عـ.ـش","body":"خبر عن الداعمين فقط","url":"","source":"s","lang":"ar"})"
      "\n"
      R"({"id":"a2","title":"الداعمون للسلام","body":"لا شيء هنا","url":"","source":"s","lang":"ar"})"
      "\n";
  auto r = run_process({RASD_BINARY, "match", "--rules", rules}, input);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 1);
  auto v = boost::json::parse(lines[0]).as_object();
  CHECK(v.at("article").as_string() == "a1");
  CHECK(v.at("rule").as_string() == "isis");
  auto hit = v.at("hits").as_array().at(0).as_object();
  CHECK(hit.at("field").as_string() == "title");
  CHECK(hit.at("start").as_int64() == 22);
  CHECK(hit.at("end").as_int64() == 29);
  CHECK(hit.at("text").as_string() == "د|عـ.ـش");
  CHECK(hit.at("view").as_string() == "collapsed");
}

TEST_CASE("rasd parse-feed prints the contract JSON and fails with exit 2 on HTML", "[cli][feed]") {
  auto r = run_process({RASD_BINARY, "parse-feed", RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto v = boost::json::parse(r.out).as_object();
  CHECK(v.at("feed").at("title").as_string() == "أخبار الرصد التجريبية");
  CHECK(v.at("feed").at("language").as_string() == "ar");
  auto items = v.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("guid").as_string() == "news-example-1001");
  CHECK(items[0].at("published").as_string() == "2024-12-19T06:30:00Z");
  CHECK(items[0].at("author").as_string() == "مراسل الرصد");
  CHECK(items[1].at("published").as_string() == "2024-12-19T05:00:00Z");
  auto html = run_process({RASD_BINARY, "parse-feed", "-"}, "<!DOCTYPE html><html><body>hi</body></html>");
  CHECK(html.exit_code == 2);
  CHECK(html.err.find("HTML page was served where a feed was expected") != std::string::npos);
}
