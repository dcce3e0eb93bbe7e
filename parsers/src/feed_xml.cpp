// RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and CDF on pugixml, with namespace resolution by
// URI. Elements are read by (namespace, local name); the namespaces that carry real content in
// the wild (content, dc, dcterms, atom inside RSS, media, itunes, sy, xhtml) give fallbacks
// that apply only when the core element is missing.
#include <cstring>
#include <pugixml.hpp>
#include <sstream>
#include <string>

#include "feed_xml_support.hpp"
#include "rasd/parsers/charset.hpp"
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
constexpr std::string_view kUserlandRss2 = "http://backend.userland.com/rss2";
constexpr std::string_view kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kContent = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDcTerms = "http://purl.org/dc/terms/";
constexpr std::string_view kMedia = "http://search.yahoo.com/mrss/";
constexpr std::string_view kItunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr std::string_view kSy = "http://purl.org/rss/1.0/modules/syndication/";
constexpr std::string_view kXhtml = "http://www.w3.org/1999/xhtml";

// What the reader knows of the document as a whole.
struct Doc {
  std::string_view atom_ns;  // namespace of Atom elements (an unusual one when the root says so)
  std::string_view rss_ns;   // namespace of the core RSS elements (the root's)
  std::vector<std::string>* warnings = nullptr;
  bool warned_undeclared = false;
};

// Conventional prefixes, used when a feed forgets to declare them (common in the wild).
std::string_view conventional_uri(std::string_view prefix) {
  if (prefix == "content") return kContent;
  if (prefix == "dc") return kDc;
  if (prefix == "dcterms") return kDcTerms;
  if (prefix == "media") return kMedia;
  if (prefix == "atom") return kAtom10;
  if (prefix == "rdf") return kRdf;
  if (prefix == "itunes") return kItunes;
  if (prefix == "sy") return kSy;
  if (prefix == "xhtml") return kXhtml;
  return {};
}

std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view ns_uri(const pugi::xml_node& n, Doc& doc) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  std::string attr = colon == std::string_view::npos
                         ? std::string("xmlns")
                         : "xmlns:" + std::string(name.substr(0, colon));
  for (pugi::xml_node p = n; p; p = p.parent()) {
    if (auto a = p.attribute(attr.c_str())) return a.value();
  }
  if (colon == std::string_view::npos) return {};
  if (!doc.warned_undeclared && doc.warnings != nullptr) {
    doc.warnings->push_back("undeclared namespace prefix '" + std::string(name.substr(0, colon)) +
                            "'");
    doc.warned_undeclared = true;
  }
  return conventional_uri(name.substr(0, colon));
}

// Apple spells its namespace in several cases ("DTDs/PodCast-1.0.dtd"); match it as a whole.
bool is_itunes(std::string_view uri) {
  return uri.size() == kItunes.size() && strncasecmp(uri.data(), kItunes.data(), uri.size()) == 0;
}

bool is_atom(std::string_view uri, const Doc& doc) {
  return uri == kAtom10 || uri == kAtom03 || (!doc.atom_ns.empty() && uri == doc.atom_ns);
}
bool is_rss_core(std::string_view uri, const Doc& doc) {
  return uri.empty() || uri == kRss10 || uri == kRss090 || uri == kUserlandRss2 ||
         uri == doc.rss_ns;
}

// Concatenated text (including CDATA) of an element's direct and nested text children, in
// document order. Walks down first children and back up parent links instead of recursing: a
// feed may nest elements as deep as its size allows (a 14 MB <title> holds 2,000,000 levels),
// and pugixml itself parses, prints and frees such trees without recursion.
std::string inner_text(const pugi::xml_node& n) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c;) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out += c.value();
    } else if (c.type() == pugi::node_element && c.first_child()) {
      c = c.first_child();
      continue;
    }
    while (!c.next_sibling() && c.parent() != n) c = c.parent();
    c = c.next_sibling();
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
std::string text_of(const pugi::xml_node& n) { return plain_text(inner_text(n)); }

