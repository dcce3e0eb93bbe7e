// Candidate selection (RuleIndex): anchors per operator, equivalence with evaluating every
// rule, and incremental add/remove.
#include <catch2/catch.hpp>

#include <algorithm>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/engine/rules/rule_index.hpp"

using namespace rasd;
using namespace rasd::rules;

namespace {
const text::Normalizer& norm() {
  static const text::Normalizer n;
  return n;
}
const std::map<std::string, std::vector<std::string>>& lists() {
  static const std::map<std::string, std::vector<std::string>> l = {
      {"isis", {"داعش", "تنظيم الدولة", "ISIS"}}, {"cells", {"خلايا*", "cell*"}}};
  return l;
}
CompiledNode compile(const std::string& q) {
  auto c = compile_query_text(q, {norm(), lists()});
  INFO(q);
  REQUIRE(c);
  return *c;
}
std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
PreparedArticle article(const std::string& title, const std::string& body = "") {
  return PreparedArticle(norm(), ArticleFields{"a", title, body, "https://news.example/a", "src", "", "ar", {}});
}
}  // namespace

TEST_CASE("anchors: each operator files the words a match cannot do without", "[rules][index]") {
  auto a = anchors_of(compile("داعش"));
  REQUIRE(a);
  CHECK(a->words == std::vector<std::string>{"داعش"});

  // A phrase needs its first and its second word, or its glued spelling.
  auto g = anchor_groups_of(compile("\"دير الزور\""));
  REQUIRE(g);
  REQUIRE(g->size() == 2);
  CHECK(sorted((*g)[0].words) == sorted({"دير", "ديرالزور"}));
  CHECK(sorted((*g)[1].words) == sorted({"الزور", "ديرالزور"}));

  a = anchors_of(compile("اغتيال*"));
  REQUIRE(a);
  CHECK(a->words.empty());
  CHECK(a->prefixes == std::vector<std::string>{"اغتيال"});

  a = anchors_of(compile("هجوم OR كمين"));
  REQUIRE(a);
  CHECK(sorted(a->words) == sorted({"هجوم", "كمين"}));

  // AND keeps the cheapest child: one long word beats two words.
  a = anchors_of(compile("(هجوم OR كمين) AND اشتباكات"));
  REQUIRE(a);
  CHECK(a->words == std::vector<std::string>{"اشتباكات"});
  a = anchors_of(compile("داعش NEAR/5 (هجوم OR كمين)"));
  REQUIRE(a);
  CHECK(a->words == std::vector<std::string>{"داعش"});

  // Negated children and regexes never anchor; a list anchors on all its entries.
  a = anchors_of(compile("داعش -القاعدة"));
  REQUIRE(a);
  CHECK(a->words == std::vector<std::string>{"داعش"});
  a = anchors_of(compile("/[0-9]+ قتيلا/ AND هجوم"));
  REQUIRE(a);
  CHECK(a->words == std::vector<std::string>{"هجوم"});
  CHECK_FALSE(anchors_of(compile("/[0-9]+ قتيلا/")));
  CHECK_FALSE(anchors_of(compile("داعش OR /قتل[ىا]/")));
  a = anchors_of(compile("@isis"));
  REQUIRE(a);
  CHECK(sorted(a->words) == sorted({"داعش", "الدوله", "تنظيمالدوله", "isis"}));

  // AND files every child, cheapest first, at most kMaxGroups; a negation adds none.
  g = anchor_groups_of(compile("هجوم AND اشتباكات AND (كمين OR قصف) AND اغتيال* AND -القاعدة"));
  REQUIRE(g);
  REQUIRE(g->size() == kMaxGroups);
  CHECK((*g)[0].words == std::vector<std::string>{"اشتباكات"});
  CHECK((*g)[1].words == std::vector<std::string>{"هجوم"});
  CHECK(sorted((*g)[2].words) == sorted({"كمين", "قصف"}));
}

// Whether two indexes hold the same keys with the same occurrences in the same order.
bool same_index(const KeyIndex& a, const KeyIndex& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto mine = a.occurrences(i);
    const auto theirs = b.find(a.key(i));
    if (mine.size() != theirs.size()) return false;
    for (size_t k = 0; k < mine.size(); ++k) {
      if (mine[k].pos != theirs[k].pos || mine[k].length != theirs[k].length) return false;
    }
  }
  return true;
}

