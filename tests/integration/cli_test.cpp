// The rasd binary's contract: `check` diagnostics, `normalize`, `match`, `parse-feed`.
#include <array>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "http_server.hpp"
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

TEST_CASE("rasd check: typo'd key, missing file and bad value each get one precise message",
          "[cli][check]") {
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
  CHECK(has_line(r.out, cfg + ":2:9: error: rules: no such file or directory '" + dir.path() +
                            "/rules.d/missing.yaml'"));
  CHECK(has_line(
      r.out, cfg + ":4:3: error: unknown key 'intervall' in defaults; did you mean 'interval'?"));
  CHECK(has_line(r.out, cfg + ":5:12: error: defaults.timeout: invalid duration 'fast' (expected "
                              "e.g. 30s, 15m, 6h, 90d)"));
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
  CHECK(has_line(r.out, f + ":8:15: error: rule 'two': severity must be one of info, low, medium, "
                            "high, critical; got 'urgent'"));
  CHECK(has_line(r.out, f + ":9:5: warning: rule 'two': unknown key 'colour' in rule (ignored)"));
}

TEST_CASE("rasd check: a body budget below max_body is refused at its position", "[cli][check]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\n"
                                    "defaults:\n"
                                    "  max_body: 16MiB\n"
                                    "  body_budget: 4MiB\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(has_line(r.out, cfg + ":4:16: error: defaults.body_budget (4MiB) must be at least "
                              "defaults.max_body (16MiB): the budget holds one body at least"));
}

TEST_CASE("rasd check: threshold options are checked at their position",
          "[cli][check][threshold]") {
  TempDir dir;
  dir.write("rules/a.yaml",
            "rules:\n"
            "  - id: isis-surge\n"
            "    query: داعش\n"
            "    threshold: {count: 5, window: soon, distinct_sources: 0, per: week, every: 2}\n"
            "  - id: isis-stories\n"
            "    query: داعش\n"
            "    threshold: {count: 3, window: 2h, distinct_sources: 2, per: story}\n");
  const std::string cfg = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: [rules]\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const std::string f = dir.path() + "/rules/a.yaml:4:";
  CHECK(has_line(r.out, f + "35: error: rule 'isis-surge': threshold.window must be a duration "
                            "such as 30m, 1h or 2d"));
  CHECK(has_line(r.out, f + "59: error: rule 'isis-surge': threshold.distinct_sources must be at "
                            "least 1"));
  CHECK(has_line(r.out, f + "67: error: rule 'isis-surge': threshold.per must be 'article' or "
                            "'story'"));
  // A typo in a threshold changes what fires: an error, not a warning.
  CHECK(has_line(r.out, f + "73: error: rule 'isis-surge': unknown key 'every' in threshold"));
  CHECK(r.out.find("isis-stories") == std::string::npos);  // the valid one says nothing

  // A window longer than the store keeps articles.
  dir.write("rules/a.yaml",
            "rules:\n  - id: slow\n    query: داعش\n    threshold: {count: 5, window: 30d}\n");
  const std::string short_store =
      dir.write("rasd.yaml", "store: {path: rasd.db, retention: 7d}\nrules: [rules]\n");
  auto w = run_process({RASD_BINARY, "check", "--config", short_store});
  INFO(w.out << w.err);
  CHECK(w.exit_code == 2);
  CHECK(has_line(w.out, dir.path() + "/rules/a.yaml:4:35: error: rule 'slow': threshold.window "
                                     "is longer than store.retention (604800s): the articles it "
                                     "counts would be pruned before they leave the window"));
}

TEST_CASE("rasd check: notify names are checked when the config has no webhooks at all",
          "[cli][check]") {
  TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: x\n    query: داعش\n    notify: [analysts]\n");
  const std::string cfg = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: [rules]\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(has_line(r.out, dir.path() + "/rules/a.yaml:3:12: error: rule 'x': notify names webhook "
                                     "'analysts', but the config defines no webhooks"));
}

