// The real `rasd run` process: staged SIGHUP reload and clean SIGTERM.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "http_server.hpp"
#include "test_util.hpp"

using namespace rasd;

TEST_CASE(
    "service: SIGHUP keeps the old rules on a broken file, applies a valid change, SIGTERM stops "
    "cleanly",
    "[integration][service]") {
  test::HttpServer site([](const test::Request&) {
    return test::Response{200,
                          {{"Content-Type", "application/rss+xml"}},
                          "<rss version=\"2.0\"><channel><title>t</title></channel></rss>"};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: [rules]\nnetwork: "
                                    "{allow_private: true}\nhttp: {listen: \"127.0.0.1:0\"}\n"
                                    "sources:\n  - {id: s, url: \"" +
                                        site.url("/f.xml") + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg});
  REQUIRE(rasd.wait_for("rasd running: 1 sources, 1 rules", 10000));

  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: '(داعش'\n");
  size_t mark = rasd.err().size();
  rasd.signal(SIGHUP);
  REQUIRE(
      rasd.wait_for("reload failed; keeping the previous configuration and rules", 10000, mark));
  INFO(rasd.err().substr(mark));
  CHECK(rasd.err().find("a.yaml:3:13: error: rule 'one': missing ')' for the '(' here", mark) !=
        std::string::npos);

  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n  - id: two\n    query: هجوم\n");
  mark = rasd.err().size();
  rasd.signal(SIGHUP);
  REQUIRE(rasd.wait_for("reloaded: 1 sources, 2 rules", 10000, mark));

  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(rasd.err().find("rasd stopped") != std::string::npos);
}

TEST_CASE("service: SIGTERM lets a request in flight finish and stores its result",
          "[integration][service]") {
  std::atomic<int> served{0};
  test::HttpServer site([&](const test::Request&) {
    ++served;
    return test::Response{
        200,
        {{"Content-Type", "application/rss+xml"}},
        "<rss version=\"2.0\"><channel><title>t</title><item><title>خبر</title><guid>g1</guid>"
        "</item></channel></rss>",
        1500};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: [rules]\nnetwork: "
                                    "{allow_private: true}\nhttp: {listen: \"127.0.0.1:0\"}\n"
                                    "sources:\n  - {id: s, url: \"" +
                                        site.url("/f.xml") + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  // Wait until the request is on the wire, then stop.
  for (int i = 0; i < 100 && served == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(served == 1);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(rasd.err().find("1 requests in flight may finish") != std::string::npos);
  // The answer that arrived during shutdown was processed and the fetch state persisted.
  auto sources = test::run_process({RASD_BINARY, "sources", "list", "--config", cfg});
  INFO(sources.out);
  CHECK(sources.out.find("\"last_success\":null") == std::string::npos);
  CHECK(sources.out.find("\"failures\":0") != std::string::npos);
  CHECK(served == 1);
}