// Atom text construct: HTML (for content) or plain text (for titles). Handles type text,
// html, xhtml, Atom 0.3 mode="escaped"/"xml"/"base64", and base64 for other media types.
std::string atom_text(const pugi::xml_node& n, bool as_plain) {
  std::string_view type = n.attribute("type").value();
  std::string_view mode = n.attribute("mode").value();
  if (type == "xhtml" || type == "application/xhtml+xml" || mode == "xml") {
    pugi::xml_node div = n.first_child();
    while (div && div.type() != pugi::node_element) div = div.next_sibling();
    const std::string raw = (div && local_name(div) == "div") ? inner_xml(div) : inner_xml(n);
    return as_plain ? html::to_text(raw) : trim(raw);
  }
  std::string raw = inner_text(n);
  const bool textual = type.empty() || type == "text" || type == "html" ||
                       type.substr(0, 5) == "text/" || type.find("xml") != std::string_view::npos;
  if (mode == "base64" || !textual) {
    // Kept only when it decodes to text: binary payloads (and words that merely look like
    // base64, under a custom type) stay as they were, so the output is always UTF-8.
    if (auto decoded = base64_decode(raw); decoded && charset::is_valid_utf8(*decoded))
      raw = std::move(*decoded);
  }
  const bool is_html = type == "html" || type == "text/html" || mode == "escaped" ||
                       (mode == "base64" && type.find("html") != std::string_view::npos);
  if (is_html) return as_plain ? html::to_text(raw) : trim(raw);
  return as_plain ? plain_text(raw) : trim(raw);
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

// The name of an Atom person construct; "" when it gives only an email or URI.
std::string atom_person(const pugi::xml_node& n) {
  bool elements = false;
  for (auto a : n.children()) {
    if (a.type() != pugi::node_element) continue;
    if (local_name(a) == "name") return text_of(a);
    elements = true;
  }
  return elements ? std::string() : author_name(text_of(n));
}

bool is_image(const pugi::xml_node& n) {
  std::string_view type = n.attribute("type").value();
  std::string_view medium = n.attribute("medium").value();
  return medium == "image" || type.substr(0, 6) == "image/";
}

// Values from extension namespaces, applied after the core elements when those are missing.
struct Fallbacks {
  std::string title, summary, author, content;
  std::optional<int64_t> published, updated;
};

void set_if_empty(std::string& field, const std::string& value) {
  if (field.empty()) field = value;
}

// One Media RSS element. A <media:group> is read one level deep: MRSS puts <media:content>
// and its siblings in a group, never a group in a group, so nested groups are not descended
// into (which also keeps this walk from recursing as deep as a hostile feed nests them).
void read_media(const pugi::xml_node& c, std::string_view name, FeedItem& it, Fallbacks& fb,
                Doc& doc, bool in_group = false) {
  if (name == "description")
    set_if_empty(fb.summary, trim(inner_text(c)));
  else if (name == "title")
    set_if_empty(fb.title, text_of(c));
  else if (name == "thumbnail" && it.image.empty())
    it.image = c.attribute("url").value();
  else if (name == "content" && it.image.empty() && is_image(c))
    it.image = c.attribute("url").value();
  else if (name == "group" && !in_group) {
    for (auto g : c.children()) {
      if (g.type() == pugi::node_element && ns_uri(g, doc) == kMedia)
        read_media(g, local_name(g), it, fb, doc, true);
    }
  }
}

void read_rss_item(const pugi::xml_node& item, FeedItem& it, const std::string& doc_base,
                   Doc& doc) {
  Fallbacks fb;
  const std::string base = base_for(item, doc_base);
  for (auto c : item.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c, doc);
    const std::string_view name = local_name(c);
    if (is_rss_core(uri, doc)) {
      if (name == "title")
        it.title = text_of(c);
      else if (name == "link" && it.link.empty())
        it.link = url::resolve(base_for(c, base), trim(inner_text(c)));
      else if (name == "guid")
        it.guid = trim(inner_text(c));
      else if (name == "description")
        it.summary = trim(inner_text(c));
      else if (name == "pubDate")
        it.published = date_of(c);
      else if (name == "author" && it.author.empty())
        it.author = author_name(text_of(c));
      else if (name == "category")
        it.categories.push_back(text_of(c));
      else if (name == "fullitem")
        it.content = trim(inner_text(c));
      else if (name == "enclosure" && it.image.empty() && is_image(c))
        it.image = c.attribute("url").value();
    } else if (uri == kContent && name == "encoded") {
      it.content = trim(inner_text(c));
    } else if (uri == kXhtml && name == "body") {
      set_if_empty(it.content, trim(inner_xml(c)));
    } else if (uri == kDc || uri == kDcTerms) {
      if (name == "date" || name == "created" || name == "issued") {
        if (!fb.published) fb.published = date_of(c);
      } else if (name == "modified") {
        if (!fb.updated) fb.updated = date_of(c);
      } else if (name == "creator" || name == "author" || name == "contributor") {
        set_if_empty(fb.author, author_name(text_of(c)));
      } else if (name == "subject") {
        it.categories.push_back(text_of(c));
      } else if (name == "title") {
        set_if_empty(fb.title, text_of(c));
      } else if (name == "description") {
        set_if_empty(fb.summary, trim(inner_text(c)));
      }
    } else if (is_atom(uri, doc)) {
      if (name == "updated" || name == "modified") {
        if (!fb.updated) fb.updated = date_of(c);
      } else if (name == "published" || name == "issued") {
        if (!fb.published) fb.published = date_of(c);
      } else if (name == "link" && it.link.empty()) {
        std::string_view rel = c.attribute("rel").value();
        if (rel.empty() || rel == "alternate")
          it.link = url::resolve(base_for(c, base), c.attribute("href").value());
      } else if (name == "author") {
        set_if_empty(fb.author, atom_person(c));
      } else if (name == "content") {
        set_if_empty(fb.content, atom_text(c, false));
      } else if (name == "summary") {
        set_if_empty(fb.summary, atom_text(c, false));
      } else if (name == "category") {
        const std::string term = c.attribute("term").value();
        if (!term.empty()) it.categories.push_back(term);
      } else if (name == "id" && it.guid.empty()) {
        it.guid = trim(inner_text(c));
      }
    } else if (uri == kMedia) {
      read_media(c, name, it, fb, doc);
    } else if (is_itunes(uri)) {
      if (name == "summary")
        set_if_empty(fb.summary, trim(inner_text(c)));
      else if (name == "author")
        set_if_empty(fb.author, text_of(c));
      else if (name == "keywords") {
        std::stringstream keywords(text_of(c));
        for (std::string k; std::getline(keywords, k, ',');) {
          if (!trim(k).empty()) it.categories.push_back(trim(k));
        }
      } else if (name == "category") {
        // Apple's categories have one level of subcategories; deeper nesting is not read.
        int level = 0;
        for (auto cat = c; cat && level < 2; cat = cat.child("itunes:category"), ++level) {
          const std::string text = cat.attribute("text").value();
          if (!text.empty()) it.categories.push_back(text);
        }
      }
    }
  }
  set_if_empty(it.title, fb.title);
  set_if_empty(it.summary, fb.summary);
  set_if_empty(it.author, fb.author);
  set_if_empty(it.content, fb.content);
  if (!it.published) it.published = fb.published;
  if (!it.updated) it.updated = fb.updated ? fb.updated : it.published;
  if (it.guid.empty()) {
    if (auto about = item.attribute("rdf:about")) it.guid = about.value();
  }
  if (it.link.empty() && !it.guid.empty()) {
    std::string_view perma = item.child("guid").attribute("isPermaLink").value();
    if (perma != "false" && (it.guid.rfind("http://", 0) == 0 || it.guid.rfind("https://", 0) == 0))
      it.link = it.guid;
  }
}

