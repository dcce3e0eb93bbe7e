// The alert body of DESIGN.md section 7, and a feed item turned into an article.
#include <xxhash.h>

#include <algorithm>
#include <boost/json.hpp>

#include "monitor_util.hpp"
#include "rasd/daemon/hits_json.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/engine/text/language.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/html_text.hpp"

namespace rasd {
namespace {

std::string snippet(const std::string& body, const std::vector<rules::Hit>& hits) {
  uint32_t center = 0;
  for (const auto& h : hits) {
    if (h.field == rules::kBody) {
      center = h.start;
      break;
    }
  }
  const uint32_t begin = center > 80 ? center - 80 : 0;
  std::string s = text::slice_code_points(body, begin, begin + 240);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// The text without its boilerplate lines (a line is what to_text() ends with a newline).
std::string without_boilerplate(const text::Normalizer& normalizer, const std::string& body) {
  if (body.find('\n') == std::string::npos && !text::is_boilerplate_line(normalizer, body))
    return body;
  std::string out;
  out.reserve(body.size());
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    const std::string_view line(body.data() + pos, nl - pos);
    if (!text::is_boilerplate_line(normalizer, line)) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    pos = nl + 1;
  }
  return out;
}

}  // namespace

boost::json::array hits_to_json(const std::vector<rules::Hit>& hits) {
  boost::json::array out;
  for (const auto& h : hits) {
    out.emplace_back(boost::json::object{{"field", rules::field_name(h.field)},
                                         {"start", h.start},
                                         {"end", h.end},
                                         {"text", h.text},
                                         {"view", text::view_name(h.view)}});
  }
  return out;
}

std::string alert_payload(const std::string& type, const std::string& alert_id, int64_t created_at,
                          const rules::Rule& rule, const NewArticle& a, const std::string& key,
                          const std::vector<rules::Hit>& hits, const ClusterSummary& cl) {
  namespace json = boost::json;
  json::object r;
  r["id"] = rule.id;
  r["title"] = rule.title;
  r["severity"] = rules::severity_name(rule.severity);
  json::array tags;
  for (const auto& t : rule.tags) tags.emplace_back(t);
  r["tags"] = std::move(tags);
  json::object art;
  art["id"] = key;
  art["url"] = a.url;
  art["title"] = a.title;
  art["source"] = a.source_id;
  art["published"] =
      a.published ? json::value(dates::format_rfc3339(*a.published)) : json::value(nullptr);
  art["lang"] = a.lang;
  art["snippet"] = snippet(a.body, hits);
  art["hits"] = hits_to_json(hits);
  json::array sources;
  for (const auto& src : cl.sources) sources.emplace_back(src);
  json::object cluster{{"id", cl.id}, {"articles", cl.articles}, {"sources", std::move(sources)}};
  json::object o{{"type", type},
                 {"id", alert_id},
                 {"created_at", dates::format_rfc3339(created_at)},
                 {"rule", std::move(r)},
                 {"article", std::move(art)},
                 {"cluster", std::move(cluster)}};
  return json::serialize(o);
}

NewArticle article_from_item(const FeedItem& item, const Feed& feed, const SourceConfig& source,
                             int64_t now, const text::Normalizer* normalizer) {
  NewArticle a;
  a.source_id = source.id;
  a.url = item.link;
  a.title = item.title;
  a.body = html::to_text(item.content.empty() ? item.summary : item.content);
  if (normalizer) a.body = without_boilerplate(*normalizer, a.body);
  a.author = item.author;
  a.published = item.published ? item.published : item.updated;
  a.fetched_at = now;
  a.guid = !item.guid.empty() ? item.guid : item.link;
  if (a.guid.empty()) {
    const std::string k = item.title + "\n" + a.body;
    a.guid = "hash:" + detail::hex64(XXH3_64bits(k.data(), k.size()));
  }
  std::string lang = feed.language.substr(0, 2);
  std::transform(lang.begin(), lang.end(), lang.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  a.lang = !lang.empty() ? lang : text::detect_language(a.title + "\n" + a.body);
  return a;
}

}  // namespace rasd
