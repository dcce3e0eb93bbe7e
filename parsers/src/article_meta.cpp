// Article metadata: what the page says about itself (meta tags, JSON-LD), then what it shows.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <vector>

#include "article_internal.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd::html::detail {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string attr(const GumboNode* n, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? a->value : "";
}

std::string squeeze(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

void text_of(const GumboNode* n, std::string& out, int depth = 0) {
  if (depth > kMaxDepth) return;
  if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
    out += n->v.text.text;
  } else if (n->type == GUMBO_NODE_ELEMENT) {
    const GumboVector& ch = n->v.element.children;
    for (unsigned i = 0; i < ch.length; ++i)
      text_of(static_cast<const GumboNode*>(ch.data[i]), out, depth + 1);
  }
}

struct Found {
  std::string og_title, tw_title, title, h1, ld_headline;
  std::string author_meta, ld_author, rel_author, byline_class;
  std::string published_meta, ld_published, time_datetime;
  std::string html_lang, og_locale, ld_lang, dir;
  std::string canonical, og_url;
  int h1_count = 0;
};

void read_json_ld(const boost::json::value& v, Found& f, int depth = 0) {
  if (depth > 8) return;
  if (v.is_array()) {
    for (const auto& x : v.as_array()) read_json_ld(x, f, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  const auto& o = v.as_object();
  if (const auto* g = o.if_contains("@graph")) read_json_ld(*g, f, depth + 1);
  auto str = [&](const char* k) -> std::string {
    const auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  std::string type;
  if (const auto* t = o.if_contains("@type")) {
    if (t->is_string())
      type = t->get_string();
    else if (t->is_array() && !t->as_array().empty() && t->as_array()[0].is_string())
      type = t->as_array()[0].get_string();
  }
  const bool article =
      type.find("Article") != std::string::npos || type == "BlogPosting" || type == "Report";
  if (!article) return;
  if (f.ld_headline.empty()) f.ld_headline = str("headline");
  if (f.ld_published.empty()) f.ld_published = str("datePublished");
  if (f.ld_lang.empty()) f.ld_lang = str("inLanguage");
  if (f.ld_author.empty()) {
    if (const auto* a = o.if_contains("author")) {
      std::vector<std::string> names;
      auto add = [&](const boost::json::value& x) {
        if (x.is_string())
          names.emplace_back(x.get_string());
        else if (x.is_object()) {
          if (const auto* nm = x.as_object().if_contains("name"); nm && nm->is_string())
            names.emplace_back(nm->get_string());
        }
      };
      if (a->is_array()) {
        for (const auto& x : a->as_array()) add(x);
      } else {
        add(*a);
      }
      for (size_t i = 0; i < names.size(); ++i) f.ld_author += (i ? ", " : "") + names[i];
    }
  }
}

void scan(const GumboNode* n, Found& f, int depth) {
  if (depth > kMaxDepth || n->type != GUMBO_NODE_ELEMENT) return;
  const GumboElement& e = n->v.element;
  switch (e.tag) {
    case GUMBO_TAG_HTML:
      f.html_lang = attr(n, "lang");
      f.dir = lower(attr(n, "dir"));
      break;
    case GUMBO_TAG_TITLE:
      if (f.title.empty()) text_of(n, f.title);
      break;
    case GUMBO_TAG_H1:
      if (++f.h1_count == 1) text_of(n, f.h1);
      break;
    case GUMBO_TAG_META: {
      const std::string key =
          lower(attr(n, "property").empty() ? attr(n, "name") : attr(n, "property"));
      const std::string item = lower(attr(n, "itemprop"));
      const std::string content = attr(n, "content");
      if (key == "og:title")
        f.og_title = content;
      else if (key == "twitter:title")
        f.tw_title = content;
      else if (key == "author" || key == "article:author" || key == "dc.creator" ||
               key == "sailthru.author") {
        if (f.author_meta.empty() && content.find("://") == std::string::npos)
          f.author_meta = content;
      } else if (key == "article:published_time" || key == "og:article:published_time" ||
                 key == "pubdate" || key == "dc.date" || key == "date" || item == "datepublished") {
        if (f.published_meta.empty()) f.published_meta = content;
      } else if (key == "og:locale")
        f.og_locale = content;
      else if (key == "og:url")
        f.og_url = content;
      break;
    }
    case GUMBO_TAG_LINK:
      if (lower(attr(n, "rel")) == "canonical" && f.canonical.empty())
        f.canonical = attr(n, "href");
      break;
    case GUMBO_TAG_SCRIPT:
      if (lower(attr(n, "type")) == "application/ld+json" && e.children.length > 0) {
        const auto* c = static_cast<const GumboNode*>(e.children.data[0]);
        if (c->type == GUMBO_NODE_TEXT) {
          boost::system::error_code ec;
          const auto v = boost::json::parse(c->v.text.text, ec);
          if (!ec) read_json_ld(v, f);
        }
      }
      return;
    case GUMBO_TAG_TIME:
      if (f.time_datetime.empty()) f.time_datetime = attr(n, "datetime");
      break;
    case GUMBO_TAG_A:
      if (f.rel_author.empty() && lower(attr(n, "rel")) == "author") text_of(n, f.rel_author);
      break;
    default:
      break;
  }
  if (f.byline_class.empty() && e.tag != GUMBO_TAG_BODY && e.tag != GUMBO_TAG_HTML) {
    const std::string cls =
        lower(attr(n, "class") + " " + attr(n, "itemprop") + " " + attr(n, "rel"));
    if (cls.find("byline") != std::string::npos || cls.find("author") != std::string::npos) {
      std::string t;
      text_of(n, t);
      t = squeeze(t);
      if (!t.empty() && t.size() < 100) f.byline_class = t;
    }
  }
  for (unsigned i = 0; i < e.children.length; ++i)
    scan(static_cast<const GumboNode*>(e.children.data[i]), f, depth + 1);
}

// "Headline | Site", "Site - Headline": the part that is the headline.
std::string strip_site_name(const std::string& title, const std::string& h1) {
  const std::string t = squeeze(title);
  if (!h1.empty() && t.find(h1) != std::string::npos && h1.size() * 2 >= t.size()) return h1;
  for (const char* sep : {" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " / "}) {
    const size_t at = t.rfind(sep);
    if (at == std::string::npos) continue;
    std::string before = t.substr(0, at), after = t.substr(at + std::strlen(sep));
    auto words = [](const std::string& s) { return std::count(s.begin(), s.end(), ' ') + 1; };
    if (words(before) >= 3) return before;
    if (words(after) >= 4) return after;
  }
  return t;
}

}  // namespace

std::string meta_charset(std::string_view bytes) {
  std::string head = lower(std::string(bytes.substr(0, 1024)));
  size_t at = 0;
  while ((at = head.find("<meta", at)) != std::string::npos) {
    const size_t end = head.find('>', at);
    const std::string tag =
        head.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at += 5;
    const size_t c = tag.find("charset=");
    if (c == std::string::npos) continue;
    size_t b = c + 8;
    while (b < tag.size() && (tag[b] == '"' || tag[b] == '\'' || tag[b] == ' ')) ++b;
    size_t e = b;
    while (e < tag.size() &&
           (std::isalnum(static_cast<unsigned char>(tag[e])) || tag[e] == '-' || tag[e] == '_'))
      ++e;
    if (e > b) return tag.substr(b, e - b);
  }
  return "";
}

void read_metadata(const GumboNode* root, const std::string& page_url, ExtractedArticle& out) {
  Found f;
  scan(root, f, 0);
  const std::string headline = !f.ld_headline.empty() ? f.ld_headline
                               : !f.og_title.empty()  ? f.og_title
                                                      : f.tw_title;
  out.title = squeeze(!headline.empty()  ? headline
                      : !f.title.empty() ? strip_site_name(f.title, squeeze(f.h1))
                                         : f.h1);
  out.byline = squeeze(!f.ld_author.empty()     ? f.ld_author
                       : !f.author_meta.empty() ? f.author_meta
                       : !f.rel_author.empty()  ? f.rel_author
                                                : f.byline_class);
  for (const std::string* d : {&f.ld_published, &f.published_meta, &f.time_datetime}) {
    if (d->empty()) continue;
    if (auto t = dates::parse_any(*d)) {
      out.published = *t;
      break;
    }
  }
  std::string lang = !f.html_lang.empty() ? f.html_lang
                     : !f.ld_lang.empty() ? f.ld_lang
                                          : f.og_locale;
  std::replace(lang.begin(), lang.end(), '_', '-');
  out.lang = lang;
  out.dir = f.dir == "rtl" || f.dir == "ltr" ? f.dir : "";
  if (out.dir.empty() && !lang.empty()) {
    const std::string primary = lower(lang.substr(0, lang.find('-')));
    if (primary == "ar" || primary == "fa" || primary == "ur" || primary == "he" || primary == "ps")
      out.dir = "rtl";
  }
  const std::string canonical = !f.canonical.empty() ? f.canonical : f.og_url;
  if (!canonical.empty())
    out.canonical_url = page_url.empty() ? canonical : url::resolve(page_url, canonical);
  else
    out.canonical_url = page_url;
}

}  // namespace rasd::html::detail
