#include "rasd/daemon/webhook.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>

#include "rasd/parsers/date.hpp"

namespace rasd {
namespace {

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

constexpr std::array<int64_t, 7> kRetrySchedule = {5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600};

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
  if (failed_attempts < 1 || failed_attempts > static_cast<int64_t>(kRetrySchedule.size())) return std::nullopt;
  return kRetrySchedule[static_cast<size_t>(failed_attempts - 1)];
}

std::optional<int64_t> parse_retry_after(const std::string& value, int64_t now) {
  if (value.empty()) return std::nullopt;
  std::optional<int64_t> delay;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return 86400;
    delay = std::stoll(value);
  } else if (auto t = dates::parse_rfc822(value)) {
    delay = *t - now;
  }
  if (!delay) return std::nullopt;
  return std::clamp<int64_t>(*delay, 1, 86400);
}

std::string slack_body(const std::string& payload) {
  boost::system::error_code ec;
  auto v = boost::json::parse(payload, ec);
  std::string text = "rasd alert";
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    auto str = [](const boost::json::value* x, std::string_view key) -> std::string {
      if (!x || !x->is_object()) return {};
      auto* f = x->get_object().if_contains(key);
      return f && f->is_string() ? std::string(f->get_string()) : std::string();
    };
    const auto* rule = o.if_contains("rule");
    const auto* article = o.if_contains("article");
    text = "[" + str(rule, "severity") + "] " + str(rule, "title") + ": " + str(article, "title") +
           " (" + str(article, "source") + ") " + str(article, "url");
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
  req.body = hook.format == "slack" ? slack_body(d.payload) : d.payload;
  req.timeout_ms = timeout_seconds * 1000;
  req.max_body = 64 << 10;  // a receiver's reply is not interesting beyond this
  req.max_redirects = 0;    // a webhook that redirects is misconfigured
  req.allow_private = hook.allow_private;
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

Deliverer::Deliverer(const Config& config, Store& store, HttpClient& http, const Clock& clock,
                     std::shared_ptr<spdlog::logger> log)
    : config_(config), store_(store), http_(http), clock_(clock), log_(std::move(log)) {}

DeliveryStats Deliverer::deliver_due(int limit) {
  DeliveryStats stats;
  for (const Delivery& d : store_.due_deliveries(clock_.now(), limit)) {
    const int64_t now = clock_.now();
    const WebhookConfig* hook = config_.webhook(d.webhook);
    if (!hook) {
      // The webhook was removed from the config; keep the row visible rather than drop it.
      store_.record_attempt(d.id, now, std::nullopt, "webhook '" + d.webhook + "' is not configured", "dead", now);
      ++stats.dead;
      continue;
    }
    auto res = http_.perform(build_webhook_request(*hook, d, now, std::min<int64_t>(config_.defaults.timeout, 30)));
    std::optional<int64_t> status;
    std::string error;
    std::optional<int64_t> explicit_delay;
    if (!res) {
      error = res.error().message;
    } else {
      status = res->status;
      if (res->status >= 200 && res->status < 300) {
        store_.record_attempt(d.id, now, status, "", "delivered", now);
        log_->info("webhook '{}': delivered {} (alert {})", d.webhook, d.id, d.alert_id);
        ++stats.delivered;
        continue;
      }
      if (res->status == 410) {
        store_.record_attempt(d.id, now, status, "endpoint gone (410)", "disabled", now);
        log_->warn("webhook '{}': 410 Gone, delivery {} disabled", d.webhook, d.id);
        ++stats.disabled;
        continue;
      }
      error = "HTTP " + std::to_string(res->status);
      if (res->status == 429 || res->status == 503) {
        explicit_delay = parse_retry_after(res->header("retry-after"), now);
      }
    }
    const int64_t failed = d.attempts + 1;
    auto delay = retry_delay(failed);
    if (!delay) {
      store_.record_attempt(d.id, now, status, error, "dead", now);
      log_->error("webhook '{}': delivery {} dead after {} attempts: {}", d.webhook, d.id, failed, error);
      ++stats.dead;
      continue;
    }
    const int64_t wait = explicit_delay ? *explicit_delay
                                        : std::max<int64_t>(1, std::llround(static_cast<double>(*delay) * jitter(0.1)));
    store_.record_attempt(d.id, now, status, error, "pending", now + wait);
    log_->warn("webhook '{}': delivery {} failed ({}), retry in {}s", d.webhook, d.id, error, wait);
    ++stats.failed;
  }
  return stats;
}

}  // namespace rasd
