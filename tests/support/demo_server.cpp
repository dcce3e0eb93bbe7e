// The demo's local news site and webhook receiver, both on 127.0.0.1.
// Usage: rasd-demo-server SITE_DIR SITE_PORT HOOK_PORT
// Serves files under SITE_DIR; prints each webhook it receives as one line.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "http_server.hpp"
#include "test_util.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: rasd-demo-server SITE_DIR SITE_PORT HOOK_PORT\n";
    return 2;
  }
  const std::filesystem::path root = std::filesystem::weakly_canonical(argv[1]);
  std::mutex out_mu;
  rasd::test::HttpServer site(
      [&](const rasd::test::Request& r) {
        const auto p = std::filesystem::weakly_canonical(root / r.target.substr(1));
        if (p.string().rfind(root.string(), 0) != 0 || !std::filesystem::is_regular_file(p)) {
          return rasd::test::Response{404, {}, "not found"};
        }
        const auto ext = p.extension();
        const std::string ct = ext == ".xml"    ? "application/rss+xml; charset=utf-8"
                               : ext == ".atom" ? "application/atom+xml; charset=utf-8"
                                                : "text/html; charset=utf-8";
        return rasd::test::Response{200, {{"Content-Type", ct}}, rasd::test::read_file(p.string())};
      },
      static_cast<unsigned short>(std::stoi(argv[2])));
  rasd::test::HttpServer hooks(
      [&](const rasd::test::Request& r) {
        std::lock_guard<std::mutex> lock(out_mu);
        std::cout << "webhook received  id=" << (r.headers.count("webhook-id") ? r.headers.at("webhook-id") : "?")
                  << "\n  " << r.body << "\n" << std::flush;
        return rasd::test::Response{204, {}, ""};
      },
      static_cast<unsigned short>(std::stoi(argv[3])));
  std::cout << "demo site on " << site.url("/") << ", webhook receiver on " << hooks.url("/hook") << std::endl;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
