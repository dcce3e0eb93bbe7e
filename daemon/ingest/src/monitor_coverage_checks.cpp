// The coverage checks (monitor_coverage.cpp settles what they find): which sources, webhooks
// and rules are in which condition now. Each reads the store through indexed queries only.
#include <algorithm>

#include "monitor_coverage.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/engine/rules/rule.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {

namespace {

std::string quoted(const std::string& what, const std::string& id) {
  return what + " '" + id + "'";
}

// The certificate seen at webhook w's endpoint as it is configured now; null when none was (one
// seen at another host says nothing of this one).
const WebhookCertificate* certificate_of(const std::vector<WebhookCertificate>& seen,
                                         const WebhookConfig& w) {
  const std::string origin = url::origin(w.url);
  for (const auto& c : seen) {
    if (c.webhook == w.name && c.origin == origin) return &c;
  }
  return nullptr;
}

int64_t median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<long>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

std::string Monitor::coverage_resolved_title(const std::string& kind,
                                             const std::string& subject) const {
  const bool source_kind = kind == kSourceFailing || kind == kSourceSilent ||
                           kind == kHtmlNoLinks || kind == kHtmlTextShrunk ||
                           kind == kSourceTlsExpiring;
  if (source_kind && !sources_by_id_.count(subject))
    return "rasd: " + quoted("source", subject) + " is no longer configured | المصدر '" + subject +
           "' لم يعد في الإعدادات";
  const bool webhook_kind = kind == kDeliveriesDead || kind == kWebhookDisabled ||
                            kind == kOutboxStale || kind == kWebhookTlsExpiring;
  if (webhook_kind && !config_->webhook(subject))
    return "rasd: " + quoted("webhook", subject) + " is no longer configured | الخطاف '" + subject +
           "' لم يعد في الإعدادات";
  const bool rule_kind = kind == kRuleStale || kind == kRuleTooBroad;
  if (rule_kind && (!rules_ || std::none_of(rules_->rules.begin(), rules_->rules.end(),
                                            [&](const auto& r) { return r.id == subject; })))
    return "rasd: " + quoted("rule", subject) + " is no longer loaded | القاعدة '" + subject +
           "' لم تعد محملة";
  if (kind == kSourceFailing)
    return "rasd: " + quoted("source", subject) + " works again | المصدر '" + subject +
           "' يعمل من جديد";
  if (kind == kSourceSilent)
    return "rasd: " + quoted("source", subject) + " publishes again | المصدر '" + subject +
           "' ينشر من جديد";
  if (kind == kHtmlNoLinks)
    return "rasd: " + quoted("source", subject) + " has article links again | المصدر '" + subject +
           "' فيه روابط مقالات من جديد";
  if (kind == kHtmlTextShrunk)
    return "rasd: " + quoted("source", subject) +
           " text is back to its usual length | نص المصدر '" + subject + "' عاد إلى طوله المعتاد";
  if (kind == kDeliveriesDead)
    return "rasd: " + quoted("webhook", subject) +
           " has no dead deliveries | لا توجد رسائل ميتة إلى '" + subject + "'";
  if (kind == kWebhookDisabled)
    return "rasd: " + quoted("webhook", subject) + " is enabled again | الخطاف '" + subject +
           "' مفعّل من جديد";
  if (kind == kOutboxStale)
    return "rasd: " + quoted("webhook", subject) + " outbox is moving again | رسائل '" + subject +
           "' تُرسل من جديد";
  if (kind == kSourceTlsExpiring) {
    const auto st = store_.source(subject);
    if (!st || !st->tls_expires_at)
      return "rasd: " + quoted("source", subject) +
             " moved to another URL: its old certificate no longer counts | المصدر '" + subject +
             "' انتقل إلى عنوان آخر";
    return "rasd: " + quoted("source", subject) +
           " has a renewed TLS certificate | شهادة المصدر '" + subject + "' تجددت";
  }
  if (kind == kWebhookTlsExpiring) {
    if (!certificate_of(store_.webhook_certificates(), *config_->webhook(subject)))
      return "rasd: " + quoted("webhook", subject) +
             " moved to another host: its old certificate no longer counts | الخطاف '" + subject +
             "' انتقل إلى مضيف آخر";
    return "rasd: " + quoted("webhook", subject) +
           " has a renewed TLS certificate | شهادة الخطاف '" + subject + "' تجددت";
  }
  if (kind == kRuleStale)
    return "rasd: " + quoted("rule", subject) + " matches again | القاعدة '" + subject +
           "' تطابق من جديد";
  if (kind == kRuleTooBroad)
    return "rasd: " + quoted("rule", subject) + " is no longer too broad | القاعدة '" + subject +
           "' لم تعد واسعة أكثر من اللازم";
  return "rasd: " + kind + " '" + subject + "' resolved";
}

Monitor::Findings Monitor::find_source_conditions(const std::vector<SourceState>& sources) {
  Findings out{
      {kSourceFailing, {}}, {kSourceSilent, {}}, {kHtmlNoLinks, {}}, {kHtmlTextShrunk, {}}};
  for (const SourceState& st : sources) {
    const SourceConfig* s = source(st.id);
    if (!s) continue;  // no longer configured: its conditions end
    const std::string shown_url = url::redact_credentials(st.url);
    if (st.quarantined_at) {
      // Not polled: its own alert said so; its conditions wait, untouched, for its release.
      for (auto& [kind, f] : out) f.keep.insert(st.id);
      continue;
    }
    // Failing: at least two fetches in a row (one 503 of a quiet source is no outage),
    // measured from when rasd first saw it fail (the condition's time), not from a last
    // success that may be long ago. One failure keeps a condition already open.
    if (st.failures >= 2) {
      out[kSourceFailing].found.push_back(
          {st.id,
           "rasd: source '" + st.id + "' failing for {for} | المصدر '" + st.id + "' يفشل منذ {for}",
           "Source '" + st.id + "' (" + shown_url + ") has failed " + std::to_string(st.failures) +
               " times in a row; last error: " + st.last_error + ". Nothing is read from it.",
           kFailingSeconds});
      for (auto& [kind, f] : out)
        f.keep.insert(st.id);  // whether it is also silent is not known while it fails
      continue;
    }
    if (st.failures > 0) {
      // Neither well nor failing long enough to open a condition: leave what is stored.
      for (auto& [kind, f] : out) f.keep.insert(st.id);
      continue;
    }
    if (!st.last_success) continue;
    // Silent: fetched, but no new article for kSilentFactor times the interval the scheduler
    // learned. Judged between the last success and the newest article, so that a restart
    // after downtime (or a clock jump) accuses no source before it was fetched again.
    const auto last = store_.last_article_at(st.id);
    if (!last) out[kSourceSilent].keep.insert(st.id);  // its articles pruned: nothing to judge
    if (last) {
      const int64_t usual = st.interval > 0 ? st.interval : config_->defaults.interval;
      const int64_t limit = std::max(kSilentFactor * usual, kSilentFloorSeconds);
      if (*st.last_success - *last > limit) {
        out[kSourceSilent].found.push_back(
            {st.id,
             "rasd: source '" + st.id + "' silent for {for} | المصدر '" + st.id +
                 "' صامت منذ {for}",
             "Source '" + st.id + "' (" + shown_url +
                 ") answers but has brought no new article since " + dates::format_rfc3339(*last) +
                 ", more than " + dates::format_duration(limit) + " (" +
                 std::to_string(kSilentFactor) + "x its usual interval of " +
                 dates::format_duration(usual) + ")",
             0});
      }
    }
    if (s->type != "html") continue;
    if (st.last_items && *st.last_items == 0) {
      out[kHtmlNoLinks].found.push_back(
          {st.id,
           "rasd: source '" + st.id + "' finds no article links | المصدر '" + st.id +
               "' لا يجد روابط مقالات",
           "The page of html source '" + st.id + "' (" + shown_url + ") answers, but " +
               (s->links.empty() ? std::string("link detection")
                                 : "the selector '" + s->links + "'") +
               " finds no article link on it: was the site redesigned?",
           kNoLinksSeconds});
    }
    const auto lengths = store_.recent_text_lengths(st.id, kTextSamples);
    if (lengths.size() >= static_cast<size_t>(kTextRecent) * 4) {
      const int64_t recent = median({lengths.begin(), lengths.begin() + kTextRecent});
      const int64_t usual = median({lengths.begin() + kTextRecent, lengths.end()});
      if (recent * kTextShrinkFactor < usual) {
        out[kHtmlTextShrunk].found.push_back(
            {st.id, "rasd: source '" + st.id + "' text shrank | نص المصدر '" + st.id + "' تقلص",
             "The newest articles of html source '" + st.id + "' have " + std::to_string(recent) +
                 " characters of text (median), under a fifth of its " + "usual " +
                 std::to_string(usual) + ": the extraction may miss the article body",
             0});
      }
    }
  }
  return out;
}

Monitor::Findings Monitor::find_delivery_conditions(int64_t now) {
  Findings out{{kDeliveriesDead, {}}, {kWebhookDisabled, {}}, {kOutboxStale, {}}};
  std::map<std::string, WebhookHealth> health;
  for (auto& h : store_.webhook_health()) health[h.webhook] = h;
  for (const auto& w : config_->webhooks) {
    if (store_.webhook_disabled(w.name)) {
      out[kWebhookDisabled].found.push_back(
          {w.name,
           "rasd: webhook '" + w.name + "' disabled (410 Gone) | الخطاف '" + w.name + "' معطّل",
           "Webhook '" + w.name + "' (" + url::origin(w.url) +
               ") answered 410 Gone; nothing is sent to it " +
               "until `rasd deliveries retry --webhook " + w.name + "`",
           0});
    }
    auto h = health.find(w.name);
    if (h == health.end()) continue;
    if (h->second.dead > 0) {
      out[kDeliveriesDead].found.push_back(
          {w.name,
           "rasd: " + std::to_string(h->second.dead) + " dead deliveries to webhook '" + w.name +
               "' | رسائل ميتة إلى '" + w.name + "'",
           std::to_string(h->second.dead) + " deliveries to webhook '" + w.name +
               "' ran out of retries; `rasd deliveries --state dead` lists them, `rasd " +
               "deliveries retry` sends them again",
           0});
    }
    if (h->second.oldest_pending && now - *h->second.oldest_pending > kOutboxStaleSeconds) {
      out[kOutboxStale].found.push_back(
          {w.name,
           "rasd: deliveries to webhook '" + w.name + "' waiting for {for} | رسائل إلى '" + w.name +
               "' تنتظر منذ {for}",
           "The oldest pending delivery to webhook '" + w.name + "' has waited since " +
               dates::format_rfc3339(*h->second.oldest_pending) + " (more than 1 h)",
           0});
    }
  }
  return out;
}

namespace {

// A certificate that expires soon (or has expired), as a finding: within kTlsWarnSeconds, or
// within a third of its lifetime when that is shorter (a 6-day or a 24-hour certificate is
// renewed well before 14 days are left, and is not "expiring" all its life).
std::optional<CoverageFinding> certificate_finding(const std::string& what, const std::string& id,
                                                   const std::string& what_ar,
                                                   const std::string& where, int64_t expires_at,
                                                   std::optional<int64_t> valid_from, int64_t now) {
  int64_t warn = kTlsWarnSeconds;
  if (valid_from && *valid_from < expires_at) warn = std::min(warn, (expires_at - *valid_from) / 3);
  if (expires_at - now >= warn) return std::nullopt;
  const std::string when = dates::format_rfc3339(expires_at);
  if (expires_at <= now) {
    return CoverageFinding{id,
                           "rasd: TLS certificate of " + quoted(what, id) + " expired | شهادة " +
                               what_ar + " '" + id + "' منتهية",
                           "The TLS certificate of " + quoted(what, id) + " (" + where +
                               ") expired at " + when + ": requests to it fail verification",
                           0};
  }
  const int64_t left = expires_at - now;
  const bool in_days = left >= 2 * 86400;
  const std::string n = std::to_string(in_days ? left / 86400 : left / 3600);
  return CoverageFinding{
      id,
      "rasd: TLS certificate of " + quoted(what, id) + " expires in " + n +
          (in_days ? " days" : " hours") + " | شهادة " + what_ar + " '" + id + "' تنتهي خلال " + n +
          (in_days ? " يوم" : " ساعة"),
      "The TLS certificate of " + quoted(what, id) + " (" + where + ") expires at " + when +
          "; once it has, every request to it fails. Its owner needs to renew it",
      0};
}

}  // namespace

Monitor::Findings Monitor::find_certificate_conditions(const std::vector<SourceState>& sources,
                                                       int64_t now) {
  Findings out{{kSourceTlsExpiring, {}}, {kWebhookTlsExpiring, {}}};
  for (const SourceState& st : sources) {
    const SourceConfig* s = source(st.id);
    if (!s || !st.tls_expires_at) continue;
    if (st.quarantined_at) {  // not polled: what was seen last cannot change
      out[kSourceTlsExpiring].keep.insert(st.id);
      continue;
    }
    if (auto f = certificate_finding("source", st.id, "المصدر", url::redact_credentials(st.url),
                                     *st.tls_expires_at, st.tls_valid_from, now))
      out[kSourceTlsExpiring].found.push_back(std::move(*f));
  }
  const auto seen = store_.webhook_certificates();
  for (const auto& w : config_->webhooks) {
    const WebhookCertificate* c = certificate_of(seen, w);
    if (!c) continue;
    // The message names the origin only: a webhook's path often holds its secret.
    if (auto f = certificate_finding("webhook", w.name, "الخطاف", c->origin, c->expires_at,
                                     c->valid_from, now))
      out[kWebhookTlsExpiring].found.push_back(std::move(*f));
  }
  return out;
}

Monitor::Findings Monitor::find_rule_conditions(int64_t now,
                                                std::map<std::string, Coverage>& seen) {
  Findings out{{kRuleStale, {}}, {kRuleTooBroad, {}}};
  if (!rules_) return out;
  const int64_t day_articles = store_.articles_since(now - 86400);
  const auto day_matches = store_.rule_matches_since(now - 86400);
  std::set<std::string> loaded;
  for (const auto& rule : rules_->rules) {
    loaded.insert(rule.id);
    auto s = seen.find(rule.id);
    if (s == seen.end()) {
      Coverage c{kRuleSeen, rule.id, now, ""};
      store_.save_coverage(c);
      s = seen.emplace(rule.id, c).first;
    }
    const auto m = day_matches.find(rule.id);
    const int64_t matched = m == day_matches.end() ? 0 : m->second;
    std::optional<int64_t> last =
        matched > 0 ? std::optional<int64_t>(now) : store_.last_rule_match(rule.id);
    const int64_t quiet_since = std::max(last.value_or(s->second.since), s->second.since);
    if (now - quiet_since >= kRuleStaleSeconds) {
      out[kRuleStale].found.push_back(
          {rule.id,
           "rasd: rule '" + rule.id + "' matched nothing for 30 days | القاعدة '" + rule.id +
               "' لم تطابق شيئا منذ 30 يوما",
           "Rule '" + rule.id + "' (" + rule.title + ") has matched no article since " +
               dates::format_rfc3339(quiet_since) + ": is its query still right?",
           0});
    }
    if (day_articles < kRuleBroadMinArticles) {
      out[kRuleTooBroad].keep.insert(rule.id);  // a quiet day says nothing either way
    } else if (matched * 100 > day_articles * kRuleBroadPercent) {
      out[kRuleTooBroad].found.push_back(
          {rule.id,
           "rasd: rule '" + rule.id + "' matches " + std::to_string(matched * 100 / day_articles) +
               "% of the day's articles | القاعدة '" + rule.id + "' واسعة أكثر من اللازم",
           "Rule '" + rule.id + "' matched " + std::to_string(matched) + " of the " +
               std::to_string(day_articles) + " articles of the last 24 h (more than " +
               std::to_string(kRuleBroadPercent) + " %): consider narrowing it or max_alerts",
           0});
    }
  }
  for (auto it = seen.begin(); it != seen.end();) {
    if (loaded.count(it->first)) {
      ++it;
      continue;
    }
    store_.drop_coverage(kRuleSeen, it->first);  // a rule removed; seen anew if it comes back
    it = seen.erase(it);
  }
  return out;
}

}  // namespace rasd
