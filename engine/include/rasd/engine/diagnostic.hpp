// Diagnostics for user-written files (rules, config): `file:line:col: error|warning: message`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rasd {

struct Diagnostic {
  enum class Level { error, warning };
  Level level = Level::error;
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based, in code points
  std::string message;

  std::string format() const;
};

class Diagnostics {
 public:
  void error(std::string file, int line, int column, std::string message);
  void warning(std::string file, int line, int column, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);
  bool has_errors() const;
  size_t error_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  std::string format() const;  // one line per diagnostic

 private:
  std::vector<Diagnostic> items_;
};

// 1-based line and code-point column of a byte offset in a text.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition position_of(std::string_view text, size_t byte_offset);

// position_of() for many offsets into one text: line starts are found once, so each lookup
// costs a binary search plus one line's columns instead of a scan from the start. Holds a view
// of the text, which must outlive it.
class TextPositions {
 public:
  explicit TextPositions(std::string_view text);
  TextPosition at(size_t byte_offset) const;

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

// Closest candidate by edit distance (for "did you mean"), or "" when none is close.
std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace rasd