TEST_CASE("rasd check: the shipped configurations pass as installed and as the demo uses them",
          "[cli][check][shipped]") {
  TempDir dir;
  // config/rasd.yaml as installed: its rules.d is empty, its store is elsewhere.
  std::ifstream in(std::string(RASD_SOURCE_DIR) + "/config/rasd.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(text.find("/etc/rasd/rules.d") != std::string::npos);
  text.replace(text.find("/etc/rasd/rules.d"), std::string("/etc/rasd/rules.d").size(),
               dir.path() + "/rules.d");
  text.replace(text.find("/var/lib/rasd/rasd.db"), std::string("/var/lib/rasd/rasd.db").size(),
               dir.path() + "/rasd.db");
  std::filesystem::create_directories(dir.path() + "/rules.d");
  const std::string cfg = dir.write("rasd.yaml", text);
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // The demo: the example rules with the webhook they notify.
  auto demo = run_process(
      {RASD_BINARY, "check", "--config", std::string(RASD_SOURCE_DIR) + "/config/demo.yaml"});
  INFO(demo.out << demo.err);
  CHECK(demo.exit_code == 0);
}

TEST_CASE("rasd check: a valid configuration passes with exit 0", "[cli][check]") {
  TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: x\n    query: داعش\n    notify: [hook]\n");
  const std::string cfg =
      dir.write("rasd.yaml",
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
  auto collapsed =
      run_process({RASD_BINARY, "normalize", "--view", "collapsed", "القبـ.ـض على د|عـ.ـش"});
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
  // Written item by item (write_feed_json), yet one compact JSON document: byte for byte what
  // serializing the whole value gives.
  CHECK(r.out == boost::json::serialize(v) + "\n");
  CHECK(r.out.rfind("{\"feed\":{\"title\":", 0) == 0);  // the contract's key order
  CHECK(r.out.find("},\"items\":[{\"guid\":\"news-example-1001\",\"title\":") != std::string::npos);
  CHECK(r.out.find("]}],\"warnings\":[") != std::string::npos);
  auto empty = run_process({RASD_BINARY, "parse-feed", "-"},
                           "<rss version=\"2.0\"><channel><title>t</title></channel></rss>");
  REQUIRE(empty.exit_code == 0);
  CHECK(empty.out.rfind("{\"feed\":{\"title\":\"t\",\"link\":\"\",\"language\":\"\",\"hub\":\"\","
                        "\"self\":\"\",\"description\":\"\"},\"items\":[],\"warnings\":[",
                        0) == 0);
  auto html =
      run_process({RASD_BINARY, "parse-feed", "-"}, "<!DOCTYPE html><html><body>hi</body></html>");
  CHECK(html.exit_code == 2);
  CHECK(html.err.find("HTML page was served where a feed was expected") != std::string::npos);
}

namespace {
// Code points [start, end) of UTF-8 text, counted as the engine counts them (valid input).
std::string slice_cp(const std::string& s, int64_t start, int64_t end) {
  std::string out;
  int64_t cp = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++cp;
    if (cp >= start && cp < end) out += s[i];
  }
  return out;
}

struct MatchRun {
  size_t matches = 0, hits = 0, collapsed_hits = 0;
  std::set<std::string> pairs;  // "article/rule"
};

// Runs `rasd match` with the shipped rules over articles {id, title, body}; checks that every
// hit's offsets slice its field back to the reported original spelling.
MatchRun match_shipped_rules(const std::vector<std::array<std::string, 3>>& articles) {
  TempDir dir;
  std::string input;
  std::map<std::string, std::pair<std::string, std::string>> fields;
  for (const auto& [id, title, body] : articles) {
    boost::json::object o{{"id", id},  {"title", title}, {"body", body},
                          {"url", ""}, {"source", "s"},  {"lang", "ar"}};
    input += boost::json::serialize(o) + "\n";
    fields[id] = {title, body};
  }
  auto r = run_process({RASD_BINARY, "match", "--rules", RASD_SOURCE_DIR "/config/rules"}, input);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  MatchRun run;
  for (const auto& line : lines_of(r.out)) {
    auto v = boost::json::parse(line).as_object();
    const std::string id(v.at("article").as_string());
    ++run.matches;
    run.pairs.insert(id + "/" + std::string(v.at("rule").as_string()));
    for (const auto& h : v.at("hits").as_array()) {
      const auto& hit = h.as_object();
      const std::string field(hit.at("field").as_string());
      REQUIRE((field == "title" || field == "body"));
      const std::string& original = field == "title" ? fields[id].first : fields[id].second;
      const std::string text(hit.at("text").as_string());
      INFO(id << " " << field << " [" << hit.at("start").as_int64() << ", "
              << hit.at("end").as_int64() << ")");
      CHECK(slice_cp(original, hit.at("start").as_int64(), hit.at("end").as_int64()) == text);
      ++run.hits;
      run.collapsed_hits += hit.at("view").as_string() == "collapsed";
    }
  }
  return run;
}
}  // namespace

TEST_CASE("rasd match with the shipped rules: hits slice back to the original spellings",
          "[cli][match][rules]") {
  // The project's own text, with the obfuscations the seeds show.
  const auto run = match_shipped_rules({
      {"f1", "القبـ.ـض على عنـ.ـاصر د|عـ.ـش في ريف ديرالزور",
       "أعلنت قوات الأمن اعتقال خمسة من عناصر تنظيم الدولة."},
      {"f2", "كمين لداعش في البادية",
       "قتل ثلاثة جنود في هجوم نفذته خلايا تابعة لـ د ا ع ش قرب الميادين."},
      {"f3", "طقس مشمس في دمشق", "لا شيء يخص التنظيم هنا."},
  });
  CHECK(run.pairs.count("f1/isis-arrests") == 1);
  CHECK(run.pairs.count("f2/isis-east-syria") == 1);
  CHECK(run.pairs.count("f2/isis-cells") == 1);
  CHECK(run.pairs.count("f3/isis-arrests") == 0);
  CHECK(run.collapsed_hits >= 2);
}

TEST_CASE("rasd match with the shipped rules over the seeds", "[cli][match][rules][seeds]") {
  const std::string seeds = RASD_SOURCE_DIR "/../shared/seeds";
  if (!std::filesystem::is_directory(seeds)) {
    WARN("SKIPPED: " << seeds << " not found; the seed run of rasd match did not run");
    return;
  }
  std::vector<std::array<std::string, 3>> articles;
  for (const auto& e : std::filesystem::directory_iterator(seeds)) {
    const std::string text = rasd::test::read_file(e.path().string());
    const size_t nl = text.find('\n');
    articles.push_back({e.path().filename().string().substr(0, 3), text.substr(0, nl),
                        nl == std::string::npos ? "" : text.substr(nl + 1)});
  }
  const auto run = match_shipped_rules(articles);
  INFO(run.matches << " matches, " << run.hits << " hits");
  CHECK(run.pairs.count("004/isis-arrests") == 1);  // its headline: القبـ.ـض ... د|عـ.ـش
  CHECK(run.hits >= 20);
  CHECK(run.collapsed_hits >= 2);
}

TEST_CASE("rasd dedup prints one cluster line per article", "[cli][dedup]") {
  const std::string body =
      "أعلنت قوات الأمن الداخلي القبض على خلية تابعة لتنظيم داعش في ريف دير الزور الشرقي بعد عملية "
      "أمنية استمرت ثلاثة أيام";
  std::string input;
  input +=
      boost::json::serialize(boost::json::object{{"id", "a"},
                                                 {"body", body},
                                                 {"url", "https://one.example/x?utm_source=rss"},
                                                 {"source", "one"}}) +
      "\n";
  input += boost::json::serialize(boost::json::object{
               {"id", "b"}, {"body", "خبر"}, {"url", "https://ONE.example/x"}, {"source", "two"}}) +
           "\n";
  input += "not json\n";
  input += boost::json::serialize(boost::json::object{{"id", "c"},
                                                      {"body", "لـ د|عـ.ـش " + body},
                                                      {"url", "https://three.example/y"},
                                                      {"source", "three"}}) +
           "\n";
  input += boost::json::serialize(
               boost::json::object{{"id", "d"},
                                   {"body",
                                    "طقس مشمس ومعتدل في معظم المناطق مع رياح خفيفة وأمطار متفرقة "
                                    "على الساحل خلال عطلة نهاية الأسبوع"},
                                   {"url", ""},
                                   {"source", "four"}}) +
           "\n";
  auto r = run_process({RASD_BINARY, "dedup"}, input);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("-:3: error: not a JSON object") != std::string::npos);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 4);
  auto row = [&](size_t i) { return boost::json::parse(lines[i]).as_object(); };
  CHECK(row(0).at("kind").as_string() == "new");
  CHECK(row(0).at("duplicate_of").is_null());
  CHECK(row(1).at("kind").as_string() == "exact");
  CHECK(row(1).at("duplicate_of").as_string() == "a");
  CHECK(row(2).at("kind").as_string() == "near");
  CHECK(row(2).at("cluster") == row(0).at("cluster"));
  CHECK(row(3).at("kind").as_string() == "new");
  CHECK(row(3).at("cluster") != row(0).at("cluster"));
}

