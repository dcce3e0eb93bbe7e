// Main-text extraction and the page walk; metadata is in article_meta.cpp.
#include <gumbo.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "article_internal.hpp"
#include "html_tree.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/charset.hpp"

namespace rasd::html {
namespace {

bool is_dropped_tag(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
      return true;
    default:
      return false;
  }
}

bool is_block(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      return true;
    default:
      return false;
  }
}

std::string names_of(const GumboElement& e) {
  std::string names;
  for (const char* attr : {"class", "id"}) {
    if (const GumboAttribute* a = gumbo_get_attribute(&e.attributes, attr)) {
      names += ' ';
      names += a->value;
    }
  }
  std::transform(names.begin(), names.end(), names.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return names;
}

// Containers that are never the article nor inside it, by their class or id (comment threads,
// sidebars, banners...), unless the name also says article, body, content or main.
bool is_unlikely(const GumboElement& e) {
  if (e.tag == GUMBO_TAG_BODY || e.tag == GUMBO_TAG_A || e.tag == GUMBO_TAG_ARTICLE ||
      e.tag == GUMBO_TAG_MAIN)
    return false;
  const std::string names = names_of(e);
  if (names.empty()) return false;
  static const char* const kUnlikely[] = {
      "-ad-",    "banner",   "breadcrumb", "combx",      "comment",    "community",
      "disqus",  "footer",   "gdpr",       "legends",    "menu",       "related",
      "remark",  "replies",  "shoutbox",   "sidebar",    "skyscraper", "social",
      "sponsor", "ad-break", "agegate",    "pagination", "pager",      "popup"};
  static const char* const kMaybe[] = {"and",     "article", "body",  "column",
                                       "content", "main",    "shadow"};
  bool unlikely = false;
  for (const char* u : kUnlikely) {
    if (names.find(u) != std::string::npos) {
      unlikely = true;
      break;
    }
  }
  if (!unlikely) return false;
  for (const char* m : kMaybe) {
    if (names.find(m) != std::string::npos) return false;
  }
  return true;
}

// Class and id words of site chrome and of article bodies (one signal among several: many
// Arabic sites use neither).
int class_weight(const GumboElement& e) {
  std::string names;
  for (const char* attr : {"class", "id", "role", "itemprop"}) {
    if (const GumboAttribute* a = gumbo_get_attribute(&e.attributes, attr)) {
      names += ' ';
      names += a->value;
    }
  }
  if (names.empty()) return 0;
  std::transform(names.begin(), names.end(), names.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const char* const kNegative[] = {
      "comment",    "share",      "social",   "related",    "sidebar", "footer",     "navbar",
      "menu",       "cookie",     "banner",   "promo",      "advert",  "newsletter", "subscribe",
      "breadcrumb", "popup",      "modal",    "widget",     "sponsor", "outbrain",   "taboola",
      "recommend",  "most-read",  "mostread", "trending",   "signup",  "masthead",   "byline",
      "toolbar",    "pagination", "tags",     "author-bio", "caption", "gallery",    "slideshow",
      "carousel",   "credit"};
  static const char* const kPositive[] = {"article",     "content",      "entry",  "post",
                                          "story",       "text",         "main",   "body",
                                          "articlebody", "news-details", "details"};
  int w = 0;
  for (const char* n : kNegative) {
    if (names.find(n) != std::string::npos) {
      w -= 25;
      break;
    }
  }
  for (const char* p : kPositive) {
    if (names.find(p) != std::string::npos) {
      w += 25;
      break;
    }
  }
  return w;
}

size_t code_points(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Code points in UTF-8 text that are not white space, and its sentence punctuation.
void measure(const char* s, size_t& chars, size_t& punct) {
  for (const auto* p = reinterpret_cast<const unsigned char*>(s); *p; ++p) {
    if ((*p & 0xC0) == 0x80 || *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') continue;
    ++chars;
    if (*p == ',' || *p == '.' || *p == ';' || *p == '?' || *p == '!') ++punct;
    // ، (D8 8C), ؛ (D8 9B), ؟ (D8 9F)
    if (*p == 0xD8 && (p[1] == 0x8C || p[1] == 0x9B || p[1] == 0x9F)) ++punct;
  }
}

struct Stats {
  size_t chars = 0, link_chars = 0, punct = 0;
  double score = 0;  // from the text blocks below
};

class Scorer {
 public:
  std::unordered_map<const GumboNode*, Stats> stats;
  bool strict = true;  // leave unlikely containers out

  // Totals of the subtree; scores its text blocks and hands their scores to ancestors.
  Stats walk(const GumboNode* n, int depth, std::vector<const GumboNode*>& ancestors) {
    Stats st;
    if (depth > kMaxDepth || n->type != GUMBO_NODE_ELEMENT) return st;
    const GumboElement& e = n->v.element;
    if (is_dropped_tag(e.tag) || (strict && is_unlikely(e))) return st;
    size_t own_chars = 0, own_punct = 0;  // text of this block: its text nodes and inline children
    ancestors.push_back(n);
    for (unsigned i = 0; i < e.children.length; ++i) {
      const auto* c = static_cast<const GumboNode*>(e.children.data[i]);
      if (c->type == GUMBO_NODE_TEXT) {
        size_t chars = 0, punct = 0;
        measure(c->v.text.text, chars, punct);
        own_chars += chars;
        own_punct += punct;
        st.chars += chars;
        st.punct += punct;
      } else if (c->type == GUMBO_NODE_ELEMENT) {
        const Stats cs = walk(c, depth + 1, ancestors);  // a copy: stats may rehash below
        const GumboTag t = c->v.element.tag;
        st.chars += cs.chars;
        st.punct += cs.punct;
        st.link_chars += t == GUMBO_TAG_A ? cs.chars : cs.link_chars;
        if (!is_block(t)) {
          own_chars += cs.chars;
          own_punct += cs.punct;
        }
      }
    }
    ancestors.pop_back();
    // A text block: enough own text to be a paragraph, not a link.
    if (own_chars >= 25 && e.tag != GUMBO_TAG_A) {
      const double s = 1.0 + static_cast<double>(own_punct) +
                       std::min(static_cast<double>(own_chars) / 100.0, 3.0);
      for (size_t k = 0; k < ancestors.size() && k < 4; ++k) {
        const GumboNode* a = ancestors[ancestors.size() - 1 - k];
        const double share = s / (k == 0 ? 1.0 : k == 1 ? 2.0 : 3.0 * static_cast<double>(k));
        if (a == n)
          st.score += share;
        else
          stats[a].score += share;
      }
    }
    Stats& stored = stats[n];
    const double from_below =
        stored.score;  // what blocks below handed up before this one was stored
    stored = st;
    stored.score += from_below;
    return stored;
  }
};

double link_density(const Stats& s) {
  return s.chars == 0 ? 0.0 : static_cast<double>(s.link_chars) / static_cast<double>(s.chars);
}

// Writes the text of the kept subtree: blocks on their own lines, chrome left out.
class TextWriter {
 public:
  TextWriter(const Scorer& scorer, const ExtractOptions& options)
      : scorer_(scorer), options_(options) {}

  void write(const GumboNode* n, int depth) {
    if (depth > kMaxDepth) return;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
        n->type == GUMBO_NODE_CDATA) {
      text(n->v.text.text);
      return;
    }
    if (n->type != GUMBO_NODE_ELEMENT) return;
    const GumboElement& e = n->v.element;
    if (is_dropped_tag(e.tag) || e.tag == GUMBO_TAG_FIGURE || e.tag == GUMBO_TAG_FIGCAPTION ||
        is_chrome(n))
      return;
    const bool block = is_block(e.tag);
    if (block) line_break();
    if (e.tag == GUMBO_TAG_A) ++in_link_;
    for (unsigned i = 0; i < e.children.length; ++i)
      write(static_cast<const GumboNode*>(e.children.data[i]), depth + 1);
    if (e.tag == GUMBO_TAG_A) --in_link_;
    if (block) line_break();
  }

  std::string take() {
    line_break();
    std::string out;
    for (auto& l : lines_) {
      if (options_.is_boilerplate && options_.is_boilerplate(l)) continue;
      out += l;
      out += '\n';
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

 private:
  bool is_chrome(const GumboNode* n) const {
    const GumboElement& e = n->v.element;
    auto it = scorer_.stats.find(n);
    if (it == scorer_.stats.end()) return false;
    const Stats& st = it->second;
    const double ld = link_density(st);
    if (class_weight(e) < 0 && st.chars < 1500) return true;
    if ((e.tag == GUMBO_TAG_UL || e.tag == GUMBO_TAG_OL || e.tag == GUMBO_TAG_DIV ||
         e.tag == GUMBO_TAG_SECTION || e.tag == GUMBO_TAG_TABLE) &&
        ld > 0.5 && st.chars < 2000) {
      return true;
    }
    return false;
  }
  void text(const char* s) {
    for (const char* p = s; *p; ++p) {
      const char ch = *p;
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
        pending_space_ = true;
      } else {
        if (pending_space_ && !current_.empty()) current_ += ' ';
        pending_space_ = false;
        current_ += ch;
        if (in_link_ > 0) ++current_link_bytes_;
      }
    }
  }
  // A line that is mostly link text (share buttons, "related" headlines, tag lists) is
  // navigation, not article text.
  void line_break() {
    pending_space_ = false;
    const bool link_line = current_link_bytes_ * 2 >= current_.size();
    if (!current_.empty() && !link_line) lines_.push_back(std::move(current_));
    current_.clear();
    current_link_bytes_ = 0;
  }

  const Scorer& scorer_;
  const ExtractOptions& options_;
  std::vector<std::string> lines_;
  std::string current_;
  size_t current_link_bytes_ = 0;
  int in_link_ = 0;
  bool pending_space_ = false;
};

const GumboNode* find_body(const GumboNode* root) {
  if (root->type != GUMBO_NODE_ELEMENT) return root;
  const GumboVector& ch = root->v.element.children;
  for (unsigned i = 0; i < ch.length; ++i) {
    const auto* c = static_cast<const GumboNode*>(ch.data[i]);
    if (c->type == GUMBO_NODE_ELEMENT && c->v.element.tag == GUMBO_TAG_BODY) return c;
  }
  return root;
}

}  // namespace

namespace {

// The article text under `body`. With strict, containers named like comments or sidebars are
// left out of the scoring.
std::string main_text(const GumboNode* body, const ExtractOptions& options, bool strict) {
  Scorer scorer;
  scorer.strict = strict;
  std::vector<const GumboNode*> ancestors;
  scorer.walk(body, 0, ancestors);
  // The best container: its block score, scaled by how little of it is links and by its names.
  const GumboNode* top = nullptr;
  double best = 0;
  for (const auto& [node, st] : scorer.stats) {
    if (node->type != GUMBO_NODE_ELEMENT || st.score <= 0) continue;
    const double s = (st.score + class_weight(node->v.element)) * (1.0 - link_density(st));
    if (s > best) {
      best = s;
      top = node;
    }
  }
  if (!top) top = body;
  TextWriter writer(scorer, options);
  // Siblings that score alike belong to the article too (a body split into several containers).
  const GumboNode* parent = top->parent;
  if (parent && parent->type == GUMBO_NODE_ELEMENT && top != body) {
    const GumboVector& sibs = parent->v.element.children;
    const double threshold = std::max(10.0, best * 0.4);
    for (unsigned i = 0; i < sibs.length; ++i) {
      const auto* s = static_cast<const GumboNode*>(sibs.data[i]);
      if (s == top) {
        writer.write(s, 0);
        continue;
      }
      if (s->type != GUMBO_NODE_ELEMENT) continue;
      auto it = scorer.stats.find(s);
      if (it == scorer.stats.end()) continue;
      const Stats& st = it->second;
      const double ld = link_density(st);
      const double score = (st.score + class_weight(s->v.element)) * (1.0 - ld);
      const bool paragraph =
          s->v.element.tag == GUMBO_TAG_P &&
          ((st.chars > 80 && ld < 0.25) || (st.chars > 0 && ld == 0 && st.punct > 0));
      if (score >= threshold || paragraph) writer.write(s, 0);
    }
  } else {
    writer.write(top, 0);
  }
  return writer.take();
}

}  // namespace

ExtractedArticle extract_article(std::string_view bytes, const ExtractOptions& options) {
  ExtractedArticle out;
  const auto decoded = charset::to_utf8(bytes, charset::from_content_type(options.content_type),
                                        detail::meta_charset(bytes));
  out.charset = decoded.charset;
  // Cut where the nesting passes kMaxNesting (see html_tree.hpp).
  const detail::GumboTree doc = detail::parse_html(decoded.utf8);
  if (!doc) return out;
  detail::read_metadata(doc->root, options.url, out);
  const GumboNode* body = find_body(doc->root);
  out.text = main_text(body, options, true);
  // Too little: the page may hide its article inside a container named like chrome (a popup
  // wrapper left open, say); score everything and keep the longer text.
  if (code_points(out.text) < 500) {
    std::string loose = main_text(body, options, false);
    if (code_points(loose) > code_points(out.text)) out.text = std::move(loose);
  }
  return out;
}

}  // namespace rasd::html
