// A bound on how deep rule files and the config nest YAML collections, checked before
// yaml-cpp reads them.
//
// yaml-cpp 0.7 recurses once per nesting level and stops itself at 500 levels (its
// DepthGuard throws YAML::DeepRecursion), but its message is "bad file" and, for flow
// collections, its position is the end of the text. yaml_too_deep() finds the collection that
// nests too deep in one pass, so the loaders can say where. Real files nest a handful of levels.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rasd {

constexpr int kMaxYamlNesting = 100;

// The byte offset of the first collection in `text` that opens nesting level max_depth + 1,
// or nullopt. Levels are estimated from the text alone: each flow '[' or '{' (outside quoted
// scalars, plain scalars, block scalars and comments), each deeper indentation, and each "- "
// or "? " entry opened on one line. A block sequence indented under its key counts its
// indentation and its "- " as two levels, so the estimate errs high by at most one per line.
std::optional<size_t> yaml_too_deep(std::string_view text, int max_depth = kMaxYamlNesting);

// The loaders' message for it: "YAML nested deeper than 100 levels".
std::string yaml_too_deep_message(int max_depth = kMaxYamlNesting);

}  // namespace rasd
