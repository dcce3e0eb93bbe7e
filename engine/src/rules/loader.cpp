#include "rasd/engine/rules/loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <set>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/yaml_nesting.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::rules {
namespace {

constexpr std::string_view kRuleKeys[] = {"id",      "title",     "query",       "severity",
                                          "tags",    "notify",    "sources",     "lang",
                                          "enabled", "threshold", "description", "max_alerts"};
constexpr std::string_view kThresholdKeys[] = {"count", "window", "distinct_sources", "per"};
constexpr std::string_view kRateLimitKeys[] = {"count", "per"};

// A rule as read from YAML, before compilation.
struct PendingRule {
  Rule rule;
  size_t query_pos = 0;  // byte offset of the query text in the file
  int query_line = 0, query_col = 0;
};

class FileReader {
 public:
  FileReader(const RuleFile& f, Diagnostics& d) : file_(f), diag_(d) {}
  // Built on first use: compiling a rule creates a reader only to report its errors.
  TextPosition position(size_t byte_offset) {
    if (!positions_) positions_.emplace(file_.text);
    return positions_->at(byte_offset);
  }

  void error(const YAML::Node& n, const std::string& msg) { report(true, mark_of(n), msg); }
  void warning(const YAML::Node& n, const std::string& msg) { report(false, mark_of(n), msg); }
  void error_at(size_t pos, const std::string& msg) {
    auto p = position(pos);
    diag_.error(file_.path, p.line, p.column, prefix_ + msg);
  }
  void set_rule(const std::string& id) { prefix_ = id.empty() ? "" : "rule '" + id + "': "; }

  // Byte offset of the first character of a scalar's value (inside its quotes, if any).
  size_t value_pos(const YAML::Node& n) const {
    const auto m = n.Mark();
    if (m.pos < 0) return 0;
    auto pos = static_cast<size_t>(m.pos);
    if (pos < file_.text.size() && (file_.text[pos] == '\'' || file_.text[pos] == '"')) ++pos;
    return pos;
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      error(n, what + " must be a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::vector<std::string>> string_list(const YAML::Node& n,
                                                      const std::string& what) {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) {
      error(n, what + " must be a list of strings");
      return std::nullopt;
    }
    for (const auto& e : n) {
      if (!e.IsScalar()) {
        error(e, what + " entries must be strings");
        return std::nullopt;
      }
      out.push_back(e.Scalar());
    }
    return out;
  }

  // `strict`: an unknown key is an error (where a typo would change what fires, as in a
  // threshold); otherwise a warning, and the key is ignored.
  void unknown_keys(const YAML::Node& map, const std::string_view* known, size_t n_known,
                    const std::string& where, bool strict = false) {
    std::vector<std::string_view> k(known, known + n_known);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.as<std::string>("");
      if (std::find(k.begin(), k.end(), key) != k.end()) continue;
      std::string msg = "unknown key '" + key + "' in " + where + (strict ? "" : " (ignored)");
      if (auto best = closest_match(key, k); !best.empty()) msg += "; did you mean '" + best + "'?";
      strict ? error(it->first, msg) : warning(it->first, msg);
    }
  }

  const RuleFile& file() const { return file_; }

 private:
  YAML::Mark mark_of(const YAML::Node& n) const { return n.Mark(); }
  void report(bool is_error, const YAML::Mark& m, const std::string& msg) {
    int line = 0, col = 0;
    if (m.pos >= 0) {
      auto p = position(static_cast<size_t>(m.pos));
      line = p.line;
      col = p.column;
    }
    if (is_error)
      diag_.error(file_.path, line, col, prefix_ + msg);
    else
      diag_.warning(file_.path, line, col, prefix_ + msg);
  }

  const RuleFile& file_;
  std::optional<TextPositions> positions_;
  Diagnostics& diag_;
  std::string prefix_;
};

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void read_threshold(FileReader& r, const YAML::Node& n, Rule& rule,
                    const std::optional<int64_t>& retention) {
  if (!n.IsMap()) {
    r.error(n, "threshold must be a map {count, window, distinct_sources, per}");
    return;
  }
  r.unknown_keys(n, kThresholdKeys, std::size(kThresholdKeys), "threshold", true);
  Threshold t;
  auto int_field = [&](const char* key, int& out, int min) {
    if (!n[key]) return;
    try {
      out = n[key].as<int>();
    } catch (const YAML::Exception&) {
      r.error(n[key], std::string("threshold.") + key + " must be a whole number");
      return;
    }
    if (out < min)
      r.error(n[key], std::string("threshold.") + key + " must be at least " + std::to_string(min));
  };
  if (!n["count"]) r.error(n, "threshold needs a count");
  int_field("count", t.count, 1);
  int_field("distinct_sources", t.distinct_sources, 1);
  if (n["window"]) {
    auto w =
        n["window"].IsScalar() ? dates::parse_duration_seconds(n["window"].Scalar()) : std::nullopt;
    if (!w || *w <= 0)
      r.error(n["window"], "threshold.window must be a duration such as 30m, 1h or 2d");
    else
      t.window_seconds = *w;
    if (w && retention && *w > *retention)
      r.error(n["window"], "threshold.window is longer than store.retention (" +
                               std::to_string(*retention) +
                               "s): the articles it counts would "
                               "be pruned before they leave the window");
  }
  if (n["per"]) {
    const std::string per = n["per"].IsScalar() ? n["per"].Scalar() : "";
    if (per == "article") {
      t.per = ThresholdPer::article;
    } else if (per == "story") {
      t.per = ThresholdPer::story;
    } else {
      r.error(n["per"], "threshold.per must be 'article' or 'story'");
    }
  }
  rule.threshold = t;
}

