#include "rasd/engine/rules/compiler.hpp"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>

#include "rasd/engine/rules/key_index.hpp"

namespace rasd::rules {
namespace {

Expected<CompiledNode> compile_words(const std::string& raw, QueryNode::Kind kind, uint8_t fields,
                                     size_t offset, const CompileContext& ctx) {
  const text::Normalized n = ctx.normalizer.normalize(raw);
  CompiledNode c;
  c.fields = fields;
  for (const auto& t : n.strict.tokens) c.words.emplace_back(t.text);
  if (c.words.empty()) {
    return Error{"'" + raw + "' has no letters or digits after normalization", offset};
  }
  if (kind == QueryNode::Kind::prefix) {
    if (c.words.size() != 1) return Error{"prefix '" + raw + "*' must be a single word", offset};
    if (text::to_u32(c.words[0]).size() < 2) {
      return Error{"prefix '" + raw + "*' is too short (at least 2 letters)", offset};
    }
    c.kind = kind;
    c.first_hash = key_hash(c.words[0]);
    return c;
  }
  c.kind = c.words.size() == 1 ? QueryNode::Kind::term : QueryNode::Kind::phrase;
  if (c.kind == QueryNode::Kind::phrase) {
    c.glued = text::glue(c.words);
    c.glued_hash = key_hash(c.glued);
  }
  c.first_hash = key_hash(c.words[0]);
  return c;
}

// True when the node can only match by containing something (not by lacking something).
bool is_positive(const CompiledNode& n) {
  switch (n.kind) {
    case QueryNode::Kind::negation:
      return false;
    case QueryNode::Kind::all_of:
      for (const auto& c : n.children) {
        if (is_positive(c)) return true;
      }
      return false;
    case QueryNode::Kind::any_of:
      for (const auto& c : n.children) {
        if (!is_positive(c)) return false;
      }
      return true;
    default:
      return true;
  }
}

Expected<CompiledNode> compile_node(const QueryNode& q, const CompileContext& ctx) {
  switch (q.kind) {
    case QueryNode::Kind::term:
    case QueryNode::Kind::phrase:
    case QueryNode::Kind::prefix:
      return compile_words(q.text, q.kind, q.fields, q.offset, ctx);
    case QueryNode::Kind::regex: {
      RE2::Options opt;
      opt.set_max_mem(ctx.regex_max_mem);
      opt.set_log_errors(false);
      opt.set_case_sensitive(false);
      auto re = std::make_shared<re2::RE2>(q.text, opt);
      if (!re->ok()) return Error{"invalid regex /" + q.text + "/: " + re->error(), q.offset};
      CompiledNode c;
      c.kind = q.kind;
      c.fields = q.fields;
      c.regex = std::move(re);
      auto filter = std::make_shared<re2::FilteredRE2>(3);
      int id = 0;
      if (filter->Add(q.text, opt, &id) == re2::RE2::NoError) {
        filter->Compile(&c.atoms);
        if (!c.atoms.empty())
          c.prefilter = std::move(filter);
        else
          c.atoms.clear();
      }
      return c;
    }
    case QueryNode::Kind::list: {
      auto it = ctx.lists.find(q.text);
      if (it == ctx.lists.end()) return Error{"unknown list '@" + q.text + "'", q.offset};
      CompiledNode c;
      c.kind = QueryNode::Kind::any_of;
      c.fields = q.fields;
      for (const auto& entry : it->second) {
        const bool prefix = entry.size() > 1 && entry.back() == '*';
        auto w = compile_words(prefix ? entry.substr(0, entry.size() - 1) : entry,
                               prefix ? QueryNode::Kind::prefix : QueryNode::Kind::term, q.fields,
                               q.offset, ctx);
        if (!w) return Error{"in list '@" + q.text + "': " + w.error().message, q.offset};
        c.children.push_back(std::move(*w));
      }
      if (c.children.empty()) return Error{"list '@" + q.text + "' is empty", q.offset};
      return c;
    }
    default: {
      CompiledNode c;
      c.kind = q.kind;
      c.fields = q.fields;
      c.distance = q.distance;
      for (const auto& child : q.children) {
        auto cc = compile_node(child, ctx);
        if (!cc) return cc;
        c.children.push_back(std::move(*cc));
      }
      if (q.kind == QueryNode::Kind::all_of) {
        // Cheap word lookups first, regexes last: an AND stops at its first failing child.
        std::stable_partition(c.children.begin(), c.children.end(), [](const CompiledNode& n) {
          return n.kind != QueryNode::Kind::regex;
        });
      }
      if (q.kind == QueryNode::Kind::near) {
        for (size_t i = 0; i < c.children.size(); ++i) {
          if (!is_positive(c.children[i])) {
            return Error{"NEAR operands must be terms, not negations", q.children[i].offset};
          }
        }
      }
      return c;
    }
  }
}

}  // namespace

Expected<CompiledNode> compile_query(const QueryNode& node, const CompileContext& ctx) {
  auto c = compile_node(node, ctx);
  if (!c) return c;
  if (!is_positive(*c)) {
    return Error{
        "query can only match by what an article lacks (NOT alone); add a term it must contain",
        node.offset};
  }
  return c;
}

Expected<CompiledNode> compile_query_text(std::string_view query, const CompileContext& ctx) {
  auto parsed = parse_query(query);
  if (!parsed) return parsed.error();
  return compile_query(*parsed, ctx);
}

}  // namespace rasd::rules
