// Hostile nesting in feeds: every walk over such input is iterative or bounded, and
// the outcome is a parsed result or a clean error, never a crash. The inputs are built in
// memory at the size of the reported attack (2,000,000 levels, 14 MB).
#include <catch2/catch.hpp>
#include <string>

#include "hostile_input.hpp"
#include "rasd/parsers/feed.hpp"

using namespace rasd;
using test::kHostileDepth;
using test::nest;
using test::repeat;

namespace {

std::string rss_item(const std::string& inside_item) {
  return "<rss version=\"2.0\"><channel><title>t</title><item>" + inside_item +
         "<guid>g</guid></item></channel></rss>";
}

}  // namespace

TEST_CASE("feed: a title nesting 2M elements is read without recursion", "[parsers][feed][deep]") {
  const std::string rss = rss_item("<title>" + nest("<a>", "deep title", "</a>") + "</title>");
  REQUIRE(rss.size() > 14'000'000);
  auto f = parse_feed(rss);
  REQUIRE(f);
  REQUIRE(f->items.size() == 1);
  CHECK(f->items[0].title == "deep title");
  CHECK(f->items[0].guid == "g");
}

TEST_CASE("feed: 2M nested elements in description and content:encoded and media:group",
          "[parsers][feed][deep]") {
  const std::string deep = nest("<b>", "text", "</b>");
  const std::string rss =
      "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
      "xmlns:media=\"http://search.yahoo.com/mrss/\" "
      "xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>t</title>"
      "<item><description>" +
      deep + "</description><content:encoded>" + deep + "</content:encoded>" + "<media:group>" +
      nest("<media:group>", "<media:title>deep</media:title>", "</media:group>") +
      "<media:title>first level</media:title></media:group>" +
      nest("<itunes:category text=\"c\">", "", "</itunes:category>") + "</item></channel></rss>";
  auto f = parse_feed(rss);
  REQUIRE(f);
  REQUIRE(f->items.size() == 1);
  CHECK(f->items[0].summary == "text");
  CHECK(f->items[0].content == "text");
  // MRSS defines no group inside a group: the first level is read, nested groups are not.
  CHECK(f->items[0].title == "first level");
  // Apple's categories nest one level: a category and its subcategory.
  CHECK(f->items[0].categories == std::vector<std::string>{"c", "c"});
}

TEST_CASE("feed: an unclosed 2M-deep title is an XML error and not a crash",
          "[parsers][feed][deep]") {
  const std::string rss =
      "<rss version=\"2.0\"><channel><title>t</title><item><title>" + repeat("<a>", kHostileDepth);
  auto f = parse_feed(rss);
  // pugixml keeps what it read before the error: the channel, its title and the open item.
  REQUIRE(f);
  CHECK(f->title == "t");
  REQUIRE(!f->warnings.empty());
  CHECK(f->warnings[0].find("XML error") == 0);
}

TEST_CASE("feed: Atom xhtml and escaped-html titles nesting 2M levels", "[parsers][feed][deep]") {
  const std::string atom =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>e</id>"
      "<title type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">lead " +
      nest("<b>", "x", "</b>") + "</div></title><summary type=\"html\">before " +
      repeat("&lt;b&gt;", kHostileDepth) + "</summary></entry></feed>";
  auto f = parse_feed(atom);
  REQUIRE(f);
  REQUIRE(f->items.size() == 1);
  // The HTML is parsed only up to where its nesting passes 2,000 levels: the text before stays.
  CHECK(f->items[0].title.find("lead") == 0);
  CHECK(f->items[0].summary.find("before <b><b>") == 0);  // summaries keep their markup
}

TEST_CASE("feed: JSON Feed nesting 2M arrays is a clean parse error",
          "[parsers][feed][deep][json]") {
  const std::string json =
      "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":" + nest("[", "1", "]") + "}";
  auto f = parse_feed(json);
  REQUIRE(!f);
  // Boost.JSON stops at its max_depth (32 levels by default) without recursing.
  CHECK(f.error().message == "not a feed: invalid JSON: too deep");
  // Within the limit, a nested value where an item should be is skipped with a warning.
  auto ok = parse_feed(
      "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[[[[[1]]]],{\"id\":\"a\"}]}");
  REQUIRE(ok);
  REQUIRE(ok->items.size() == 1);
  CHECK(ok->items[0].guid == "a");
}
