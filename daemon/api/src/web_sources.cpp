// The dashboard's sources (health table with a week of items per day, one source's items), its
// deliveries (pending and dead, retry) and its article search (terms marked).
#include <algorithm>
#include <boost/json.hpp>

#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"
#include "web_forms.hpp"

namespace rasd {
using web::bdi;
using web::esc;
using web::field;

namespace {

constexpr int kSourcesPerPage = 100;
constexpr int kChartDays = 7;
constexpr int kSourceItems = 50;
constexpr int kDeliveriesListed = 200;
constexpr int kSearchResults = 50;

// A week of counts as bars, oldest first; inline SVG is markup, which the CSP allows.
std::string sparkline(const std::vector<int64_t>& counts) {
  const int64_t top = std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
  constexpr int kBar = 8, kHeight = 24;
  std::string title;
  for (const int64_t c : counts) title += (title.empty() ? "" : " ") + std::to_string(c);
  std::string out = "<svg class=\"spark\" width=\"" + std::to_string(kBar * counts.size()) +
                    "\" height=\"" + std::to_string(kHeight) + "\" role=\"img\"><title>" + title +
                    "</title>";
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t h = counts[i] == 0 ? 0 : std::max<int64_t>(1, counts[i] * kHeight / top);
    out += "<rect x=\"" + std::to_string(i * kBar) + "\" y=\"" + std::to_string(kHeight - h) +
           "\" width=\"" + std::to_string(kBar - 2) + "\" height=\"" + std::to_string(h) +
           "\"></rect>";
  }
  return out + "</svg>";
}

std::string duration(int64_t seconds) {
  return seconds > 0 ? dates::format_duration(seconds) : "—";
}

// The article fields' hits of `query` (the rule language, as searched): what the search marks.
std::vector<StoredHit> hits_of(const rules::Matcher* matcher, const text::Normalizer& n,
                               const std::string& title, const std::string& body) {
  if (!matcher) return {};
  const rules::PreparedArticle prepared(n, {"q", title, body, "", "", "", "", {}});
  std::vector<StoredHit> out;
  for (const auto& m : matcher->match(prepared)) {
    auto marks = web::stored_hits(m.hits);
    out.insert(out.end(), marks.begin(), marks.end());
  }
  return out;
}

}  // namespace

ApiResponse ApiHandlers::sources_page(const web::WebView& v, const Query& q) {
  auto sources = store().sources();
  const std::string sort = field(q, "sort");
  auto key = [&](const SourceState& s) {
    if (sort == "failures") return -s.failures;
    if (sort == "last_success") return s.last_success.value_or(0);
    if (sort == "next_poll") return s.next_due;
    return int64_t{0};
  };
  std::stable_sort(sources.begin(), sources.end(), [&](const SourceState& a, const SourceState& b) {
    const int64_t ka = key(a), kb = key(b);
    return ka != kb ? ka < kb : a.id < b.id;
  });
  const size_t pages = sources.size() / kSourcesPerPage + 1;
  int64_t page = 0;
  try {
    page = std::clamp<int64_t>(std::stoll(field(q, "page")), 0, static_cast<int64_t>(pages) - 1);
  } catch (const std::exception&) {
  }
  const size_t from = std::min(sources.size(), static_cast<size_t>(page) * kSourcesPerPage);
  const size_t to = std::min(sources.size(), from + kSourcesPerPage);
  const int64_t now = ctx_.now();
  const int64_t since = now - kChartDays * 86400;
  auto sort_link = [&](const char* k, std::string_view label) {
    return "<th><a href=\"" + v.href(std::string("/sources?sort=") + k) + "\">" +
           std::string(label) + "</a></th>";
  };
  std::string b = nav(v, "/sources") + "<main><h1>" + std::string(v.t("Sources", "المصادر")) +
                  " (" + std::to_string(sources.size()) + ")</h1><table><thead><tr>" +
                  sort_link("id", v.t("Source", "المصدر")) +
                  sort_link("last_success", v.t("Last success", "آخر نجاح")) + "<th>" +
                  std::string(v.t("Last error", "آخر خطأ")) + "</th>" +
                  sort_link("failures", v.t("Failures", "الإخفاقات")) +
                  sort_link("next_poll", v.t("Next poll", "الجلب التالي")) + "<th>" +
                  std::string(v.t("Interval", "الفاصل")) + "</th><th>" +
                  std::string(v.t("Items per day, 7 days", "مواد يومياً، ٧ أيام")) +
                  "</th></tr></thead><tbody>";
  for (size_t i = from; i < to; ++i) {
    const SourceState& s = sources[i];
    std::string err = s.last_error;
    if (s.quarantined_at) err = "quarantined: " + s.quarantine_reason;
    b += "<tr><td><a href=\"" + v.href("/sources/" + web::url_encode(s.id)) + "\">" + bdi(s.id) +
         "</a></td><td>" + esc(web::time_text(s.last_success)) + "</td><td class=\"error\">" +
         bdi(url::redact_credentials(err)) + "</td><td>" + std::to_string(s.failures) +
         "</td><td>" +
         esc(web::time_text(s.next_due > 0 ? std::optional(s.next_due) : std::nullopt)) +
         "</td><td>" + esc(duration(s.interval)) + "</td><td>" +
         sparkline(store().source_daily_counts(s.id, since, kChartDays)) + "</td></tr>";
  }
  b += "</tbody></table><p class=\"pager\">";
  const std::string sorted = sort.empty() ? "" : "&sort=" + web::url_encode(sort);
  if (page > 0)
    b += "<a href=\"" + v.href("/sources?page=" + std::to_string(page - 1) + sorted) + "\">" +
         std::string(v.t("Previous", "السابق")) + "</a> ";
  if (to < sources.size())
    b += "<a rel=\"next\" href=\"" + v.href("/sources?page=" + std::to_string(page + 1) + sorted) +
         "\">" + std::string(v.t("Next", "التالي")) + "</a>";
  b += "</p></main>";
  return web::html(200, v, v.t("Sources", "المصادر"), b);
}

