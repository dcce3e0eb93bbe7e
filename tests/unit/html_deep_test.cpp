// Hostile nesting in HTML (pages, and the markup in feed items): every walk over such input is
// iterative or bounded, and the outcome is a parsed result or a clean error, never a crash. The
// inputs are built in memory at the size of the reported attack (2,000,000 levels, 14 MB).
#include <catch2/catch.hpp>
#include <string>

#include "rasd/parsers/article.hpp"
#include "rasd/parsers/html_text.hpp"
#include "rasd/parsers/links.hpp"

using namespace rasd;

namespace {

constexpr int kHostileDepth = 2'000'000;

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("html: to_text cuts 2M unclosed or self-closed tags and keeps the text before",
          "[parsers][html][deep]") {
  // Item summaries and content reach to_text() from feeds: every way to nest without closing.
  for (const char* tag : {"<b>", "<div>", "<div/>", "<span></x>", "<span><div></span>"}) {
    INFO(tag);
    const std::string html = "<p>before</p>" + repeat(tag, kHostileDepth) + "after";
    const std::string text = html::to_text(html);
    CHECK(text.find("before") == 0);
    CHECK(text.find("after") == std::string::npos);
  }
  // Balanced nesting closes as it goes and is kept whole.
  CHECK(html::to_text(repeat("<b>x</b>", 10000)) == repeat("x", 10000));
}

TEST_CASE("extract: unclosed and self-closed nesting 2M deep is cut before gumbo",
          "[extract][deep]") {
  const std::string lead =
      "<html><body><p>Kept paragraph, with text enough to count as the article body here.</p>";
  for (const char* tag : {"<b>", "<div>", "<div/>", "<span></x>"}) {
    INFO(tag);
    const auto a = html::extract_article(lead + repeat(tag, kHostileDepth) + "<p>Lost</p>");
    CHECK(a.text.find("Kept paragraph") != std::string::npos);
    CHECK(a.text.find("Lost") == std::string::npos);
  }
}

TEST_CASE("extract: links of a list page nesting 2M levels", "[extract][links][deep]") {
  const std::string page = "<html><body><ul class=latest><li><a href=/a/1>first</a></li></ul>" +
                           repeat("<div/>", kHostileDepth) + "<a href=/a/2>lost</a>";
  auto links = html::article_links(page, "https://news.example/", "ul.latest a");
  REQUIRE(links);
  REQUIRE(links->size() == 1);
  CHECK((*links)[0].url == "https://news.example/a/1");
}