int update_period_minutes(std::string_view period) {
  if (period == "hourly") return 60;
  if (period == "daily") return 24 * 60;
  if (period == "weekly") return 7 * 24 * 60;
  if (period == "monthly") return 30 * 24 * 60;
  if (period == "yearly") return 365 * 24 * 60;
  return 0;
}

void read_rss_channel(const pugi::xml_node& ch, Feed& feed, const std::string& base, Doc& doc) {
  std::string dc_title, dc_description, itunes_summary, atom_alternate;
  std::string sy_period;
  int sy_frequency = 1;
  for (auto c : ch.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c, doc);
    const std::string_view name = local_name(c);
    if (is_rss_core(uri, doc)) {
      if (name == "title")
        feed.title = text_of(c);
      else if (name == "link" && feed.link.empty())
        feed.link = url::resolve(base_for(c, base), trim(inner_text(c)));
      else if (name == "description")
        feed.description = trim(inner_text(c));
      else if (name == "language")
        feed.language = normalize_language(inner_text(c));
      else if (name == "ttl") {
        try {
          feed.ttl_minutes = std::stoi(trim(inner_text(c)));
        } catch (const std::exception&) {
          feed.warnings.emplace_back("unreadable <ttl>");
        }
      } else if (name == "skipHours") {
        for (auto h : c.children()) {
          if (local_name(h) != "hour") continue;
          try {
            const int hour = std::stoi(trim(inner_text(h)));
            if (hour >= 0 && hour <= 24) feed.skip_hours.push_back(hour % 24);
          } catch (const std::exception&) {
            feed.warnings.emplace_back("unreadable <skipHours><hour>");
          }
        }
      } else if (name == "skipDays") {
        for (auto d : c.children()) {
          if (local_name(d) == "day") feed.skip_days.push_back(trim(inner_text(d)));
        }
      }
    } else if (uri == kDc) {
      if (name == "language" && feed.language.empty())
        feed.language = normalize_language(inner_text(c));
      else if (name == "title")
        dc_title = text_of(c);
      else if (name == "description")
        dc_description = trim(inner_text(c));
    } else if (is_itunes(uri) && name == "summary") {
      itunes_summary = trim(inner_text(c));
    } else if (uri == kSy) {
      if (name == "updatePeriod")
        sy_period = trim(inner_text(c));
      else if (name == "updateFrequency") {
        try {
          sy_frequency = std::max(1, std::stoi(trim(inner_text(c))));
        } catch (const std::exception&) {
          feed.warnings.emplace_back("unreadable <sy:updateFrequency>");
        }
      }
    } else if (is_atom(uri, doc) && name == "link") {
      std::string_view rel = c.attribute("rel").value();
      std::string href = url::resolve(base_for(c, base), c.attribute("href").value());
      if (rel == "self")
        feed.self = href;
      else if (rel == "hub")
        feed.hub = href;
      else if ((rel.empty() || rel == "alternate") && atom_alternate.empty())
        atom_alternate = href;
    }
  }
  set_if_empty(feed.title, dc_title);
  set_if_empty(feed.description, dc_description);
  set_if_empty(feed.description, itunes_summary);
  set_if_empty(feed.link, atom_alternate);
  if (const int m = update_period_minutes(sy_period)) feed.update_period_minutes = m / sy_frequency;
}

