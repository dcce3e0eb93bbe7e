// The kinds of coverage conditions (the internal alerts' rule ids are "rasd." + kind) and the
// delays and limits that define them (docs/alerting.md, "Alerts about the watch itself").
#pragma once

#include <cstdint>

namespace rasd {

inline constexpr const char* kSourceFailing = "source_failing";
inline constexpr const char* kSourceSilent = "source_silent";
inline constexpr const char* kHtmlNoLinks = "html_no_links";
inline constexpr const char* kHtmlTextShrunk = "html_text_shrunk";
inline constexpr const char* kDeliveriesDead = "deliveries_dead";
inline constexpr const char* kWebhookDisabled = "webhook_disabled";
inline constexpr const char* kOutboxStale = "outbox_stale";
inline constexpr const char* kSourceTlsExpiring = "source_tls_expiring";
inline constexpr const char* kWebhookTlsExpiring = "webhook_tls_expiring";
inline constexpr const char* kRuleStale = "rule_stale";
inline constexpr const char* kRuleTooBroad = "rule_too_broad";
// Not an alert: when rasd first saw each rule (a rule added yesterday is not stale).
inline constexpr const char* kRuleSeen = "rule_seen";

inline constexpr int64_t kSilentFactor = 4;           // x the source's publishing interval
inline constexpr int64_t kSilentFloorSeconds = 3600;  // never less than this
inline constexpr int64_t kNoLinksSeconds = 3600;      // zero links for this long
inline constexpr int kTextSamples = 50;               // an html source's newest articles
inline constexpr int kTextRecent = 3;                 // compared with the median of the rest
inline constexpr int64_t kTextShrinkFactor = 5;       // below a fifth of the median
inline constexpr int64_t kOutboxStaleSeconds = 3600;
inline constexpr int64_t kTlsWarnSeconds = 14 * 86400;  // a certificate expiring this soon
inline constexpr int64_t kRuleStaleSeconds = 30 * 86400;
inline constexpr int64_t kRuleBroadPercent = 10;       // of the day's articles
inline constexpr int64_t kRuleBroadMinArticles = 100;  // a day with fewer says nothing

}  // namespace rasd
