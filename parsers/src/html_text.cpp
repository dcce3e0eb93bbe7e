#include "rasd/parsers/html_text.hpp"

#include "html_tree.hpp"

namespace rasd::html {
namespace {

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
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
      return true;
    default:
      return false;
  }
}

class TextBuilder {
 public:
  void text(const char* s) {
    for (const char* p = s; *p; ++p) {
      const char ch = *p;
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
        pending_space_ = true;
      } else {
        if (pending_space_ && !out_.empty() && out_.back() != '\n') out_ += ' ';
        pending_space_ = false;
        out_ += ch;
      }
    }
  }
  void line_break() {
    pending_space_ = false;
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
  }
  std::string take() {
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    return std::move(out_);
  }

 private:
  std::string out_;
  bool pending_space_ = false;
};

void walk(const GumboNode* node, TextBuilder& b, int depth) {
  if (depth > 512) return;  // bound recursion on hostile nesting
  switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE:
      b.text(node->v.text.text);
      return;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
    case GUMBO_NODE_DOCUMENT: {
      if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
        const GumboTag t = node->v.element.tag;
        if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TEMPLATE ||
            t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_HEAD)
          return;
      }
      const GumboVector& children =
          node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
      const bool block = node->type == GUMBO_NODE_ELEMENT && is_block(node->v.element.tag);
      if (block) b.line_break();
      for (unsigned i = 0; i < children.length; ++i) {
        walk(static_cast<const GumboNode*>(children.data[i]), b, depth + 1);
      }
      if (block) b.line_break();
      return;
    }
    default:
      return;
  }
}

}  // namespace

bool looks_like_html(std::string_view s) {
  return s.find('<') != std::string_view::npos || s.find('&') != std::string_view::npos;
}

std::string to_text(std::string_view html) {
  if (!looks_like_html(html)) {
    TextBuilder b;
    b.text(std::string(html).c_str());
    return b.take();
  }
  const detail::GumboTree out = detail::parse_html(html);
  if (!out) return {};
  TextBuilder b;
  walk(out->root, b, 0);
  return b.take();
}

}  // namespace rasd::html
