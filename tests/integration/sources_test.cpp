// Sources that users manage (issue 19): the sources file, `rasd sources add|remove|import-opml`,
// and a running daemon that picks the change up.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http_server.hpp"
#include "test_util.hpp"

using rasd::test::run_process;
using rasd::test::TempDir;
namespace test = rasd::test;

namespace {

std::string rss(const std::string& title) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>" + title +
         "</title><link>https://news.example/</link><item><title>خبر</title><guid>g1</guid>"
         "</item></channel></rss>";
}

// A news site on 127.0.0.1: a feed, a page announcing it, a page whose feed is only at
// /rss.xml, and a page without any feed.
test::HttpServer site() {
  return test::HttpServer([](const test::Request& r) {
    const auto page = [](const std::string& head, const std::string& body) {
      return test::Response{
          200,
          {{"Content-Type", "text/html; charset=utf-8"}},
          "<html><head><title>عنب بلدي</title>" + head + "</head><body>" + body + "</body></html>"};
    };
    const auto feed = [&](const std::string& t) {
      return test::Response{200, {{"Content-Type", "application/rss+xml"}}, rss(t)};
    };
    if (r.target == "/feed.xml" || r.target == "/feed-xml") return feed("عنب بلدي");
    if (r.target == "/announced/news.rss") return feed("Announced");
    if (r.target == "/home")
      return page(
          "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/announced/news.rss\">", "");
    if (r.target == "/rss.xml") return feed("At the usual place");
    if (r.target == "/plain")
      return page("",
                  "<a href=\"/2024/12/attack-in-deir-ez-zor.html\">هجوم على نقطة عسكرية في ريف دير "
                  "الزور</a>");
    return test::Response{404, {}, "no"};
  });
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

const char* kConfig =
    "store: {path: rasd.db}\nrules: []\nnetwork: {allow_private: true}\nhttp: {listen: \"\"}\n"
    "sources:\n  - {id: main, url: \"https://main.example/feed\"}\n";

}  // namespace

