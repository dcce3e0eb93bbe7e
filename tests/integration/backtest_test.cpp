// rasd backtest (issue 19): rule files replayed over a real store give the hits of `rasd match`
// and the stories of `rasd dedup` on the same articles, threshold firings, and its filters.
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>

#include "rasd/daemon/store.hpp"
#include "rasd/parsers/date.hpp"
#include "test_util.hpp"

using rasd::test::run_process;
using rasd::test::TempDir;
namespace json = boost::json;

namespace {

constexpr int64_t kT0 = 1764547200;  // 2025-12-01T00:00:00Z

std::vector<json::object> json_lines(const std::string& s) {
  std::vector<json::object> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(json::parse(l).as_object());
  }
  return out;
}

std::string str(const json::object& o, const char* k) { return std::string(o.at(k).as_string()); }

// Articles written the way the pipeline stores them, with the obfuscations and the copies of one
// story by several outlets that the daemon meets.
std::vector<rasd::NewArticle> corpus() {
  const std::vector<std::array<const char*, 3>> texts = {
      {"src-a", "هجوم لداعش على نقطة عسكرية في ريف ديرالزور",
       "قالت مصادر محلية إن خلايا تنظيم داعـ.ـش هاجمت نقطة عسكرية قرب بلدة الباغوز في ريف دير "
       "الزور الشرقي وأسفر الهجوم عن مقتل ثلاثة عناصر وإصابة آخرين بجروح متفاوتة"},
      {"src-b", "مقتل ثلاثة عناصر بهجوم في ريف دير الزور",
       "قالت مصادر محلية إن خلايا تنظيم داعـ.ـش هاجمت نقطة عسكرية قرب بلدة الباغوز في ريف دير "
       "الزور الشرقي وأسفر الهجوم عن مقتل ثلاثة عناصر وإصابة آخرين بجروح متفاوتة"},
      {"src-c", "القبض على خلية تابعة لـ د|عـ.ـش في الحسكة",
       "أعلنت قوى الأمن الداخلي القبض على خمسة أشخاص ينتمون إلى خلية تابعة للتنظيم في ريف "
       "الحسكة الجنوبي بعد عملية أمنية استمرت يومين"},
      {"src-a", "أسعار الخضار في أسواق دمشق", "ارتفعت أسعار الخضار في أسواق العاصمة هذا الأسبوع"},
      {"src-b", "ISIS cells regroup in the Syrian desert",
       "Security officials say ISIS cells are regrouping in the Badia desert near Palmyra."},
      {"src-c", "كمين لتنظيم الدولة في البادية",
       "نصب عناصر من تنظيم الدولة الإسلامية كمينا لرتل عسكري في البادية السورية قرب تدمر"},
      {"src-d", "كمين لتنظيم الدولة في البادية السورية",
       "نصب عناصر من تنظيم الدولة الإسلامية كمينا لرتل عسكري في البادية السورية قرب تدمر"},
  };
  std::vector<rasd::NewArticle> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    rasd::NewArticle a;
    a.source_id = texts[i][0];
    a.guid = "guid-" + std::to_string(i);
    a.url = "https://" + a.source_id + ".example/news/" + std::to_string(i);
    a.title = texts[i][1];
    a.body = texts[i][2];
    a.lang = i == 4 ? "en" : "ar";
    a.fetched_at = kT0 + static_cast<int64_t>(i) * 600;
    if (i != 3) a.published = a.fetched_at - 120;  // one article without a published time
    out.push_back(a);
  }
  return out;
}

const char* kRules =
    "lists:\n"
    "  isis: [داعش, \"تنظيم الدولة\", ISIS]\n"
    "rules:\n"
    "  - id: isis-east\n"
    "    query: '@isis AND (هجوم OR كمين OR الباغوز)'\n"
    "  - id: arrests\n"
    "    query: 'القبض AND @isis'\n"
    "  - id: badia\n"
    "    query: 'البادية'\n"
    "  - id: isis-surge\n"
    "    query: '@isis'\n"
    "    threshold: {count: 3, window: 1h, distinct_sources: 3}\n";

struct Fixture {
  TempDir dir;
  std::string config, rules;
  Fixture() {
    config = dir.write("rasd.yaml",
                       "store: {path: rasd.db}\nrules: []\n"
                       "sources:\n"
                       "  - {id: src-a, url: \"https://src-a.example/feed\", tags: [ar]}\n"
                       "  - {id: src-b, url: \"https://src-b.example/feed\", tags: [ar]}\n");
    rules = dir.write("rules.yaml", kRules);
    rasd::Store store(dir.path() + "/rasd.db");
    for (const auto& a : corpus()) REQUIRE(store.insert_article(a, {}));
  }
};

}  // namespace