void read_atom_entry(const pugi::xml_node& e, FeedItem& it, const std::string& doc_base, Doc& doc) {
  for (auto c : e.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view uri = ns_uri(c, doc);
    const std::string_view name = local_name(c);
    if (!is_atom(uri, doc)) {
      if (uri == kDc && name == "subject")
        it.categories.push_back(text_of(c));
      else if (uri == kMedia) {
        Fallbacks ignored;
        read_media(c, name, it, ignored, doc);
      }
      continue;
    }
    if (name == "id") {
      it.guid = trim(inner_text(c));
      // An id must be an absolute IRI; a relative one is read against xml:base.
      if (!it.guid.empty() && it.guid.front() == '/')
        it.guid = url::resolve(base_for(c, doc_base), it.guid);
    } else if (name == "title")
      it.title = atom_text(c, true);
    else if (name == "summary")
      it.summary = atom_text(c, false);
    else if (name == "content")
      it.content = atom_text(c, false);
    else if (name == "published" || name == "issued" || name == "created") {
      if (!it.published || name == "published") it.published = date_of(c);
    } else if (name == "updated" || name == "modified")
      it.updated = date_of(c);
    else if (name == "author" && it.author.empty())
      it.author = atom_person(c);
    else if (name == "category") {
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
  if (!it.updated && it.published) it.updated = it.published;
  if (it.summary.empty())
    it.summary = it.content;  // readers show content where no summary is given
}

void read_atom_feed(const pugi::xml_node& root, Feed& feed, const std::string& doc_base, Doc& doc) {
  feed.language = normalize_language(root.attribute("xml:lang").value());
  for (auto c : root.children()) {
    if (c.type() != pugi::node_element || !is_atom(ns_uri(c, doc), doc)) continue;
    const std::string_view name = local_name(c);
    if (name == "title")
      feed.title = atom_text(c, true);
    else if (name == "subtitle" || name == "tagline")
      feed.description = atom_text(c, false);
    else if (name == "link") {
      std::string_view rel = c.attribute("rel").value();
      std::string href = url::resolve(base_for(c, doc_base), c.attribute("href").value());
      if (rel.empty() || rel == "alternate") {
        if (feed.link.empty()) feed.link = href;
      } else if (rel == "self")
        feed.self = href;
      else if (rel == "hub")
        feed.hub = href;
    } else if (name == "entry") {
      FeedItem it;
      read_atom_entry(c, it, doc_base, doc);
      feed.items.push_back(std::move(it));
    }
  }
}

// CDF (Microsoft's Channel Definition Format): <CHANNEL HREF LASTMOD><TITLE/><ABSTRACT/><ITEM/>.
void read_cdf(const pugi::xml_node& root, Feed& feed, const std::string& base) {
  auto child_text = [](const pugi::xml_node& n, const char* name) {
    for (auto c : n.children()) {
      if (c.type() == pugi::node_element && strcasecmp(c.name(), name) == 0) return text_of(c);
    }
    return std::string();
  };
  auto attr = [](const pugi::xml_node& n, const char* name) {
    for (auto a : n.attributes()) {
      if (strcasecmp(a.name(), name) == 0) return std::string(a.value());
    }
    return std::string();
  };
  feed.title = child_text(root, "TITLE");
  feed.description = child_text(root, "ABSTRACT");
  feed.link = url::resolve(base_for(root, base), attr(root, "HREF"));
  for (auto c : root.children()) {
    if (c.type() != pugi::node_element || strcasecmp(c.name(), "ITEM") != 0) continue;
    FeedItem it;
    it.title = child_text(c, "TITLE");
    it.summary = child_text(c, "ABSTRACT");
    it.link = url::resolve(base_for(c, base), attr(c, "HREF"));
    it.updated = dates::parse_any(attr(c, "LASTMOD"));
    it.published = it.updated;
    feed.items.push_back(std::move(it));
  }
}

}  // namespace

Expected<Feed> parse_xml_feed(std::string utf8, const FeedParseOptions& options) {
  Feed feed;
  // Our own copy (the caller's, moved), parsed in place: the document's strings point into it
  // (it outlives `xml`, declared after it), so a feed costs one copy of its text. With the NUL
  // that load_buffer adds to its copy, so that errors are reported at the same offsets.
  std::string expanded = expand_internal_entities(std::move(utf8), feed.warnings);
  expanded.push_back('\0');
  pugi::xml_document xml;
  const unsigned flags = pugi::parse_default | pugi::parse_ws_pcdata_single;
  pugi::xml_parse_result res =
      xml.load_buffer_inplace(expanded.data(), expanded.size(), flags, pugi::encoding_utf8);
  if (!res) {
    // pugixml keeps what it parsed before the error; use it when it reached the feed root.
    feed.warnings.push_back(std::string("XML error: ") + res.description() + " at byte " +
                            std::to_string(res.offset));
  }
  pugi::xml_node root = xml.document_element();
  if (!root) {
    return Error{std::string("not a feed: ") + (res ? "empty document" : res.description()),
                 res ? 0 : static_cast<size_t>(res.offset)};
  }
  Doc doc;
  doc.warnings = &feed.warnings;
  const std::string_view root_name = local_name(root);
  const std::string_view root_uri = ns_uri(root, doc);
  const std::string& base = options.base_url;
  if (root_name == "rss" || root_name == "RDF" || root_name == "rdf") {
    feed.format = root_name == "rss" ? "rss" : "rdf";
    if (root_name == "rss") doc.rss_ns = root_uri;
    pugi::xml_node channel;
    for (auto c : root.children()) {
      if (c.type() == pugi::node_element && local_name(c) == "channel") channel = c;
    }
    if (channel) read_rss_channel(channel, feed, base_for(channel, base), doc);
    // RSS 2.0 nests items in the channel; RSS 1.0 puts them beside it.
    for (auto parent : {channel, root}) {
      if (!parent) continue;
      for (auto c : parent.children()) {
        if (c.type() == pugi::node_element && local_name(c) == "item") {
          FeedItem it;
          read_rss_item(c, it, base, doc);
          feed.items.push_back(std::move(it));
        }
      }
    }
  } else if (root_name == "feed") {
    // Atom under its own namespaces, or under one of the pre-standard ones (echo, pie, ...).
    feed.format = "atom";
    doc.atom_ns = root_uri;
    read_atom_feed(root, feed, base_for(root, base), doc);
  } else if (strcasecmp(root.name(), "channel") == 0) {
    feed.format = "cdf";
    read_cdf(root, feed, base);
  } else if (root_name == "html" || root_name == "HTML") {
    return Error{"not a feed: an HTML page was served where a feed was expected", 0};
  } else {
    return Error{"not a feed: unknown root element <" + std::string(root.name()) + ">", 0};
  }
  return feed;
}

}  // namespace rasd::detail
