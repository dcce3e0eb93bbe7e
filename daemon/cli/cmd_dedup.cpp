// `rasd dedup`: story clusters of JSON Lines articles (DESIGN.md section 3).
#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "json_output.hpp"
#include "rasd/engine/dedup/story_index.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::cli {
namespace json = boost::json;

namespace {
std::string field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  return {};
}
}  // namespace

int cmd_dedup(std::istream& in, const std::string& input_name, std::ostream& out,
              std::ostream& err) {
  const text::Normalizer normalizer;
  dedup::StoryIndex index;
  for_each_json_line(in, input_name, err, [&](const json::object& o) {
    dedup::ArticleIdentity a;
    a.id = field(o, "id");
    a.url = field(o, "url");
    a.source = field(o, "source");
    a.guid = field(o, "guid");
    const std::string published = field(o, "published");
    if (auto t = dates::parse_any(published)) a.time = *t;
    std::string body = field(o, "body");
    if (body.empty()) body = field(o, "title");
    a.fp = dedup::fingerprint(normalizer.normalize(body));
    const std::string id = a.id;
    const dedup::Decision d = index.add(std::move(a));
    json::object row{{"id", id},
                     {"cluster", d.cluster},
                     {"duplicate_of",
                      d.duplicate_of.empty() ? json::value(nullptr) : json::value(d.duplicate_of)},
                     {"kind", dedup::kind_name(d.kind)}};
    if (d.kind == dedup::Kind::near) row["similarity"] = d.similarity;
    out << json::serialize(row) << "\n";
  });
  return 0;
}

}  // namespace rasd::cli
