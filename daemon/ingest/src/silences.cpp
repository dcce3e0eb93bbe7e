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
  if (value.size() > 2000 || reason.size() > 2000 || author.size() > 200)
    return Error{"too long: a value or reason of at most 2,000 bytes, an author of 200"};
  if (kind == "rule" && value.rfind("rasd.", 0) == 0)
    return Error{"rule: rasd's own alerts (" + value + ") cannot be silenced"};
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
  // Read first: a failed read (it throws) keeps the list in force and retries next time.
  std::vector<Silence> active = store.active_silences(now);
  std::vector<Entry> entries;
  static const std::map<std::string, std::vector<std::string>> kNoLists;
  for (auto& s : active) {
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
    entries.push_back(std::move(e));
  }
  entries_ = std::move(entries);
  read_at_ = now;
}

const rules::PreparedArticle& SilenceSubject::fully_indexed() const {
  if (prepared_.keys() == nullptr) return prepared_;
  if (!full_) full_.emplace(normalizer_, prepared_.fields());
  return *full_;
}

const Silence* SilenceList::match(const std::string& rule_id, const std::string& source_id,
                                  const std::string& cluster, const SilenceSubject* article,
                                  int64_t now) const {
  for (const auto& e : entries_) {
    const Silence& s = e.silence;
    if (s.expires_at <= now) continue;
    if (s.kind == "rule" && s.value == rule_id) return &s;
    if (!article) continue;
    if (s.kind == "source" && s.value == source_id) return &s;
    if (s.kind == "story" && !cluster.empty() && s.value == cluster) return &s;
    if (s.kind == "query" && e.query) {
      std::vector<rules::Hit> hits;
      if (rules::evaluate(*e.query, article->fully_indexed(), hits)) return &s;
    }
  }
  return nullptr;
}

}  // namespace rasd
