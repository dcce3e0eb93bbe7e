#include "rasd/daemon/backtest.hpp"

#include <xxhash.h>

#include <algorithm>

#include "monitor_util.hpp"
#include "rasd/engine/dedup/fingerprint.hpp"

namespace rasd {

namespace {

// Byte offset of code point `cp` in UTF-8 `s` (s.size() past the end).
size_t byte_of(const std::string& s, size_t cp) {
  size_t i = 0;
  for (size_t n = 0; i < s.size() && n < cp; ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

const std::string& field_text(const StoredArticle& a, rules::Field f) {
  switch (f) {
    case rules::kTitle:
      return a.title;
    case rules::kBody:
      return a.body;
    case rules::kUrl:
      return a.url;
    case rules::kSource:
      return a.source_id;
    case rules::kAuthor:
      return a.author;
    default:
      return a.lang;
  }
}

}  // namespace

std::string mark_hit(const std::string& text, uint32_t start, uint32_t end, size_t context) {
  const size_t b = byte_of(text, start), e = byte_of(text, end);
  size_t from = 0, to = text.size();
  if (context > 0) {
    from = byte_of(text, start > context ? start - context : 0);
    to = byte_of(text, end + context);
  }
  std::string out;
  if (from > 0) out += "…";
  out.append(text, from, b - from);
  out += "⟦";
  out.append(text, b, e - b);
  out += "⟧";
  out.append(text, e, to - e);
  if (to < text.size()) out += "…";
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

BacktestOptions backtest_options_for(const Config& config) {
  BacktestOptions o;
  o.dedup_window = config.dedup_window;
  for (const auto& s : config.sources) o.source_tags[s.id] = s.tags;
  return o;
}

Backtest::Backtest(std::shared_ptr<const rules::RuleSet> rules, const text::Normalizer& normalizer,
                   BacktestOptions options)
    : rules_(std::move(rules)),
      matcher_(rules_),
      normalizer_(normalizer),
      options_(std::move(options)),
      // The pipeline's options (Monitor's constructor).
      stories_(dedup::StoryOptions{options_.dedup_window, 0.4, 0.8, 8}) {
  state_.resize(rules_->rules.size());
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    const rules::Rule& r = rules_->rules[i];
    state_[i].summary.rule = &r;
    if (r.threshold) state_[i].threshold.emplace(*r.threshold);
    index_[&r] = i;
  }
}

void Backtest::add(const StoredArticle& a, const std::function<void(const BacktestHit&)>& on_hit) {
  ++articles_;
  static const std::vector<std::string> kNoTags;
  auto tags = options_.source_tags.find(a.source_id);
  rules::ArticleFields fields{
      a.guid,      a.title,  a.body, a.url,
      a.source_id, a.author, a.lang, tags == options_.source_tags.end() ? kNoTags : tags->second};
  // Indexed for this replay's rules only: nothing else evaluates queries on it.
  rules::PrepareOptions prepare;
  prepare.keys = &matcher_.keys();
  prepare.token_cache = &token_cache_;
  const rules::PreparedArticle prepared(normalizer_, std::move(fields), prepare);
  const std::string key = detail::article_key_of(a.source_id, a.guid);
  // The story as Monitor::cluster_for files it: fetch time is the pipeline's clock.
  if (!stories_expired_at_ || a.fetched_at - *stories_expired_at_ > 3600) {
    stories_.expire(a.fetched_at - options_.dedup_window);
    stories_expired_at_ = a.fetched_at;
  }
  const text::Normalized& body = prepared.field(1).normalized.strict.tokens.empty()
                                     ? prepared.field(0).normalized
                                     : prepared.field(1).normalized;
  const dedup::Decision d =
      stories_.add({key, a.url, a.source_id, a.guid, a.published.value_or(a.fetched_at),
                    dedup::fingerprint(body), "cl_" + key});
  const int64_t when = a.published.value_or(a.fetched_at);
  for (const auto& m : matcher_.match(prepared)) {
    RuleState& st = state_[index_.at(m.rule)];
    RuleSummary& sum = st.summary;
    BacktestHit hit;
    hit.rule = m.rule;
    hit.article = &a;
    hit.key = &key;
    hit.story = &d.label;
    hit.hits = &m.hits;
    hit.new_story = st.stories.insert(XXH3_64bits(d.label.data(), d.label.size())).second;
    ++sum.hits;
    if (hit.new_story) ++sum.stories;
    sum.first = std::min(sum.first.value_or(when), when);
    sum.last = std::max(sum.last.value_or(when), when);
    if (st.threshold) {
      const size_t before = st.threshold->episodes().size();
      hit.episode = st.threshold->add(a.published, a.fetched_at, d.label, a.source_id);
      hit.opens_episode = st.threshold->episodes().size() > before;
    }
    if (sum.examples.size() < options_.examples_per_rule && !m.hits.empty()) {
      const rules::Hit& h = m.hits.front();
      BacktestExample ex;
      ex.title = h.field == rules::kTitle ? mark_hit(a.title, h.start, h.end, 0) : a.title;
      if (h.field != rules::kTitle)
        ex.context = mark_hit(field_text(a, h.field), h.start, h.end, 40);
      sum.examples.push_back(std::move(ex));
    }
    on_hit(hit);
  }
}

std::vector<RuleSummary> Backtest::finish(int64_t now) {
  std::vector<RuleSummary> out;
  out.reserve(state_.size());
  for (auto& st : state_) {
    if (st.threshold) {
      st.threshold->finish(now);
      st.summary.episodes = st.threshold->episodes();
    }
    out.push_back(st.summary);
  }
  return out;
}

}  // namespace rasd
