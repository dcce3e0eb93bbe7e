#include "pg_server.hpp"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "test_util.hpp"

namespace rasd::test {
namespace {

std::string bindir() {
  if (const char* d = std::getenv("RASD_PG_BINDIR")) return d;
  for (const char* v : {"17", "16", "15"}) {
    const std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (std::filesystem::exists(dir + "/initdb")) return dir;
  }
  return {};
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

// As the server's user: `postgres` under root, ourselves otherwise.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> out = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void run_or_throw(const std::vector<std::string>& argv, const std::string& what,
                  const std::string& log = "") {
  const auto r = run_process(as_server_user(argv));
  if (r.exit_code != 0) {
    std::string detail = r.err + r.out;
    if (!log.empty()) detail += read_file(log);
    throw std::runtime_error(what + " failed (" + std::to_string(r.exit_code) + "): " + detail);
  }
}

}  // namespace

std::optional<std::string> PgServer::unavailable() {
  if (bindir().empty()) return "no PostgreSQL server binaries (install postgresql-15)";
  return std::nullopt;
}

PgServer::PgServer() {
  if (auto why = unavailable()) throw std::runtime_error(*why);
  char tmpl[] = "/tmp/rasd-pg-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("running as root, and no postgres user to own " + dir_);
  }
  run_or_throw({bindir() + "/initdb", "-A", "trust", "-U", "rasd", "-E", "UTF8", "--locale=C",
                "--no-sync", "-D", dir_ + "/data"},
               "initdb");
  port_ = free_port();
  start();
}

void PgServer::start() {
  const std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                              " -c unix_socket_directories='" + dir_ +
                              "' -c fsync=off -c max_connections=100";
  run_or_throw({bindir() + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/log", "-o", options,
                "-w", "-t", "60", "start"},
               "pg_ctl start", dir_ + "/log");
  running_ = true;
}

void PgServer::stop() {
  if (!running_) return;
  run_process(as_server_user(
      {bindir() + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "-t", "60", "stop"}));
  running_ = false;
}

void PgServer::restart() {
  stop();
  start();
}

PgServer::~PgServer() {
  if (detached_) return;
  if (running_) destroy(dir_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PgServer::detach() {
  detached_ = true;
  return dir_;
}

void PgServer::destroy(const std::string& dir) {
  run_process(
      as_server_user({bindir() + "/pg_ctl", "-D", dir + "/data", "-m", "immediate", "-w", "stop"}));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string PgServer::base_url() const {
  return "postgresql://rasd@127.0.0.1:" + std::to_string(port_);
}

std::string PgServer::url(const std::string& db) const { return base_url() + "/" + db; }

std::string PgServer::create_database() {
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++databases_);
  pg_scalar(url(), "CREATE DATABASE " + name);
  return url(name);
}

bool testing_postgres() {
  const char* b = std::getenv("RASD_TEST_STORE");
  return (b && std::string(b) == "postgresql") || std::getenv("RASD_TEST_PG_URL_FILE");
}

std::string store_yaml(const std::string& location) {
  if (location.rfind("postgresql://", 0) != 0) return "store: {path: \"" + location + "\"}";
  return "store: {url: \"" + location + "\", state_dir: .}";
}

std::string pg_scalar(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error("connect " + url + ": " + PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
    throw std::runtime_error(sql + ": " + PQerrorMessage(c.get()));
  if (st != PGRES_TUPLES_OK || PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return {};
  return PQgetvalue(r.get(), 0, 0);
}

std::string store_location(const std::string& dir) {
  if (!testing_postgres()) return dir + "/rasd.db";
  static int created = 0;
  if (const char* f = std::getenv("RASD_TEST_PG_URL_FILE"); f && std::filesystem::exists(f)) {
    std::string base = read_file(f);
    while (!base.empty() && (base.back() == '\n' || base.back() == ' ')) base.pop_back();
    const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++created);
    pg_scalar(base + "/postgres", "CREATE DATABASE " + name);
    return base + "/" + name;
  }
  static PgServer server;  // this process's own, stopped at exit
  return server.create_database();
}

}  // namespace rasd::test