TEST_CASE("sources add: a feed, a page's announced feed, the usual path, and a plain page",
          "[cli][sources]") {
  auto s = site();
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  const std::string file = dir.path() + "/sources.yaml";

  auto r = run_process(
      {RASD_BINARY, "sources", "add", "--config", cfg, s.url("/feed.xml"), "--tags", "ar,syria"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("added source '127-0-0-1-feed-xml' (feed)") != std::string::npos);
  CHECK(r.out.find("picks this up on reload") != std::string::npos);  // no API to tell
  std::string text = file_text(file);
  CHECK(text.rfind("# Written by rasd", 0) == 0);
  CHECK(text.find("title: \"عنب بلدي\"") != std::string::npos);  // Arabic title kept as a title
  CHECK(text.find("tags: [ar, syria]") != std::string::npos);

  // The same id from another URL: -2. The same URL again: nothing written.
  r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/feed-xml")});
  CHECK(r.out.find("added source '127-0-0-1-feed-xml-2'") != std::string::npos);
  r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/feed.xml")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("is already source '127-0-0-1-feed-xml'") != std::string::npos);

  r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/home")});
  INFO(r.out << r.err);
  CHECK(r.out.find("it has 2 feed(s)") != std::string::npos);  // announced, and /rss.xml
  CHECK(r.out.find("added source '127-0-0-1-announced-news-rss' (feed) " +
                   s.url("/announced/news.rss")) != std::string::npos);

  r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/plain"), "--type",
                   "html", "--id", "site"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(s.url("/2024/12/attack-in-deir-ez-zor.html")) != std::string::npos);
  CHECK(r.out.find("added source 'site' (html)") != std::string::npos);

  // Every entry loads: five sources from the file and one from rasd.yaml.
  auto check = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(check.out);
  CHECK(check.out.find("ok: 5 sources") != std::string::npos);

  // An id already in rasd.yaml, or one that is not an id: refused, the file not touched.
  const std::string before = file_text(file);
  r = run_process(
      {RASD_BINARY, "sources", "add", "--config", cfg, s.url("/rss.xml"), "--id", "main"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--id: a source 'main' exists already") != std::string::npos);
  CHECK(r.out.find("added") == std::string::npos);
  CHECK(file_text(file) == before);
  r = run_process(
      {RASD_BINARY, "sources", "add", "--config", cfg, s.url("/rss.xml"), "--id", "My Feed"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--id: 'My Feed' is not an id ([a-z0-9_-]+)") != std::string::npos);
  CHECK(file_text(file) == before);
  // A URL that does not answer: exit 1, nothing written.
  r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/missing")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("HTTP 404") != std::string::npos);
  CHECK(file_text(file) == before);
}

TEST_CASE("sources remove: entries of the sources file only", "[cli][sources]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  // Hand-written: a comment, a pinned allow_private equal to the default, a private mode.
  const std::string file = dir.write("sources.yaml",
                                     "# paused: - {id: old, url: \"https://old.example/feed\"}\n"
                                     "- {id: a, url: \"https://a.example/feed\"}\n"
                                     "- {id: b, url: \"https://b.example/feed\", allow_private: "
                                     "true}\n");
  REQUIRE(::chmod(file.c_str(), 0640) == 0);
  auto r = run_process({RASD_BINARY, "sources", "remove", "--config", cfg, "a"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const std::string text = file_text(file);
  CHECK(text.find("a.example") == std::string::npos);
  // Equal to network.allow_private here, but given: kept, so that changing the default later
  // does not change this source.
  CHECK(text.find("{id: b, url: \"https://b.example/feed\", type: feed, allow_private: true}") !=
        std::string::npos);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  // The hand-written original, comments and all, is kept beside it.
  CHECK(file_text(file + ".bak").find("# paused:") != std::string::npos);
  CHECK(r.out.find("is kept as " + file + ".bak") != std::string::npos);
  r = run_process({RASD_BINARY, "sources", "remove", "--config", cfg, "main"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("source 'main' is defined in " + cfg) != std::string::npos);
  r = run_process({RASD_BINARY, "sources", "remove", "--config", cfg, "nothing"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no source 'nothing'") != std::string::npos);
}

TEST_CASE("sources file: errors at file:line:col, ids unique across both lists",
          "[cli][sources][check]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  const std::string file = dir.write("sources.yaml",
                                     "- {id: main, url: \"https://x.example/feed\"}\n"
                                     "- {id: y, url: \"https://y.example/feed\", type: rss}\n"
                                     "- {id: z, url: \"https://z.example/feed\", colour: red}\n");
  auto r = run_process({RASD_BINARY, "check", "--config", cfg});
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(file + ":1:8: error: duplicate source id 'main'") != std::string::npos);
  CHECK(r.out.find(file + ":2:48: error: source 'y': type must be 'feed' or 'html'") !=
        std::string::npos);
  CHECK(r.out.find(file + ":3:42: error: unknown key 'colour' in source 'z'") != std::string::npos);
  dir.write("sources.yaml", "{id: a}\n");
  r = run_process({RASD_BINARY, "check", "--config", cfg});
  CHECK(r.out.find(file + ":1:1: error: sources must be a list") != std::string::npos);
  // Named explicitly, elsewhere; a missing one is no sources yet, and said so.
  dir.write("rasd.yaml", std::string(kConfig) + "sources_file: lists/mine.yaml\n");
  r = run_process({RASD_BINARY, "check", "--config", cfg});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(cfg + ":7:15: warning: sources_file: '" + dir.path() +
                   "/lists/mine.yaml' does not exist yet") != std::string::npos);
  CHECK(r.out.find("ok: 1 sources") != std::string::npos);
  dir.write("rasd.yaml", std::string(kConfig) + "sources_file: \"\"\n");
  r = run_process({RASD_BINARY, "check", "--config", cfg});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(cfg + ":7:15: error: sources_file: must name a file") != std::string::npos);
}

TEST_CASE("sources import-opml: Miniflux, FreshRSS and Inoreader exports, and broken files",
          "[cli][sources][opml]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  // Miniflux (internal/reader/opml/serializer.go): OPML 2.0, one outline per category holding
  // outlines with title, text, xmlUrl, htmlUrl.
  const std::string miniflux = dir.write(
      "miniflux.opml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n"
      "    <title>Miniflux</title>\n    <dateCreated>Mon, 01 Dec 2026 10:00:00 UTC</dateCreated>\n"
      "  </head>\n  <body>\n    <outline text=\"سوريا\">\n"
      "      <outline title=\"عنب بلدي\" text=\"عنب بلدي\" "
      "xmlUrl=\"https://www.enabbaladi.net/feed/\" "
      "htmlUrl=\"https://www.enabbaladi.net\"></outline>\n"
      "      <outline title=\"Main again\" text=\"Main again\" "
      "xmlUrl=\"https://main.example/feed\"></outline>\n"
      "    </outline>\n  </body>\n</opml>\n");
  // FreshRSS (app/views/helpers/export/opml.phtml): OPML 2.0 with the frss namespace, type="rss",
  // categories as outlines, and WebSub/XPath extensions that rasd does not need.
  const std::string freshrss = dir.write(
      "freshrss.opml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<opml version=\"2.0\" xmlns:frss=\"https://freshrss.org/opml\">\n"
      "<head><title>FreshRSS</title></head>\n<body>\n<outline text=\"Iraq\">\n"
      "<outline text=\"Shafaq\" type=\"rss\" xmlUrl=\"https://shafaq.com/ar/rss\" "
      "htmlUrl=\"https://shafaq.com/ar\" description=\"\" frss:cssFullContent=\"article\"/>\n"
      "</outline>\n<outline text=\"Scraped\" type=\"rss\" xmlUrl=\"https://news.example/section\" "
      "frss:xPathItem=\"//article\"/>\n</body>\n</opml>\n");
  // Inoreader: OPML 1.0, folders as outlines with title and text, feeds with type="rss".
  const std::string inoreader = dir.write(
      "inoreader.opml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"1.0\">\n"
      "  <head><title>Subscriptions in Inoreader</title></head>\n  <body>\n"
      "    <outline text=\"Security\" title=\"Security\">\n"
      "      <outline text=\"Long War Journal\" title=\"Long War Journal\" type=\"rss\" "
      "xmlUrl=\"https://www.longwarjournal.org/feed\" "
      "htmlUrl=\"https://www.longwarjournal.org\"/>\n"
      "      <outline text=\"Shafaq\" type=\"rss\" xmlUrl=\"https://shafaq.com/ar/rss\"/>\n"
      "    </outline>\n  </body>\n</opml>\n");
  auto r = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, miniflux});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(miniflux + ":10: skipped: https://main.example/feed is already source 'main'") !=
        std::string::npos);
  CHECK(r.out.find("imported 1 sources") != std::string::npos);
  r = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, freshrss});
  CHECK(r.out.find("imported 2 sources") != std::string::npos);
  r = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, inoreader});
  CHECK(r.out.find("imported 1 sources") != std::string::npos);
  CHECK(r.out.find("skipped 1 already configured") != std::string::npos);
  std::string text = file_text(dir.path() + "/sources.yaml");
  CHECK(text.find("{id: enabbaladi-net-feed, title: \"عنب بلدي\", url: "
                  "\"https://www.enabbaladi.net/feed/\", type: feed, tags: [سوريا]}") !=
        std::string::npos);
  CHECK(text.find("id: shafaq-com-ar-rss") != std::string::npos);
  CHECK(text.find("tags: [Security]") != std::string::npos);
  CHECK(run_process({RASD_BINARY, "check", "--config", cfg}).out.find("ok: 5 sources") !=
        std::string::npos);

  // Entries rasd cannot poll are skipped one by one; the rest still land.
  const std::string odd = dir.write("odd.opml",
                                    "<opml version=\"2.0\"><body>\n"
                                    "<outline xmlUrl=\"https://site.example/feed#main\"/>\n"
                                    "<outline xmlUrl=\"http:///feed\"/>\n"
                                    "<outline xmlUrl=\"https://ok.example/feed\"/>\n"
                                    "</body></opml>\n");
  r = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, odd});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(odd + ":2: skipped: 'https://site.example/feed#main' is not an absolute") !=
        std::string::npos);
  CHECK(r.out.find(odd + ":3: skipped: 'http:///feed'") != std::string::npos);
  CHECK(r.out.find("imported 1 sources") != std::string::npos);
  text = file_text(dir.path() + "/sources.yaml");

  // Broken files: the line of the problem, nothing written.
  const std::string before = text;
  const std::string broken = dir.write("broken.opml",
                                       "<opml version=\"2.0\">\n<body>\n<outline "
                                       "xmlUrl=\"https://a.example/f\">\n</body>\n");
  r = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, broken});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(broken + ":4: error: not well-formed XML") != std::string::npos);
  CHECK(file_text(dir.path() + "/sources.yaml") == before);
}

