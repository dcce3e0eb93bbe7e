// Loading rule files (DESIGN.md section 4) in three stages, like Falco: read (YAML with marks),
// collect (lists, rules, duplicate ids, `enabled: false`), compile (queries, lists, regexes).
// Every problem is a Diagnostic `file:line:col: error|warning: rule 'id': message`. Unknown keys
// warn; bad values fail. Loading is all-or-nothing: any error and no RuleSet is returned, so a
// broken file never replaces a good set.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rasd/engine/diagnostic.hpp"
#include "rasd/engine/rules/rule.hpp"

namespace rasd::rules {

struct RuleFile {
  std::string path;  // as shown in diagnostics
  std::string text;  // file contents
};

struct LoadOptions {
  // Webhook names from the config. When set (the rules are loaded for a config), every
  // `notify` entry must be among them, also when the config has no webhooks at all; unset
  // (rules checked on their own, as `rasd match` does) skips the check.
  std::optional<std::vector<std::string>> known_webhooks;
  // The store's retention in seconds, when known: a threshold window longer than it would
  // count articles that retention has already pruned.
  std::optional<int64_t> retention_seconds;
};

struct LoadResult {
  std::shared_ptr<const RuleSet> rules;  // null when there are errors
  Diagnostics diagnostics;
};

LoadResult load_rules(const std::vector<RuleFile>& files, const text::Normalizer& normalizer,
                      const LoadOptions& options = {});

}  // namespace rasd::rules
