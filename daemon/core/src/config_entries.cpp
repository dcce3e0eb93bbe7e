// The entries of the configuration's lists: sources and webhooks (config_reader.hpp).
#include <fstream>
#include <set>

#include "config_reader.hpp"
#include "rasd/daemon/digest_time.hpp"
#include "rasd/daemon/group_key.hpp"

namespace rasd::detail {
namespace {

// `ca_file` of a source or webhook: a PEM file with at least one certificate, relative to the
// file it is written in, that must be readable now (curl would otherwise fail every request to
// the endpoint, later and quietly). `written`: the path as given.
void read_ca_file(Reader& r, const YAML::Node& n, const std::string& where, std::string& out,
                  std::string* written = nullptr) {
  if (!n["ca_file"]) return;
  r.string(n, "ca_file", out, where);
  if (written) *written = out;
  out = r.resolve_path(out);
  std::ifstream in(out, std::ios::binary);
  // A bundle may open with comments (curl's cacert.pem) or attributes (openssl pkcs12 output),
  // as OpenSSL skips what precedes a BEGIN line; the first 1 MiB is enough to find one.
  std::string head(1 << 20, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (!in && !in.eof())
    r.error(n["ca_file"], where + "ca_file '" + out + "' cannot be read");
  else if (const auto b = head.find("-----BEGIN ");
           b == std::string::npos || head.find("CERTIFICATE-----", b) == std::string::npos)
    r.error(n["ca_file"],
            where + "ca_file '" + out + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
}

// group, group_by, group_wait, group_interval and digest of one webhook.
void read_noise_options(Reader& r, const YAML::Node& n, const std::string& where,
                        WebhookConfig& w) {
  r.boolean(n, "group", w.group, where);
  if (n["group_by"]) {
    w.group_by.clear();
    r.strings(n, "group_by", w.group_by, where);
    std::set<std::string> seen;
    for (const auto& k : w.group_by) {
      if (k != "rule" && k != "severity" && k != "tag" && k != "source")
        r.error(n["group_by"], where + "group_by: unknown key '" + k +
                                   "' (expected rule, severity, tag or source)");
      else if (!seen.insert(k).second)
        r.error(n["group_by"], where + "group_by: '" + k + "' is given twice");
    }
  }
  int64_t wait_ms = w.group_wait * 1000;
  r.milliseconds(n, "group_wait", wait_ms, where);
  w.group_wait = (wait_ms + 999) / 1000;
  r.duration(n, "group_interval", w.group_interval, where);
  if (!w.group && (n["group_by"] || n["group_wait"] || n["group_interval"]))
    r.error(n["group"], where +
                            "group: false sends each alert alone: group_by, group_wait and "
                            "group_interval would do nothing");
  if (!n["digest"]) return;
  const YAML::Node d = n["digest"];
  if (!r.map(d, where + "digest")) return;
  r.check_keys(d, {"every", "at", "tz"}, where + "digest");
  DigestConfig dc;
  r.duration(d, "every", dc.every, where + "digest: ");
  if (d["at"]) {
    std::string at;
    r.string(d, "at", at, where + "digest: ");
    const auto minutes = parse_time_of_day(at);
    if (!minutes)
      r.error(d["at"], where + "digest: at must be a time of day like \"07:00\", got '" + at + "'");
    else
      dc.at_minutes = *minutes;
  }
  r.string(d, "tz", dc.tz, where + "digest: ");
  if ((dc.every > 0) == d["at"].IsDefined())
    r.error(d, where + "digest needs exactly one of 'every' or 'at'");
  if (d["tz"] && !d["at"]) r.error(d["tz"], where + "digest: tz applies to 'at' only");
  if (!valid_time_zone(dc.tz))
    r.error(d["tz"] ? d["tz"] : d, where + "digest: unknown time zone '" + dc.tz + "'");
  if (n["group"] || n["group_by"] || n["group_wait"] || n["group_interval"])
    r.error(d, where +
                   "a digest webhook does not group: drop group, group_by, group_wait and "
                   "group_interval");
  w.digest = dc;
}

}  // namespace

void read_sources(Reader& r, const YAML::Node& list, Config& c, std::set<std::string>& ids,
                  const std::string& origin) {
  if (!list.IsSequence()) return r.error(list, "sources must be a list");
  for (const auto& n : list) {
    if (!r.map(n, "each source")) continue;
    SourceConfig s;
    r.string(n, "id", s.id, "source: ");
    const std::string where = "source '" + s.id + "': ";
    if (s.id.empty())
      r.error(n, "source without an 'id'");
    else if (!ids.insert(s.id).second)
      r.error(n["id"], "duplicate source id '" + s.id + "'");
    r.check_keys(n,
                 {"id", "title", "url", "type", "links", "tags", "allow_private", "interval",
                  "full_text", "ca_file"},
                 where.substr(0, where.size() - 2));
    r.string(n, "title", s.title, where);
    r.url(n, "url", s.url, where);
    r.string(n, "type", s.type, where);
    if (s.type != "feed" && s.type != "html")
      r.error(n["type"], where + "type must be 'feed' or 'html', got '" + s.type + "'");
    r.string(n, "links", s.links, where);
    if (n["full_text"]) r.boolean(n, "full_text", s.full_text, where);
    r.strings(n, "tags", s.tags, where);
    s.allow_private = c.allow_private;
    r.boolean(n, "allow_private", s.allow_private, where);
    s.allow_private_set = static_cast<bool>(n["allow_private"]);
    if (n["interval"]) {
      int64_t v = 0;
      r.duration(n, "interval", v, where);
      if (v > 0) s.interval = v;
    }
    read_ca_file(r, n, where, s.ca_file, &s.ca_file_written);
    s.origin = origin;
    c.sources.push_back(std::move(s));
  }
}

void read_webhooks(Reader& r, const YAML::Node& list, Config& c) {
  if (!list.IsSequence()) return r.error(list, "webhooks must be a list");
  std::set<std::string> names;
  for (const auto& n : list) {
    if (!r.map(n, "each webhook")) continue;
    WebhookConfig w;
    r.string(n, "name", w.name, "webhook: ");
    const std::string where = "webhook '" + w.name + "': ";
    if (w.name.empty())
      r.error(n, "webhook without a 'name'");
    else if (!names.insert(w.name).second)
      r.error(n["name"], "duplicate webhook name '" + w.name + "'");
    r.check_keys(n,
                 {"name", "url", "secret", "secrets", "format", "allow_private", "concurrency",
                  "timeout", "template", "acknowledged_updates", "group", "group_by", "group_wait",
                  "group_interval", "digest", "ca_file"},
                 "webhook '" + w.name + "'");
    read_noise_options(r, n, where, w);
    r.integer(n, "concurrency", w.concurrency, where, 1);
    if (n["acknowledged_updates"])
      r.boolean(n, "acknowledged_updates", w.acknowledged_updates, where);
    w.timeout = std::min<int64_t>(c.defaults.timeout, 30);
    r.duration(n, "timeout", w.timeout, where);
    r.url(n, "url", w.url, where);
    if (n["secret"]) {
      std::string s;
      r.string(n, "secret", s, where);
      w.secrets.push_back(s);
    }
    std::vector<std::string> more;
    r.strings(n, "secrets", more, where);
    w.secrets.insert(w.secrets.end(), more.begin(), more.end());
    for (size_t i = 0; i < w.secrets.size(); ++i) {
      if (!decode_webhook_secret(w.secrets[i])) {
        r.error(n["secret"] ? n["secret"] : n["secrets"],
                where + "secret must be 'whsec_' followed by base64");
        break;
      }
    }
    r.string(n, "format", w.format, where);
    r.string(n, "template", w.text_template, where);
    if (!w.text_template.empty() && w.format != "slack")
      r.error(n["template"], where + "template applies to format 'slack' only");
    if (w.format != "standard" && w.format != "slack")
      r.error(n["format"], where + "format must be 'standard' or 'slack', got '" + w.format + "'");
    w.allow_private = c.allow_private;
    r.boolean(n, "allow_private", w.allow_private, where);
    read_ca_file(r, n, where, w.ca_file);
    c.webhooks.push_back(std::move(w));
  }
}

}  // namespace rasd::detail
