// Compiles a parsed query: normalizes terms with the same Normalizer as article text, expands
// @lists, compiles /regex/ with RE2 under a memory cap, and rejects queries that can only match
// by what an article lacks. Pure; thread-safe for distinct outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rasd/engine/rules/rule.hpp"
#include "rasd/parsers/expected.hpp"

namespace rasd::rules {

struct CompileContext {
  const text::Normalizer& normalizer;
  const std::map<std::string, std::vector<std::string>>& lists;
  int64_t regex_max_mem = 8 << 20;  // bytes per regex
};

// Error::offset is a byte offset into the query text.
Expected<CompiledNode> compile_query(const QueryNode& node, const CompileContext& ctx);

// Parse and compile in one step.
Expected<CompiledNode> compile_query_text(std::string_view query, const CompileContext& ctx);

}  // namespace rasd::rules
