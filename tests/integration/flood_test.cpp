// The flood (issue 20): 5,000 matching articles in one cycle of the real daemon (`rasd run
// --once` against 50 local feeds of 100 items) reach a grouping webhook as one alert.group POST
// per rule, which together account for every delivery; `rasd alerts` still lists every alert.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "http_server.hpp"
#include "test_util.hpp"

using namespace rasd;
namespace json = boost::json;

namespace {

// Distinct stories: each item's body draws its own words, so few are near-duplicates.
std::string feed(int n, int items) {
  static const char* kWords[] = {
      "قالت",  "مصادر",   "محلية",  "إن",      "قوات",      "الأمن",  "اعتقلت", "خلية",   "في",
      "ريف",   "المدينة", "الشرقي", "بعد",     "اشتباكات",  "استمرت", "ساعات",  "وأسفرت", "عن",
      "إصابة", "عدد",     "من",     "العناصر", "والمدنيين", "حسب",    "بيان",   "رسمي",   "صدر",
      "اليوم", "السوق",   "الطريق", "الحدود",  "القرية",    "الجسر",  "المطار"};
  std::mt19937 rng(static_cast<unsigned>(n));
  std::uniform_int_distribution<size_t> pick(0, std::size(kWords) - 1);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
      "<title>f</title>";
  for (int i = 0; i < items; ++i) {
    std::string body;
    for (int w = 0; w < 40; ++w) body += std::string(kWords[pick(rng)]) + " ";
    // Every item matches isis; every other one badia too.
    const std::string title = "داعش " + std::string(i % 2 ? "في البادية " : "") +
                              std::to_string(n) + "-" + std::to_string(i);
    out += "<item><guid>f" + std::to_string(n) + "-" + std::to_string(i) + "</guid><title>" +
           title + "</title><link>https://news.example/" + std::to_string(n) + "/" +
           std::to_string(i) + "</link><description>" + body + "</description></item>";
  }
  return out + "</channel></rss>";
}

}  // namespace

TEST_CASE(
    "flood: 5,000 matching articles in one cycle make one grouped POST per rule, and "
    "rasd alerts lists every alert",
    "[grouping][flood][integration]") {
  constexpr int kFeeds = 50, kItems = 100;
  std::vector<std::string> feeds;
  for (int i = 0; i < kFeeds; ++i) feeds.push_back(feed(i, kItems));
  test::HttpServer site([&](const test::Request& r) {
    const int n = std::stoi(r.target.substr(std::string("/f").size()));
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feeds.at(n)};
  });
  std::mutex mu;
  std::vector<json::object> posts;
  test::HttpServer hooks([&](const test::Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    posts.push_back(json::parse(r.body).as_object());
    return test::Response{204, {}, ""};
  });
  test::TempDir dir;
  dir.write("rules.yaml",
            "rules:\n  - {id: isis, query: داعش, notify: [analysts]}\n"
            "  - {id: badia, query: البادية, notify: [analysts]}\n");
  std::string yaml =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nhttp: {listen: \"\"}\n"
      "network: {allow_private: true}\ndefaults: {per_host_concurrency: 8, per_host_gap: 0}\n"
      "webhooks:\n  - {name: analysts, url: \"" +
      hooks.url("/hook") + "\"}\nsources:\n";
  for (int i = 0; i < kFeeds; ++i)
    yaml += "  - {id: s" + std::to_string(i) + ", url: \"" + site.url("/f" + std::to_string(i)) +
            "\"}\n";
  const std::string cfg = dir.write("rasd.yaml", yaml);
  const auto run = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(run.err.substr(run.err.size() > 3000 ? run.err.size() - 3000 : 0));
  REQUIRE(run.exit_code == 0);

  const auto listed = test::run_process({RASD_BINARY, "alerts", "--config", cfg, "--json"});
  REQUIRE(listed.exit_code == 0);
  std::map<std::string, int> alerts_per_rule;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    ++alerts_per_rule[std::string(json::parse(line).at("rule").at("id").as_string())];
  }
  INFO("alerts listed: isis " << alerts_per_rule["isis"] << ", badia " << alerts_per_rule["badia"]);
  // Most items are their own story; every article alerted (created or updated) at least once.
  CHECK(alerts_per_rule["isis"] > kFeeds * kItems / 2);
  CHECK(alerts_per_rule["badia"] > kFeeds * kItems / 4);

  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(posts.size() == 2);  // one per rule, not one per alert
  std::map<std::string, int64_t> folded;
  for (const auto& p : posts) {
    CHECK(p.at("type").as_string() == "alert.group");
    const auto& g = p.at("group").as_object();
    folded[std::string(g.at("key").at("rule").as_string())] = g.at("count").as_int64();
    CHECK(p.at("alerts").as_array().size() == 100);  // the newest, in full
    CHECK(g.at("omitted").as_int64() == g.at("count").as_int64() - 100);
  }
  // Each rule's group carries one delivery per matching article: 5,000 and 2,500.
  CHECK(folded["isis"] == kFeeds * kItems);
  CHECK(folded["badia"] == kFeeds * kItems / 2);
}
