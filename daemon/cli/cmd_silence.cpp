// `rasd silence add|list|remove` and `rasd alerts ack`: silences (silences.hpp; the daemon
// reads them within SilenceList::kRefreshSeconds) and acknowledgements in the store.
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/silences.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_json.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::cli {
namespace json = boost::json;

namespace {

std::optional<Config> config_or_report(const std::string& path, std::ostream& err) {
  auto c = load_config_file(path);
  err << c.diagnostics.format();
  if (!c.config) err << "rasd: invalid configuration: " << path << "\n";
  return std::move(c.config);
}

std::string default_author() {
  for (const char* v : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* u = std::getenv(v); u && *u) return u;
  }
  return "unknown";
}

}  // namespace

int cmd_silence_add(const SilenceAddArgs& a, std::ostream& out, std::ostream& err) {
  int given = 0;
  std::string kind, value;
  for (const auto& [k, v] : {std::pair<const char*, const std::string*>{"rule", &a.rule},
                             {"source", &a.source},
                             {"story", &a.story},
                             {"query", &a.query}}) {
    if (v->empty()) continue;
    ++given;
    kind = k;
    value = *v;
  }
  if (given != 1) {
    err << "rasd: silence add: give exactly one of --rule, --source, --story, --query\n";
    return 2;
  }
  const auto config = config_or_report(a.config_path, err);
  if (!config) return 2;
  const text::Normalizer normalizer;
  auto made =
      make_silence(kind, value, a.duration, a.reason,
                   a.author.empty() ? default_author() : a.author, SystemClock().now(), normalizer);
  if (!made) {
    err << "rasd: silence add: " << made.error().message << "\n";
    return 2;
  }
  const Silence& s = *made;
  // A silence that names nothing configured would do nothing: said, and kept (the rule or
  // source may be added later).
  if (kind == "rule") {
    Diagnostics diag;
    auto loaded = rules::load_rules(read_rule_files(*config, diag), normalizer);
    bool known = false;
    if (loaded.rules) {
      for (const auto& r : loaded.rules->rules) known = known || r.id == value;
    }
    if (!known) err << "rasd: warning: no loaded rule has the id '" << value << "'\n";
  }
  if (kind == "source") {
    bool known = false;
    for (const auto& src : config->sources) known = known || src.id == value;
    if (!known) err << "rasd: warning: no configured source has the id '" << value << "'\n";
  }
  Store store(config->store_path);
  store.add_silence(s);
  out << json::serialize(silence_to_json(s, s.created_at)) << "\n";
  return 0;
}

int cmd_silence_list(const std::string& config_path, bool all, std::ostream& out,
                     std::ostream& err) {
  const auto config = config_or_report(config_path, err);
  if (!config) return 2;
  Store store(config->store_path);
  const int64_t now = SystemClock().now();
  for (const auto& s : store.silences(now, all))
    out << json::serialize(silence_to_json(s, now)) << "\n";
  return 0;
}

int cmd_silence_remove(const std::string& config_path, const std::string& id, std::ostream& out,
                       std::ostream& err) {
  const auto config = config_or_report(config_path, err);
  if (!config) return 2;
  Store store(config->store_path);
  if (!store.remove_silence(id, SystemClock().now())) {
    err << "rasd: no silence '" << id << "' in force\n";
    return 2;
  }
  out << "silence " << id << " removed\n";
  return 0;
}

int cmd_alerts_ack(const std::string& config_path, const std::string& id, const std::string& by,
                   const std::string& note, std::ostream& out, std::ostream& err) {
  const auto config = config_or_report(config_path, err);
  if (!config) return 2;
  Store store(config->store_path);
  const std::string who = by.empty() ? default_author() : by;
  const int64_t now = SystemClock().now();
  if (!store.acknowledge(id, who, note, now)) {
    err << "rasd: no alert '" << id << "'\n";
    return 2;
  }
  // The acknowledgement in force: the first one, when the alert was acknowledged before.
  const Acknowledgement ack = store.acknowledgement(id).value_or(Acknowledgement{who, now, note});
  out << json::serialize(json::object{{"acknowledged", id},
                                      {"by", ack.by},
                                      {"at", dates::format_rfc3339(ack.at)},
                                      {"note", ack.note}})
      << "\n";
  return 0;
}

}  // namespace rasd::cli
