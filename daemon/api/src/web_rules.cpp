// The dashboard's rules: the rules running now with their matches over the last week, and the
// tester: a pasted rule file compiled (its errors at their line and column) and replayed over
// the stored articles of the last N days (replay_stored: at most 10 s, in short read
// transactions, stopped early by the cancel button).
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/parsers/date.hpp"
#include "web_forms.hpp"

namespace rasd {
using web::bdi;
using web::esc;
using web::field;

namespace {

constexpr double kTesterSeconds = 10;
constexpr int64_t kTesterMaxDays = 365;
constexpr size_t kHitsShown = 100;
constexpr int64_t kExcerpt = 80;  // code points on each side of the first hit in the text

constexpr const char* kExample =
    "rules:\n  - id: example\n    title: Example\n    severity: high\n"
    "    query: '\"دير الزور\" AND (داعش OR isis)'\n";

// The text around the first hit of `field`, marked: at most kExcerpt code points each side.
std::string excerpt(const std::string& text, std::vector<StoredHit> hits) {
  int64_t first = -1, last = 0;
  for (const auto& h : hits) {
    if (h.field == "body" && (first < 0 || h.start < first)) {
      first = h.start;
      last = h.end;
    }
  }
  if (first < 0) return "";
  const int64_t from = std::max<int64_t>(0, first - kExcerpt), to = last + kExcerpt;
  // Byte offsets of the window's code points (lead bytes counted, as web::marked does).
  size_t b = 0, e = text.size();
  int64_t cp = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (cp == from) b = i;
    if (cp == to) {
      e = i;
      break;
    }
    ++cp;
  }
  std::vector<StoredHit> inside;
  for (auto& h : hits) {
    if (h.field == "body" && h.start >= from && h.end <= to) {
      h.start -= from;
      h.end -= from;
      inside.push_back(h);
    }
  }
  return (b > 0 ? "… " : "") +
         web::marked(std::string_view(text).substr(b, e - b), inside, "body") +
         (e < text.size() ? " …" : "");
}

}  // namespace

std::vector<StoredHit> web::stored_hits(const std::vector<rules::Hit>& hits) {
  std::vector<StoredHit> out;
  for (const auto& h : hits)
    out.push_back({h.field == rules::kTitle ? "title" : "body", h.start, h.end, h.text,
                   h.view == text::View::strict ? "strict" : "collapsed"});
  return out;
}