TEST_CASE("backtest: hits equal rasd match and stories equal rasd dedup on the same articles",
          "[cli][backtest]") {
  Fixture f;
  auto bt =
      run_process({RASD_BINARY, "backtest", "--config", f.config, "--rules", f.rules, "--json"});
  INFO(bt.out << bt.err);
  REQUIRE(bt.exit_code == 0);

  // The same articles as JSON Lines for match and dedup.
  std::ostringstream articles;
  rasd::Store store(f.dir.path() + "/rasd.db");
  std::vector<std::string> ids;
  store.scan_articles({}, [&](const rasd::StoredArticle& a) {
    const std::string id = a.source_id + "/" + a.guid;
    ids.push_back(id);
    articles << json::serialize(json::object{
                    {"id", id},
                    {"title", a.title},
                    {"body", a.body},
                    {"url", a.url},
                    {"source", a.source_id},
                    {"lang", a.lang},
                    {"published", rasd::dates::format_rfc3339(a.published.value_or(a.fetched_at))}})
             << "\n";
    return true;
  });
  REQUIRE(ids.size() == corpus().size());
  const std::string input = f.dir.write("articles.jsonl", articles.str());
  auto match = run_process({RASD_BINARY, "match", "--rules", f.rules, "--input", input});
  auto dedup = run_process({RASD_BINARY, "dedup", "--input", input});
  REQUIRE(match.exit_code == 0);
  REQUIRE(dedup.exit_code == 0);

  // Backtest names articles by the hash of source and guid: map them through url, unique here.
  std::map<std::string, std::string> by_url;
  for (const auto& l : json_lines(articles.str())) by_url[str(l, "url")] = str(l, "id");
  std::set<std::string> from_backtest, from_match;
  std::map<std::string, std::string> story_of;  // article -> backtest story
  for (const auto& h : json_lines(bt.out)) {
    const std::string id = by_url.at(str(h, "url"));
    from_backtest.insert(str(h, "rule") + " " + id + " " + json::serialize(h.at("hits")));
    story_of[id] = str(h, "story");
    CHECK(h.contains("title"));
    CHECK(h.contains("source"));
    CHECK(h.contains("published"));
  }
  for (const auto& m : json_lines(match.out))
    from_match.insert(str(m, "rule") + " " + str(m, "article") + " " +
                      json::serialize(m.at("hits")));
  CHECK(from_backtest == from_match);
  CHECK(from_backtest.size() >= 8);

  // Two articles share a backtest story exactly when dedup puts them in one cluster.
  std::map<std::string, int64_t> cluster_of;
  for (const auto& d : json_lines(dedup.out)) cluster_of[str(d, "id")] = d.at("cluster").as_int64();
  size_t same = 0;
  for (const auto& [a, sa] : story_of) {
    for (const auto& [b, sb] : story_of) {
      if (a >= b) continue;
      CHECK((sa == sb) == (cluster_of.at(a) == cluster_of.at(b)));
      same += sa == sb;
    }
  }
  CHECK(same >= 2);  // the copies of the Deir ez-Zor story and of the Badia ambush
}

TEST_CASE("backtest: a threshold rule fires at its count-th article from enough sources",
          "[cli][backtest][threshold]") {
  Fixture f;
  auto bt =
      run_process({RASD_BINARY, "backtest", "--config", f.config, "--rules", f.rules, "--json"});
  REQUIRE(bt.exit_code == 0);
  std::vector<json::object> surge;
  for (const auto& h : json_lines(bt.out)) {
    if (str(h, "rule") == "isis-surge") surge.push_back(h);
  }
  // @isis matches articles 0, 1, 2 (sources a, b, c within 20 minutes), 4, 5, 6.
  REQUIRE(surge.size() == 6);
  CHECK(surge[0].at("episode").is_null());
  CHECK(surge[1].at("episode").is_null());  // 2 articles from 2 sources: not yet
  CHECK(surge[2].at("opens_episode").as_bool());
  CHECK(surge[2].at("episode").as_int64() == 0);
  CHECK(str(surge[2], "url") == "https://src-c.example/news/2");
  CHECK(surge[3].at("episode").as_int64() == 0);  // joins while the window holds
  CHECK_FALSE(surge[3].at("opens_episode").as_bool());
  CHECK(surge[4].at("episode").as_int64() == 0);
  // Published 1 min 58 s before it, at 00:58 article 0 (src-a) leaves the hour: two sources
  // remain and the episode ends. Article 6 (src-d, fetched 01:00) makes three again: a new one.
  CHECK(surge[5].at("opens_episode").as_bool());
  CHECK(surge[5].at("episode").as_int64() == 1);

  // The table: the firing, its counts, and examples with the hit marked.
  auto table = run_process({RASD_BINARY, "backtest", "--config", f.config, "--rules", f.rules});
  INFO(table.out << table.err);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("isis-surge\n  6 hits") != std::string::npos);
  CHECK(table.out.find("threshold fired 2 time(s)") != std::string::npos);
  CHECK(table.out.find("2025-12-01T00:20:00Z to 2025-12-01T00:58:00Z") != std::string::npos);
  // Replayed up to now, the second ends when 01:38 leaves only two articles in the hour.
  CHECK(table.out.find("2025-12-01T01:00:00Z to 2025-12-01T01:38:00Z") != std::string::npos);
  // Articles 0 and 1 are one story copied by two outlets.
  CHECK(table.out.find("3 articles, 2 stories, 3 sources at firing") != std::string::npos);
  CHECK(table.out.find("⟦") != std::string::npos);
  CHECK(table.out.find("7 articles replayed with 4 rules") != std::string::npos);
  CHECK(table.err.empty());  // no progress when stderr is not a terminal
}