ApiResponse ApiHandlers::source_page(const web::WebView& v, const std::string& id) {
  const auto s = store().source(id);
  if (!s)
    return web::html(404, v, "No such source",
                     nav(v, "/sources") + "<main><p>No source " + bdi(id) + ".</p></main>");
  std::string b = nav(v, "/sources") + "<main><h1>" + bdi(s->id) + "</h1><p class=\"state\">" +
                  bdi(url::redact_credentials(s->url)) + "</p>";
  if (!s->last_error.empty())
    b += "<p class=\"error\">" + bdi(url::redact_credentials(s->last_error)) + "</p>";
  b += "<table><thead><tr><th>" + std::string(v.t("Fetched", "الجلب")) + "</th><th>" +
       std::string(v.t("Published", "النشر")) + "</th><th>" + std::string(v.t("Title", "العنوان")) +
       "</th><th>" + std::string(v.t("Text", "النص")) + "</th></tr></thead><tbody>";
  for (const StoredArticle& a : store().source_articles(id, kSourceItems)) {
    b += "<tr><td>" + esc(dates::format_rfc3339(a.fetched_at)) + "</td><td>" +
         esc(web::time_text(a.published)) + "</td><td>" + bdi(a.title) + "</td><td>" + bdi(a.body) +
         "</td></tr>";
  }
  b += "</tbody></table></main>";
  return web::html(200, v, s->id, b);
}