TEST_CASE("candidate selection matches exactly what evaluating every rule matches", "[rules][index]") {
  const std::vector<std::string> queries = {
      "داعش", "\"دير الزور\"", "ديرالزور", "داعش NEAR/5 هجوم", "title:داعش", "body:داعش",
      "url:news", "source:src AND هجوم", "lang:ar كمين", "@isis AND (هجوم OR كمين)",
      "داعش -القاعدة", "اغتيال*", "hijack*", "/[0-9]+ قتيلا/", "isis OR daesh", "@cells NEAR/8 @isis",
      "\"تنظيم الدولة\" AND الرقة", "قتلى NOT (مدنيين OR اطفال)", "اعتقال OR القبض", "cell*",
  };
  std::string file = "lists:\n  isis: [داعش, \"تنظيم الدولة\", ISIS]\n  cells: [\"خلايا*\", \"cell*\"]\nrules:\n";
  for (size_t i = 0; i < queries.size(); ++i) {
    file += "  - id: r" + std::to_string(i) + "\n    query: '" + queries[i] + "'\n";
  }
  auto loaded = load_rules({{"r.yaml", file}}, norm());
  INFO(loaded.diagnostics.format());
  REQUIRE(loaded.rules);
  REQUIRE(loaded.rules->rules.size() == queries.size());
  const Matcher indexed(loaded.rules);
  const Matcher every(loaded.rules, MatcherOptions{false});
  CHECK(indexed.index().always_checked() == 1);  // only the lone regex

  const std::vector<std::pair<std::string, std::string>> articles = {
      {"القبـ.ـض على عنـ.ـاصر د|عـ.ـش", "هجوم في ريف ديرالزور"},
      {"كمين لتنظيم الدولة في الرقة", "سقوط 12 قتيلاً"},
      {"Hijacking attempt", "ISIS cells in the desert"},
      {"خلايا نائمة لداعش", "عمليات الاغتيالات مستمرة في #دير_الزور"},
      {"داعش والقاعدة", "قتلى مدنيين"},
      {"خبر عادي", "طقس مشمس في دمشق"},
      {"اعتقال قيادي", "قتلى في هجوم"},
      // Glued pairs whose first word has four letters or more (the key filter skips a pair
      // only then): لتنظيم + الدولة glues to a stem of the list's phrase.
      {"بيان لتنظيم الدولة", "وتنظيم الدولة يتبنى الهجوم في دير الزور"},
      {"", ""},
  };
  size_t total_matches = 0, fewer_candidates = 0, full_keys = 0, lean_keys = 0;
  TokenKeyCache cache;  // kept across the articles, as a Backtest keeps it
  for (const auto& [title, body] : articles) {
    INFO(title << " / " << body);
    auto a = article(title, body);
    std::vector<std::string> got, want;
    for (const auto& m : indexed.match(a)) got.push_back(m.rule->id);
    for (const auto& m : every.match(a)) want.push_back(m.rule->id);
    CHECK(got == want);
    // Indexed with only the keys the rules look up: the same rules and the same hits.
    PrepareOptions filtered_options;
    filtered_options.keys = &indexed.keys();
    const PreparedArticle filtered(
        norm(), ArticleFields{"a", title, body, "https://news.example/a", "src", "", "ar", {}},
        filtered_options);
    const auto full = every.match(a);
    const auto lean = indexed.match(filtered);
    REQUIRE(lean.size() == full.size());
    for (size_t i = 0; i < full.size(); ++i) {
      CHECK(lean[i].rule == full[i].rule);
      REQUIRE(lean[i].hits.size() == full[i].hits.size());
      for (size_t h = 0; h < full[i].hits.size(); ++h) {
        CHECK(lean[i].hits[h].start == full[i].hits[h].start);
        CHECK(lean[i].hits[h].end == full[i].hits[h].end);
        CHECK(lean[i].hits[h].view == full[i].hits[h].view);
      }
    }
    for (size_t f = 0; f < kFieldCount; ++f) {
      full_keys += a.field(f).views[0].index.size();
      lean_keys += filtered.field(f).views[0].index.size();
    }
    // With the token cache, filling it (first) and answered from it (second): the same keys.
    PrepareOptions cached_options = filtered_options;
    cached_options.token_cache = &cache;
    for (int pass = 0; pass < 2; ++pass) {
      const PreparedArticle cached(
          norm(), ArticleFields{"a", title, body, "https://news.example/a", "src", "", "ar", {}},
          cached_options);
      for (size_t f = 0; f < kFieldCount; ++f)
        for (size_t v = 0; v < 2; ++v)
          CHECK(same_index(cached.field(f).views[v].index, filtered.field(f).views[v].index));
    }
    total_matches += want.size();
    std::vector<RuleIndex::RuleId> ids;
    indexed.index().candidates(a, ids);
    if (ids.size() < queries.size()) ++fewer_candidates;
    CHECK(ids.size() >= want.size());
  }
  CHECK(total_matches >= 15);                      // the articles do exercise the rules
  CHECK(fewer_candidates == articles.size());      // and the index does narrow every one
  CHECK(lean_keys < full_keys / 2);  // the key filter does leave most keys out
}

