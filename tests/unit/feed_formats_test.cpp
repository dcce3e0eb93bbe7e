// Feed formats and the namespaces that carry content, on the project's own fixtures
// (tests/fixtures/feeds), and the encodings Arabic feeds arrive in.
#include <catch2/catch.hpp>

#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {
Feed parse_fixture(const std::string& name, const std::string& base = "https://news.example/ar/feed.xml") {
  auto f = parse_feed(test::read_file(RASD_FIXTURES_DIR "/feeds/" + name), {"", base});
  INFO(name << ": " << (f ? "" : f.error().message));
  REQUIRE(f);
  return *f;
}
std::string utc(const std::optional<int64_t>& t) { return t ? dates::format_rfc3339(*t) : "absent"; }

// UTF-8 to UTF-16LE / UTF-32BE bytes, for the encoding tests (ASCII and Arabic only).
std::string utf16le(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    out += static_cast<char>(c & 0xFF);
    out += static_cast<char>((c >> 8) & 0xFF);
  }
  return out;
}
std::string utf32be(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    out += '\0';
    out += static_cast<char>((c >> 16) & 0xFF);
    out += static_cast<char>((c >> 8) & 0xFF);
    out += static_cast<char>(c & 0xFF);
  }
  return out;
}
}  // namespace

TEST_CASE("feed: RSS 2.0 namespaces: content, dc, dcterms, media, atom, sy, itunes", "[parsers][feed][namespaces]") {
  const Feed f = parse_fixture("namespaces_ar.rss");
  CHECK(f.title == "الرصد – أخبار أمنية");
  CHECK(f.description == "آخر الأخبار الأمنية");
  CHECK(f.language == "ar-SY");
  CHECK(f.self == "https://news.example/ar/feed.xml");
  CHECK(f.hub == "https://hub.example/");
  CHECK(f.ttl_minutes == 30);
  CHECK(f.update_period_minutes == 15);  // hourly, four times
  CHECK(f.skip_hours == std::vector<int>{0, 1, 0});
  CHECK(f.skip_days == std::vector<std::string>{"Friday"});
  REQUIRE(f.items.size() == 3);

  const FeedItem& a = f.items[0];
  CHECK(a.title == "هجوم لـ داعش في ريف دير الزور");          // CDATA markup stripped from the title
  CHECK(a.link == "https://news.example/ar/2024/12/19/attack");  // relative link against the feed URL
  CHECK(a.author == "مراسل الرصد");                             // dc:creator
  CHECK(utc(a.published) == "2024-12-19T06:30:00Z");             // dc:date, +03:00
  CHECK(a.summary == "<p>مقدمة الخبر</p>");                     // escaped HTML kept as HTML
  CHECK(a.content.find("<a href=\"/x\">") != std::string::npos);  // content:encoded
  CHECK(a.categories == std::vector<std::string>{"سوريا", "أمن"});
  CHECK(a.image == "https://img.example/1001.jpg");  // media:thumbnail

  const FeedItem& b = f.items[1];
  CHECK(utc(b.published) == "2024-12-18T11:05:00Z");  // Arabic pubDate, Damascus time
  CHECK(utc(b.updated) == "2024-12-18T12:00:00Z");    // dcterms:modified
  CHECK(b.image == "https://img.example/1002.jpg");   // media:group/media:content
  CHECK(b.summary == "صورة من موقع الكمين");          // media:description when no description
  CHECK(b.author == "فريق التحرير");                  // itunes:author when nothing else

  const FeedItem& c = f.items[2];
  CHECK(c.title == "مقتل\u00A0عنصرين é اشتباكات");  // HTML named entities, which XML forbids
  CHECK(c.link == "https://news.example/ar/clash-alt");  // atom:link alternate
  CHECK(c.author == "وكالة الأنباء");                    // atom:author
  CHECK(utc(c.published) == "2024-12-17T08:00:00Z");
  CHECK(f.warnings.empty());
}

TEST_CASE("feed: Atom 0.3 with escaped, base64 and xml text constructs", "[parsers][feed][atom03]") {
  const Feed f = parse_fixture("atom03.xml");
  CHECK(f.format == "atom");
  CHECK(f.title == "تقارير الرصد");
  CHECK(f.description == "تقارير أسبوعية");
  CHECK(f.language == "ar");
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].summary == "<p>خلاصة</p>");     // mode="base64"
  CHECK(f.items[0].content == "<p>نص التقرير</p>");  // mode="xml"
  CHECK(f.items[0].author == "قسم الرصد");
  CHECK(utc(f.items[0].published) == "2024-12-20T08:00:00Z");  // issued
  CHECK(utc(f.items[0].updated) == "2024-12-21T10:00:00Z");    // modified
}

TEST_CASE("feed: CDF channels", "[parsers][feed][cdf]") {
  const Feed f = parse_fixture("channel.cdf");
  CHECK(f.format == "cdf");
  CHECK(f.title == "قناة الرصد");
  CHECK(f.link == "https://news.example/");
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].link == "https://news.example/1");
  CHECK(f.items[0].summary == "ملخص الخبر");
  CHECK(utc(f.items[0].updated) == "2024-12-19T03:30:00Z");
}

