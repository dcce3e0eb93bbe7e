#include <catch2/catch.hpp>
#include <unicode/utf8.h>

#include <random>

#include "rasd/parsers/charset.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"
#include "test_util.hpp"

using namespace rasd;

TEST_CASE("feed: RSS 2.0 Arabic fixture", "[parsers][feed]") {
  auto f = parse_feed(test::read_file(RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss"));
  REQUIRE(f);
  CHECK(f->format == "rss");
  CHECK(f->title == "أخبار الرصد التجريبية");
  REQUIRE(f->items.size() == 2);
  CHECK(f->items[0].title == "القبـ.ـض على خلية لـ د|عـ.ـش في ريف ديرالزور");
  CHECK(f->items[0].summary.find("<p>") == 0);  // HTML kept in summary
  CHECK(f->items[0].author == "مراسل الرصد");
  CHECK(f->warnings.empty());
}

TEST_CASE("feed: Atom 1.0 with xml:base, html title and xhtml content", "[parsers][feed]") {
  const char* atom = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar" xml:base="https://news.example/ar/">
  <title type="html">&lt;b&gt;الرصد&lt;/b&gt; &amp; الأخبار</title>
  <link href="/" />
  <link rel="self" href="feed.atom" />
  <link rel="hub" href="https://hub.example/" />
  <entry>
    <id>tag:news.example,2024:1</id>
    <title>هجوم في الرقة</title>
    <link href="2024/12/raqqa" />
    <published>2024-12-19T09:30:00+03:00</published>
    <updated>2024-12-19T10:00:00Z</updated>
    <author><name>محرر</name></author>
    <category term="سوريا" />
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>نص <b>الخبر</b></p></div></content>
  </entry>
</feed>)";
  auto f = parse_feed(atom, {"", "https://ignored.example/feed"});
  REQUIRE(f);
  CHECK(f->format == "atom");
  CHECK(f->title == "الرصد & الأخبار");
  CHECK(f->language == "ar");
  CHECK(f->link == "https://news.example/");
  CHECK(f->self == "https://news.example/ar/feed.atom");
  CHECK(f->hub == "https://hub.example/");
  REQUIRE(f->items.size() == 1);
  const auto& it = f->items[0];
  CHECK(it.guid == "tag:news.example,2024:1");
  CHECK(it.link == "https://news.example/ar/2024/12/raqqa");
  CHECK(dates::format_rfc3339(*it.published) == "2024-12-19T06:30:00Z");
  CHECK(dates::format_rfc3339(*it.updated) == "2024-12-19T10:00:00Z");
  CHECK(it.author == "محرر");
  CHECK(it.categories == std::vector<std::string>{"سوريا"});
  CHECK(it.content.find("<b>الخبر</b>") != std::string::npos);
}

TEST_CASE("feed: RSS 1.0 (RDF) with dc:date", "[parsers][feed]") {
  const char* rdf = R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example/"><title>RDF news</title><link>https://news.example/</link></channel>
  <item rdf:about="https://news.example/1"><title>One</title><link>https://news.example/1</link><dc:date>2024-12-19T06:30:00Z</dc:date><dc:creator>A</dc:creator></item>
</rdf:RDF>)";
  auto f = parse_feed(rdf);
  REQUIRE(f);
  CHECK(f->format == "rdf");
  REQUIRE(f->items.size() == 1);
  CHECK(f->items[0].guid == "https://news.example/1");
  CHECK(f->items[0].author == "A");
  CHECK(dates::format_rfc3339(*f->items[0].published) == "2024-12-19T06:30:00Z");
}

TEST_CASE("feed: JSON Feed 1.1", "[parsers][feed]") {
  const char* jf = R"({"version":"https://jsonfeed.org/version/1.1","title":"JSON أخبار","home_page_url":"https://news.example/",
    "items":[{"id":"1","url":"https://news.example/1","title":"عنوان","content_html":"<p>نص</p>","date_published":"2024-12-19T06:30:00Z","tags":["a"]}]})";
  auto f = parse_feed(jf);
  REQUIRE(f);
  CHECK(f->format == "json");
  REQUIRE(f->items.size() == 1);
  CHECK(f->items[0].content == "<p>نص</p>");
  CHECK(f->items[0].categories == std::vector<std::string>{"a"});
}