void read_max_alerts(FileReader& r, const YAML::Node& n, Rule& rule,
                     const std::optional<int64_t>& retention) {
  if (!n.IsMap()) {
    r.error(n, "max_alerts must be a map {count, per}");
    return;
  }
  r.unknown_keys(n, kRateLimitKeys, std::size(kRateLimitKeys), "max_alerts", true);
  RateLimit limit;
  if (!n["count"]) {
    r.error(n, "max_alerts needs a count");
  } else {
    try {
      limit.count = n["count"].as<int>();
      if (limit.count < 1) r.error(n["count"], "max_alerts.count must be at least 1");
    } catch (const YAML::Exception&) {
      r.error(n["count"], "max_alerts.count must be a whole number");
    }
  }
  if (!n["per"]) {
    r.error(n, "max_alerts needs a period, per: 1h");
  } else {
    auto p = n["per"].IsScalar() ? dates::parse_duration_seconds(n["per"].Scalar()) : std::nullopt;
    if (!p || *p <= 0)
      r.error(n["per"], "max_alerts.per must be a duration such as 30m, 1h or 1d");
    else
      limit.per_seconds = *p;
    if (p && retention && *p > *retention)
      r.error(n["per"], "max_alerts.per is longer than store.retention (" +
                            std::to_string(*retention) +
                            "s): the alerts it counts would be pruned before they leave it");
  }
  rule.max_alerts = limit;
}

void read_rule(FileReader& r, const YAML::Node& n, std::vector<PendingRule>& out,
               const std::optional<int64_t>& retention) {
  r.set_rule("");
  if (!n.IsMap()) {
    r.error(n, "each rule must be a map with at least 'id' and 'query'");
    return;
  }
  PendingRule p;
  Rule& rule = p.rule;
  rule.file = r.file().path;
  auto pos = r.position(n.Mark().pos >= 0 ? static_cast<size_t>(n.Mark().pos) : 0);
  rule.line = pos.line;
  rule.column = pos.column;
  if (!n["id"]) {
    r.error(n, "rule without an 'id'");
    return;
  }
  if (auto id = r.scalar(n["id"], "id"))
    rule.id = *id;
  else
    return;
  r.set_rule(rule.id);
  if (!valid_id(rule.id)) {
    r.error(n["id"], "id must match [a-z0-9_-]+");
  }
  r.unknown_keys(n, kRuleKeys, std::size(kRuleKeys), "rule");
  if (!n["query"]) {
    r.error(n, "missing 'query'");
  } else if (auto q = r.scalar(n["query"], "query")) {
    rule.query_text = *q;
    p.query_pos = r.value_pos(n["query"]);
  }
  if (n["title"]) rule.title = r.scalar(n["title"], "title").value_or("");
  if (rule.title.empty()) rule.title = rule.id;
  if (n["severity"]) {
    auto s = r.scalar(n["severity"], "severity");
    if (s && !severity_from_name(*s, rule.severity))
      r.error(n["severity"],
              "severity must be one of info, low, medium, high, critical; got '" + *s + "'");
  }
  if (n["tags"]) rule.tags = r.string_list(n["tags"], "tags").value_or(std::vector<std::string>{});
  if (n["notify"])
    rule.notify = r.string_list(n["notify"], "notify").value_or(std::vector<std::string>{});
  if (n["sources"])
    rule.sources = r.string_list(n["sources"], "sources").value_or(std::vector<std::string>{});
  if (n["lang"]) rule.lang = r.string_list(n["lang"], "lang").value_or(std::vector<std::string>{});
  if (n["enabled"]) {
    try {
      rule.enabled = n["enabled"].as<bool>();
    } catch (const YAML::Exception&) {
      r.error(n["enabled"], "enabled must be true or false");
    }
  }
  if (n["threshold"]) read_threshold(r, n["threshold"], rule, retention);
  if (n["max_alerts"]) {
    if (n["threshold"])
      r.error(n["max_alerts"],
              "max_alerts does not apply to a threshold rule: it raises one alert per episode");
    else
      read_max_alerts(r, n["max_alerts"], rule, retention);
  }
  out.push_back(std::move(p));
}

}  // namespace

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "medium";
}

