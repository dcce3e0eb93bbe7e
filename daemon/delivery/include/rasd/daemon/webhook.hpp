// Webhook requests (DESIGN.md section 7, Standard Webhooks): signatures, bodies, the retry
// schedule. Pure functions, thread-safe. The Deliverer (deliverer.hpp) sends them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/store.hpp"

namespace rasd {

// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"; `key` is the decoded secret.
std::string webhook_signature(const std::string& key, const std::string& id, int64_t timestamp,
                              const std::string& body);

// The request for one attempt: headers webhook-id, webhook-timestamp, webhook-signature (one
// v1 entry per configured secret, space separated) and the body in the endpoint's format.
HttpRequest build_webhook_request(const WebhookConfig& hook, const Delivery& d, int64_t now,
                                  int64_t timeout_seconds);

// Seconds to wait after the n-th failed attempt (1-based), before jitter; nullopt when the
// delivery is out of retries and must be marked dead.
std::optional<int64_t> retry_delay(int64_t failed_attempts);


// Slack/Mattermost-style body {"text": …} from the standard alert payload. The text comes from
// a template where {type}, {severity}, {rule}, {rule_id}, {title}, {source}, {url}, {snippet}
// and {published} are replaced by the alert's values; empty means kDefaultSlackTemplate.
inline const std::string kDefaultSlackTemplate = "[{severity}] {rule}: {title} ({source}) {url}";
std::string slack_body(const std::string& standard_payload, const std::string& text_template = "");

}  // namespace rasd