// The reported crashes, on the binary: each ends with exit status 0 or 2, never a signal
// (run_process reports a signal as exit code -1).
TEST_CASE("rasd parse-feed reads a 14 MB feed whose title nests 2000000 elements",
          "[cli][feed][deep]") {
  TempDir dir;
  const int depth = 2'000'000;
  std::string feed = "<rss version=\"2.0\"><channel><title>t</title><item><title>";
  for (int i = 0; i < depth; ++i) feed += "<a>";
  feed += "deep title";
  for (int i = 0; i < depth; ++i) feed += "</a>";
  feed += "</title><guid>g</guid></item></channel></rss>";
  const std::string path = dir.write("deep.rss", feed);
  auto r = run_process({RASD_BINARY, "parse-feed", path});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto items = boost::json::parse(r.out).at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(items[0].at("title").as_string() == "deep title");
}

TEST_CASE("rasd match: a query nested 100000 levels is a positioned error with exit 2",
          "[cli][match][rules][deep]") {
  TempDir dir;
  const std::string deep = std::string(100000, '(') + "داعش" + std::string(100000, ')');
  const std::string rules =
      dir.write("r.yaml", "rules:\n  - id: deep\n    query: '" + deep + "'\n");
  const std::string article = R"({"id":"a1","title":"هجوم لداعش","body":"","url":"","source":"s"})";
  auto r = run_process({RASD_BINARY, "match", "--rules", rules}, article + "\n");
  CHECK(r.exit_code == 2);
  // The query starts at column 13; its 257th '(' is 256 code points on.
  CHECK(r.err.find(rules + ":3:269: error: rule 'deep': query nested deeper than 256 levels at "
                           "column 257") != std::string::npos);
  // A flat chain of 100000 operands is one level: it loads and matches.
  std::string flat;
  for (int i = 0; i < 100000; ++i) flat += "x OR ";
  const std::string flat_rules =
      dir.write("flat.yaml", "rules:\n  - id: flat\n    query: '" + flat + "داعش'\n");
  auto f = run_process({RASD_BINARY, "match", "--rules", flat_rules}, article + "\n");
  INFO(f.err);
  CHECK(f.exit_code == 0);
  CHECK(f.out.find("\"rule\":\"flat\"") != std::string::npos);
  // YAML nested past its bound is refused before yaml-cpp reads it.
  const std::string yaml = dir.write("y.yaml", "rules: " + std::string(100000, '[') + "\n");
  auto y = run_process({RASD_BINARY, "match", "--rules", yaml}, article + "\n");
  CHECK(y.exit_code == 2);
  CHECK(y.err.find(yaml + ":1:107: error: YAML nested deeper than 100 levels") !=
        std::string::npos);
}