ApiResponse ApiHandlers::deliveries_page(const web::WebView& v, const std::string& message) {
  std::string b =
      nav(v, "/deliveries") + "<main><h1>" + std::string(v.t("Deliveries", "التسليم")) + "</h1>";
  if (!message.empty()) b += "<p class=\"ok\">" + esc(message) + "</p>";
  for (const char* state : {"dead", "disabled", "pending"}) {
    const int64_t count = store().delivery_count(state);
    b += "<h2>" + esc(state) + " (" + std::to_string(count) + ")</h2>";
    if (count == 0) continue;
    b += "<table><thead><tr><th>" + std::string(v.t("Alert", "التنبيه")) + "</th><th>" +
         std::string(v.t("Webhook", "الخطاف")) + "</th><th>" +
         std::string(v.t("Attempts", "المحاولات")) + "</th><th>" +
         std::string(v.t("Next attempt", "المحاولة التالية")) + "</th><th>" +
         std::string(v.t("Last error", "آخر خطأ")) + "</th><th></th></tr></thead><tbody>";
    for (const Delivery& d : store().delivery_list(state, kDeliveriesListed)) {
      std::string last = d.last_error;
      if (d.last_status) last = "HTTP " + std::to_string(*d.last_status) + " " + last;
      b += "<tr id=\"delivery-" + esc(d.id) + "\"><td><a href=\"" +
           v.href("/alerts/" + web::url_encode(d.alert_id)) + "\">" + esc(d.alert_id) +
           "</a></td><td>" + bdi(d.webhook) + "</td><td>" + std::to_string(d.attempts) +
           "</td><td>" + esc(dates::format_rfc3339(d.next_attempt)) + "</td><td class=\"error\">" +
           bdi(url::redact_credentials(last)) + "</td><td>";
      if (v.admin && std::string_view(state) != "pending")
        b += "<form method=\"post\" action=\"" +
             v.href("/deliveries/" + web::url_encode(d.id) + "/retry") + "\">" + v.csrf_field() +
             "<button type=\"submit\">" + std::string(v.t("Retry", "إعادة المحاولة")) +
             "</button></form>";
      b += "</td></tr>";
    }
    b += "</tbody></table>";
  }
  b += "</main>";
  return web::html(200, v, v.t("Deliveries", "التسليم"), b);
}

ApiResponse ApiHandlers::delivery_retry(const web::WebView& v, const std::string& id) {
  if (!write_store().retry_delivery(id, ctx_.now()))
    return web::html(404, v, "Not retried",
                     nav(v, "/deliveries") + "<main><p class=\"error\">" +
                         std::string(v.t("No dead or disabled delivery ", "لا يوجد تسليم متوقف ")) +
                         bdi(id) + ".</p></main>");
  return deliveries_page(v, std::string(v.t("Queued again: ", "أعيد إلى الطابور: ")) + id);
}

ApiResponse ApiHandlers::search_page(const web::WebView& v, const Query& q) {
  const std::string query = field(q, "q");
  std::string b = nav(v, "/search") + "<main><h1>" + std::string(v.t("Search", "البحث")) +
                  "</h1><form class=\"filters\" method=\"get\" action=\"" + v.href("/search") +
                  "\"><input type=\"text\" name=\"q\" dir=\"auto\" size=\"50\" value=\"" +
                  esc(query) + "\"><button type=\"submit\">" + std::string(v.t("Search", "بحث")) +
                  "</button></form>";
  if (!query.empty()) {
    const auto fts = search_query(*ctx_.normalizer, query);
    if (!fts) {
      b += "<p class=\"error\">" + esc(fts.error().message) + "</p>";
    } else {
      // The query compiled as a rule marks the terms as the matcher finds them: the same
      // Arabic folding as the search, obfuscated spellings included.
      const boost::json::object rule{{"id", "search"}, {"query", query}};
      const std::string yaml =
          "rules: [" + boost::json::serialize(rule) + "]";  // JSON is YAML's flow style
      const auto loaded = rules::load_rules({{"search", yaml}}, *ctx_.normalizer);
      std::optional<rules::Matcher> matcher;
      if (loaded.rules) matcher.emplace(loaded.rules);
      const auto found = store().search(*fts, kSearchResults, /*fetch_order=*/true);
      b += "<p class=\"state\">" + std::to_string(found.size()) +
           std::string(v.t(" articles", " مقالات")) + "</p><table><tbody>";
      for (const FoundArticle& a : found) {
        const auto hits =
            hits_of(matcher ? &*matcher : nullptr, *ctx_.normalizer, a.title, a.snippet);
        b += "<tr><td>" + esc(web::time_text(a.published.value_or(a.fetched_at))) + "<br>" +
             bdi(a.source_id) + "</td><td><strong dir=\"auto\">" +
             web::marked(a.title, hits, "title") + "</strong><div dir=\"auto\">" +
             web::marked(a.snippet, hits, "body") + "</div></td></tr>";
      }
      b += "</tbody></table>";
    }
  }
  b += "</main>";
  return web::html(200, v, v.t("Search", "البحث"), b);
}

}  // namespace rasd
