// RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 on pugixml, with namespace resolution by URI.
#include <pugixml.hpp>

#include <cstring>
#include <sstream>
#include <string>

#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"
#include "rasd/parsers/html_text.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd::detail {
namespace {

constexpr std::string_view kAtom10 = "http://www.w3.org/2005/Atom";
constexpr std::string_view kAtom03 = "http://purl.org/atom/ns#";
constexpr std::string_view kRss10 = "http://purl.org/rss/1.0/";
constexpr std::string_view kRss090 = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kContent = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kMedia = "http://search.yahoo.com/mrss/";

// Conventional prefixes, used when a feed forgets to declare them (common in the wild).
std::string_view conventional_uri(std::string_view prefix) {
  if (prefix == "content") return kContent;
  if (prefix == "dc") return kDc;
  if (prefix == "media") return kMedia;
  if (prefix == "atom") return kAtom10;
  if (prefix == "rdf") return kRdf;
  return {};
}

std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view ns_uri(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  std::string attr = colon == std::string_view::npos
                         ? std::string("xmlns")
                         : "xmlns:" + std::string(name.substr(0, colon));
  for (pugi::xml_node p = n; p; p = p.parent()) {
    if (auto a = p.attribute(attr.c_str())) return a.value();
  }
  if (colon != std::string_view::npos) return conventional_uri(name.substr(0, colon));
  return {};
}

bool is_atom(std::string_view uri) { return uri == kAtom10 || uri == kAtom03; }

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

// Concatenated text (including CDATA) of an element's direct and nested text children.
std::string inner_text(const pugi::xml_node& n) {
  std::string out;
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out += c.value();
    } else if (c.type() == pugi::node_element) {
      out += inner_text(c);
    }
  }
  return out;
}

std::string inner_xml(const pugi::xml_node& n) {
  std::ostringstream os;
  for (auto c : n.children()) c.print(os, "", pugi::format_raw);
  return os.str();
}

std::string plain_text(std::string_view s) {
  return html::looks_like_html(s) ? html::to_text(s) : trim(s);
}

// Atom text construct: returns HTML (for content) or plain text (for titles).
std::string atom_text(const pugi::xml_node& n, bool as_plain) {
  std::string_view type = n.attribute("type").value();
  std::string_view mode = n.attribute("mode").value();  // Atom 0.3
  std::string raw;
  if (type == "xhtml" || type == "application/xhtml+xml" || mode == "xml") {
    pugi::xml_node div = n.first_child();
    while (div && div.type() != pugi::node_element) div = div.next_sibling();
    raw = (div && local_name(div) == "div") ? inner_xml(div) : inner_xml(n);
    return as_plain ? html::to_text(raw) : trim(raw);
  }
  raw = inner_text(n);
  if (type == "html" || type == "text/html" || mode == "escaped") {
    return as_plain ? html::to_text(raw) : trim(raw);
  }
  if (as_plain) return plain_text(raw);
  return trim(raw);
}

// Base URL in effect for a node: xml:base attributes on it and its ancestors, resolved against
// the document URL from the outside in.
std::string base_for(const pugi::xml_node& n, const std::string& doc_base) {
  std::vector<std::string_view> bases;
  for (pugi::xml_node p = n; p; p = p.parent()) {
    if (auto a = p.attribute("xml:base")) bases.emplace_back(a.value());
  }
  std::string base = doc_base;
  for (auto it = bases.rbegin(); it != bases.rend(); ++it) base = url::resolve(base, *it);
  return base;
}

std::optional<int64_t> date_of(const pugi::xml_node& n) {
  return n ? dates::parse_any(trim(inner_text(n))) : std::nullopt;
}

void read_rss_item(const pugi::xml_node& item, FeedItem& it, const std::string& base) {
  for (auto c : item.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c);
    const std::string_view name = local_name(c);
    if (uri.empty() || uri == kRss10 || uri == kRss090) {
      if (name == "title") it.title = plain_text(inner_text(c));
      else if (name == "link" && it.link.empty()) it.link = url::resolve(base_for(c, base), trim(inner_text(c)));
      else if (name == "guid") it.guid = trim(inner_text(c));
      else if (name == "description") it.summary = trim(inner_text(c));
      else if (name == "pubDate") it.published = date_of(c);
      else if (name == "author" && it.author.empty()) it.author = plain_text(inner_text(c));
      else if (name == "category") it.categories.push_back(plain_text(inner_text(c)));
    } else if (uri == kContent && name == "encoded") {
      it.content = trim(inner_text(c));
    } else if (uri == kDc) {
      if (name == "date" && !it.published) it.published = date_of(c);
      else if (name == "creator" && it.author.empty()) it.author = plain_text(inner_text(c));
      else if (name == "subject") it.categories.push_back(plain_text(inner_text(c)));
      else if (name == "title" && it.title.empty()) it.title = plain_text(inner_text(c));
    } else if (is_atom(uri)) {
      if (name == "updated") it.updated = date_of(c);
      else if (name == "link" && it.link.empty() && std::string_view(c.attribute("rel").value()) != "self")
        it.link = url::resolve(base_for(c, base), c.attribute("href").value());
    } else if (uri == kMedia && name == "description" && it.summary.empty()) {
      it.summary = trim(inner_text(c));
    }
  }
  if (it.guid.empty()) {
    if (auto about = item.attribute("rdf:about")) it.guid = about.value();
  }
  if (it.link.empty() && !it.guid.empty()) {
    std::string_view perma = item.child("guid").attribute("isPermaLink").value();
    if (perma != "false" && (it.guid.rfind("http://", 0) == 0 || it.guid.rfind("https://", 0) == 0))
      it.link = it.guid;
  }
}