TEST_CASE("rasd fetch prints a feed as parse-feed does and a page as extract does",
          "[cli][fetch]") {
  const std::string page =
      "<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><title>خبر</title></head><body>"
      "<article><h1>القبض على خلية لداعش في ديرالزور</h1>"
      "<p>أعلنت قوى الأمن الداخلي القبض على خلية تابعة لتنظيم داعـ.ـش في ريف دير الزور "
      "الشرقي بعد عملية استمرت ساعات، وصادرت أسلحة وذخائر كانت مخبأة في منزل مهجور.</p>"
      "<p>وقال مصدر أمني إن الخلية كانت تخطط لهجمات على نقاط عسكرية في المنطقة خلال "
      "الأيام المقبلة، وإن التحقيقات مستمرة لكشف بقية أفرادها.</p></article></body></html>";
  const std::string feed =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>أخبار</title>"
      "<item><title>هجوم</title><link>https://news.example/1</link></item></channel></rss>";
  rasd::test::HttpServer site([&](const rasd::test::Request& r) {
    if (r.target == "/feed.xml")
      return rasd::test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed};
    if (r.target == "/a.html")
      return rasd::test::Response{200, {{"Content-Type", "text/html; charset=utf-8"}}, page};
    return rasd::test::Response{200, {{"Content-Type", "text/plain"}}, "just words"};
  });
  auto f = run_process({RASD_BINARY, "fetch", "--allow-private", site.url("/feed.xml")});
  INFO(f.out << f.err);
  REQUIRE(f.exit_code == 0);
  const auto fj = boost::json::parse(f.out).as_object();
  CHECK(fj.at("feed").at("title").as_string() == "أخبار");
  CHECK(fj.at("items").as_array().size() == 1);

  auto p = run_process({RASD_BINARY, "fetch", "--allow-private", site.url("/a.html")});
  INFO(p.out << p.err);
  REQUIRE(p.exit_code == 0);
  const auto pj = boost::json::parse(p.out).as_object();
  CHECK(pj.at("title").as_string() == "القبض على خلية لداعش في ديرالزور");
  CHECK(pj.at("lang").as_string() == "ar");
  CHECK(std::string(pj.at("text").as_string()).find("داعـ.ـش") != std::string::npos);
  // The same bytes through `rasd extract` print the same line.
  auto e = run_process({RASD_BINARY, "extract", "-", "--content-type", "text/html; charset=utf-8",
                        "--url", site.url("/a.html")},
                       page);
  CHECK(e.out == p.out);

  auto bad = run_process({RASD_BINARY, "fetch", "--allow-private", site.url("/plain")});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("error: ") != std::string::npos);
}

