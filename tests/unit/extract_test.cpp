// Article extraction on the project's own Arabic pages (tests/fixtures/html, written by
// make_fixtures.py there): the article text recovered with 4-word-shingle F1 >= 0.97, every
// line of site chrome dropped, title, date, language and direction right, in UTF-8 and
// windows-1256, declared or not. Plus metadata precedence and hostile structure.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/date.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

const text::Normalizer& norm() {
  static const text::Normalizer n;
  return n;
}

html::ExtractOptions with_filter() {
  html::ExtractOptions o;
  o.is_boilerplate = [](std::string_view line) { return text::is_boilerplate_line(norm(), line); };
  return o;
}

std::string fixture(const std::string& name) {
  return test::read_file(std::string(RASD_FIXTURES_DIR) + "/html/" + name);
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// The scrapinghub benchmark's measure: words (letters and digits; the rest separates), then
// 4-word shingles as a multiset; F1 of precision and recall.
double shingle_f1(const std::string& truth, const std::string& got) {
  auto words = [](const std::string& s) {
    std::vector<std::string> w;
    std::string cur;
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      const bool sep = c < 0x80 ? !std::isalnum(c)
                                : (c == 0xD8 && i + 1 < s.size() &&
                                   (static_cast<unsigned char>(s[i + 1]) == 0x8C ||
                                    static_cast<unsigned char>(s[i + 1]) == 0x9B ||
                                    static_cast<unsigned char>(s[i + 1]) == 0x9F));
      if (sep) {
        if (c >= 0x80) ++i;
        if (!cur.empty()) w.push_back(std::move(cur)), cur.clear();
      } else {
        cur += static_cast<char>(c);
      }
    }
    if (!cur.empty()) w.push_back(cur);
    return w;
  };
  auto shingles = [&](const std::string& s) {
    const auto w = words(s);
    std::map<std::string, int> out;
    for (size_t i = 0; i + 4 <= w.size(); ++i)
      ++out[w[i] + " " + w[i + 1] + " " + w[i + 2] + " " + w[i + 3]];
    return out;
  };
  const auto t = shingles(truth), g = shingles(got);
  int tp = 0, nt = 0, ng = 0;
  for (const auto& [k, n] : t) {
    nt += n;
    if (auto it = g.find(k); it != g.end()) tp += std::min(n, it->second);
  }
  for (const auto& [k, n] : g) ng += n;
  const double p = ng ? static_cast<double>(tp) / ng : 0, r = nt ? static_cast<double>(tp) / nt : 0;
  return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

}  // namespace

TEST_CASE(
    "Arabic news page: article text kept, every chrome line dropped, in UTF-8 and windows-1256",
    "[extract][arabic]") {
  const std::string truth = fixture("ar_article.txt");
  const auto chrome = lines_of(fixture("ar_chrome.txt"));
  REQUIRE(chrome.size() >= 15);
  for (const std::string name :
       {"ar_article_utf8.html", "ar_article_1256.html", "ar_article_1256_undeclared.html"}) {
    INFO(name);
    const auto a = html::extract_article(fixture(name), with_filter());
    INFO(a.text);
    CHECK(shingle_f1(truth, a.text) >= 0.97);
    for (const auto& line : chrome) {
      INFO("chrome line: " << line);
      CHECK(a.text.find(line) == std::string::npos);
    }
    CHECK(a.text.find("\nتفاصيل العملية\n") !=
          std::string::npos);  // the sub-heading, on its own line
    CHECK(a.title ==
          "القبض على خلية تابعة لـ د|عـ.ـش في ريف ديرالزور الشرقي");  // site name cut off
    REQUIRE(a.published);
    CHECK(dates::format_rfc3339(*a.published) == "2024-12-17T06:30:00Z");
    CHECK(a.lang == "ar");
    CHECK(a.dir == "rtl");
    CHECK(a.charset == (name == "ar_article_utf8.html" ? "utf-8" : "windows-1256"));
  }
}

TEST_CASE(
    "the 'read also' line inside the article is dropped by the boilerplate filter, not by luck",
    "[extract][arabic]") {
  const auto without = html::extract_article(fixture("ar_article_utf8.html"));
  CHECK(without.text.find("اقرأ أيضاً") != std::string::npos);
  const auto with = html::extract_article(fixture("ar_article_utf8.html"), with_filter());
  CHECK(with.text.find("اقرأ أيضاً") == std::string::npos);
}

