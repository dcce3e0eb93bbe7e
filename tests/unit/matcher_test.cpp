#include <catch2/catch.hpp>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"

#include <random>

using namespace rasd;
using namespace rasd::rules;

namespace {
const text::Normalizer& norm() {
  static const text::Normalizer n;
  return n;
}

// Hits of `query` on an article with this title and body, or nullopt when it does not match.
std::optional<std::vector<Hit>> run(const std::string& query, const std::string& title,
                                    const std::string& body = "") {
  static const std::map<std::string, std::vector<std::string>> lists = {
      {"isis", {"داعش", "تنظيم الدولة", "ISIS"}}, {"places", {"دير الزور", "الرقة"}}};
  auto c = compile_query_text(query, {norm(), lists});
  INFO(query << ": " << (c ? "" : c.error().message));
  REQUIRE(c);
  PreparedArticle a(norm(), ArticleFields{"id", title, body, "https://news.example/a", "src", "", "ar", {}});
  std::vector<Hit> hits;
  if (!evaluate(*c, a, hits)) return std::nullopt;
  return hits;
}
bool matches(const std::string& q, const std::string& title, const std::string& body = "") {
  return run(q, title, body).has_value();
}
}  // namespace

TEST_CASE("term: proclitics and obfuscations hit, different words do not", "[rules][match]") {
  for (const char* t : {"لداعش", "وداعش", "داعـ.ـش", "د|عـ.ـش", "#داعش", "فلداعش", "داعش،", "د ا ع ش"}) {
    INFO(t);
    CHECK(matches("داعش", std::string("خبر عن ") + t + " اليوم"));
  }
  for (const char* t : {"الداعمون", "داعم", "الداعمين", "دعش"}) {
    INFO(t);
    CHECK_FALSE(matches("داعش", std::string("خبر عن ") + t + " اليوم"));
  }
  CHECK(matches("isis", "Report on ISIS cells"));
  CHECK_FALSE(matches("isis", "Report on crisis"));
}

TEST_CASE("phrase: glued and hashtag forms, order matters", "[rules][match]") {
  CHECK(matches("\"دير الزور\"", "هجوم في ريف دير الزور"));
  CHECK(matches("\"دير الزور\"", "هجوم في ريف ديرالزور"));
  CHECK(matches("\"دير الزور\"", "#دير_الزور"));
  CHECK(matches("\"دير الزور\"", "في بديرالزور أمس"));
  CHECK_FALSE(matches("\"دير الزور\"", "الزور دير"));
  CHECK(matches("ديرالزور", "هجوم في دير الزور"));  // a glued term meets the spaced text
}

TEST_CASE("NEAR respects the distance in either order", "[rules][match]") {
  const std::string w5 = "داعش كلمة كلمة كلمة كلمة كلمة هجوم";
  const std::string w6 = "داعش كلمة كلمة كلمة كلمة كلمة كلمة هجوم";
  CHECK(matches("داعش NEAR/5 هجوم", w5));
  CHECK_FALSE(matches("داعش NEAR/5 هجوم", w6));
  CHECK(matches("هجوم NEAR/5 داعش", w5));
  CHECK(matches("داعش NEAR/1 هجوم", "هجوم داعش"));
}

TEST_CASE("fields: title: ignores the body, url: and source: look at their fields", "[rules][match]") {
  CHECK(matches("title:داعش", "داعش يهاجم", "لا شيء"));
  CHECK_FALSE(matches("title:داعش", "خبر عادي", "داعش في النص"));
  CHECK(matches("body:داعش", "خبر عادي", "داعش في النص"));
  CHECK(matches("url:news", "x"));
  CHECK(matches("source:src AND x", "x"));
  CHECK(matches("lang:ar x", "x"));
  CHECK_FALSE(matches("lang:en x", "x"));
}

TEST_CASE("boolean operators, lists, prefix and regex", "[rules][match]") {
  CHECK(matches("@isis AND (هجوم OR كمين) AND @places", "كمين لتنظيم الدولة في الرقة"));
  CHECK_FALSE(matches("@isis AND (هجوم OR كمين) AND @places", "كمين لتنظيم الدولة في حلب"));
  CHECK(matches("داعش -القاعدة", "داعش يتمدد"));
  CHECK_FALSE(matches("داعش -القاعدة", "داعش والقاعدة"));
  CHECK_FALSE(matches("داعش NOT القاعدة", "داعش وتنظيم القاعـ.ـدة"));  // NOT sees obfuscations too
  CHECK(matches("اغتيال*", "عمليات الاغتيالات مستمرة"));
  CHECK(matches("hijack*", "Hijacking attempt"));
  CHECK(matches("/[0-9]+ قتيلا/", "سقوط 12 قتيلاً"));
  CHECK_FALSE(matches("/[0-9]+ قتيلا/", "سقوط قتلى"));
}

