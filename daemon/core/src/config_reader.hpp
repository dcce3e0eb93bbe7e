// Internal to rasd_core: reads the values of one YAML configuration document, reporting each
// problem at its line and column (config.cpp and config_entries.cpp share it).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/engine/diagnostic.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::detail {

namespace fs = std::filesystem;

class Reader {
 public:
  Reader(const std::string& path, const std::string& text, Diagnostics& d)
      : path_(path), text_(text), diag_(d) {}

  void error(const YAML::Node& n, const std::string& msg) {
    auto p = pos(n);
    diag_.error(path_, p.line, p.column, msg);
  }
  void warning(const YAML::Node& n, const std::string& msg) {
    auto p = pos(n);
    diag_.warning(path_, p.line, p.column, msg);
  }

  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                  const std::string& where) {
    std::vector<std::string_view> k(known);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.as<std::string>("");
      if (std::find(k.begin(), k.end(), key) != k.end()) continue;
      std::string msg = "unknown key '" + key + "' in " + where;
      if (auto best = closest_match(key, k); !best.empty()) msg += "; did you mean '" + best + "'?";
      error(it->first, msg);
    }
  }

  bool map(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    error(n, what + " must be a map");
    return false;
  }

  void string(const YAML::Node& n, const char* key, std::string& out, const std::string& where) {
    if (!n[key]) return;
    if (!n[key].IsScalar()) return error(n[key], where + key + " must be a string");
    out = n[key].Scalar();
  }

  void boolean(const YAML::Node& n, const char* key, bool& out, const std::string& where) {
    if (!n[key]) return;
    try {
      out = n[key].as<bool>();
    } catch (const YAML::Exception&) {
      error(n[key],
            where + key + " must be true or false, got '" + n[key].as<std::string>("") + "'");
    }
  }

  void duration(const YAML::Node& n, const char* key, int64_t& out, const std::string& where) {
    if (!n[key]) return;
    const std::string v = n[key].IsScalar() ? n[key].Scalar() : "";
    auto d = dates::parse_duration_seconds(v);
    if (!d || *d <= 0) {
      return error(
          n[key], where + key + ": invalid duration '" + v + "' (expected e.g. 30s, 15m, 6h, 90d)");
    }
    out = *d;
  }

  // A duration that may be zero or given in milliseconds ("0", "250ms", "1s"), in milliseconds.
  void milliseconds(const YAML::Node& n, const char* key, int64_t& out, const std::string& where) {
    if (!n[key]) return;
    const std::string v = n[key].IsScalar() ? n[key].Scalar() : "";
    if (v == "0" || v == "0s") {
      out = 0;
      return;
    }
    if (v.size() > 2 && v.compare(v.size() - 2, 2, "ms") == 0 &&
        std::all_of(v.begin(), v.end() - 2,
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        v.size() < 12) {
      out = std::stoll(v.substr(0, v.size() - 2));
      return;
    }
    auto d = dates::parse_duration_seconds(v);
    if (!d || *d < 0)
      return error(n[key],
                   where + key + ": invalid duration '" + v + "' (expected e.g. 0, 250ms, 1s)");
    out = *d * 1000;
  }

  void size(const YAML::Node& n, const char* key, int64_t& out, const std::string& where) {
    if (!n[key]) return;
    const std::string v = n[key].IsScalar() ? n[key].Scalar() : "";
    size_t i = 0;
    int64_t num = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) &&
           num < (int64_t{1} << 40)) {
      num = num * 10 + (v[i++] - '0');
    }
    const std::string unit = v.substr(i);
    int64_t mult = 0;
    if (unit.empty() || unit == "B")
      mult = 1;
    else if (unit == "KiB" || unit == "K" || unit == "KB")
      mult = 1024;
    else if (unit == "MiB" || unit == "M" || unit == "MB")
      mult = 1 << 20;
    else if (unit == "GiB" || unit == "G" || unit == "GB")
      mult = 1 << 30;
    if (i == 0 || mult == 0 || num == 0 || num > INT64_MAX / mult) {
      return error(n[key],
                   where + key + ": invalid size '" + v + "' (expected e.g. 512KiB, 16MiB)");
    }
    out = num * mult;
  }

  void integer(const YAML::Node& n, const char* key, int64_t& out, const std::string& where,
               int64_t min) {
    if (!n[key]) return;
    try {
      out = n[key].as<int64_t>();
    } catch (const YAML::Exception&) {
      return error(n[key], where + key + " must be a whole number, got '" +
                               n[key].as<std::string>("") + "'");
    }
    if (out < min) error(n[key], where + key + " must be at least " + std::to_string(min));
  }

  void strings(const YAML::Node& n, const char* key, std::vector<std::string>& out,
               const std::string& where) {
    if (!n[key]) return;
    const YAML::Node v = n[key];
    if (v.IsScalar()) {
      out = {v.Scalar()};
      return;
    }
    if (!v.IsSequence()) return error(v, where + key + " must be a list of strings");
    out.clear();
    for (const auto& e : v) {
      if (!e.IsScalar()) return error(e, where + key + " entries must be strings");
      out.push_back(e.Scalar());
    }
  }

  void url(const YAML::Node& n, const char* key, std::string& out, const std::string& where) {
    if (!n[key]) return error(n, where + "missing '" + key + "'");
    string(n, key, out, where);
    if (!is_http_url(out))
      error(n[key], where + key + ": '" + out + "' is not an absolute http(s) URL");
  }

  std::string resolve_path(const std::string& p) const {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (fs::path(path_).parent_path() / p).lexically_normal().string();
  }

 private:
  TextPosition pos(const YAML::Node& n) const {
    const auto m = n.Mark();
    if (m.pos < 0) return {0, 0};
    return position_of(text_, static_cast<size_t>(m.pos));
  }
  const std::string& path_;
  const std::string& text_;
  Diagnostics& diag_;
};

// The entries of `sources:` (of the main file or the sources file: `origin`), read into c.
void read_sources(Reader& r, const YAML::Node& list, Config& c, std::set<std::string>& ids,
                  const std::string& origin);
// The entries of `webhooks:`, read into c.
void read_webhooks(Reader& r, const YAML::Node& list, Config& c);

}  // namespace rasd::detail