TEST_CASE(
    "metadata: JSON-LD over Open Graph over the document title, then byline, date and canonical "
    "URL",
    "[extract]") {
  html::ExtractOptions o;
  o.url = "https://news.example/section/page.html?utm_source=x";
  const std::string page =
      "<html lang=\"en\"><head><title>A longer document title here | Site</title>"
      "<meta property=\"og:title\" content=\"OG title\"><link rel=\"canonical\" href=\"/story/1\">"
      "<script "
      "type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\","
      "\"headline\":\"LD "
      "headline\",\"datePublished\":\"2024-12-19T10:00:00Z\",\"author\":[{\"name\":\"A. Writer\"},"
      "{\"name\":\"B. Writer\"}]}</script></head><body><p>Body text, long enough to be a paragraph "
      "of the article.</p>"
      "</body></html>";
  auto a = html::extract_article(page, o);
  CHECK(a.title == "LD headline");
  CHECK(a.byline == "A. Writer, B. Writer");
  REQUIRE(a.published);
  CHECK(dates::format_rfc3339(*a.published) == "2024-12-19T10:00:00Z");
  CHECK(a.canonical_url == "https://news.example/story/1");
  CHECK(a.lang == "en");
  CHECK(a.dir.empty());
  // Without JSON-LD, og:title; without either, the document title minus the site name.
  std::string no_ld = page;
  no_ld.erase(no_ld.find("<script"), no_ld.find("</script>") + 9 - no_ld.find("<script"));
  CHECK(html::extract_article(no_ld, o).title == "OG title");
  std::string no_og = no_ld;
  no_og.erase(no_og.find("<meta property"),
              no_og.find("\">", no_og.find("<meta property")) + 2 - no_og.find("<meta property"));
  CHECK(html::extract_article(no_og, o).title == "A longer document title here");
}

TEST_CASE("hostile structure: nesting past the limit is cut, what comes before it is kept",
          "[extract]") {
  std::string deep =
      "<html><body><p>Kept paragraph, with text enough to count as the article body here.</p>";
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  deep += "<p>Lost paragraph beyond the nesting limit, which is never parsed at all.</p>";
  const auto a = html::extract_article(deep);
  CHECK(a.text.find("Kept paragraph") != std::string::npos);
  CHECK(a.text.find("Lost paragraph") == std::string::npos);
  // Tags inside scripts and comments do not count towards the nesting.
  std::string scripted = "<html><body><script>";
  for (int i = 0; i < 5000; ++i) scripted += "<div>";
  scripted += "</script><!--";
  for (int i = 0; i < 5000; ++i) scripted += "<div>";
  scripted +=
      "--><p>Visible paragraph after a script and a comment full of tags, still parsed.</p>";
  CHECK(html::extract_article(scripted).text.find("Visible paragraph") != std::string::npos);
  // Garbage and empty input give empty results, not errors.
  CHECK(html::extract_article("").text.empty());
  CHECK(html::extract_article(std::string("\xff\xfe\x00<", 4)).title.empty());
}

TEST_CASE("a date the page only shows, in Arabic, when no metadata gives one",
          "[extract][arabic]") {
  std::string page = fixture("ar_article_utf8.html");
  const size_t meta = page.find("<meta property=\"article:published_time\"");
  REQUIRE(meta != std::string::npos);
  page.erase(meta, page.find('>', meta) + 1 - meta);
  auto a = html::extract_article(page, with_filter());
  REQUIRE(a.published);
  CHECK(dates::format_rfc3339(*a.published) ==
        "2024-12-17T00:00:00Z");  // الثلاثاء 17 كانون الأول 2024
  const std::string levantine = "17 كانون الأول 2024";
  const size_t shown = page.find(levantine);
  REQUIRE(shown != std::string::npos);
  page.replace(shown, levantine.size(), "١٧ ديسمبر ٢٠٢٤");
  a = html::extract_article(page, with_filter());
  REQUIRE(a.published);
  CHECK(dates::format_rfc3339(*a.published) == "2024-12-17T00:00:00Z");
}

TEST_CASE("ISO-8859-6 pages decode, by their header or their meta", "[extract][arabic]") {
  // "خبر عاجل" and a sentence, in ISO-8859-6 bytes.
  const std::string title = "\xce\xc8\xd1 \xd9\xc7\xcc\xe4";
  const std::string sentence =
      "\xc3\xd9\xe4\xe6\xca\x20\xe2\xe8\xc7\xca\x20\xc7\xe4\xc3\xe5\xe6\xac\x20\xc7\xe4"
      "\xea\xe8\xe5\xac\x20\xc7\xe4\xe2\xc8\xd6\x20\xd9\xe4\xe9\x20\xce\xe4\xea\xc9\x20"
      "\xe1\xea\x20\xd1\xea\xe1\x20\xcf\xea\xd1\x20\xc7\xe4\xd2\xe8\xd1\x2e";
  const std::string body = "<html><head><title>" + title + "</title></head><body><article><p>" +
                           sentence + " " + sentence + "</p></article></body></html>";
  html::ExtractOptions by_header;
  by_header.content_type = "text/html; charset=ISO-8859-6";
  const auto a = html::extract_article(body, by_header);
  CHECK(a.charset == "iso-8859-6");
  CHECK(a.title == "خبر عاجل");
  CHECK(a.text.find("أعلنت قوات الأمن، اليوم، القبض على خلية في ريف دير الزور.") !=
        std::string::npos);
  const auto b = html::extract_article("<meta charset=\"iso-8859-6\">" + body);
  CHECK(b.title == "خبر عاجل");
}
