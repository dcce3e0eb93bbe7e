// `rasd sources export-opml`: the configured sources as OPML 2.0 (http://opml.org/spec2.opml),
// the format feed readers (Newsboat, Miniflux, FreshRSS, Inoreader) import. Written with pugixml,
// which escapes attribute values.
#include <ostream>
#include <pugixml.hpp>

#include "commands.hpp"
#include "rasd/daemon/config.hpp"

namespace rasd::cli {

int cmd_sources_export_opml(const Config& config, std::ostream& out) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto opml = doc.append_child("opml");
  opml.append_attribute("version") = "2.0";
  opml.append_child("head").append_child("title").text() = "rasd sources";
  auto body = opml.append_child("body");
  for (const SourceConfig& s : config.sources) {
    auto o = body.append_child("outline");
    o.append_attribute("text") = s.id.c_str();
    o.append_attribute("title") = s.id.c_str();
    if (s.type == "html") {
      // A news site without a feed: OPML's link outline, the page it is read from.
      o.append_attribute("type") = "link";
      o.append_attribute("url") = s.url.c_str();
      o.append_attribute("htmlUrl") = s.url.c_str();
    } else {
      o.append_attribute("type") = "rss";
      o.append_attribute("xmlUrl") = s.url.c_str();
    }
    // OPML 2.0: comma-separated categories; a tag is a category without slashes.
    std::string category;
    for (const auto& t : s.tags) category += (category.empty() ? "" : ",") + t;
    if (!category.empty()) o.append_attribute("category") = category.c_str();
  }
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return 0;
}

}  // namespace rasd::cli