TEST_CASE("feed: RSS 0.91 with a DTD entity and windows-1252 quotes under a latin-1 label", "[parsers][feed][rss091]") {
  const Feed f = parse_fixture("rss091.xml");
  CHECK(f.title == "Café Report");
  CHECK(f.link == "https://news.example/");  // &site; from the internal subset
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].title == "Don’t panic");  // 0x92 is U+2019 in windows-1252, as browsers read latin-1
  CHECK(f.items[0].link == "https://news.example/dont-panic");
}

TEST_CASE("feed: JSON Feed and RSS versions without a namespace", "[parsers][feed][versions]") {
  for (const char* version : {"0.91", "0.92", "0.93", "0.94", "2.0"}) {
    INFO(version);
    auto f = parse_feed(std::string("<rss version=\"") + version +
                        "\"><channel><title>t</title><item><title>عنوان</title><link>https://a.example/1</link></item></channel></rss>");
    REQUIRE(f);
    REQUIRE(f->items.size() == 1);
    CHECK(f->items[0].title == "عنوان");
  }
  auto rdf090 = parse_feed(
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">"
      "<channel><title>t</title><link>https://a.example/</link></channel>"
      "<item><title>قديم</title><link>https://a.example/1</link></item></rdf:RDF>");
  REQUIRE(rdf090);
  CHECK(rdf090->format == "rdf");
  REQUIRE(rdf090->items.size() == 1);
  CHECK(rdf090->items[0].title == "قديم");
}

TEST_CASE("feed: Arabic in UTF-16 and UTF-32, with and without a BOM", "[parsers][feed][charset]") {
  const std::u32string doc = U"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>\u0631\u0635\u062F</title></channel></rss>";
  auto le = parse_feed("\xFF\xFE" + utf16le(doc));
  REQUIRE(le);
  CHECK(le->title == "رصد");
  auto be32 = parse_feed(utf32be(doc));  // no BOM: recognised by how "<" is spelled
  REQUIRE(be32);
  CHECK(be32->title == "رصد");
}

TEST_CASE("feed: undeclared windows-1256 is detected, decoded and reported", "[parsers][feed][charset]") {
  // A realistic amount of Arabic text, so that the detector has something to go on.
  std::string title;
  for (int i = 0; i < 12; ++i) {
    title += "\xE5\xCC\xE6\xE3\x20\xDA\xE1\xEC\x20\xE3\xE6\xDE\xDA\x20\xDA\xD3\xDF\xD1\xED\x20\xDD\xED\x20\xC7\xE1\xD1\xDE\xC9\x20";
  }
  auto f = parse_feed("<rss version=\"2.0\"><channel><title>" + title + "</title></channel></rss>");
  REQUIRE(f);
  CHECK(f->title.rfind("هجوم على موقع عسكري في الرقة", 0) == 0);
  REQUIRE_FALSE(f->warnings.empty());
  CHECK(f->warnings.back().find("windows-1256") != std::string::npos);
}

TEST_CASE("feed: ill-formed feeds recover or name the problem", "[parsers][feed][errors]") {
  // Garbage after the root element: the feed is kept, the problem reported with its offset.
  auto garbage = parse_feed("<rss version=\"2.0\"><channel><title>t</title></channel></rss>\n<p>trailing junk");
  REQUIRE(garbage);
  CHECK(garbage->title == "t");
  REQUIRE_FALSE(garbage->warnings.empty());
  CHECK(garbage->warnings[0].find("at byte") != std::string::npos);
  // An undeclared namespace prefix is read by its conventional meaning and reported.
  auto undeclared = parse_feed("<rss version=\"2.0\"><channel><item><title>x</title><dc:creator>كاتب</dc:creator></item></channel></rss>");
  REQUIRE(undeclared);
  CHECK(undeclared->items[0].author == "كاتب");
  CHECK_FALSE(undeclared->warnings.empty());
  // A bogus charset label is reported, and the bytes read as UTF-8.
  auto bogus = parse_feed("<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><rss version=\"2.0\"><channel><title>ok</title></channel></rss>");
  REQUIRE(bogus);
  CHECK(bogus->title == "ok");
  CHECK_FALSE(bogus->warnings.empty());
  // Served as text/plain: parsed, and flagged.
  auto plain = parse_feed("<rss version=\"2.0\"><channel><title>ok</title></channel></rss>", {"text/plain", ""});
  REQUIRE(plain);
  CHECK_FALSE(plain->warnings.empty());
  // Entity expansion is bounded.
  std::string bomb = "<!DOCTYPE rss [<!ENTITY a \"" + std::string(1000, 'x') + "\">]><rss version=\"2.0\"><channel><title>";
  for (int i = 0; i < 20000; ++i) bomb += "&a;";
  bomb += "</title></channel></rss>";
  auto b = parse_feed(bomb);
  REQUIRE(b);
  CHECK(b->title.size() < bomb.size() * 5 + (1u << 20));
  CHECK_FALSE(b->warnings.empty());
}

TEST_CASE("feed: character references UTF-8 cannot carry become U+FFFD", "[parsers][feed][errors]") {
  auto f = parse_feed("<rss version=\"2.0\"><channel><title>a&#xD800;b&#x110000;c</title></channel></rss>");
  REQUIRE(f);
  CHECK(f->title == "a\uFFFD\uFFFD\uFFFDb\uFFFD\uFFFD\uFFFD\uFFFDc");  // one per invalid byte, as ICU repairs
}