bool severity_from_name(std::string_view name, Severity& out) {
  for (Severity s :
       {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (name == severity_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

LoadResult load_rules(const std::vector<RuleFile>& files, const text::Normalizer& normalizer,
                      const LoadOptions& options) {
  LoadResult result;
  Diagnostics& diag = result.diagnostics;
  auto set = std::make_shared<RuleSet>();
  struct Located {
    PendingRule pending;
    const RuleFile* file;
  };
  std::vector<Located> pending;
  std::map<std::string, std::pair<const RuleFile*, YAML::Mark>> list_origin;

  // Stage 1 and 2: read and collect.
  for (const auto& f : files) {
    FileReader r(f, diag);
    // Nesting is bounded before yaml-cpp reads the text (see yaml_nesting.hpp).
    if (const auto at = yaml_too_deep(f.text)) {
      r.error_at(*at, yaml_too_deep_message());
      continue;
    }
    YAML::Node root;
    try {
      root = YAML::Load(f.text);
    } catch (const YAML::DeepRecursion& e) {  // the estimate above errs high: not expected
      diag.error(f.path, e.mark.line + 1, e.mark.column + 1,
                 "invalid YAML: nested deeper than the YAML parser allows");
      continue;
    } catch (const YAML::ParserException& e) {
      diag.error(f.path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
      continue;
    }
    if (root.IsNull()) continue;  // an empty file is allowed
    if (!root.IsMap()) {
      r.error(root, "a rule file must be a map with 'lists' and/or 'rules'");
      continue;
    }
    static constexpr std::string_view kTop[] = {"lists", "rules"};
    r.unknown_keys(root, kTop, std::size(kTop), "rule file");
    if (const auto lists = root["lists"]) {
      if (!lists.IsMap()) {
        r.error(lists, "'lists' must be a map of name: [entries]");
      } else {
        for (auto it = lists.begin(); it != lists.end(); ++it) {
          const std::string name = it->first.as<std::string>("");
          if (list_origin.count(name)) {
            r.error(it->first, "list '" + name + "' is already defined");
            continue;
          }
          auto entries = r.string_list(it->second, "list '" + name + "'");
          if (!entries) continue;
          list_origin[name] = {&f, it->first.Mark()};
          set->lists[name] = std::move(*entries);
        }
      }
    }
    if (const auto rules = root["rules"]) {
      if (!rules.IsSequence()) {
        r.error(rules, "'rules' must be a list");
        continue;
      }
      std::vector<PendingRule> read;
      for (const auto& rn : rules) read_rule(r, rn, read, options.retention_seconds);
      for (auto& p : read) pending.push_back({std::move(p), &f});
    }
  }

  // Duplicate ids across all files.
  std::map<std::string, const Located*> seen;
  for (const auto& l : pending) {
    auto [it, inserted] = seen.emplace(l.pending.rule.id, &l);
    if (!inserted) {
      const Rule& first = it->second->pending.rule;
      diag.error(l.file->path, l.pending.rule.line, l.pending.rule.column,
                 "rule '" + l.pending.rule.id + "': duplicate id (first defined at " + first.file +
                     ":" + std::to_string(first.line) + ")");
    }
  }

  // Stage 3: compile.
  const CompileContext ctx{normalizer, set->lists};
  for (auto& l : pending) {
    Rule& rule = l.pending.rule;
    FileReader r(*l.file, diag);
    r.set_rule(rule.id);
    for (const auto& target : rule.notify) {
      if (!options.known_webhooks) continue;
      const auto& known = *options.known_webhooks;
      if (known.empty()) {
        r.error_at(l.pending.query_pos,
                   "notify names webhook '" + target + "', but the config defines no webhooks");
      } else if (std::find(known.begin(), known.end(), target) == known.end()) {
        r.error_at(l.pending.query_pos, "notify names unknown webhook '" + target + "'");
      }
    }
    if (rule.query_text.empty()) continue;  // already reported
    auto compiled = compile_query_text(rule.query_text, ctx);
    if (!compiled) {
      const size_t off =
          compiled.error().offset == static_cast<size_t>(-1) ? 0 : compiled.error().offset;
      r.error_at(l.pending.query_pos + off, compiled.error().message);
      continue;
    }
    rule.query = std::move(*compiled);
    if (rule.enabled) set->rules.push_back(std::move(rule));
  }

  if (!diag.has_errors()) result.rules = std::move(set);
  return result;
}

}  // namespace rasd::rules
