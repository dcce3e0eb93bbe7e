// The sources file (Config::sources_file): the list of sources rasd itself writes, for
// `rasd sources add|remove|import-opml`. Its header says so; a hand edit survives until the
// next write only as far as it is a source entry (comments do not).
//
// Writers take SourcesFileLock (an exclusive flock on "<file>.lock") for the whole
// read-validate-write, so two commands never lose each other's entry, and replace the file by
// atomic rename after fsync: a reader (a reloading daemon) sees the old list or the new one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/parsers/expected.hpp"

namespace rasd {

class SourcesFileLock {
 public:
  // Waits up to `wait_ms` for another writer; throws std::runtime_error naming the file when
  // the lock cannot be taken (or its directory is not writable).
  explicit SourcesFileLock(const std::string& sources_file, int wait_ms = 10000);
  ~SourcesFileLock();
  SourcesFileLock(const SourcesFileLock&) = delete;
  SourcesFileLock& operator=(const SourcesFileLock&) = delete;

 private:
  int fd_ = -1;
};

// The file's text for these sources: the header, then one flow map per source with the keys
// that differ from their defaults (`allow_private` when the entry gave it or it differs from
// the config's network.allow_private).
std::string sources_file_text(const std::vector<SourceConfig>& sources, bool default_allow_private);

// Writes `text` to `path` atomically (temporary file beside it, fsync, rename, fsync of the
// directory), keeping the mode and owner of the file it replaces. `path` must not be a symlink
// (resolve it first: the link would be replaced by a file). The error names the file and the
// failing step.
Expected<bool> write_file_atomically(const std::string& path, const std::string& text);

// An id for a source at `url` ([a-z0-9_-]+): its host without "www." and its path, every other
// character a '-' ("https://www.enabbaladi.net/feed/" -> "enabbaladi-net-feed"); "-2", "-3", ...
// appended while `taken` says the id is used.
std::string source_id_for(const std::string& url,
                          const std::function<bool(const std::string&)>& taken);

}  // namespace rasd
