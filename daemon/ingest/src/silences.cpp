#include "rasd/daemon/silences.hpp"

#include <map>

#include "rasd/daemon/env.hpp"
#include "rasd/engine/rules/compiler.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {

Expected<Silence> make_silence(const std::string& kind, const std::string& value,
                               const std::string& length, const std::string& reason,
                               const std::string& author, int64_t now,
                               const text::Normalizer& normalizer) {
  if (kind != "rule" && kind != "source" && kind != "story" && kind != "query")
    return Error{"kind: one of rule, source, story, query"};
  if (value.empty()) return Error{kind + ": empty"};
  const auto seconds = dates::parse_duration_seconds(length);
  if (!seconds || *seconds <= 0)
    return Error{"for: expected a duration such as 6h or 2d, got '" + length + "'"};
  if (reason.find_first_not_of(" \t") == std::string::npos)
    return Error{"reason: required: say why, for whoever reads the list"};
  if (kind == "query") {
    static const std::map<std::string, std::vector<std::string>> kNoLists;
    auto compiled = rules::compile_query_text(value, {normalizer, kNoLists});
    if (!compiled) return Error{"query: " + compiled.error().message, compiled.error().offset};
  }
  Silence s;
  s.id = random_id("sil_");
  s.kind = kind;
  s.value = value;
  s.author = author.empty() ? "unknown" : author;
  s.reason = reason;
  s.created_at = now;
  s.expires_at = now + *seconds;
  return s;
}

void SilenceList::refresh(ArticleStore& store, const text::Normalizer& normalizer, int64_t now,
                          bool force) {
  if (!force && read_at_ && now - *read_at_ < kRefreshSeconds && now >= *read_at_) return;
  read_at_ = now;
  entries_.clear();
  static const std::map<std::string, std::vector<std::string>> kNoLists;
  for (auto& s : store.active_silences(now)) {
    Entry e{std::move(s), nullptr};
    if (e.silence.kind == "query") {
      auto compiled = rules::compile_query_text(e.silence.value, {normalizer, kNoLists});
      if (!compiled) {
        errors_.push_back("silence " + e.silence.id +
                          ": query does not compile: " + compiled.error().message);
        continue;
      }
      e.query = std::make_shared<const rules::CompiledNode>(std::move(*compiled));
    }
    entries_.push_back(std::move(e));
  }
}

const Silence* SilenceList::match(const std::string& rule_id, const std::string& source_id,
                                  const std::string& cluster,
                                  const rules::PreparedArticle* prepared, int64_t now) const {
  for (const auto& e : entries_) {
    const Silence& s = e.silence;
    if (s.expires_at <= now) continue;
    if (s.kind == "rule" && s.value == rule_id) return &s;
    if (!prepared) continue;
    if (s.kind == "source" && s.value == source_id) return &s;
    if (s.kind == "story" && !cluster.empty() && s.value == cluster) return &s;
    if (s.kind == "query" && e.query) {
      std::vector<rules::Hit> hits;
      if (rules::evaluate(*e.query, *prepared, hits)) return &s;
    }
  }
  return nullptr;
}

}  // namespace rasd
