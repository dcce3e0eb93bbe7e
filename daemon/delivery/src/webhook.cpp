#include "rasd/daemon/webhook.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>

#include "rasd/parsers/date.hpp"

namespace rasd {
namespace {

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

constexpr std::array<int64_t, 7> kRetrySchedule = {5,        5 * 60,    30 * 60,  2 * 3600,
                                                   5 * 3600, 10 * 3600, 10 * 3600};

}  // namespace

std::string webhook_signature(const std::string& key, const std::string& id, int64_t timestamp,
                              const std::string& body) {
  const std::string msg = id + "." + std::to_string(timestamp) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &mac_len);
  return "v1," + base64(mac, mac_len);
}

std::optional<int64_t> retry_delay(int64_t failed_attempts) {
  if (failed_attempts < 1 || failed_attempts > static_cast<int64_t>(kRetrySchedule.size()))
    return std::nullopt;
  return kRetrySchedule[static_cast<size_t>(failed_attempts - 1)];
}

std::string slack_body(const std::string& payload, const std::string& text_template) {
  boost::system::error_code ec;
  auto v = boost::json::parse(payload, ec);
  std::map<std::string, std::string, std::less<>> fields;
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    auto str = [](const boost::json::value* x, std::string_view key) -> std::string {
      if (!x || !x->is_object()) return {};
      auto* f = x->get_object().if_contains(key);
      return f && f->is_string() ? std::string(f->get_string()) : std::string();
    };
    const auto* rule = o.if_contains("rule");
    const auto* article = o.if_contains("article");
    fields["type"] = str(&v, "type");
    fields["severity"] = str(rule, "severity");
    fields["rule"] = str(rule, "title");
    fields["rule_id"] = str(rule, "id");
    fields["title"] = str(article, "title");
    fields["source"] = str(article, "source");
    fields["url"] = str(article, "url");
    fields["snippet"] = str(article, "snippet");
    fields["published"] = str(article, "published");
    // Bodies without an article say what they are about in the title.
    if (fields["type"] == "alert.suppressed") {
      const auto* n = o.if_contains("held_back");
      fields["title"] = std::to_string(n && n->is_int64() ? n->get_int64() : 0) +
                        " alerts held back by max_alerts since " + str(&v, "from") + " (" +
                        str(&v, "see") + ")";
    } else if (fields["type"] == "alert.group" || fields["type"] == "alert.digest") {
      // "12 alerts (rule=isis-east-syria): first title; second title; …"
      const bool group = fields["type"] == "alert.group";
      const auto* head = o.if_contains(group ? "group" : "digest");
      const auto* n = head && head->is_object() ? head->get_object().if_contains("count") : nullptr;
      std::string title = std::to_string(n && n->is_int64() ? n->get_int64() : 0) + " alerts";
      if (group && head && head->is_object()) {
        const auto* key = head->get_object().if_contains("key");
        std::string what;
        if (key && key->is_object()) {
          for (const auto& kv : key->get_object()) {
            if (!what.empty()) what += ", ";
            what += std::string(kv.key()) + "=" +
                    (kv.value().is_string() ? std::string(kv.value().get_string()) : "");
          }
        }
        if (!what.empty()) title += " (" + what + ")";
        const auto* alerts = o.if_contains("alerts");
        int shown = 0;
        if (alerts && alerts->is_array()) {
          for (const auto& a : alerts->get_array()) {
            if (shown == 5) break;
            title += (shown++ ? "; " : ": ") +
                     str(a.is_object() ? a.get_object().if_contains("article") : nullptr, "title");
          }
        }
        const auto* first = alerts && alerts->is_array() && !alerts->get_array().empty()
                                ? &alerts->get_array().front()
                                : nullptr;
        const auto* frule =
            first && first->is_object() ? first->get_object().if_contains("rule") : nullptr;
        fields["severity"] = str(frule, "severity");
        fields["rule"] = str(frule, "title");
        fields["rule_id"] = str(frule, "id");
      } else {
        title += " from " + str(head, "from") + " to " + str(head, "to");
      }
      fields["title"] = title;
    } else if (fields["type"] == "internal.resolved") {
      fields["title"] = "resolved: " + str(&v, "subject");
      fields["source"] = str(&v, "subject");
    } else if (fields["title"].empty() && o.contains("counted")) {
      const auto* c = o.if_contains("counted");
      const auto* n = c && c->is_object() ? c->get_object().if_contains("articles") : nullptr;
      fields["title"] = std::to_string(n && n->is_int64() ? n->get_int64() : 0) +
                        " matching articles in the window";
    }
  }
  // {name} is replaced by the field; anything else is copied as it is.
  std::string text;
  const std::string& t = text_template.empty() ? kDefaultSlackTemplate : text_template;
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '{') {
      const size_t close = t.find('}', i);
      if (close != std::string::npos) {
        auto it = fields.find(std::string_view(t).substr(i + 1, close - i - 1));
        if (it != fields.end()) {
          text += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    text += t[i++];
  }
  boost::json::object out;
  out["text"] = text;
  return boost::json::serialize(out);
}

HttpRequest build_webhook_request(const WebhookConfig& hook, const Delivery& d, int64_t now,
                                  int64_t timeout_seconds) {
  HttpRequest req;
  req.method = "POST";
  req.url = hook.url;
  req.body = hook.format == "slack" ? slack_body(d.payload, hook.text_template) : d.payload;
  req.timeout_ms = timeout_seconds * 1000;
  req.max_body = 64 << 10;  // a receiver's reply is not interesting beyond this
  req.max_redirects = 0;    // a webhook that redirects is misconfigured
  req.allow_private = hook.allow_private;
  req.ca_file = hook.ca_file;
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("webhook-id", d.id);
  req.headers.emplace_back("webhook-timestamp", std::to_string(now));
  std::string sigs;
  for (const auto& s : hook.secrets) {
    if (auto key = decode_webhook_secret(s)) {
      if (!sigs.empty()) sigs += ' ';
      sigs += webhook_signature(*key, d.id, now, req.body);
    }
  }
  if (!sigs.empty()) req.headers.emplace_back("webhook-signature", sigs);
  return req;
}

}  // namespace rasd