TEST_CASE("backtest: old news never counts towards a threshold", "[cli][backtest][threshold]") {
  TempDir dir;
  const std::string config = dir.write("rasd.yaml", "store: {path: rasd.db}\nrules: []\n");
  const std::string rules =
      dir.write("rules.yaml",
                "rules:\n  - id: surge\n    query: 'داعش'\n"
                "    threshold: {count: 2, window: 1h, distinct_sources: 1}\n");
  {
    rasd::Store store(dir.path() + "/rasd.db");
    for (int i = 0; i < 3; ++i) {
      rasd::NewArticle a;
      a.source_id = "s";
      a.guid = std::to_string(i);
      a.title = "داعش";
      a.fetched_at = kT0;                   // one first poll ...
      a.published = kT0 - 86400 * (i + 1);  // ... bringing days-old items
      REQUIRE(store.insert_article(a, {}));
    }
  }
  auto r = run_process({RASD_BINARY, "backtest", "--config", config, "--rules", rules});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("3 hits") != std::string::npos);
  CHECK(r.out.find("threshold fired 0 time(s)") != std::string::npos);
}

TEST_CASE("backtest: --since, --until and --source narrow the replay", "[cli][backtest]") {
  Fixture f;
  auto count = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {RASD_BINARY, "backtest", "--config", f.config,
                                     "--rules",   f.rules,    "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_process(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> urls;
    for (const auto& h : json_lines(r.out)) urls.insert(str(h, "url"));
    return urls;
  };
  CHECK(count({}).size() == 6);
  // Fetched at 00:00, 00:10, ... 01:00: [00:15, 00:45) holds articles 2, 3 (no hits) and 4.
  const auto window = count({"--since", "2025-12-01T00:15:00Z", "--until", "2025-12-01T00:45:00Z"});
  CHECK(window ==
        std::set<std::string>{"https://src-c.example/news/2", "https://src-b.example/news/4"});
  const auto one = count({"--source", "src-a"});
  CHECK(one == std::set<std::string>{"https://src-a.example/news/0"});
  CHECK(count({"--since", "1d"}).empty());  // all of it is older than a day
}

TEST_CASE("backtest: bad rules, times and stores are errors with exit 2 or 1", "[cli][backtest]") {
  Fixture f;
  const std::string bad = f.dir.write("bad.yaml", "rules:\n  - id: x\n    query: 'داعش AND ('\n");
  auto r = run_process({RASD_BINARY, "backtest", "--config", f.config, "--rules", bad});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(f.dir.path() + "/bad.yaml:3:") != std::string::npos);
  r = run_process(
      {RASD_BINARY, "backtest", "--config", f.config, "--rules", f.rules, "--since", "yesterday"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--since: neither a duration (7d) nor a date: 'yesterday'") !=
        std::string::npos);
  const std::string missing =
      f.dir.write("missing.yaml", "store: {path: nowhere/rasd.db}\nrules: []\n");
  r = run_process({RASD_BINARY, "backtest", "--config", missing, "--rules", f.rules});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("nowhere/rasd.db") != std::string::npos);
}

TEST_CASE("backtest: progress on stderr when it is a terminal", "[cli][backtest]") {
  if (access("/usr/bin/script", X_OK) != 0) {
    WARN("skipped: /usr/bin/script (util-linux) is not installed to give rasd a terminal");
    return;
  }
  Fixture f;
  // script(1) runs the command on a pseudo-terminal; stdout goes to a file, so what script
  // echoes is stderr alone.
  const std::string out = f.dir.path() + "/hits.jsonl";
  auto r = run_process({"/usr/bin/script", "-qec",
                        std::string(RASD_BINARY) + " backtest --config " + f.config + " --rules " +
                            f.rules + " --json >" + out,
                        "/dev/null"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\r7/7 articles, ") != std::string::npos);
  CHECK(r.out.find("ETA 0 s") != std::string::npos);
}
