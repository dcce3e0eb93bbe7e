// The heavy, pure part of handling an answer, run off the event loop (runtime's ParseWorker):
// parse a feed or section page, turn new items' HTML into text and detect their language,
// extract an article page. Nothing here touches the store or the clock; the Monitor then does
// the rest on the loop (identity, stories, rules, store).
//
// Thread safety: the functions are reentrant; `normalizer` is immutable and shared.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/poll_step.hpp"
#include "rasd/daemon/store_types.hpp"
#include "rasd/engine/text/normalize.hpp"
#include "rasd/parsers/article.hpp"

namespace rasd {

struct PreparedAnswer {
  ParsedAnswer parsed;
  // Aligned with the feed's first kMaxItemsPerFeed items: the article made from each new item,
  // or nullopt where `known` said the item is stored (the Monitor checks again).
  std::vector<std::optional<NewArticle>> items;
  std::optional<html::ExtractedArticle> page;  // an article page's extraction (2xx only)
};

// Items of one feed beyond this are ignored (and logged).
inline constexpr size_t kMaxItemsPerFeed = 1000;

// `known(guid)` tells whether the source already stored an item; it may err towards false.
// Item bodies lose the lines `normalizer`'s boilerplate filter recognizes (article_from_item).
PreparedAnswer prepare_source_answer(const SourceConfig& source,
                                     const Expected<HttpResponse>& response, int64_t now,
                                     const std::function<bool(const std::string&)>& known,
                                     const text::Normalizer& normalizer);
PreparedAnswer prepare_page_answer(const Expected<HttpResponse>& response, const std::string& url,
                                   const text::Normalizer& normalizer);

}  // namespace rasd
