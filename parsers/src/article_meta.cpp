// Article metadata: what the page says about itself (meta tags, JSON-LD), then what it shows.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstring>
#include <iterator>
#include <map>
#include <sstream>
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
  std::string og_title, tw_title, title, h1, ld_headline, ld_name;
  std::map<std::string, std::string>
      meta;                           // dc:title, og:title, title, parsely-title, ... (last wins)
  std::vector<std::string> headings;  // h1 and h2 texts
  std::string author_meta, ld_author, rel_author, byline_class;
  std::string published_meta, ld_published, time_datetime;
  std::vector<std::string> visible_dates;  // short texts of elements named date/time/meta
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
  if (f.ld_headline.empty() && f.ld_name.empty()) {
    f.ld_headline = str("headline");
    f.ld_name = str("name");
  }
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

void collect_meta_names(const std::string& property, const std::string& name,
                        const std::string& content, std::map<std::string, std::string>& out);

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
    case GUMBO_TAG_H2: {
      std::string t;
      text_of(n, t);
      f.headings.push_back(squeeze(t));
      if (e.tag == GUMBO_TAG_H1 && ++f.h1_count == 1) f.h1 = f.headings.back();
      break;
    }
    case GUMBO_TAG_META: {
      const std::string key =
          lower(attr(n, "property").empty() ? attr(n, "name") : attr(n, "property"));
      const std::string item = lower(attr(n, "itemprop"));
      const std::string content = attr(n, "content");
      collect_meta_names(attr(n, "property"), attr(n, "name"), content, f.meta);
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
  if (f.visible_dates.size() < 8 && e.tag != GUMBO_TAG_BODY && e.tag != GUMBO_TAG_HTML) {
    const std::string cls = lower(attr(n, "class") + " " + attr(n, "id"));
    if (e.tag == GUMBO_TAG_TIME || cls.find("date") != std::string::npos ||
        cls.find("time") != std::string::npos || cls.find("meta") != std::string::npos ||
        cls.find("publish") != std::string::npos) {
      std::string t;
      text_of(n, t);
      t = squeeze(t);
      if (!t.empty() && t.size() < 200) f.visible_dates.push_back(t);
    }
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

// Metadata names as Readability reads them: `property` may list several (space-separated) of
// dc|dcterm|og|twitter|weibo:article|weibo:webpage + . or : + author|creator|description|title|
// site_name; `name` may also be parsely-… and pub-date, or a bare name. Keys are lower case,
// without spaces, with ':' for '.'.
void collect_meta_names(const std::string& property, const std::string& name,
                        const std::string& content, std::map<std::string, std::string>& out) {
  if (content.empty()) return;
  // No std::regex here: libstdc++'s recursive matcher overflows the stack on long attribute
  // values (found by fuzz_extract), and the grammar is small.
  auto split_key = [](const std::string& k, std::initializer_list<const char*> prefixes,
                      const char* seps, std::initializer_list<const char*> names,
                      bool bare_ok) -> std::string {
    std::string t;
    for (char c : k) {
      if (c != ' ' && c != '\t')
        t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto is_name = [&](std::string_view n) {
      return std::any_of(names.begin(), names.end(), [&](const char* x) { return n == x; });
    };
    if (bare_ok && is_name(t)) return t;
    for (const char* p : prefixes) {
      const size_t pl = std::strlen(p);
      if (t.size() > pl + 1 && t.compare(0, pl, p) == 0 && std::strchr(seps, t[pl]) &&
          is_name(std::string_view(t).substr(pl + 1))) {
        std::string key = t;
        if (key[pl] == '.') key[pl] = ':';
        return key;
      }
    }
    return "";
  };
  const std::string value = squeeze(content);
  bool matched = false;
  std::string token;
  std::istringstream words(property);
  while (words >> token) {
    const std::string key =
        split_key(token, {"dc", "dcterm", "og", "twitter", "weibo:article", "weibo:webpage"},
                  ".:", {"author", "creator", "description", "title", "site_name"}, false);
    if (!key.empty()) {
      out[key] = value;
      matched = true;
    }
  }
  if (matched || name.empty()) return;
  const std::string key = split_key(
      name, {"dc", "dcterm", "og", "twitter", "parsely", "weibo:article", "weibo:webpage"},
      "-.:", {"author", "creator", "pub-date", "description", "title", "site_name"}, true);
  if (!key.empty()) out[key] = value;
}

size_t word_count(const std::string& s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\t' || c == '\n';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}

// Words of a text as Readability's similarity sees them: lower case, split at non-word characters.
std::vector<std::string> sim_tokens(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c >= 0x80)
      cur += static_cast<char>(std::tolower(c));
    else if (!cur.empty())
      out.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// 1 - (length of b's words not in a) / (length of all of b's words).
double similarity(const std::string& a, const std::string& b) {
  const auto ta = sim_tokens(a), tb = sim_tokens(b);
  if (ta.empty() || tb.empty()) return 0;
  auto joined = [](const std::vector<std::string>& v) {
    size_t n = 0;
    for (const auto& w : v) n += w.size() + 1;
    return n ? n - 1 : 0;
  };
  std::vector<std::string> uniq;
  for (const auto& w : tb) {
    if (std::find(ta.begin(), ta.end(), w) == ta.end()) uniq.push_back(w);
  }
  return 1.0 - static_cast<double>(joined(uniq)) / static_cast<double>(joined(tb));
}

// The headline within a document title ("Headline | Site", "Site » Headline", "Site: Headline"),
// by Readability's rules, so that titles agree with what readers of its output expect.
bool is_separator(char c) {
  return c == '|' || c == '-' || c == '\\' || c == '/' || c == '>' || c == '\x01';
}

std::string article_title(const std::string& doc_title, const std::vector<std::string>& headings,
                          const std::string& only_h1) {
  // The separators are | - \ / > and »; » (two bytes in UTF-8) stands in as \x01 meanwhile.
  auto encode = [](std::string s) {
    for (size_t at; (at = s.find("\xC2\xBB")) != std::string::npos;) s.replace(at, 2, "\x01");
    return s;
  };
  auto decode = [](std::string s) {
    for (size_t at; (at = s.find('\x01')) != std::string::npos;) s.replace(at, 1, "\xC2\xBB");
    return s;
  };
  const std::string orig_text = squeeze(doc_title);
  const std::string orig = encode(orig_text);
  std::string cur = orig;
  // " X " with X a separator (hierarchical ones: \ / > »).
  bool spaced = false, hierarchical = false;
  for (size_t i = 1; i + 1 < orig.size(); ++i) {
    if (orig[i - 1] == ' ' && orig[i + 1] == ' ' && is_separator(orig[i])) {
      spaced = true;
      hierarchical |= orig[i] != '|' && orig[i] != '-';
    }
  }
  if (spaced) {
    // The part before the last separator that a space follows; if that is under 3 words, the
    // part after the first separator.
    size_t last = std::string::npos;
    for (size_t i = 0; i + 1 < orig.size(); ++i) {
      if (is_separator(orig[i]) && orig[i + 1] == ' ') last = i;
    }
    if (last != std::string::npos) cur = orig.substr(0, last);
    if (word_count(cur) < 3) {
      const auto first = std::find_if(orig.begin(), orig.end(), is_separator);
      cur = first == orig.end() ? orig : std::string(first + 1, orig.end());
    }
  } else if (orig.find(": ") != std::string::npos) {
    const bool heading_is_title =
        std::find(headings.begin(), headings.end(), orig_text) != headings.end();
    if (!heading_is_title) {
      cur = orig.substr(orig.rfind(':') + 1);
      if (word_count(cur) < 3)
        cur = orig.substr(orig.find(':') + 1);
      else if (word_count(orig.substr(0, orig.find(':'))) > 5)
        cur = orig;
    }
  } else if ((orig.size() > 150 || orig.size() < 15) && !only_h1.empty()) {
    cur = encode(only_h1);
  }
  cur = squeeze(cur);
  const size_t words = word_count(cur);
  std::string without_separators;
  std::copy_if(orig.begin(), orig.end(), std::back_inserter(without_separators),
               [](char c) { return !is_separator(c); });
  if (words <= 4 && (!hierarchical || words != word_count(without_separators) - 1)) cur = orig;
  return decode(cur);
}

}  // namespace

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
  // Readability's order: JSON-LD, then dc, dcterm, og, weibo, a bare `title`, twitter and
  // parsely metadata, then the document title cut down to its headline.
  const std::string doc_title = article_title(f.title, f.headings, f.h1_count == 1 ? f.h1 : "");
  std::string ld_title;
  if (!f.ld_name.empty() && !f.ld_headline.empty() && f.ld_name != f.ld_headline) {
    const bool name_matches = similarity(f.ld_name, doc_title) > 0.75;
    const bool headline_matches = similarity(f.ld_headline, doc_title) > 0.75;
    ld_title = headline_matches && !name_matches ? f.ld_headline : f.ld_name;
  } else {
    ld_title = !f.ld_name.empty() ? f.ld_name : f.ld_headline;
  }
  std::string title = squeeze(ld_title);
  for (const char* key : {"dc:title", "dcterm:title", "og:title", "weibo:article:title",
                          "weibo:webpage:title", "title", "twitter:title", "parsely-title"}) {
    if (!title.empty()) break;
    if (auto it = f.meta.find(key); it != f.meta.end()) title = it->second;
  }
  out.title = !title.empty() ? title : doc_title;
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
  // Then a date the page shows: Arabic in either month system ("17 كانون الأول 2024",
  // "١٧ ديسمبر ٢٠٢٤"), or any format parse_any() reads.
  for (size_t i = 0; !out.published && i < f.visible_dates.size(); ++i) {
    out.published = dates::parse_arabic(f.visible_dates[i]);
    if (!out.published) out.published = dates::parse_any(f.visible_dates[i]);
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
