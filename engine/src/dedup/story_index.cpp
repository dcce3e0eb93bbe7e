#include "rasd/engine/dedup/story_index.hpp"

#include <algorithm>

#include "rasd/parsers/url.hpp"

namespace rasd::dedup {
namespace {
constexpr size_t kMaxLeadPostings = 256;
}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::exact: return "exact";
    case Kind::near: return "near";
    default: return "new";
  }
}

bool StoryIndex::in_window(const Entry& e, int64_t t) const {
  return e.alive && (e.time > t ? e.time - t : t - e.time) <= options_.window_seconds;
}

Decision StoryIndex::exact(size_t entry, Kind kind) const {
  return {entries_[entry].cluster, entries_[entry].id, kind, 1.0};
}

StoryIndex::Keys StoryIndex::keys_of(const ArticleIdentity& a) const {
  Keys k;
  if (!a.url.empty()) k.url = url::canonical(a.url);
  if (!a.guid.empty()) k.guid = a.source + "\n" + a.guid;
  k.long_enough = a.fp.shingles.size() >= options_.min_shingles;
  if (k.long_enough) k.bands = band_keys(a.fp);
  return k;
}

Decision StoryIndex::find(const ArticleIdentity& a) const { return find(a, keys_of(a)); }

Decision StoryIndex::find(const ArticleIdentity& a, const Keys& k) const {
  const std::string& url = k.url;
  const std::string& guid = k.guid;
  const bool long_enough = k.long_enough;
  Decision d;
  // Exact identities, strongest first.
  if (auto it = by_url_.find(url); !url.empty() && it != by_url_.end() && entries_[it->second].alive) {
    d = exact(it->second, Kind::exact);
  } else if (auto g = by_guid_.find(guid); !guid.empty() && g != by_guid_.end() && entries_[g->second].alive) {
    d = exact(g->second, Kind::exact);
  } else if (auto b = by_body_.find(a.fp.body_hash); long_enough && b != by_body_.end() && entries_[b->second].alive) {
    d = exact(b->second, Kind::exact);
  } else if (long_enough) {
    // Near duplicates: candidates from the LSH bands and the first shingles, confirmed.
    std::vector<uint32_t> candidates;
    for (size_t i = 0; i < kBands; ++i) {
      if (auto it = bands_[i].find(k.bands[i]); it != bands_[i].end()) {
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
      }
    }
    for (uint32_t lead : a.fp.lead) {
      if (auto it = by_lead_.find(lead); it != by_lead_.end()) {
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    double best = 0;
    for (uint32_t c : candidates) {
      const Entry& e = entries_[c];
      if (!in_window(e, a.time) || e.fp.shingles.size() < options_.min_shingles) continue;
      const double j = jaccard(a.fp, e.fp);
      const bool a_smaller = a.fp.shingles.size() <= e.fp.shingles.size();
      const double inside = a_smaller ? containment(a.fp, e.fp) : containment(e.fp, a.fp);
      const double score = std::max(j, inside >= options_.min_containment ? inside : 0.0);
      if ((j >= options_.min_jaccard || inside >= options_.min_containment) && score > best) {
        best = score;
        d = {e.cluster, e.id, Kind::near, score};
      }
    }
  }
  return d;
}

Decision StoryIndex::add(ArticleIdentity a) {
  const Keys k = keys_of(a);
  Decision d = find(a, k);
  if (d.cluster == 0) d = {next_cluster_++, "", Kind::fresh, 0};
  const std::string& url = k.url;
  const std::string& guid = k.guid;
  const bool long_enough = k.long_enough;
  const auto index = static_cast<uint32_t>(entries_.size());
  if (!url.empty()) by_url_.emplace(url, index);
  if (!guid.empty()) by_guid_.emplace(guid, index);
  if (long_enough) {
    by_body_.emplace(a.fp.body_hash, index);  // short texts repeat by chance
    for (size_t i = 0; i < kBands; ++i) bands_[i][k.bands[i]].push_back(index);
    for (uint32_t lead : a.fp.lead) {
      // A lead shared by this many articles is a site's stock opening, not a story's.
      auto& list = by_lead_[lead];
      if (list.size() < kMaxLeadPostings) list.push_back(index);
    }
  }
  entries_.push_back({std::move(a.id), a.time, d.cluster, std::move(a.fp), true});
  ++live_;
  return d;
}

void StoryIndex::expire(int64_t before) {
  for (auto& e : entries_) {
    if (e.alive && e.time < before) {
      e.alive = false;
      e.fp.shingles.clear();
      e.fp.shingles.shrink_to_fit();
      --live_;
    }
  }
  auto dead = [&](uint32_t i) { return !entries_[i].alive; };
  for (auto* m : {&by_url_, &by_guid_}) std::erase_if(*m, [&](const auto& kv) { return dead(kv.second); });
  std::erase_if(by_body_, [&](const auto& kv) { return dead(kv.second); });
  for (auto it = by_lead_.begin(); it != by_lead_.end();) {
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), dead), v.end());
    it = v.empty() ? by_lead_.erase(it) : std::next(it);
  }
  for (auto& table : bands_) {
    for (auto it = table.begin(); it != table.end();) {
      auto& v = it->second;
      v.erase(std::remove_if(v.begin(), v.end(), [&](uint32_t i) { return !entries_[i].alive; }), v.end());
      it = v.empty() ? table.erase(it) : std::next(it);
    }
  }
}

size_t StoryIndex::memory_bytes() const {
  size_t bytes = entries_.capacity() * sizeof(Entry);
  for (const auto& e : entries_) bytes += e.id.capacity() + e.fp.shingles.capacity() * sizeof(uint32_t);
  for (const auto& table : bands_) {
    bytes += table.bucket_count() * sizeof(void*);
    for (const auto& [k, v] : table) bytes += 48 + v.capacity() * sizeof(uint32_t);
  }
  for (const auto& [k, v] : by_lead_) bytes += 48 + v.capacity() * sizeof(uint32_t);
  bytes += (by_url_.size() + by_guid_.size()) * 96 + by_body_.size() * 32;
  return bytes;
}

}  // namespace rasd::dedup
