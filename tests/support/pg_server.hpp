// A real PostgreSQL server for tests, started without any system service: initdb in a
// temporary directory, then pg_ctl on a free loopback port (PostgreSQL 15 from Debian's
// postgresql-15). PostgreSQL refuses to run as root, so under root both run as the `postgres`
// user the package creates (runuser), in a directory that user owns.
//
// Test settings, not production ones: fsync is off (no test cuts the power, and CI's disk is
// slow), authentication is `trust` on 127.0.0.1 only.
#pragma once

#include <optional>
#include <string>

namespace rasd::test {

class PgServer {
 public:
  // Why no server can be started here (no PostgreSQL binaries), or nullopt.
  static std::optional<std::string> unavailable();

  // Starts a fresh cluster; throws std::runtime_error with initdb's or pg_ctl's log.
  PgServer();
  ~PgServer();  // stops the server at once and removes its directory
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return port_; }
  // The URL of database `db` (the cluster's own "postgres" by default).
  std::string url(const std::string& db = "postgres") const;
  // Creates an empty database with a fresh name and returns its URL.
  std::string create_database();
  // Stops the server (fast shutdown: connections are cut) and starts it again on the same port.
  void restart();
  void stop();
  void start();
  // Leaves the server running past this object (CTest's fixture starts it in one process and
  // stops it in another): returns its directory, for destroy().
  std::string detach();
  static void destroy(const std::string& dir);
  // The URL without a database, "postgresql://rasd@127.0.0.1:PORT".
  std::string base_url() const;

 private:
  std::string dir_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
  bool detached_ = false;
};

// Where a backend-neutral test (tagged [backend]) keeps its store: an SQLite file in `dir` by
// default; a fresh PostgreSQL database when RASD_TEST_PG_URL_FILE names the file with the
// server's base URL (CTest's postgresql fixture starts one server for the whole run), or when
// RASD_TEST_STORE=postgresql (a server this process starts once, for runs outside CTest).
bool testing_postgres();
std::string store_location(const std::string& dir);
// The `store:` line of a rasd.yaml for a store_location(): its path, or its URL with the
// config's directory as the instance's state_dir.
std::string store_yaml(const std::string& location);
// The first column of the first row of `sql` on a PostgreSQL database ("" for none or NULL).
std::string pg_scalar(const std::string& url, const std::string& sql);

}  // namespace rasd::test
