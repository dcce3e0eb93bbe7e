// Webhook delivery throughput (issue 7): N alerts (default 10,000) in a real store, delivered
// to a receiver on 127.0.0.1 running in a separate process (forked before any thread starts),
// so the CPU time measured is rasd's alone: the Deliverer, its curl clients and SQLite.
// Usage: bench_deliver [--alerts N] [--concurrency C]
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

struct Cpu {
  double user, sys;
};
Cpu cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6,
          static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6};
}

// A realistic alert body: the DESIGN.md section 7 JSON with Arabic text, about 1.2 KB.
std::string payload(int i) {
  return R"({"type":"alert.created","id":"alert_)" + std::to_string(i) +
         R"(","created_at":"2024-12-19T06:30:00Z","rule":{"id":"isis-arrests","title":"Arrests of ISIS members","severity":"high","tags":["isis"]},"article":{"id":"a)" +
         std::to_string(i) +
         R"(","url":"https://news.example/2024/12/19/story","title":"القبض على عناصر من داعش في ريف دير الزور","source":"demo-ar","published":"2024-12-19T06:30:00Z","lang":"ar","snippet":"أعلنت قوات الأمن الداخلي القبض على خلية تابعة لتنظيم داعش في ريف دير الزور الشرقي بعد عملية أمنية استمرت ثلاثة أيام، وقالت مصادر محلية إن الخلية كانت تخطط لهجمات على نقاط عسكرية في البادية","hits":[{"field":"title","start":27,"end":31,"text":"داعش","view":"strict"}]},"cluster":{"id":"c)" +
         std::to_string(i) + R"(","articles":1,"sources":["demo-ar"]}})";
}

}  // namespace

int main(int argc, char** argv) {
  int alerts = 10000, concurrency = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--alerts") alerts = std::stoi(argv[i + 1]);
    else if (a == "--concurrency") concurrency = std::stoi(argv[i + 1]);
  }
  // The receiver: a child process, started before this one has threads.
  int ready[2];
  if (pipe(ready) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    test::HttpServer receiver([](const test::Request&) { return test::Response{200, {}, "ok"}; });
    const unsigned short port = receiver.port();
    if (write(ready[1], &port, sizeof port) != sizeof port) _exit(1);
    pause();  // until SIGKILL
    _exit(0);
  }
  close(ready[1]);
  unsigned short port = 0;
  if (read(ready[0], &port, sizeof port) != sizeof port) return 1;

  test::TempDir dir;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  auto cfg = load_config_text(dir.file("rasd.yaml"),
                              "store: {path: rasd.db}\nrules: []\nnetwork: {allow_private: true}\nwebhooks:\n"
                              "  - {name: bench, url: \"" + url + "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\", "
                              "concurrency: " + std::to_string(concurrency) + "}\n");
  if (!cfg.config) {
    std::fprintf(stderr, "%s\n", cfg.diagnostics.format().c_str());
    return 1;
  }
  Store store(cfg.config->store_path);
  SystemClock clock;
  const int64_t now = clock.now();
  for (int i = 0; i < alerts; ++i) {
    NewArticle a;
    a.source_id = "demo-ar";
    a.guid = "g" + std::to_string(i);
    a.title = "القبض على عناصر من داعش";
    a.fetched_at = now;
    NewAlert al;
    al.id = "alert_" + std::to_string(i);
    al.rule_id = "isis-arrests";
    al.severity = "high";
    al.created_at = now;
    al.payload = payload(i);
    al.deliveries.push_back({"msg_" + std::to_string(i), "bench"});
    store.insert_article(a, {al});
  }
  CurlGlobal curl;
  auto log = std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
  const Cpu cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  int delivered = 0, failed = 0;
  for (;;) {
    const DeliveryStats s = deliver_due_once(*cfg.config, store, clock, log, 1000);
    delivered += s.delivered;
    failed += s.failed + s.dead + s.disabled;
    if (s.delivered + s.failed + s.dead + s.disabled == 0) break;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Cpu cpu1 = cpu_seconds();
  const double user = cpu1.user - cpu0.user, sys = cpu1.sys - cpu0.sys, cpu = user + sys;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::printf("alerts: %d, endpoint concurrency %d, requests on one curl multi; receiver in a separate process on 127.0.0.1\n", alerts,
              concurrency);
  std::printf("delivered: %d, failed: %d\n", delivered, failed);
  std::printf("wall: %.2f s, %.0f deliveries/s\n", wall, delivered / wall);
  std::printf("rasd CPU: %.2f s (user %.2f, system %.2f), %.0f us per delivery: HTTP (a new connection each time: the\n"
              "  receiver closes them), HMAC signature, SQLite commits with synchronous=FULL batched per answers arrived\n",
              cpu, user, sys, 1e6 * cpu / std::max(1, delivered));
  return delivered == alerts ? 0 : 1;
}