TEST_CASE("sources import-opml: Newsboat's own test files", "[cli][sources][opml][corpus]") {
  const std::string corpus = std::string(RASD_SOURCE_DIR) + "/../shared/corpora/opml/newsboat";
  if (!std::filesystem::exists(corpus)) {
    WARN("skipped: " << corpus << " not found (the corpus ships with CI, not with a clone)");
    return;
  }
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  auto import = [&](const char* name) {
    return run_process(
        {RASD_BINARY, "sources", "import-opml", "--config", cfg, corpus + "/" + name});
  };
  auto r = import("test-urls+.opml");  // nested folders become tags
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const std::string text = file_text(dir.path() + "/sources.yaml");
  CHECK(text.find("url: \"http://test1.url.cc/feed.xml\", type: feed, tags: [tag1, tag2]") !=
        std::string::npos);
  r = import("category.opml");  // OPML 2.0 category: comma-separated, slash-delimited
  CHECK(file_text(dir.path() + "/sources.yaml").find("tags: [tag one, tag_two, tag, three]") !=
        std::string::npos);
  r = import("piped.opml");  // a command instead of a URL
  CHECK(r.out.find("piped.opml:8: skipped: '|~/fetch_tweets.py' is not an absolute http(s) URL") !=
        std::string::npos);
  r = import("body-element-missing.opml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("body-element-missing.opml:2: error: <opml> has no <body>") !=
        std::string::npos);
  r = import("opml-element-missing.opml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("the root element is <not-opml>, not <opml>") != std::string::npos);
  r = import("example.opml");
  CHECK(r.exit_code == 0);
  CHECK(run_process({RASD_BINARY, "check", "--config", cfg}).exit_code == 0);
}

TEST_CASE("sources: two imports at once both land (the lock), and export-opml round-trips",
          "[cli][sources][opml]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  std::vector<std::string> files;
  for (int k = 0; k < 2; ++k) {
    std::string body;
    for (int i = 0; i < 50; ++i)
      body += "<outline type=\"rss\" xmlUrl=\"https://f" + std::to_string(k) + "-" +
              std::to_string(i) + ".example/feed\"/>\n";
    files.push_back(dir.write("list" + std::to_string(k) + ".opml",
                              "<opml version=\"2.0\"><body>\n" + body + "</body></opml>\n"));
  }
  test::ProcessResult a, b;
  std::thread ta([&] {
    a = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, files[0]});
  });
  std::thread tb([&] {
    b = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg, files[1]});
  });
  ta.join();
  tb.join();
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  auto check = run_process({RASD_BINARY, "check", "--config", cfg});
  CHECK(check.out.find("ok: 101 sources") != std::string::npos);
  // What export-opml writes, import-opml reads back into a new config: the same 101 URLs.
  auto exported = run_process({RASD_BINARY, "sources", "export-opml", "--config", cfg});
  REQUIRE(exported.exit_code == 0);
  TempDir other;
  const std::string cfg2 =
      other.write("rasd.yaml", "store: {path: rasd.db}\nrules: []\nhttp: {listen: \"\"}\n");
  const std::string opml = other.write("all.opml", exported.out);
  auto back = run_process({RASD_BINARY, "sources", "import-opml", "--config", cfg2, opml});
  CHECK(back.out.find("imported 101 sources") != std::string::npos);
}

