// JSON views of stored records, shared by the CLI (`rasd sources list`, `rasd articles
// search`, `rasd alerts --json`) and the HTTP API so both print one contract. Times are
// RFC 3339 UTC; absent times are null. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "rasd/daemon/store_types.hpp"

namespace rasd {

// An RFC 3339 time, or null.
boost::json::value time_or_null(const std::optional<int64_t>& t);
boost::json::object source_to_json(const SourceState& s);
boost::json::object article_to_json(const FoundArticle& a);
// The alert's columns and its stored webhook payload as an object under "payload".
boost::json::object alert_to_json(const StoredAlert& a);

// {"id","kind","value","author","reason","created_at","expires_at","removed_at","active"}.
boost::json::object silence_to_json(const Silence& s, int64_t now);

}  // namespace rasd
