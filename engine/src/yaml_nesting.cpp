#include "rasd/engine/yaml_nesting.hpp"

#include <cstring>
#include <vector>

namespace rasd {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

std::optional<size_t> yaml_too_deep(std::string_view text, int max_depth) {
  const size_t n = text.size();
  const auto limit = static_cast<size_t>(max_depth);
  std::vector<size_t> indents;  // indentation of each open block collection
  size_t compact = 0;           // "- " and "? " entries opened on the current block line
  size_t flow = 0;              // open '[' and '{'
  char quote = 0;               // the quote of a quoted scalar being read, across lines
  bool node_start = true;       // whether a node (and so a collection) may start here
  bool in_block_scalar = false;
  size_t block_scalar_indent = 0;  // its text is the lines indented more than this
  for (size_t line = 0; line < n;) {
    size_t eol = text.find('\n', line);
    if (eol == std::string_view::npos) eol = n;
    size_t indent = 0;
    while (line + indent < eol && text[line + indent] == ' ') ++indent;
    size_t j = line + indent;
    const bool empty = j == eol || (j + 1 == eol && text[j] == '\r');
    if (in_block_scalar) {
      if (empty || indent > block_scalar_indent) {
        line = eol + 1;
        continue;
      }
      in_block_scalar = false;
    }
    if (quote == 0 && flow == 0) {
      // A block line: its indentation opens or closes block collections.
      if (empty || text[j] == '#' || (indent == 0 && text[j] == '%')) {  // comment, directive
        line = eol + 1;
        continue;
      }
      node_start = true;
      compact = 0;
      const std::string_view head = text.substr(j, 4);
      if (indent == 0 && head.size() >= 3 &&
          (head.substr(0, 3) == "---" || head.substr(0, 3) == "...") &&
          (head.size() == 3 || is_blank(head[3]) || head[3] == '\n')) {
        indents.clear();  // a new document
        j += 3;
      } else {
        while (!indents.empty() && indents.back() > indent) indents.pop_back();
        if (indents.empty() || indents.back() < indent) indents.push_back(indent);
        if (indents.size() > limit) return j;
      }
    }
    for (; j < eol; ++j) {
      const char c = text[j];
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          ++j;  // an escaped character, possibly the quote
        } else if (c == quote) {
          if (quote == '\'' && j + 1 < eol && text[j + 1] == '\'') {
            ++j;  // '' is a quote inside '...'
          } else {
            quote = 0;
            node_start = false;
          }
        }
        continue;
      }
      if (is_blank(c)) continue;
      const bool blank_after = j + 1 >= eol || is_blank(text[j + 1]);
      if (c == '#' && (j == line || is_blank(text[j - 1]))) break;  // a comment
      if (node_start && flow == 0 && (c == '-' || c == '?') && blank_after) {
        if (indents.size() + ++compact > limit) return j;
        continue;
      }
      if (node_start && (c == '\'' || c == '"')) {
        quote = c;
        continue;
      }
      if ((node_start || flow > 0) && (c == '[' || c == '{')) {
        if (indents.size() + compact + ++flow > limit) return j;
        node_start = true;
        continue;
      }
      if (flow > 0 && (c == ']' || c == '}')) {
        --flow;
        node_start = false;
        continue;
      }
      if (flow > 0 && c == ',') {
        node_start = true;
        continue;
      }
      if (c == ':' && (blank_after || (flow > 0 && text[j + 1] != '\0' &&
                                       std::strchr(",[]{}", text[j + 1]) != nullptr))) {
        node_start = true;  // a value follows
        continue;
      }
      if (node_start && flow == 0 && (c == '|' || c == '>')) {
        in_block_scalar = true;  // the rest of the line is its header
        block_scalar_indent = indent;
        break;
      }
      if (node_start && (c == '&' || c == '!')) {  // an anchor or tag: the node is still to come
        while (j + 1 < eol && !is_blank(text[j + 1])) ++j;
        continue;
      }
      node_start = false;  // a plain scalar (or an alias): brackets in it are text
    }
    line = eol + 1;
  }
  return std::nullopt;
}

std::string yaml_too_deep_message(int max_depth) {
  return "YAML nested deeper than " + std::to_string(max_depth) + " levels";
}

}  // namespace rasd
