// JSON values for CLI output (UTF-8, Arabic never escaped).
#pragma once

#include <boost/json.hpp>

#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/feed.hpp"

namespace rasd::cli {

boost::json::object feed_to_json(const Feed& feed);

}  // namespace rasd::cli
