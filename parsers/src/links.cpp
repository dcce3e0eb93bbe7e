#include "rasd/parsers/links.hpp"

#include <gumbo.h>

#include <algorithm>
#include <boost/url.hpp>
#include <memory>
#include <set>

#include "article_internal.hpp"
#include "html_tree.hpp"
#include "rasd/parsers/charset.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd::html {
namespace {

// One compound selector: tag name, classes, ids (all must hold).
struct Compound {
  std::string tag;
  std::vector<std::string> classes, ids;
};

Expected<std::vector<Compound>> parse_selector(const std::string& s) {
  std::vector<Compound> out;
  size_t i = 0;
  auto ident = [&](size_t& k) {
    const size_t b = k;
    while (k < s.size() &&
           (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '-' || s[k] == '_'))
      ++k;
    return s.substr(b, k - b);
  };
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    Compound c;
    bool any = false;
    while (i < s.size() && s[i] != ' ') {
      if (s[i] == '.' || s[i] == '#') {
        const char kind = s[i++];
        const std::string name = ident(i);
        if (name.empty())
          return Error{"selector: a name must follow '" + std::string(1, kind) + "'", i};
        (kind == '.' ? c.classes : c.ids).push_back(name);
      } else if (std::isalpha(static_cast<unsigned char>(s[i])) && !any) {
        c.tag = ident(i);
        std::transform(c.tag.begin(), c.tag.end(), c.tag.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
      } else {
        return Error{"selector: unexpected '" + std::string(1, s[i]) + "' at " + std::to_string(i) +
                         " (supported: tag, .class, #id and descendant combinations)",
                     i};
      }
      any = true;
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return Error{"selector: empty", 0};
  return out;
}

bool has_word(const char* list, const std::string& word) {
  std::string_view l = list;
  size_t i = 0;
  while (i < l.size()) {
    while (i < l.size() && l[i] == ' ') ++i;
    size_t e = i;
    while (e < l.size() && l[e] != ' ') ++e;
    if (l.substr(i, e - i) == word) return true;
    i = e;
  }
  return false;
}

bool matches(const GumboNode* n, const Compound& c) {
  if (n->type != GUMBO_NODE_ELEMENT) return false;
  const GumboElement& e = n->v.element;
  if (!c.tag.empty() && c.tag != gumbo_normalized_tagname(e.tag)) return false;
  const GumboAttribute* cls = gumbo_get_attribute(&e.attributes, "class");
  for (const auto& k : c.classes) {
    if (!cls || !has_word(cls->value, k)) return false;
  }
  const GumboAttribute* id = gumbo_get_attribute(&e.attributes, "id");
  for (const auto& k : c.ids) {
    if (!id || k != id->value) return false;
  }
  return true;
}

// Whether `n` is selected: it matches the last compound and its ancestors match the rest in order.
bool selected(const GumboNode* n, const std::vector<Compound>& sel) {
  if (!matches(n, sel.back())) return false;
  size_t k = sel.size() - 1;
  for (const GumboNode* a = n->parent; a && k > 0; a = a->parent) {
    if (matches(a, sel[k - 1])) --k;
  }
  return k == 0;
}

void text_of(const GumboNode* n, std::string& out, int depth = 0) {
  if (depth > kMaxDepth) return;
  if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
    out += ' ';
    out += n->v.text.text;
  } else if (n->type == GUMBO_NODE_ELEMENT) {
    const GumboVector& ch = n->v.element.children;
    for (unsigned i = 0; i < ch.length; ++i)
      text_of(static_cast<const GumboNode*>(ch.data[i]), out, depth + 1);
  }
}

size_t words(const std::string& s) {
  return s.empty() ? 0 : static_cast<size_t>(std::count(s.begin(), s.end(), ' ')) + 1;
}

size_t code_points(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool looks_like_article(const boost::urls::url_view& u, const boost::urls::url_view& page) {
  if (u.host() != page.host()) return false;
  const std::string path = u.path();
  if (path == page.path() || path.size() < 2) return false;
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* listing : {"/tag/", "/tags/", "/category/", "/author/", "/search", "/page/",
                              "/login", "/about", "/contact"}) {
    if (lower.find(listing) != std::string::npos) return false;
  }
  const size_t segments = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  const bool digits =
      std::any_of(path.begin(), path.end(), [](unsigned char c) { return std::isdigit(c); });
  const size_t last = path.find_last_of('/', path.size() - 2);
  const bool long_slug = path.size() - (last == std::string::npos ? 0 : last) > 20;
  return segments >= 2 || digits || long_slug || u.has_query();
}

void collect(const GumboNode* n, int depth, const std::vector<Compound>* sel, bool inside_selected,
             const boost::urls::url_view& page, const std::string& page_url,
             std::set<std::string>& seen, std::vector<PageLink>& out) {
  if (depth > kMaxDepth || n->type != GUMBO_NODE_ELEMENT) return;
  const GumboElement& e = n->v.element;
  if (e.tag == GUMBO_TAG_SCRIPT || e.tag == GUMBO_TAG_STYLE || e.tag == GUMBO_TAG_TEMPLATE) return;
  const bool here = sel && (inside_selected || selected(n, *sel));
  if (e.tag == GUMBO_TAG_A) {
    if (const GumboAttribute* href = gumbo_get_attribute(&e.attributes, "href")) {
      std::string text;
      text_of(n, text);
      text = detail::squeeze(text);
      std::string abs = url::resolve(page_url, href->value);
      auto u = boost::urls::parse_uri(abs);
      if (u && (u->scheme() == "http" || u->scheme() == "https")) {
        boost::urls::url clean(*u);
        clean.remove_fragment();
        abs = std::string(clean.buffer());
        const bool take =
            sel ? here
                : (words(text) >= 4 && code_points(text) >= 20 && looks_like_article(clean, page));
        if (take && seen.insert(abs).second) out.push_back({abs, text});
      }
    }
  }
  for (unsigned i = 0; i < e.children.length; ++i) {
    collect(static_cast<const GumboNode*>(e.children.data[i]), depth + 1, sel, here, page, page_url,
            seen, out);
  }
}

void collect_feeds(const GumboNode* n, int depth, const std::string& page_url,
                   std::set<std::string>& seen, std::vector<FeedLink>& out) {
  if (depth > kMaxDepth || n->type != GUMBO_NODE_ELEMENT) return;
  const GumboElement& e = n->v.element;
  if (e.tag == GUMBO_TAG_LINK) {
    auto attr = [&](const char* name) {
      const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
      return a ? std::string(a->value) : std::string();
    };
    std::string rel = attr("rel"), type = attr("type");
    for (std::string* v : {&rel, &type}) {
      std::transform(v->begin(), v->end(), v->begin(),
                     [](unsigned char c) { return std::tolower(c); });
    }
    const bool alternate = (" " + rel + " ").find(" alternate ") != std::string::npos;
    const bool feed_type = type == "application/rss+xml" || type == "application/atom+xml" ||
                           type == "application/feed+json" || type == "application/json";
    const std::string href = attr("href");
    if (alternate && feed_type && !href.empty()) {
      const std::string abs = url::resolve(page_url, href);
      auto u = boost::urls::parse_uri(abs);
      if (u && (u->scheme() == "http" || u->scheme() == "https") && seen.insert(abs).second)
        out.push_back({abs, type, detail::squeeze(attr("title"))});
    }
  }
  if (e.tag == GUMBO_TAG_SCRIPT || e.tag == GUMBO_TAG_STYLE) return;
  for (unsigned i = 0; i < e.children.length; ++i)
    collect_feeds(static_cast<const GumboNode*>(e.children.data[i]), depth + 1, page_url, seen,
                  out);
}

}  // namespace

std::vector<FeedLink> feed_links(std::string_view bytes, const std::string& page_url,
                                 const std::string& content_type) {
  const auto decoded = charset::to_utf8(bytes, charset::from_content_type(content_type),
                                        detail::meta_charset(bytes));
  const detail::GumboTree doc = detail::parse_html(decoded.utf8);
  std::vector<FeedLink> out;
  if (!doc) return out;
  std::set<std::string> seen;
  collect_feeds(doc->root, 0, page_url, seen, out);
  return out;
}

Expected<std::vector<PageLink>> article_links(std::string_view bytes, const std::string& page_url,
                                              const std::string& selector,
                                              const std::string& content_type) {
  std::optional<std::vector<Compound>> sel;
  if (!selector.empty()) {
    auto parsed = parse_selector(selector);
    if (!parsed) return parsed.error();
    sel = std::move(*parsed);
  }
  auto page = boost::urls::parse_uri(page_url);
  if (!page) return Error{"page URL '" + page_url + "' is not absolute"};
  const auto decoded = charset::to_utf8(bytes, charset::from_content_type(content_type),
                                        detail::meta_charset(bytes));
  const detail::GumboTree doc = detail::parse_html(decoded.utf8);
  if (!doc) return Error{"out of memory parsing the page"};
  std::vector<PageLink> out;
  std::set<std::string> seen;
  collect(doc->root, 0, sel ? &*sel : nullptr, false, *page, page_url, seen, out);
  return out;
}

}  // namespace rasd::html