void read_rss_channel(const pugi::xml_node& ch, Feed& feed, const std::string& base) {
  for (auto c : ch.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c);
    const std::string_view name = local_name(c);
    if (uri.empty() || uri == kRss10 || uri == kRss090) {
      if (name == "title") feed.title = plain_text(inner_text(c));
      else if (name == "link" && feed.link.empty()) feed.link = url::resolve(base, trim(inner_text(c)));
      else if (name == "language") feed.language = trim(inner_text(c));
      else if (name == "ttl") {
        try {
          feed.ttl_minutes = std::stoi(trim(inner_text(c)));
        } catch (const std::exception&) {
          feed.warnings.emplace_back("unreadable <ttl>");
        }
      }
    } else if (uri == kDc && name == "language" && feed.language.empty()) {
      feed.language = trim(inner_text(c));
    } else if (is_atom(uri) && name == "link") {
      std::string_view rel = c.attribute("rel").value();
      std::string href = url::resolve(base, c.attribute("href").value());
      if (rel == "self") feed.self = href;
      else if (rel == "hub") feed.hub = href;
    }
  }
}

void read_atom_entry(const pugi::xml_node& e, FeedItem& it, const std::string& doc_base) {
  for (auto c : e.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c);
    const std::string_view name = local_name(c);
    if (!is_atom(uri)) {
      if (uri == kDc && name == "subject") it.categories.push_back(plain_text(inner_text(c)));
      continue;
    }
    if (name == "id") it.guid = trim(inner_text(c));
    else if (name == "title") it.title = atom_text(c, true);
    else if (name == "summary") it.summary = atom_text(c, false);
    else if (name == "content") it.content = atom_text(c, false);
    else if (name == "published" || name == "issued") it.published = date_of(c);
    else if (name == "updated" || name == "modified") it.updated = date_of(c);
    else if (name == "author" && it.author.empty()) {
      for (auto a : c.children()) {
        if (local_name(a) == "name") it.author = plain_text(inner_text(a));
      }
    } else if (name == "category") {
      std::string term = c.attribute("term").value();
      if (term.empty()) term = c.attribute("label").value();
      if (!term.empty()) it.categories.push_back(term);
    } else if (name == "link") {
      std::string_view rel = c.attribute("rel").value();
      if ((rel.empty() || rel == "alternate") && it.link.empty())
        it.link = url::resolve(base_for(c, doc_base), c.attribute("href").value());
    }
  }
  if (!it.published && it.updated) it.published = it.updated;
}

void read_atom_feed(const pugi::xml_node& root, Feed& feed, const std::string& doc_base) {
  feed.language = root.attribute("xml:lang").value();
  for (auto c : root.children()) {
    if (c.type() != pugi::node_element || !is_atom(ns_uri(c))) continue;
    const std::string_view name = local_name(c);
    if (name == "title") feed.title = atom_text(c, true);
    else if (name == "link") {
      std::string_view rel = c.attribute("rel").value();
      std::string href = url::resolve(base_for(c, doc_base), c.attribute("href").value());
      if (rel.empty() || rel == "alternate") {
        if (feed.link.empty()) feed.link = href;
      } else if (rel == "self") feed.self = href;
      else if (rel == "hub") feed.hub = href;
    } else if (name == "entry") {
      FeedItem it;
      read_atom_entry(c, it, doc_base);
      feed.items.push_back(std::move(it));
    }
  }
}

}  // namespace

Expected<Feed> parse_xml_feed(std::string_view utf8, const FeedParseOptions& options) {
  pugi::xml_document doc;
  const unsigned flags = pugi::parse_default | pugi::parse_ws_pcdata_single;
  pugi::xml_parse_result res =
      doc.load_buffer(utf8.data(), utf8.size(), flags, pugi::encoding_utf8);
  Feed feed;
  if (!res) {
    // pugixml keeps what it parsed before the error; use it when it reached the feed root.
    feed.warnings.push_back(std::string("XML error: ") + res.description() + " at byte " +
                            std::to_string(res.offset));
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    return Error{std::string("not a feed: ") + (res ? "empty document" : res.description()),
                 res ? 0 : static_cast<size_t>(res.offset)};
  }
  const std::string_view root_name = local_name(root);
  const std::string_view root_uri = ns_uri(root);
  const std::string& base = options.base_url;
  if (root_name == "rss" || root_name == "RDF" || root_name == "rdf") {
    feed.format = root_name == "rss" ? "rss" : "rdf";
    pugi::xml_node channel;
    for (auto c : root.children()) {
      if (c.type() == pugi::node_element && local_name(c) == "channel") channel = c;
    }
    if (channel) read_rss_channel(channel, feed, base_for(channel, base));
    // RSS 2.0 nests items in the channel; RSS 1.0 puts them beside it.
    for (auto parent : {channel, root}) {
      if (!parent) continue;
      for (auto c : parent.children()) {
        if (c.type() == pugi::node_element && local_name(c) == "item") {
          FeedItem it;
          read_rss_item(c, it, base);
          feed.items.push_back(std::move(it));
        }
      }
    }
  } else if (root_name == "feed" && (is_atom(root_uri) || root_uri.empty())) {
    feed.format = "atom";
    read_atom_feed(root, feed, base_for(root, base));
  } else if (root_name == "html" || root_name == "HTML") {
    return Error{"not a feed: an HTML page was served where a feed was expected", 0};
  } else {
    return Error{"not a feed: unknown root element <" + std::string(root.name()) + ">", 0};
  }
  return feed;
}

}  // namespace rasd::detail
