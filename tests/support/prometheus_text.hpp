// A strict parser of the Prometheus text exposition format (0.0.4) for tests: every line is a
// `# HELP`, a `# TYPE` or a sample; names and labels must be well-formed, values numbers, each
// family's TYPE must come before its samples and appear once, no series may repeat, and a
// histogram's buckets must be cumulative with `+Inf` equal to `_count`. Header-only.
#pragma once

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>

namespace rasd::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromText {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|summary|untyped
  std::vector<PromSample> samples;

  // The value of the series with exactly these labels; throws when absent.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    throw std::runtime_error("no series " + name);
  }
};

inline PromText parse_prometheus_text(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  PromText out;
  std::set<std::string> helps, series;
  size_t pos = 0, line_no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("line " + std::to_string(line_no) + ": " + why);
  };
  auto family_of = [&](const std::string& n) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string sfx = suffix;
      if (n.size() > sfx.size() && n.compare(n.size() - sfx.size(), sfx.size(), sfx) == 0) {
        const std::string base = n.substr(0, n.size() - sfx.size());
        if (out.types.count(base) && out.types[base] == "histogram") return base;
      }
    }
    return n;
  };
  if (!text.empty() && text.back() != '\n')
    throw std::runtime_error("the text must end with a newline");
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty()) fail("empty line");
    if (line[0] == '#') {
      std::smatch m;
      static const std::regex kHelp("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
      static const std::regex kType(
          "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
      if (std::regex_match(line, m, kHelp)) {
        if (!helps.insert(m[1]).second) fail("second HELP for " + m[1].str());
      } else if (std::regex_match(line, m, kType)) {
        if (out.types.count(m[1])) fail("second TYPE for " + m[1].str());
        for (const auto& s : out.samples) {
          if (family_of(s.name) == m[1]) fail("TYPE after samples of " + m[1].str());
        }
        out.types[m[1]] = m[2];
      } else {
        fail("malformed comment: " + line);
      }
      continue;
    }
    PromSample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!std::regex_match(s.name, kName)) fail("bad metric name '" + s.name + "'");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without '='");
        const std::string key = line.substr(i, eq - i);
        if (!std::regex_match(key, kLabel)) fail("bad label name '" + key + "'");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') fail("label value must be quoted");
        ++i;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) fail("dangling escape");
            const char e = line[i + 1];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else
              fail("bad escape");
            i += 2;
          } else {
            value += line[i++];
          }
        }
        if (i >= line.size()) fail("unterminated label value");
        ++i;
        if (!s.labels.emplace(key, value).second) fail("label repeated: " + key);
        if (i < line.size() && line[i] == ',')
          ++i;
        else if (i < line.size() && line[i] == '}')
          continue;
        else
          fail("expected ',' or '}' after a label");
      }
    }
    if (i >= line.size() || line[i] != ' ') fail("expected a space before the value");
    const std::string rest = line.substr(i + 1);
    const std::string value = rest.substr(0, rest.find(' '));  // an optional timestamp may follow
    if (value == "+Inf")
      s.value = INFINITY;
    else if (value == "-Inf")
      s.value = -INFINITY;
    else if (value == "NaN")
      s.value = NAN;
    else {
      size_t used = 0;
      try {
        s.value = std::stod(value, &used);
      } catch (const std::exception&) {
        fail("bad value '" + value + "'");
      }
      if (used != value.size()) fail("bad value '" + value + "'");
    }
    const std::string family = family_of(s.name);
    if (!out.types.count(family)) fail("sample of " + family + " before its TYPE");
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    if (!series.insert(key).second) fail("series repeated: " + key);
    if (out.types[family] == "counter" && s.value < 0) fail("negative counter " + s.name);
    out.samples.push_back(std::move(s));
  }
  // Histograms: cumulative buckets, +Inf == _count.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // by other labels
    std::map<std::string, double> counts;
    for (const auto& s : out.samples) {
      auto others = s.labels;
      others.erase("le");
      std::string k;
      for (const auto& [a, b] : others) k += a + "=" + b + ";";
      if (s.name == family + "_bucket") {
        if (!s.labels.count("le")) throw std::runtime_error(family + ": bucket without le");
        const std::string le = s.labels.at("le");
        buckets[k].push_back({le == "+Inf" ? INFINITY : std::stod(le), s.value});
      } else if (s.name == family + "_count") {
        counts[k] = s.value;
      }
    }
    for (auto& [k, b] : buckets) {
      if (b.empty() || !std::isinf(b.back().first))
        throw std::runtime_error(family + ": no +Inf bucket last");
      for (size_t j = 1; j < b.size(); ++j) {
        if (b[j].first <= b[j - 1].first || b[j].second < b[j - 1].second) {
          throw std::runtime_error(family + ": buckets not increasing");
        }
      }
      if (!counts.count(k) || counts[k] != b.back().second)
        throw std::runtime_error(family + ": +Inf bucket != _count");
    }
  }
  return out;
}

}  // namespace rasd::test
