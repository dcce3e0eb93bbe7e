#include "rasd/engine/diagnostic.hpp"

#include <algorithm>

namespace rasd {

std::string Diagnostic::format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += level == Level::error ? ": error: " : ": warning: ";
  out += message;
  return out;
}

void Diagnostics::error(std::string file, int line, int column, std::string message) {
  items_.push_back({Diagnostic::Level::error, std::move(file), line, column, std::move(message)});
}

void Diagnostics::warning(std::string file, int line, int column, std::string message) {
  items_.push_back({Diagnostic::Level::warning, std::move(file), line, column, std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.level == Diagnostic::Level::error;
  }));
}

std::string Diagnostics::format() const {
  // In file order, so a user reads them top to bottom.
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->file != b->file) return a->file < b->file;
    if (a->line != b->line) return a->line < b->line;
    return a->column < b->column;
  });
  std::string out;
  for (const auto* d : sorted) out += d->format() + "\n";
  return out;
}

TextPosition position_of(std::string_view text, size_t byte_offset) {
  TextPosition p;
  const size_t end = std::min(byte_offset, text.size());
  for (size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

TextPositions::TextPositions(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

TextPosition TextPositions::at(size_t byte_offset) const {
  const size_t end = std::min(byte_offset, text_.size());
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), end) - 1;
  TextPosition p;
  p.line = static_cast<int>(it - line_starts_.begin()) + 1;
  for (size_t i = *it; i < end; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++p.column;
  }
  return p;
}

std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  size_t best_distance = 3;  // at most two edits
  for (auto c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_distance) {
      best_distance = prev[c.size()];
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace rasd