TEST_CASE("a rule is a candidate only when every one of its groups is met", "[rules][index]") {
  RuleIndex index;
  index.add(7, compile("داعش AND الرقة"));
  index.add(8, compile("\"دير الزور\""));
  std::vector<RuleIndex::RuleId> ids;
  index.candidates(article("هجوم لداعش"), ids);
  CHECK(ids.empty());  // الرقة is missing
  index.candidates(article("هجوم لداعش", "في الرقة"), ids);
  CHECK(ids == std::vector<RuleIndex::RuleId>{7});
  index.candidates(article("دير في الزور"), ids);  // both words, not in a row: a candidate still
  CHECK(ids == std::vector<RuleIndex::RuleId>{8});
  index.candidates(article("الزور"), ids);
  CHECK(ids.empty());
}

TEST_CASE("rules are added and removed one at a time", "[rules][index]") {
  RuleIndex index;
  index.add(1, compile("داعش"));
  index.add(2, compile("هجوم OR داعش"));
  index.add(3, compile("/قتل/"));
  index.add(4, compile("اغتيال*"));
  CHECK(index.size() == 4);
  std::vector<RuleIndex::RuleId> ids;
  index.candidates(article("هجوم لداعش", "الاغتيالات"), ids);
  CHECK(ids == std::vector<RuleIndex::RuleId>{1, 2, 3, 4});

  index.remove(1);
  index.remove(4);
  index.remove(99);  // unknown: ignored
  CHECK(index.size() == 2);
  index.candidates(article("هجوم لداعش", "الاغتيالات"), ids);
  CHECK(ids == std::vector<RuleIndex::RuleId>{2, 3});
  CHECK(index.distinct_keys() == 2);  // هجوم and داعش, still filed by rule 2

  index.add(5, compile("\"دير الزور\""));
  index.candidates(article("ديرالزور"), ids);
  CHECK(ids == std::vector<RuleIndex::RuleId>{3, 5});
  index.add(3, compile("كمين"));  // re-adding an id replaces its anchors
  CHECK(index.always_checked() == 0);
  index.candidates(article("ديرالزور"), ids);
  CHECK(ids == std::vector<RuleIndex::RuleId>{5});
}

TEST_CASE(
    "a filtered article skips the fields no rule reads, and the token cache follows its filter",
    "[rules][index]") {
  auto matcher_of = [](const std::string& query) {
    auto loaded =
        load_rules({{"r.yaml", "rules:\n  - id: r\n    query: '" + query + "'\n"}}, norm());
    REQUIRE(loaded.rules);
    return std::make_unique<Matcher>(loaded.rules);
  };
  const auto body_rule = matcher_of("هجوم OR لداعش");
  const auto url_rule = matcher_of("url:news AND هجوم");
  const ArticleFields fields{
      "a", "هجوم لداعش", "هجوم في الرقة", "https://news.example/a", "src", "كاتب", "ar", {}};
  TokenKeyCache cache;
  PrepareOptions options;
  options.token_cache = &cache;
  options.keys = &body_rule->keys();
  const PreparedArticle lean(norm(), fields, options);
  CHECK(lean.field(2).normalized.strict.tokens.empty());  // url: no rule reads it
  CHECK(lean.field(4).normalized.strict.tokens.empty());  // author
  CHECK_FALSE(lean.field(1).normalized.strict.tokens.empty());
  CHECK(body_rule->match(lean).size() == 1);
  // The same cache, now for another filter: it starts over and answers for that one.
  options.keys = &url_rule->keys();
  const PreparedArticle with_url(norm(), fields, options);
  CHECK_FALSE(with_url.field(2).normalized.strict.tokens.empty());
  REQUIRE(url_rule->match(with_url).size() == 1);
  PrepareOptions uncached;
  uncached.keys = &url_rule->keys();
  const PreparedArticle plain(norm(), fields, uncached);
  for (size_t f = 0; f < kFieldCount; ++f)
    CHECK(same_index(with_url.field(f).views[0].index, plain.field(f).views[0].index));
  // لداعش is a word of the first set only: the cache bound to the second must not index it
  // from the first set's answers.
  CHECK_FALSE(lean.field(0).views[0].index.find("لداعش").empty());
  CHECK(with_url.field(0).views[0].index.find("لداعش").empty());
  CHECK(body_rule->keys().digest() != url_rule->keys().digest());
}
