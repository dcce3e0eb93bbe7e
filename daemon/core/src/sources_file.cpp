#include "rasd/daemon/sources_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "rasd/parsers/date.hpp"

namespace rasd {
namespace fs = std::filesystem;

namespace {
std::string errno_text() { return std::strerror(errno); }

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

SourcesFileLock::SourcesFileLock(const std::string& sources_file, int wait_ms) {
  const std::string lock_path = sources_file + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open lock file " + lock_path + ": " + errno_text());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= give_up) {
      const std::string why = errno == EWOULDBLOCK ? "another rasd command holds it" : errno_text();
      ::close(fd_);
      throw std::runtime_error("cannot lock " + lock_path + ": " + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

SourcesFileLock::~SourcesFileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::string sources_file_text(const std::vector<SourceConfig>& sources,
                              bool default_allow_private) {
  YAML::Emitter e;
  e.SetOutputCharset(YAML::EmitNonAscii);
  e << YAML::BeginSeq;
  for (const SourceConfig& s : sources) {
    e << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "id" << YAML::Value << s.id;
    if (!s.title.empty()) e << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << s.title;
    e << YAML::Key << "url" << YAML::Value << YAML::DoubleQuoted << s.url;
    e << YAML::Key << "type" << YAML::Value << s.type;
    if (!s.links.empty()) e << YAML::Key << "links" << YAML::Value << YAML::DoubleQuoted << s.links;
    if (s.full_text) e << YAML::Key << "full_text" << YAML::Value << true;
    if (!s.tags.empty()) {
      e << YAML::Key << "tags" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& t : s.tags) e << t;
      e << YAML::EndSeq;
    }
    if (s.allow_private_set || s.allow_private != default_allow_private)
      e << YAML::Key << "allow_private" << YAML::Value << s.allow_private;
    if (!s.ca_file_written.empty())
      e << YAML::Key << "ca_file" << YAML::Value << YAML::DoubleQuoted << s.ca_file_written;
    if (s.interval)
      e << YAML::Key << "interval" << YAML::Value << dates::format_duration(*s.interval);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  std::string text =
      "# Written by rasd (`rasd sources add`, `remove`, `import-opml`): edits are kept as "
      "entries,\n"
      "# not as comments. The same form as `sources:` in rasd.yaml.\n";
  if (sources.empty()) return text + "[]\n";
  return text + e.c_str() + "\n";
}

Expected<bool> write_file_atomically(const std::string& path, const std::string& text) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  Fd f{::mkstemp(tmp.data())};
  if (f.fd < 0)
    return Error{path + ": cannot create a temporary file in " + dir.string() + ": " +
                 errno_text()};
  auto fail = [&](const std::string& step) {
    Error err{path + ": " + step + ": " + errno_text()};
    ::unlink(tmp.c_str());
    return err;
  };
  for (size_t off = 0; off < text.size();) {
    const ssize_t n = ::write(f.fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    off += static_cast<size_t>(n);
  }
  // The new file keeps the old one's mode and owner (a list with feed tokens in its URLs may be
  // 0640 root:rasd); a new file is 0644.
  struct stat old {};
  if (::stat(path.c_str(), &old) == 0) {
    if (::fchmod(f.fd, old.st_mode & 07777) != 0) return fail("chmod");
    if ((old.st_uid != ::geteuid() || old.st_gid != ::getegid()) &&
        ::fchown(f.fd, old.st_uid, old.st_gid) != 0)
      return fail("chown (the file belongs to another user; run as that user or root)");
  } else if (::fchmod(f.fd, 0644) != 0) {
    return fail("chmod");
  }
  if (::fsync(f.fd) != 0) return fail("fsync");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0)  // the rename itself durable
    return Error{path + ": written, but syncing its directory failed: " + errno_text()};
  return true;
}

std::string source_id_for(const std::string& url,
                          const std::function<bool(const std::string&)>& taken) {
  std::string raw;
  if (auto u = boost::urls::parse_uri(url)) {
    std::string host(u->host());
    if (host.rfind("www.", 0) == 0) host.erase(0, 4);
    raw = host + std::string(u->path());
  } else {
    raw = url;
  }
  std::string id;
  for (const char c : raw) {
    const auto ch = static_cast<unsigned char>(c);
    const char lower = static_cast<char>(std::tolower(ch));
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || c == '_';
    if (keep) {
      id += lower;
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > 64) id.resize(64);
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.empty()) id = "source";
  if (!taken(id)) return id;
  for (int n = 2;; ++n) {
    const std::string next = id + "-" + std::to_string(n);
    if (!taken(next)) return next;
  }
}

}  // namespace rasd
