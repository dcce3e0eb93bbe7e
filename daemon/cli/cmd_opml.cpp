// `rasd sources export-opml` and the reading half of `import-opml`: the configured sources as
// OPML 2.0 (http://opml.org/spec2.opml), the format feed readers (Newsboat, Miniflux, FreshRSS,
// Inoreader) import. Written with pugixml, which escapes attribute values.
#include <strings.h>

#include <algorithm>
#include <boost/url/parse.hpp>
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
    const std::string& name = s.title.empty() ? s.id : s.title;
    o.append_attribute("text") = name.c_str();
    o.append_attribute("title") = name.c_str();
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

namespace rasd::cli {
namespace {

// Line numbers of byte offsets, from the offsets of the line starts (one pass over the file).
class Lines {
 public:
  explicit Lines(const std::string& bytes) {
    starts_.push_back(0);
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] == '\n') starts_.push_back(i + 1);
    }
  }
  size_t at(ptrdiff_t offset) const {
    const auto o = static_cast<size_t>(std::max<ptrdiff_t>(offset, 0));
    return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), o) -
                               starts_.begin());
  }

 private:
  std::vector<size_t> starts_;
};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Attribute values by name, case-insensitively (exporters write xmlUrl, xmlurl or XMLURL).
std::string attr(const pugi::xml_node& n, const char* name) {
  for (const auto& a : n.attributes()) {
    if (strcasecmp(a.name(), name) == 0) return a.value();
  }
  return {};
}

void add_tag(std::vector<std::string>& tags, std::string t) {
  t = trim(std::move(t));
  if (!t.empty() && std::find(tags.begin(), tags.end(), t) == tags.end())
    tags.push_back(std::move(t));
}

constexpr size_t kMaxOutlineDepth = 64;

}  // namespace

OpmlParse parse_opml(const std::string& bytes) {
  OpmlParse out;
  pugi::xml_document doc;
  // Line numbers come from offsets; no DTDs or entities beyond XML's own are expanded.
  const auto r = doc.load_buffer(bytes.data(), bytes.size(),
                                 pugi::parse_default & ~pugi::parse_doctype, pugi::encoding_auto);
  const Lines lines(bytes);
  if (!r) {
    out.error = std::string("not well-formed XML: ") + r.description();
    out.error_line = lines.at(r.offset);
    return out;
  }
  const pugi::xml_node opml = doc.document_element();
  auto line_of = [&](const pugi::xml_node& n) { return lines.at(n.offset_debug()); };
  if (std::string(opml.name()) != "opml") {
    out.error = "the root element is <" + std::string(opml.name()) + ">, not <opml>";
    out.error_line = line_of(opml);
    return out;
  }
  const pugi::xml_node body = opml.child("body");
  if (!body) {
    out.error = "<opml> has no <body>";
    out.error_line = line_of(opml);
    return out;
  }
  // Iterative walk. Folders are kept once, each with its parent, so that a feed's tags are
  // read up its chain (at most kMaxOutlineDepth long) rather than copied into every child.
  struct Folder {
    std::string title;
    size_t parent;
  };
  constexpr size_t kNoFolder = static_cast<size_t>(-1);
  std::vector<Folder> folders;
  struct Item {
    pugi::xml_node node;
    size_t folder;
    size_t depth;
  };
  std::vector<Item> stack;
  for (auto n = body.last_child(); n; n = n.previous_sibling()) {
    if (std::string(n.name()) == "outline") stack.push_back({n, kNoFolder, 1});
  }
  while (!stack.empty()) {
    const Item it = stack.back();
    stack.pop_back();
    const std::string title =
        trim(attr(it.node, "text").empty() ? attr(it.node, "title") : attr(it.node, "text"));
    std::string url = trim(attr(it.node, "xmlUrl"));
    std::string type = "feed";
    if (url.empty() && strcasecmp(attr(it.node, "type").c_str(), "link") == 0) {
      url = trim(attr(it.node, "url"));
      type = "html";
    }
    if (url.empty()) {
      // A folder: its title tags what it holds.
      if (it.depth >= kMaxOutlineDepth) {
        out.feeds.push_back({line_of(it.node),
                             "",
                             "",
                             title,
                             {},
                             "outlines nested deeper than " + std::to_string(kMaxOutlineDepth)});
        continue;
      }
      folders.push_back({title, it.folder});
      const size_t self = folders.size() - 1;
      for (auto n = it.node.last_child(); n; n = n.previous_sibling()) {
        if (std::string(n.name()) == "outline") stack.push_back({n, self, it.depth + 1});
      }
      continue;
    }
    OpmlFeed f;
    f.line = line_of(it.node);
    f.url = url;
    f.type = type;
    f.title = title;
    std::vector<std::string> chain;
    for (size_t k = it.folder; k != kNoFolder; k = folders[k].parent)
      chain.push_back(folders[k].title);
    for (auto c = chain.rbegin(); c != chain.rend(); ++c) add_tag(f.tags, *c);
    std::string category = attr(it.node, "category");
    for (char& c : category) {
      if (c == '/') c = ',';
    }
    for (size_t b = 0; b <= category.size();) {
      const size_t e = std::min(category.find(',', b), category.size());
      add_tag(f.tags, category.substr(b, e - b));
      b = e + 1;
    }
    if (!is_http_url(url)) f.error = "'" + url + "' is not an absolute http(s) URL";
    out.feeds.push_back(std::move(f));
  }
  return out;
}

}  // namespace rasd::cli