TEST_CASE("feed: windows-1256 bytes declared in the XML declaration", "[parsers][feed][charset]") {
  // "داعش" in windows-1256: D3? No: د=0xCF ا=0xC7 ع=0xDA ش=0xD4
  std::string rss = "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>x</title>"
                    "<item><title>\xCF\xC7\xDA\xD4</title><guid>1</guid></item></channel></rss>";
  auto f = parse_feed(rss);
  REQUIRE(f);
  REQUIRE(f->items.size() == 1);
  CHECK(f->items[0].title == "داعش");
}

TEST_CASE("feed: ISO-8859-6 bytes from the HTTP charset", "[parsers][feed][charset]") {
  std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title>"
                    "<item><title>\xCF\xC7\xD9\xD4</title><guid>1</guid></item></channel></rss>";
  auto f = parse_feed(rss, {"application/rss+xml; charset=ISO-8859-6", ""});
  REQUIRE(f);
  CHECK(f->items[0].title == "داعش");
}

TEST_CASE("feed: a latin-1 label on UTF-8 bytes is detected as a lie", "[parsers][feed][charset]") {
  std::string rss = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>x</title>"
                    "<item><title>داعش</title><guid>1</guid></item></channel></rss>";
  auto f = parse_feed(rss);
  REQUIRE(f);
  CHECK(f->items[0].title == "داعش");
  CHECK_FALSE(f->warnings.empty());
}

TEST_CASE("feed: broken inputs give clear errors or recover", "[parsers][feed][errors]") {
  auto html = parse_feed("<!DOCTYPE html><html><head><title>x</title></head></html>");
  REQUIRE_FALSE(html);
  CHECK(html.error().message == "not a feed: an HTML page was served where a feed was expected");
  auto empty = parse_feed("   ");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "not a feed: empty body");
  auto other = parse_feed("<?xml version=\"1.0\"?><svg></svg>");
  REQUIRE_FALSE(other);
  CHECK(other.error().message == "not a feed: unknown root element <svg>");
  // Unclosed tags: pugixml keeps what it parsed; the item before the break is recovered.
  auto truncated = parse_feed("<rss version=\"2.0\"><channel><title>t</title><item><title>one</title><guid>1</guid></item><item><title>tw");
  REQUIRE(truncated);
  CHECK_FALSE(truncated->warnings.empty());
  REQUIRE_FALSE(truncated->items.empty());
  CHECK(truncated->items[0].title == "one");
}

namespace {
std::string hex_of(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    out += "0123456789abcdef"[c >> 4];
    out += "0123456789abcdef"[c & 15];
    out += ' ';
  }
  return out;
}
// The reference: ICU's U8_NEXT over the whole string, which is what is_valid_utf8 replaced.
bool icu_valid_utf8(const std::string& bytes) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto n = static_cast<int32_t>(bytes.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("is_valid_utf8 accepts exactly what ICU's U8_NEXT accepts", "[charset]") {
  // Every one- and two-byte string, every three-byte string with a multi-byte lead, and four-
  // byte strings over the bytes where the boundaries are; each also behind eight ASCII bytes
  // (the fast path) and before one.
  std::vector<std::string> cases;
  for (int a = 0; a < 256; ++a) {
    cases.push_back(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      cases.push_back({static_cast<char>(a), static_cast<char>(b)});
      if (a >= 0xE0)
        for (int c = 0; c < 256; c += (c >= 0x70 && c <= 0xC8) ? 1 : 16)
          cases.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
    }
  }
  const int edges[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (int a = 0xF0; a < 0x100; ++a)
    for (int b : edges)
      for (int c : edges)
        for (int d : edges)
          cases.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                           static_cast<char>(d)});
  std::mt19937 rng(7);
  for (int k = 0; k < 20000; ++k) {  // Arabic-like text with a broken byte now and then
    std::string t;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      const unsigned r = rng() % 100;
      if (r < 50) t += "\u0627\u0644";
      else if (r < 80) t += static_cast<char>('a' + rng() % 26);
      else if (r < 97) t += "\u200f\U0001F600";
      else t += static_cast<char>(rng() % 256);
    }
    cases.push_back(t);
  }
  size_t valid = 0, invalid = 0;
  for (const auto& c : cases) {
    const bool want = icu_valid_utf8(c);
    (want ? valid : invalid)++;
    for (const std::string& t : {c, "abcdefgh" + c, c + "z", "\u0627\u0644\u0627\u0644" + c}) {
      if (charset::is_valid_utf8(t) != icu_valid_utf8(t)) {
        INFO("bytes: " << hex_of(t));
        CHECK(charset::is_valid_utf8(t) == icu_valid_utf8(t));
      }
    }
  }
  CHECK(valid > 10000);
  CHECK(invalid > 10000);
}
