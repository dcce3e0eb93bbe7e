// Hostile nesting in HTML (pages, and the markup in feed items): every walk over such input is
// iterative or bounded, and the outcome is a parsed result or a clean error, never a crash. The
// inputs are built in memory at the size of the reported attack (2,000,000 levels, 14 MB).
#include <catch2/catch.hpp>
#include <string>

#include "hostile_input.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/html_text.hpp"
#include "rasd/parsers/links.hpp"

using namespace rasd;
using test::kHostileDepth;
using test::repeat;

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

TEST_CASE("html: nesting_cut counts the elements HTML would keep open", "[parsers][html][deep]") {
  const size_t limit = html::kMaxNesting;
  // Unclosed, closed by an end tag HTML ignores, or "closed" by a "/>" HTML ignores: the cut
  // falls on the start tag that opens element kMaxNesting + 1.
  struct Case {
    const char* unit;
    size_t opens;  // elements one unit leaves open
  };
  for (const Case c :
       {Case{"<em>", 1}, Case{"<section class=a>", 1}, Case{"<u/>", 1}, Case{"<font></nope>", 1},
        Case{"<span><div></span>", 2}, Case{"<b><div></b>", 2}, Case{"<div><table></div>", 2}}) {
    INFO(c.unit);
    const std::string unit = c.unit;
    const size_t units = limit / c.opens;
    CHECK(html::nesting_cut(repeat(unit, static_cast<int>(units))) == units * unit.size());
    const std::string over = repeat(unit, static_cast<int>(units + 1));
    CHECK(html::nesting_cut(over) == units * unit.size());
  }
  // What HTML closes, the estimate closes: balanced tags, an end tag that closes the elements
  // left open inside it, void elements, p/li/option, and "/>" inside SVG.
  for (const char* unit : {"<b>x</b>", "<div><span><i>x</div>", "<br><img src=x><hr/>",
                           "<p>x<li>y<option>z", "<b><p></b>", "<svg><g/><path d=x /></svg>"}) {
    INFO(unit);
    const std::string many = repeat(unit, 10000);
    CHECK(html::nesting_cut(many) == many.size());
  }
  // Tags in raw text and comments are not tags.
  const std::string raw = "<script>" + repeat("<div>", 5000) + "</script><title>" +
                          repeat("<b>", 5000) + "</TITLE><!--" + repeat("<i>", 5000) + "-->";
  CHECK(html::nesting_cut(raw) == raw.size());
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
