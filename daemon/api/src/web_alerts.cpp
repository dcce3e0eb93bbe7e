// The dashboard's alerts: the list (filters, keyset pages, live rows over Server-Sent Events
// with Last-Event-ID replay), one alert with its article marked and its story, and what an admin
// does from it (acknowledge with a note, silence its rule, source or story).
#include <boost/json.hpp>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/silences.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/web_session.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"
#include "web_forms.hpp"

namespace rasd {
namespace json = boost::json;
using web::bdi;
using web::esc;
using web::field;

namespace {

constexpr int kPageSize = 50;
constexpr int kStoryListed = 100;
constexpr int kStreamBatch = 100;  // alerts per write of the live stream

std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct AlertView {
  std::string rule_title, title, source, url;
};

AlertView view_of(const StoredAlert& a) {
  AlertView v;
  boost::system::error_code ec;
  const json::value p = json::parse(a.payload, ec);
  if (ec || !p.is_object()) return v;
  const json::object& o = p.as_object();
  if (const auto* r = o.if_contains("rule"); r && r->is_object())
    v.rule_title = str(r->as_object().if_contains("title"));
  if (const auto* art = o.if_contains("article"); art && art->is_object()) {
    v.title = str(art->as_object().if_contains("title"));
    v.source = str(art->as_object().if_contains("source"));
    v.url = str(art->as_object().if_contains("url"));
  }
  if (v.title.empty()) v.title = v.rule_title;  // rasd's own alerts
  return v;
}

// The triage state in words (plain text: the live rows put it in with textContent).
std::string state_text(const web::WebView& v, const StoredAlert& a) {
  std::string s;
  auto add = [&](std::string_view part) {
    if (!s.empty()) s += "; ";
    s += part;
  };
  if (!a.acked_by.empty())
    add(std::string(v.t("acknowledged by ", "أقرّه ")) + web::named_controls(a.acked_by));
  if (!a.silenced_by.empty()) add(v.t("silenced", "مكتوم"));
  if (a.held_back) add(v.t("held back (max_alerts)", "محجوز (max_alerts)"));
  return s;
}

AlertFilter filter_of(const std::map<std::string, std::string>& q, int64_t now) {
  AlertFilter f;
  f.rule_id = field(q, "rule");
  f.severity = field(q, "severity");
  f.source_id = field(q, "source");
  f.tag = field(q, "tag");
  if (const auto d = dates::parse_duration_seconds(field(q, "since")); d && *d > 0)
    f.since = now - *d;
  return f;
}

int64_t number(const std::string& s) {
  try {
    size_t used = 0;
    const long long n = std::stoll(s, &used);
    return used == s.size() && n > 0 ? n : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string row(const web::WebView& v, const ListedAlert& l) {
  const StoredAlert& a = l.alert;
  const AlertView av = view_of(a);
  return "<tr id=\"alert-" + std::to_string(l.seq) + "\"><td>" +
         esc(dates::format_rfc3339(a.created_at)) + "</td><td class=\"sev-" + esc(a.severity) +
         "\">" + esc(a.severity) + "</td><td>" + bdi(a.rule_id) + "</td><td><a href=\"" +
         v.href("/alerts/" + web::url_encode(a.id)) + "\">" + bdi(av.title) + "</a></td><td>" +
         bdi(l.source_id.empty() ? av.source : l.source_id) + "</td><td class=\"state\">" +
         esc(state_text(v, a)) + "</td></tr>";
}

std::string select(const std::string& name, const std::string& current,
                   const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out = "<select name=\"" + name + "\">";
  for (const auto& [value, label] : options)
    out += "<option value=\"" + esc(value) + "\"" + (value == current ? " selected" : "") + ">" +
           esc(label) + "</option>";
  return out + "</select>";
}

std::string text_input(const std::string& name, const std::string& value) {
  return "<input type=\"text\" name=\"" + name + "\" value=\"" + esc(value) + "\" dir=\"auto\">";
}

// A stream whose next() is a function (the alert stream's closure over the handler).
class FunctionStream final : public EventStream {
 public:
  explicit FunctionStream(std::function<std::optional<std::string>()> fn) : fn_(std::move(fn)) {}
  std::optional<std::string> next() override { return fn_(); }

 private:
  std::function<std::optional<std::string>()> fn_;
};

}  // namespace

ApiResponse ApiHandlers::alerts_page(const web::WebView& v, const Query& q) {
  const AlertFilter f = filter_of(q, ctx_.now());
  const int64_t before = number(field(q, "before"));
  // The first page shows what was there up to `newest`, and its live stream starts after it:
  // an alert committed while the page renders is streamed, not lost between the two.
  const int64_t newest = before == 0 ? store().newest_alert_seq() : 0;
  const auto rows = store().alert_list(f, before == 0 ? newest + 1 : before, kPageSize);
  std::string keys;  // the filter as a query string, for the stream and the next page
  for (const char* k : {"rule", "severity", "source", "tag", "since"}) {
    if (!field(q, k).empty()) keys += std::string("&") + k + "=" + web::url_encode(field(q, k));
  }
  std::string b = nav(v, "/") + "<main><h1>" + std::string(v.t("Alerts", "التنبيهات")) + "</h1>";
  b += "<form class=\"filters\" method=\"get\" action=\"" + v.href("/") + "\"><label>" +
       std::string(v.t("Rule", "القاعدة")) + text_input("rule", f.rule_id) + "</label><label>" +
       std::string(v.t("Severity", "الخطورة")) +
       select("severity", f.severity,
              {{"", v.t("any", "الكل").data()},
               {"low", "low"},
               {"medium", "medium"},
               {"high", "high"},
               {"critical", "critical"}}) +
       "</label><label>" + std::string(v.t("Source", "المصدر")) +
       text_input("source", f.source_id) + "</label><label>" + std::string(v.t("Tag", "الوسم")) +
       text_input("tag", f.tag) + "</label><label>" + std::string(v.t("Raised within", "خلال")) +
       select("since", field(q, "since"),
              {{"", v.t("any time", "أي وقت").data()},
               {"1h", "1h"},
               {"24h", "24h"},
               {"7d", "7d"},
               {"30d", "30d"}}) +
       "</label><button type=\"submit\">" + std::string(v.t("Filter", "تصفية")) +
       "</button></form>";
  if (before == 0)
    b += "<p class=\"state\" id=\"live\" data-on=\"" + esc(v.t("live", "مباشر")) +
         "\" data-off=\"" + esc(v.t("reconnecting…", "إعادة الاتصال…")) + "\"></p>";
  b += "<table id=\"alerts\"";
  if (before == 0)
    b += " data-events=\"" +
         v.href("/events?after=" + std::to_string(newest) + (keys.empty() ? "" : keys)) + "\"";
  b += "><thead><tr><th>" + std::string(v.t("Raised (UTC)", "وقت الإطلاق")) + "</th><th>" +
       std::string(v.t("Severity", "الخطورة")) + "</th><th>" + std::string(v.t("Rule", "القاعدة")) +
       "</th><th>" + std::string(v.t("Article", "المقال")) + "</th><th>" +
       std::string(v.t("Source", "المصدر")) + "</th><th>" + std::string(v.t("State", "الحالة")) +
       "</th></tr></thead><tbody>";
  for (const ListedAlert& l : rows) b += row(v, l);
  b += "</tbody></table><p class=\"pager\">";
  if (before != 0)
    b += "<a href=\"" + v.href("/" + (keys.empty() ? "" : "?" + keys.substr(1))) + "\">" +
         std::string(v.t("Newest", "الأحدث")) + "</a> ";
  if (static_cast<int>(rows.size()) == kPageSize)
    b += "<a rel=\"next\" href=\"" + v.href("/?before=" + std::to_string(rows.back().seq) + keys) +
         "\">" + std::string(v.t("Older", "الأقدم")) + "</a>";
  b += "</p></main>";
  return web::html(200, v, v.t("Alerts", "التنبيهات"), b);
}

ApiResponse ApiHandlers::alert_events(const WebSession& session, const web::WebView& v,
                                      const ApiRequest& req, const Query& q) {
  const AlertFilter f = filter_of(q, 0);
  // Where the browser left off: its Last-Event-ID when it reconnects, else the page's newest
  // (0 on a page of an empty store: every alert is news); with neither, from now on.
  const int64_t newest = store().newest_alert_seq();
  int64_t cursor = std::max(number(req.last_event_id), number(field(q, "after")));
  if (cursor == 0 && req.last_event_id.empty() && !q.count("after")) cursor = newest;
  if (cursor > newest) cursor = newest;  // the store started over (every alert pruned)
  const std::string cookie = std::string(WebSessions::kCookie) + "=" + session.id;
  const bool admin = session.admin;
  const uint64_t generation = session.token_generation;
  auto next = [this, f, cursor, cookie, admin, generation,
               view = v]() mutable -> std::optional<std::string> {
    // The stream ends with its session (signed out, expired, its token replaced).
    const auto s = ctx_.sessions->find(cookie, ctx_.now());
    const ApiToken* t = admin ? ctx_.token : ctx_.read_token;
    if (!s || !t || s->token_generation != generation || t->generation() != generation)
      return std::nullopt;
    // Up to the newest alert now: the cursor passes the ones the filter leaves out too, so a
    // filtered view never rescans them at the next wake.
    const int64_t hi = store().newest_alert_seq();
    const auto rows = store().alerts_after(f, cursor, hi, kStreamBatch);
    std::string out;
    for (const ListedAlert& l : rows) {
      const AlertView av = view_of(l.alert);
      const json::object o{
          {"seq", l.seq},
          {"id", l.alert.id},
          {"raised", dates::format_rfc3339(l.alert.created_at)},
          {"severity", l.alert.severity},
          {"rule", web::named_controls(l.alert.rule_id)},
          {"title", web::named_controls(av.title)},
          {"source", web::named_controls(l.source_id.empty() ? av.source : l.source_id)},
          {"state", state_text(view, l.alert)},
          {"href", view.base + "/alerts/" + web::url_encode(l.alert.id)}};
      out +=
          "id: " + std::to_string(l.seq) + "\nevent: alert\ndata: " + json::serialize(o) + "\n\n";
      cursor = l.seq;
    }
    if (rows.size() < static_cast<size_t>(kStreamBatch)) cursor = std::max(cursor, hi);
    return out;
  };
  ApiResponse r{200, "text/event-stream; charset=utf-8", "", {}};
  web::secure(r);
  r.stream = std::make_shared<FunctionStream>(std::move(next));
  return r;
}

ApiResponse ApiHandlers::alert_page(const web::WebView& v, const std::string& id) {
  const auto a = store().alert(id);
  if (!a)
    return web::html(404, v, "No such alert",
                     nav(v, "") + "<main><p>No alert " + bdi(id) + ".</p></main>");
  const AlertView av = view_of(*a);
  const auto hits = store().alert_hits(id, a->article_id);  // a story copy's hits are its own
  const auto article = a->article_id > 0 ? store().article(a->article_id) : std::nullopt;
  std::string b = nav(v, "") + "<main>";
  b += "<p class=\"state\">" + esc(a->severity) + " · " + std::string(v.t("rule", "القاعدة")) +
       " " + bdi(a->rule_id) + " " + bdi(av.rule_title) + " · " +
       std::string(v.t("raised", "أُطلق")) + " " + esc(dates::format_rfc3339(a->created_at)) +
       " · " + esc(state_text(v, *a)) + "</p>";
  if (!a->ack_note.empty())
    b += "<p class=\"state\">" + std::string(v.t("Note", "ملاحظة")) + ": " + bdi(a->ack_note) +
         "</p>";
  if (v.admin) {
    const std::string action = v.href("/alerts/" + web::url_encode(id) + "/");
    if (a->acked_by.empty())
      b += "<form class=\"actions\" method=\"post\" action=\"" + action + "ack\">" +
           v.csrf_field() + "<input type=\"text\" name=\"note\" dir=\"auto\" placeholder=\"" +
           esc(v.t("note", "ملاحظة")) + "\"><button type=\"submit\">" +
           std::string(v.t("Acknowledge", "إقرار")) + "</button></form>";
    b += "<form class=\"actions\" method=\"post\" action=\"" + action + "silence\">" +
         v.csrf_field() + "<label>" + std::string(v.t("Silence for", "كتم لمدة")) + " " +
         select("for", "24h", {{"1h", "1h"}, {"6h", "6h"}, {"24h", "24h"}, {"7d", "7d"}}) +
         "</label><input type=\"text\" name=\"reason\" dir=\"auto\" required placeholder=\"" +
         esc(v.t("reason", "السبب")) + "\"><button name=\"kind\" value=\"rule\">" +
         std::string(v.t("this rule", "هذه القاعدة")) + "</button>";
    if (article)
      b += "<button name=\"kind\" value=\"source\">" +
           std::string(v.t("this source", "هذا المصدر")) + "</button>";
    if (!a->cluster.empty())
      b += "<button name=\"kind\" value=\"story\">" + std::string(v.t("this story", "هذه القصة")) +
           "</button>";
    b += "</form>";
  }
  if (article) {
    b += "<h1 dir=\"auto\">" + web::marked(article->title, hits, "title") + "</h1>";
    b += "<p class=\"state\"><a href=\"" +
         v.href("/sources/" + web::url_encode(article->source_id)) + "\">" +
         bdi(article->source_id) + "</a> · " + std::string(v.t("published", "نُشر")) + " " +
         esc(web::time_text(article->published)) + " · " + std::string(v.t("fetched", "جُلب")) +
         " " + esc(dates::format_rfc3339(article->fetched_at));
    const std::string origin = url::origin(article->url);
    if (origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0)
      b += " · <a href=\"" + esc(article->url) + "\" rel=\"noreferrer noopener\">" +
           bdi(article->url) + "</a>";
    b += "</p><div class=\"article\" dir=\"auto\">" + web::marked(article->body, hits, "body") +
         "</div>";
  } else {
    b += "<h1 dir=\"auto\">" + bdi(av.title) + "</h1>";
  }
  const auto story = store().alert_story(id, kStoryListed);
  if (!story.empty()) {
    b += "<h2>" + std::string(v.t("The story in ", "القصة في ")) + std::to_string(story.size()) +
         std::string(v.t(" articles", " مقالات")) + "</h2><table><thead><tr><th>" +
         std::string(v.t("Source", "المصدر")) + "</th><th>" +
         std::string(v.t("Published", "النشر")) + "</th><th>" +
         std::string(v.t("Fetched", "الجلب")) + "</th><th>" + std::string(v.t("Title", "العنوان")) +
         "</th></tr></thead><tbody>";
    for (const StoryCopy& c : story) {
      b += "<tr><td>" + bdi(c.source_id) + "</td><td>" + esc(web::time_text(c.published)) +
           "</td><td>" + esc(dates::format_rfc3339(c.fetched_at)) + "</td><td>" + bdi(c.title) +
           "</td></tr>";
    }
    b += "</tbody></table>";
  }
  b += "</main>";
  return web::html(200, v, av.title.empty() ? "Alert" : av.title, b);
}

ApiResponse ApiHandlers::alert_action(const web::WebView& v, const std::string& id,
                                      const std::string& action, const Query& form) {
  const auto a = store().alert(id);
  if (!a)
    return web::html(404, v, "No such alert", nav(v, "") + "<main><p>No such alert.</p></main>");
  const int64_t now = ctx_.now();
  const std::string back = v.base + "/alerts/" + web::url_encode(id);
  if (action == "ack") {
    write_store().acknowledge(id, "dashboard", field(form, "note"), now);
    return web::redirect(back);
  }
  if (action != "silence")
    return web::html(404, v, "Not found", nav(v, "") + "<main><p>No such action.</p></main>");
  const std::string kind = field(form, "kind");
  std::string value;
  if (kind == "rule") value = a->rule_id;
  if (kind == "story") value = a->cluster;
  if (kind == "source" && a->article_id > 0) {
    if (const auto art = store().article(a->article_id)) value = art->source_id;
  }
  auto made = make_silence(kind, value, field(form, "for"), field(form, "reason"), "dashboard", now,
                           *ctx_.normalizer);
  if (!made)
    return web::html(400, v, "Not silenced",
                     nav(v, "") + "<main><p class=\"error\">" + esc(made.error().message) +
                         "</p><p><a href=\"" + esc(back) + "\">" +
                         std::string(v.t("Back", "رجوع")) + "</a></p></main>");
  write_store().add_silence(*made);
  return web::redirect(back);
}

}  // namespace rasd