TEST_CASE("hits report original offsets and the view", "[rules][match][offsets]") {
  const std::string title = "القبـ.ـض على عنـ.ـاصر د|عـ.ـش";
  auto hits = run("داعش AND القبض", title);
  REQUIRE(hits);
  REQUIRE(hits->size() == 2);
  CHECK((*hits)[0].text == "القبـ.ـض");
  CHECK((*hits)[0].view == text::View::collapsed);
  CHECK((*hits)[1].text == "د|عـ.ـش");
  CHECK((*hits)[1].start == 22);
  CHECK((*hits)[1].end == 29);
  auto strict = run("داعش", "بيان لداعش اليوم");
  REQUIRE(strict);
  REQUIRE(strict->size() == 1);
  CHECK((*strict)[0].text == "لداعش");
  CHECK((*strict)[0].view == text::View::strict);
}

TEST_CASE("Matcher applies sources and lang filters", "[rules][match]") {
  const std::string file = R"(
rules:
  - id: ar-only
    query: داعش
    lang: [ar]
  - id: tagged
    query: داعش
    sources: [syria]
  - id: off
    query: داعش
    enabled: false
)";
  auto loaded = load_rules({{"r.yaml", file}}, norm());
  INFO(loaded.diagnostics.format());
  REQUIRE(loaded.rules);
  REQUIRE(loaded.rules->rules.size() == 2);
  Matcher m(loaded.rules);
  PreparedArticle ar(norm(), ArticleFields{"1", "داعش", "", "", "s1", "", "ar", {"syria"}});
  PreparedArticle en(norm(), ArticleFields{"2", "داعش", "", "", "s2", "", "en", {}});
  CHECK(m.match(ar).size() == 2);
  auto en_hits = m.match(en);
  CHECK(en_hits.empty());
}

TEST_CASE("words next to an obfuscated spelling: NEAR across views, phrases", "[rules][match][views]") {
  CHECK(matches("داعش NEAR/2 هجوم", "هجوم كبير لـ د|عـ.ـش"));
  CHECK_FALSE(matches("داعش NEAR/1 هجوم", "هجوم كبير جدا لـ د|عـ.ـش"));
  CHECK(matches("\"عناصر داعش\"", "القبض على عنـ.ـاصر د|عـ.ـش"));
  CHECK(matches("\"على عناصر\"", "القبض على عنـ.ـاصر د|عـ.ـش"));
  CHECK(matches("\"القبض على\"", "القبـ.ـض على عنـ.ـاصر"));
  CHECK_FALSE(matches("\"عناصر القبض\"", "القبـ.ـض على عنـ.ـاصر"));
}

TEST_CASE("the partial collapsed index matches what a full one matches", "[rules][match][views]") {
  // Random texts mixing plain and obfuscated spellings of a few words; every query must give
  // the same hits whether the collapsed view is indexed in full or only where it differs.
  const std::vector<std::string> plain = {"داعش", "هجوم", "عناصر", "القبض", "على", "دير", "الزور", "في", "كمين", "قتلى"};
  const std::vector<std::string> obfuscated = {"د|عـ.ـش", "هـ.ـجوم", "عنـ.ـاصر", "القبـ.ـض", "ع|لى", "د ي ر", "الـ.ـزور", "في", "كـ.ـمين", "قتـ.ـلى"};
  const std::vector<std::string> queries = {"داعش", "داعش NEAR/3 هجوم", "\"دير الزور\"", "\"القبض على\"", "\"على عناصر داعش\"",
                                            "(كمين OR هجوم) AND قتلى", "داعش -القبض", "قتل*", "هجوم NEAR/1 كمين", "ديرالزور"};
  std::mt19937 rng(7);
  int differing = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text;
    for (int w = 0; w < 12; ++w) {
      const size_t k = rng() % plain.size();
      text += (w ? " " : "") + (rng() % 4 == 0 ? obfuscated[k] : plain[k]);
    }
    PreparedArticle partial(norm(), ArticleFields{"id", text, "", "", "src", "", "ar", {}});
    PreparedArticle full(norm(), ArticleFields{"id", text, "", "", "src", "", "ar", {}}, PrepareOptions{true});
    differing += !partial.field(0).normalized.collapsed_is_strict;
    for (const auto& q : queries) {
      auto c = compile_query_text(q, {norm(), {}});
      REQUIRE(c);
      std::vector<Hit> a, b;
      const bool ma = evaluate(*c, partial, a), mb = evaluate(*c, full, b);
      INFO(q << " on " << text);
      REQUIRE(ma == mb);
      REQUIRE(a.size() == b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].start == b[i].start);
        CHECK(a[i].end == b[i].end);
        CHECK(a[i].view == b[i].view);
      }
    }
  }
  CHECK(differing > 200);  // the texts do exercise the collapsed view
}
