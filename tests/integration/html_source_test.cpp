// Sources of type html (issue 8): a section page without a feed, its article links found by
// detection or by a selector, each article page fetched through the polling engine and
// extracted; the real `rasd run --once` against a real server on 127.0.0.1.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "test_util.hpp"

using namespace rasd;
using test::scalar;

namespace {

const char* const kChrome[] = {"الرئيسية", "شارك على فيسبوك", "الأكثر قراءة", "جميع الحقوق محفوظة",
                               "التعليقات مغلقة على هذا الخبر"};

std::string article_page(const std::string& title, const std::string& body) {
  return "<html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\"><title>" + title +
         " | موقع الخبر</title></head><body><header><a href=\"/\">الرئيسية</a></header>"
         "<div class=\"share\"><a href=\"#\">شارك على فيسبوك</a></div><div class=\"article\"><h1>" +
         title + "</h1><p>" + body + "</p><p>" + body +
         " وأضاف المصدر أن التحقيقات مستمرة حتى الآن.</p></div>"
         "<p>التعليقات مغلقة على هذا الخبر</p>"
         "<aside><h3>الأكثر قراءة</h3><a href=\"/x\">خبر آخر عن الطقس</a></aside><footer>جميع "
         "الحقوق محفوظة</footer>"
         "</body></html>";
}

}  // namespace