TEST_CASE("sources add: a running daemon reloads through its API", "[cli][sources][service]") {
  auto s = site();
  // A free loopback port for the daemon's API (the config must name it for the CLI to call).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  TempDir dir;
  dir.write("api-token", "sources-test-token\r\n");  // written on Windows: trimmed
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: rasd.db}\nrules: []\nnetwork: {allow_private: true}\n"
      "http: {listen: \"127.0.0.1:" +
          std::to_string(port) + "\", token_file: api-token}\nsources:\n  - {id: main, url: \"" +
          s.url("/rss.xml") + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("http api listening", 10000));
  const size_t mark = rasd.err().size();
  auto r = run_process({RASD_BINARY, "sources", "add", "--config", cfg, s.url("/feed.xml")});
  INFO(r.out << r.err << rasd.err());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("the running rasd at 127.0.0.1:" + std::to_string(port) + " is reloading") !=
        std::string::npos);
  CHECK(rasd.wait_for("reloaded: 2 sources", 10000, mark));
  CHECK(rasd.wait_for("source '127-0-0-1-feed-xml': 1 items, 1 new", 10000, mark));
}

TEST_CASE("sources file: a symlinked list is written where the link points", "[cli][sources]") {
  TempDir dir;
  const std::string cfg = dir.write("rasd.yaml", kConfig);
  const std::string real =
      dir.write("managed/list.yaml", "- {id: a, url: \"https://a.example/feed\"}\n");
  REQUIRE(::symlink(real.c_str(), (dir.path() + "/sources.yaml").c_str()) == 0);
  auto r = run_process({RASD_BINARY, "sources", "remove", "--config", cfg, "a"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::is_symlink(dir.path() + "/sources.yaml"));
  CHECK(file_text(real).find("a.example") == std::string::npos);
  CHECK(file_text(real).rfind("# Written by rasd", 0) == 0);
}