ApiResponse ApiHandlers::rules_page(const web::WebView& v, const Query& form, bool run) {
  const int64_t now = ctx_.now();
  std::string b = nav(v, "/rules") + "<main><h1>" + std::string(v.t("Rules", "القواعد")) + "</h1>";
  // The tester first: it is what the page is opened for.
  const std::string yaml = run ? field(form, "rules") : kExample;
  const std::string days_text = run ? field(form, "days") : "7";
  b += "<h2>" + std::string(v.t("Test a rule file", "اختبار ملف قواعد")) +
       "</h2><form id=\"tester\" method=\"post\" action=\"" + v.href("/rules/test") + "\">" +
       v.csrf_field() + "<input type=\"hidden\" name=\"run\" value=\"" + random_id("run_", 12) +
       "\"><textarea name=\"rules\" rows=\"10\" dir=\"auto\" spellcheck=\"false\">" + esc(yaml) +
       "</textarea><p><label>" + std::string(v.t("Articles of the last", "مقالات آخر")) +
       " <input type=\"text\" name=\"days\" size=\"4\" value=\"" + esc(days_text) + "\"> " +
       std::string(v.t("days", "يوماً")) + "</label> <button type=\"submit\">" +
       std::string(v.t("Test", "اختبار")) +
       "</button> <button type=\"button\" id=\"cancel\" hidden "
       "data-url=\"" +
       v.href("/rules/cancel") + "\">" + std::string(v.t("Cancel", "إلغاء")) +
       "</button> <span id=\"running\" class=\"state\" hidden>" +
       std::string(v.t("running, at most 10 s…", "جارٍ التشغيل، ١٠ ثوانٍ على الأكثر…")) +
       "</span></p></form>";
  if (run) {
    int64_t days = 0;
    try {
      days = std::stoll(days_text);
    } catch (const std::exception&) {
    }
    auto loaded = rules::load_rules({{"tester", yaml}}, *ctx_.normalizer);
    if (days < 1 || days > kTesterMaxDays) {
      b += "<p class=\"error\" id=\"result\">" +
           std::string(v.t("Days: a number from 1 to 365.", "الأيام: عدد من ١ إلى ٣٦٥.")) + "</p>";
    } else if (!loaded.rules || !loaded.diagnostics.items().empty()) {
      b += "<pre class=\"diagnostics\" id=\"result\" dir=\"ltr\">" +
           esc(loaded.diagnostics.format()) + "</pre>";
    }
    if (days >= 1 && days <= kTesterMaxDays && loaded.rules) {
      ArticleScan scan;
      scan.since = now - days * 86400;
      const std::string run_id = field(form, "run");
      std::string rows;
      size_t hits = 0;
      const StoredReplay r = replay_stored(
          loaded.rules, scan, kTesterSeconds,
          [&] { return ctx_.cancelled && ctx_.cancelled->cancelled(run_id); },
          [&](const BacktestHit& h) {
            if (++hits > kHitsShown) return;
            const auto marks = web::stored_hits(*h.hits);
            rows += "<tr><td>" + bdi(h.rule->id) + "</td><td>" + bdi(h.article->source_id) +
                    "</td><td>" +
                    esc(web::time_text(h.article->published.value_or(h.article->fetched_at))) +
                    "</td><td><strong dir=\"auto\">" +
                    web::marked(h.article->title, marks, "title") + "</strong><div dir=\"auto\">" +
                    excerpt(h.article->body, marks) + "</div></td></tr>";
          });
      b += "<p id=\"result\" class=\"" + std::string(r.stopped.empty() ? "ok" : "error") + "\">" +
           std::to_string(r.articles) + std::string(v.t(" articles replayed, ", " مقالاً، ")) +
           std::to_string(hits) + std::string(v.t(" hits", " إصابة"));
      if (!r.stopped.empty())
        b += " — " + std::string(r.stopped == "cancelled"
                                     ? v.t("cancelled", "أُلغي")
                                     : v.t("stopped at 10 s", "توقف عند ١٠ ثوانٍ"));
      b += "</p><table><thead><tr><th>" + std::string(v.t("Rule", "القاعدة")) + "</th><th>" +
           std::string(v.t("Source", "المصدر")) + "</th><th>" +
           std::string(v.t("Published", "النشر")) + "</th><th>" +
           std::string(v.t("Article", "المقال")) + "</th></tr></thead><tbody>" + rows +
           "</tbody></table>";
    }
  }
  // The rules running now.
  const auto running = ctx_.replay ? ctx_.replay->rules() : nullptr;
  const auto matches = store().rule_matches_since(now - 7 * 86400);
  b += "<h2>" + std::string(v.t("Running rules", "القواعد العاملة")) +
       "</h2><table><thead><tr><th>" + std::string(v.t("Rule", "القاعدة")) + "</th><th>" +
       std::string(v.t("Title", "العنوان")) + "</th><th>" +
       std::string(v.t("Severity", "الخطورة")) + "</th><th>" + std::string(v.t("Tags", "الوسوم")) +
       "</th><th>" + std::string(v.t("Matches, 7 days", "المطابقات، ٧ أيام")) + "</th><th>" +
       std::string(v.t("Query", "الاستعلام")) + "</th></tr></thead><tbody>";
  if (running) {
    for (const auto& rule : running->rules) {
      std::string tags;
      for (const auto& t : rule.tags) tags += (tags.empty() ? "" : ", ") + t;
      const auto m = matches.find(rule.id);
      b += "<tr><td><a href=\"" + v.href("/?rule=" + web::url_encode(rule.id)) + "\">" +
           bdi(rule.id) + "</a></td><td>" + bdi(rule.title) + "</td><td class=\"sev-" +
           esc(rules::severity_name(rule.severity)) + "\">" +
           esc(rules::severity_name(rule.severity)) + "</td><td>" + bdi(tags) + "</td><td>" +
           std::to_string(m == matches.end() ? 0 : m->second) + "</td><td><code dir=\"auto\">" +
           esc(rule.query_text) + "</code></td></tr>";
    }
  }
  b += "</tbody></table></main>";
  return web::html(200, v, v.t("Rules", "القواعد"), b);
}

}  // namespace rasd
