// Internal to daemon/api: how the dashboard's pages answer (web_pages.cpp), shared by the
// files that render them.
#pragma once

#include <boost/url/params_view.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "web_html.hpp"

namespace rasd::web {

// The headers of every dashboard answer: the CSP (only this server's own script, styles and
// connections), no sniffing, no referrer, no framing.
void secure(ApiResponse& r);
ApiResponse html(int status, const WebView& v, std::string_view title, const std::string& body);
ApiResponse redirect(const std::string& to);

// The fields of an application/x-www-form-urlencoded body; empty when it does not parse.
std::map<std::string, std::string> form_fields(const std::string& body);
// A field of a form or query; "" when absent.
std::string field(const std::map<std::string, std::string>& m, const std::string& key);

// The matcher's hits as the dashboard marks them (web::marked).
std::vector<StoredHit> stored_hits(const std::vector<rules::Hit>& hits);

}  // namespace rasd::web
