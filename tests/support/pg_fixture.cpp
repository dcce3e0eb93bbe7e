// CTest's postgresql fixture: `rasd-test-postgres start STATE_DIR` starts a server for the
// whole test run and writes its base URL to STATE_DIR/url (the tests read it through
// RASD_TEST_PG_URL_FILE); `rasd-test-postgres stop STATE_DIR` stops it and removes its files.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "pg_server.hpp"
#include "test_util.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: rasd-test-postgres start|stop STATE_DIR\n";
    return 2;
  }
  const std::string cmd = argv[1], state = argv[2];
  try {
    if (cmd == "start") {
      if (auto why = rasd::test::PgServer::unavailable()) {
        std::cerr << "postgresql fixture: " << *why << "\n";
        return 1;
      }
      std::filesystem::create_directories(state);
      if (std::filesystem::exists(state + "/dir")) {  // a run that never stopped its server
        rasd::test::PgServer::destroy(rasd::test::read_file(state + "/dir"));
      }
      rasd::test::PgServer server;
      std::ofstream(state + "/url") << server.base_url();
      std::ofstream(state + "/dir") << server.detach();
      std::cout << "PostgreSQL for the tests at " << server.base_url() << "\n";
      return 0;
    }
    if (cmd == "stop") {
      if (std::filesystem::exists(state + "/dir"))
        rasd::test::PgServer::destroy(rasd::test::read_file(state + "/dir"));
      std::filesystem::remove(state + "/dir");
      std::filesystem::remove(state + "/url");
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "postgresql fixture: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: rasd-test-postgres start|stop STATE_DIR\n";
  return 2;
}