TEST_CASE("rasd sources export-opml writes the configured sources as OPML 2.0",
          "[cli][sources][opml]") {
  TempDir dir;
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: rasd.db}\nsources:\n"
      "  - {id: enabbaladi-net-feed, url: \"https://www.enabbaladi.net/feed?lang=ar&x=1\","
      " tags: [ar, syria]}\n"
      "  - {id: syria-tv, url: \"https://www.syria.tv/news\", type: html, links: \"h3 a\"}\n");
  auto r = run_process({RASD_BINARY, "sources", "export-opml", "--config", cfg});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);
  CHECK(r.out.find("<opml version=\"2.0\">") != std::string::npos);
  CHECK(has_line(r.out,
                 "    <outline text=\"enabbaladi-net-feed\" title=\"enabbaladi-net-feed\" "
                 "type=\"rss\" xmlUrl=\"https://www.enabbaladi.net/feed?lang=ar&amp;x=1\" "
                 "category=\"ar,syria\" />"));
  CHECK(has_line(r.out,
                 "    <outline text=\"syria-tv\" title=\"syria-tv\" type=\"link\" "
                 "url=\"https://www.syria.tv/news\" htmlUrl=\"https://www.syria.tv/news\" />"));
  size_t outlines = 0;
  for (size_t p = r.out.find("<outline"); p != std::string::npos; p = r.out.find("<outline", p + 1))
    ++outlines;
  CHECK(outlines == 2);
}
