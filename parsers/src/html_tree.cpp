#include "html_tree.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rasd/parsers/html_text.hpp"

namespace rasd::html {
namespace {

using Names = std::unordered_set<std::string_view>;

// Elements that never hold others (void), and those left out of the count because the start
// tag of the next one of their kind closes them (p, li, option): each adds at most one level
// next to an element that is counted.
const Names kNeverOpen = {"area",  "base",   "basefont", "bgsound", "br",     "col",  "embed",
                          "frame", "hr",     "img",      "input",   "keygen", "link", "meta",
                          "param", "source", "track",    "wbr",     "p",      "li",   "option"};

// Their text is not markup: skip to their end tag.
const Names kRawText = {"script", "style",  "textarea", "title",
                        "xmp",    "iframe", "noembed",  "noframes"};

// The HTML standard's "special" elements (HTML, MathML and SVG; names lower-cased and cut at
// the first character that is not a letter or digit, as name_at() reads them).
const Names kSpecial = {
    "address",    "applet",   "area",       "article",  "aside",      "base",
    "basefont",   "bgsound",  "blockquote", "body",     "br",         "button",
    "caption",    "center",   "col",        "colgroup", "dd",         "details",
    "dir",        "div",      "dl",         "dt",       "embed",      "fieldset",
    "figcaption", "figure",   "footer",     "form",     "frame",      "frameset",
    "h1",         "h2",       "h3",         "h4",       "h5",         "h6",
    "head",       "header",   "hgroup",     "hr",       "html",       "iframe",
    "img",        "input",    "keygen",     "li",       "link",       "listing",
    "main",       "marquee",  "menu",       "meta",     "nav",        "noembed",
    "noframes",   "noscript", "object",     "ol",       "p",          "param",
    "plaintext",  "pre",      "script",     "search",   "section",    "select",
    "source",     "style",    "summary",    "table",    "tbody",      "td",
    "template",   "textarea", "tfoot",      "th",       "thead",      "title",
    "tr",         "track",    "ul",         "wbr",      "xmp",        "mi",
    "mo",         "mn",       "ms",         "mtext",    "annotation", "foreignobject",
    "desc"};

// Elements that end the "in scope" search an end tag of a special element makes.
const Names kScopeBoundary = {"applet",     "caption",       "html", "table", "td", "th", "marquee",
                              "object",     "template",      "mi",   "mo",    "mn", "ms", "mtext",
                              "annotation", "foreignobject", "desc", "title"};

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string name_at(std::string_view html, size_t i) {
  size_t e = i;
  while (e < html.size() && is_name_char(html[e])) ++e;
  std::string n(html.substr(i, e - i));
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n;
}

// Offset of the "</name" that ends a raw-text element opened before `from`, or npos.
size_t find_end_tag(std::string_view html, size_t from, std::string_view name) {
  for (size_t at = html.find("</", from); at != std::string_view::npos;
       at = html.find("</", at + 2)) {
    if (name_at(html, at + 2) == name) return at;
  }
  return std::string_view::npos;
}

// The elements the estimate holds open, with what an end tag needs to know in O(1): where
// each name is open, and where the topmost special element and scope boundary are.
class OpenElements {
 public:
  size_t size() const { return stack_.size(); }
  bool foreign() const { return foreign_ > 0; }

  void push(std::string name) {
    const size_t at = stack_.size();
    if (kSpecial.count(name)) specials_.push_back(at);
    if (kScopeBoundary.count(name)) boundaries_.push_back(at);
    if (name == "svg" || name == "math") ++foreign_;
    where_[name].push_back(at);
    stack_.push_back(std::move(name));
  }

  // An end tag closes what HTML would close: the nearest open element of its name and all
  // above it, unless HTML ignores the tag because an element that stops its search lies
  // above (a special element stops a non-special name; a scope boundary stops a special
  // one). Misnested formatting end tags (<b><p></b>) are ignored too: the adoption agency
  // algorithm keeps as many elements open as it closes. Erring this way overcounts, never
  // undercounts, the depth gumbo builds.
  void close(const std::string& name) {
    const auto it = where_.find(name);
    if (it == where_.end() || it->second.empty()) return;  // nothing of that name is open
    const size_t at = it->second.back();
    const std::vector<size_t>& stops = kSpecial.count(name) ? boundaries_ : specials_;
    if (!stops.empty() && stops.back() > at) return;
    while (stack_.size() > at) {
      const std::string& top = stack_.back();
      const size_t pos = stack_.size() - 1;
      where_[top].pop_back();
      if (!specials_.empty() && specials_.back() == pos) specials_.pop_back();
      if (!boundaries_.empty() && boundaries_.back() == pos) boundaries_.pop_back();
      if (top == "svg" || top == "math") --foreign_;
      stack_.pop_back();
    }
  }

 private:
  std::vector<std::string> stack_;
  std::unordered_map<std::string, std::vector<size_t>> where_;
  std::vector<size_t> specials_, boundaries_;
  int foreign_ = 0;
};

}  // namespace

size_t nesting_cut(std::string_view html, size_t max_depth) {
  OpenElements open;
  for (size_t i = 0; i + 1 < html.size(); ++i) {
    if (html[i] != '<') continue;
    if (html.compare(i, 4, "<!--") == 0) {  // comments hold no tags
      const size_t end = html.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 2;
      continue;
    }
    const bool end_tag = html[i + 1] == '/';
    const size_t name_begin = end_tag ? i + 2 : i + 1;
    if (name_begin >= html.size() || !std::isalpha(static_cast<unsigned char>(html[name_begin])))
      continue;  // "<!DOCTYPE", "<?xml", "< " and the like open nothing
    const std::string name = name_at(html, name_begin);
    const size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;
    if (end_tag) {
      open.close(name);
      i = close;
      continue;
    }
    if (name == "plaintext") break;  // the rest of the document is text
    if (kRawText.count(name)) {
      const size_t end = find_end_tag(html, close, name);
      if (end == std::string_view::npos) break;
      i = end + 1;
      continue;
    }
    // "/>" closes an element only in SVG and MathML; on <div/> HTML ignores it.
    if (kNeverOpen.count(name) || (open.foreign() && html[close - 1] == '/')) {
      i = close;
      continue;
    }
    open.push(name);
    if (open.size() > max_depth) return i;
    i = close;
  }
  return html.size();
}

namespace detail {

void GumboTreeDeleter::operator()(GumboOutput* o) const {
  gumbo_destroy_output(&kGumboDefaultOptions, o);
}

GumboTree parse_html(std::string_view utf8) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  const size_t keep = nesting_cut(utf8);
  return GumboTree(gumbo_parse_with_options(&options, utf8.data(), keep));
}

}  // namespace detail
}  // namespace rasd::html