TEST_CASE(
    "html sources: section pages without a feed, article links detected or selected, pages "
    "extracted",
    "[integration][html]") {
  const std::map<std::string, std::string> pages = {
      {"/news",
       "<html><body><nav><a href=\"/\">الرئيسية</a><a href=\"/sport\">رياضة</a></nav>"
       "<div class=\"list\"><a href=\"/news/2024/12/cell-arrest.html\">القبض على خلية تابعة لتنظيم "
       "داعش في الريف الشرقي</a>"
       "<a href=\"/news/2024/12/fuel-prices.html\">ارتفاع أسعار الوقود في المحافظات الشمالية "
       "اليوم</a>"
       "<a href=\"/tag/%D8%AF%D8%A7%D8%B9%D8%B4\">كل الأخبار عن تنظيم داعش في سوريا والعراق</a>"
       "<a href=\"https://elsewhere.example/news/2024/12/x.html\">خبر من موقع آخر تماما عن موضوع "
       "آخر</a></div>"
       "</body></html>"},
      {"/news/2024/12/cell-arrest.html",
       article_page("القبض على خلية تابعة لـ د|عـ.ـش",
                    "أعلنت قوات الأمن، اليوم، القبض على خلية تابعة لتنظيم "
                    "داعـ.ـش في ريف ديرالزور الشرقي بعد عملية استمرت ثلاثة أيام.")},
      {"/news/2024/12/fuel-prices.html",
       article_page("ارتفاع أسعار الوقود",
                    "ارتفعت أسعار الوقود في المحافظات الشمالية، وقال مسؤولون إن "
                    "الزيادة مؤقتة وستراجع الحكومة الأسعار الشهر المقبل.")},
      {"/economy",
       "<html><body><ul class=\"latest\"><li><a href=\"/e/1\">البنك المركزي</a></li></ul>"
       "<ul class=\"other\"><li><a href=\"/e/2\">لا تؤخذ هذه الروابط لأنها خارج "
       "المحدد</a></li></ul></body></html>"},
      {"/e/1", article_page("البنك المركزي يثبت سعر الصرف",
                            "أعلن البنك المركزي، اليوم، تثبيت سعر الصرف الرسمي "
                            "للأسبوع الثالث على التوالي وسط ترقب في الأسواق.")},
      {"/e/2", article_page("لا ينبغي أن يجلب",
                            "هذه الصفحة لا ينبغي أن تجلب أبدا لأنها خارج المحدد المعطى.")},
  };
  test::HttpServer site([&](const test::Request& r) {
    auto it = pages.find(r.target);
    if (it == pages.end()) return test::Response{404, {}, "not found"};
    return test::Response{200, {{"Content-Type", "text/html; charset=utf-8"}}, it->second};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  std::string yaml =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
      "http: {listen: \"\"}\ndefaults: {per_host_gap: 0}\nsources:\n"
      "  - {id: news, type: html, url: \"" +
      site.url("/news") +
      "\"}\n"
      "  - {id: economy, type: html, links: \"ul.latest a\", url: \"" +
      site.url("/economy") + "\"}\n";
  const std::string cfg = dir.write("rasd.yaml", yaml);
  auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string db = dir.file("rasd.db");
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "3");
  CHECK(scalar(db, "SELECT count(*) FROM articles WHERE source_id = 'news'") == "2");
  CHECK(scalar(db, "SELECT title FROM articles WHERE guid LIKE '%cell-arrest.html'") ==
        "القبض على خلية تابعة لـ د|عـ.ـش");
  CHECK(scalar(db, "SELECT title FROM articles WHERE source_id = 'economy'") ==
        "البنك المركزي يثبت سعر الصرف");
  CHECK(scalar(db, "SELECT lang FROM articles WHERE source_id = 'economy'") == "ar");
  const std::string body =
      scalar(db, "SELECT body FROM articles WHERE guid LIKE '%cell-arrest.html'");
  CHECK(body.find("ريف ديرالزور الشرقي") != std::string::npos);
  for (const char* c : kChrome) {
    INFO(c);
    CHECK(scalar(db, "SELECT count(*) FROM articles WHERE body LIKE '%" + std::string(c) + "%'") ==
          "0");
  }
  // The obfuscated spelling in the extracted page raised the rule's alert.
  CHECK(scalar(db, "SELECT count(*) FROM alerts WHERE rule_id = 'isis'") == "1");
  // Not fetched: the tag page, the other site, the link outside the selector.
  CHECK(site.request_count("/tag/") == 0);
  CHECK(site.request_count("/e/2") == 0);
  CHECK(site.request_count("/news/2024/12/cell-arrest.html") == 1);

  // Polled again: known articles are not fetched again.
  r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  REQUIRE(r.exit_code == 0);
  CHECK(site.request_count("/news/2024/12/") == 2);
  CHECK(site.request_count("/e/1") == 1);
  CHECK(site.request_count("/news") >= 4);  // the section page itself, twice, and its articles

  // A selector rasd cannot read fails that source with a clear error, the others go on.
  yaml.replace(yaml.find("ul.latest a"), std::string("ul.latest a").size(), "ul > a");
  dir.write("rasd.yaml", yaml);
  r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  REQUIRE(r.exit_code == 0);
  CHECK(scalar(db, "SELECT last_error FROM sources WHERE id = 'economy'")
            .find("selector: unexpected '>'") != std::string::npos);
  CHECK(scalar(db, "SELECT failures FROM sources WHERE id = 'news'") == "0");
}

TEST_CASE(
    "full_text feeds: each new item's page is fetched and extracted, a failed page keeps the "
    "teaser",
    "[integration][html]") {
  const std::string body =
      "أعلنت قوات الأمن، اليوم، القبض على خلية تابعة لتنظيم داعش في ريف دير الزور الشرقي بعد "
      "عملية أمنية استمرت ثلاثة أيام، وقال مصدر إن التحقيقات ما زالت جارية.";
  const std::string feed =
      "<rss version=\"2.0\"><channel><title>t</title>"
      "<item><title>القبض على خلية</title><guid>g1</guid><link>/a/1.html</link>"
      "<description>مقدمة قصيرة عن الخبر</description></item>"
      "<item><title>خبر بلا صفحة</title><guid>g2</guid><link>/a/missing.html</link>"
      "<description>نص المقدمة الذي يبقى</description></item></channel></rss>";
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/feed.xml") {
      return test::Response{
          200, {{"Content-Type", "application/rss+xml"}, {"ETag", "\"v1\""}}, feed};
    }
    if (r.target == "/a/1.html") {
      return test::Response{200,
                            {{"Content-Type", "text/html; charset=utf-8"}},
                            article_page("القبض على خلية", body)};
    }
    return test::Response{404, {}, ""};
  });
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\ndefaults: {per_host_gap: 0}\nsources:\n"
                "  - {id: f, url: \"" +
                    site.url("/feed.xml") + "\", full_text: true}\n");
  auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string db = dir.file("rasd.db");
  CHECK(scalar(db, "SELECT count(*) FROM articles") == "2");
  // The feed's guid and title, the page's text (and its alert: the teaser does not say داعش).
  const std::string full = scalar(db, "SELECT body FROM articles WHERE guid = 'g1'");
  CHECK(full.find("ريف دير الزور الشرقي") != std::string::npos);
  CHECK(full.find("شارك على فيسبوك") == std::string::npos);
  CHECK(scalar(db, "SELECT title FROM articles WHERE guid = 'g1'") == "القبض على خلية");
  CHECK(scalar(db, "SELECT count(*) FROM alerts WHERE rule_id = 'isis'") == "1");
  // The page that failed: the item as the feed gave it.
  CHECK(scalar(db, "SELECT body FROM articles WHERE guid = 'g2'") == "نص المقدمة الذي يبقى");
  // Items waited for their pages in the store (page_fetches), queued in the transaction that
  // saved the feed's validators; nothing is left waiting once the pages were handled.
  CHECK(scalar(db, "SELECT etag FROM sources WHERE id = 'f'") == "\"v1\"");
  CHECK(scalar(db, "SELECT count(*) FROM page_fetches") == "0");
}
