// `rasd sources add|remove|import-opml`: changes to the sources file (sources_file.hpp), each
// under its lock, validated with the whole configuration before the file is replaced, and
// then announced to a running daemon (POST /api/reload, or the SIGHUP hint).
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/sources_file.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/feed.hpp"
#include "rasd/parsers/links.hpp"

namespace rasd::cli {
namespace {
namespace fs = std::filesystem;

// Tells a running daemon: through the API when it listens on a known port with a token, else
// the hint to send SIGHUP.
void announce(const Config& c, std::ostream& out) {
  const std::string hint = "a running rasd picks this up on reload: systemctl reload rasd (SIGHUP)";
  const std::string token = read_api_token(c.token_file);
  const auto colon = c.http_listen.rfind(':');
  if (c.http_listen.empty() || token.empty() || colon == std::string::npos ||
      c.http_listen.substr(colon + 1) == "0") {
    out << hint << "\n";
    return;
  }
  CurlHttpClient http;
  HttpRequest req;
  req.method = "POST";
  req.url = "http://" + c.http_listen + "/api/reload";
  req.headers.emplace_back("authorization", "Bearer " + token);
  req.allow_private = true;  // our own daemon, on its configured address
  req.timeout_ms = 3000;
  req.connect_timeout_ms = 1000;
  auto res = http.perform(req);
  if (!res) {
    out << "no rasd answered at " << c.http_listen << " (" << res.error().message << "); " << hint
        << "\n";
  } else if (res->status == 202) {
    out << "the running rasd at " << c.http_listen << " is reloading\n";
  } else {
    out << "the rasd at " << c.http_listen << " refused to reload (HTTP " << res->status << "); "
        << hint << "\n";
  }
}

std::optional<std::string> read_whole(const std::string& path, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = std::strerror(errno);
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (in.bad()) {
    err = "read error";
    return std::nullopt;
  }
  return text;
}

constexpr std::string_view kHeader = "# Written by rasd";

// The read-change-validate-write cycle. `change` edits the sources file's own list (it sees the
// whole configuration too), says what it did on `notes` (printed once the file is written) and
// returns whether anything changed. Exit status as the CLI's.
int edit_sources(
    const std::string& config_path, std::ostream& out, std::ostream& err,
    const std::function<bool(const Config&, std::vector<SourceConfig>&, std::ostream&)>& change) {
  auto first = load_config_file(config_path);
  if (!first.config) {
    err << first.diagnostics.format() << "rasd: invalid configuration: " << config_path << "\n";
    return 2;
  }
  // A symlinked sources file is written where it points (the link stays).
  std::error_code ec;
  const std::string target = fs::weakly_canonical(first.config->sources_file, ec).string();
  if (ec) {
    err << "rasd: " << first.config->sources_file << ": " << ec.message() << "\n";
    return 1;
  }
  SourcesFileLock lock(target);
  auto c = load_config_file(config_path);  // again, under the lock: another writer may have won
  if (!c.config) {
    err << c.diagnostics.format() << "rasd: invalid configuration: " << config_path << "\n";
    return 2;
  }
  std::vector<SourceConfig> own;
  for (const auto& s : c.config->sources) {
    if (s.origin == c.config->sources_file) own.push_back(s);
  }
  std::ostringstream notes;
  const bool changed = change(*c.config, own, notes);
  if (!changed) {
    out << notes.str();
    return 0;
  }
  const std::string text = sources_file_text(own, c.config->allow_private);
  std::string why;
  const auto config_text = read_whole(config_path, why);
  if (!config_text) {
    err << "rasd: cannot read " << config_path << ": " << why << "\n";
    return 1;
  }
  auto check = load_config_text(config_path, *config_text, text);
  if (!check.config) {
    err << check.diagnostics.format()
        << "rasd: the change would make the configuration invalid (the lines above are those of "
           "the new list); "
        << c.config->sources_file << " is unchanged\n";
    return 2;
  }
  // A file written by hand loses its comments in the rewrite: the original is kept beside it.
  if (fs::exists(target, ec)) {
    const auto old = read_whole(target, why);
    if (!old) {
      err << "rasd: cannot read " << target << ": " << why << "\n";
      return 1;
    }
    if (old->rfind(kHeader, 0) != 0 && !old->empty()) {
      auto saved = write_file_atomically(target + ".bak", *old);
      if (!saved) {
        err << "rasd: " << saved.error().message << "\n";
        return 1;
      }
      notes << "your hand-written " << target << " is kept as " << target
            << ".bak (comments are not carried over)\n";
    }
  }
  auto written = write_file_atomically(target, text);
  if (!written) {
    err << "rasd: " << written.error().message << "\n";
    return 1;
  }
  out << notes.str() << "wrote " << c.config->sources_file << " (" << own.size() << " sources)\n";
  announce(*check.config, out);
  return 0;
}

bool id_taken(const Config& c, const std::vector<SourceConfig>& own, const std::string& id) {
  for (const auto& s : c.sources) {
    if (s.id == id) return true;
  }
  for (const auto& s : own) {
    if (s.id == id) return true;
  }
  return false;
}

const SourceConfig* with_url(const Config& c, const std::vector<SourceConfig>& own,
                             const std::string& url) {
  for (const auto* list : {&c.sources, &own}) {
    for (const auto& s : *list) {
      if (s.url == url) return &s;
    }
  }
  return nullptr;
}

Expected<HttpResponse> get(CurlHttpClient& http, const std::string& url, bool allow_private) {
  HttpRequest req;
  req.url = url;
  req.allow_private = allow_private;
  req.timeout_ms = 20000;
  req.headers.emplace_back("accept",
                           "application/rss+xml, application/atom+xml, application/feed+json, "
                           "text/html;q=0.9, */*;q=0.5");
  return http.perform(req);
}

// What `add` decided the URL is.
struct Detected {
  std::string url, type, title;
  std::vector<std::string> notes;  // what was found on the way, for the user
};

Expected<Detected> detect(CurlHttpClient& http, const std::string& url, const std::string& type,
                          bool allow_private, std::ostream& out) {
  auto res = get(http, url, allow_private);
  if (!res) return Error{url + ": " + res.error().message};
  if (res->status != 200) return Error{url + ": HTTP " + std::to_string(res->status)};
  const std::string page_url = res->effective_url.empty() ? url : res->effective_url;
  const std::string ct = res->header("content-type");
  Detected d;
  if (type != "html") {
    if (auto feed = parse_feed(res->body, {ct, page_url})) {
      d.url = url;
      d.type = "feed";
      d.title = feed->title;
      return d;
    }
  }
  if (type == "feed") return Error{url + ": not a feed"};
  html::ExtractOptions eo;
  eo.content_type = ct;
  eo.url = page_url;
  const std::string page_title = html::extract_article(res->body, eo).title;
  if (type.empty()) {
    // A page: the feeds it announces, then the usual places, before the page itself.
    std::vector<std::string> candidates;
    for (const auto& f : html::feed_links(res->body, page_url, ct)) candidates.push_back(f.url);
    if (auto u = boost::urls::parse_uri(page_url)) {
      const std::string origin =
          std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
      for (const char* p : {"/feed", "/rss", "/rss.xml", "/atom.xml"})
        candidates.push_back(origin + p);
    }
    // At most kMaxTries fetches: a page may announce hundreds of feeds.
    constexpr size_t kMaxTries = 10;
    std::vector<std::pair<std::string, std::string>> feeds;  // url, title
    std::set<std::string> tried;
    for (const auto& c : candidates) {
      if (tried.size() >= kMaxTries) {
        out << "(" << candidates.size() - tried.size() << " more candidates not tried)\n";
        break;
      }
      if (!tried.insert(c).second) continue;
      auto r = get(http, c, allow_private);
      if (!r || r->status != 200) continue;
      auto feed = parse_feed(r->body, {r->header("content-type"), r->effective_url});
      if (feed) feeds.emplace_back(c, feed->title);
    }
    if (!feeds.empty()) {
      out << url << " is a page; it has " << feeds.size() << " feed(s):\n";
      for (const auto& [f, t] : feeds) out << "  " << f << (t.empty() ? "" : "  " + t) << "\n";
      if (feeds.size() > 1)
        out << "adding the first; `rasd sources add URL` adds another, --type html the page\n";
      d.url = feeds.front().first;
      d.type = "feed";
      d.title = feeds.front().second;
      return d;
    }
    out << url << " is a page without a feed: adding it as type html\n";
  }
  auto links = html::article_links(res->body, page_url, "", ct);
  if (!links) return Error{url + ": " + links.error().message};
  out << "article links it would follow (" << links->size() << "):\n";
  for (size_t i = 0; i < links->size() && i < 20; ++i)
    out << "  " << (*links)[i].url << "  " << (*links)[i].text << "\n";
  if (links->empty())
    out << "  none detected: set `links:` (a CSS selector) on the entry in the sources file\n";
  d.url = url;
  d.type = "html";
  d.title = page_title;
  return d;
}

}  // namespace

int cmd_sources_add(const SourcesAddArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.type.empty() && args.type != "feed" && args.type != "html") {
    err << "rasd: --type must be feed or html\n";
    return 2;
  }
  if (args.full_text && args.type == "html") {
    err << "rasd: --full-text reads the pages of a feed's items; an html source reads pages "
           "already\n";
    return 2;
  }
  if (!args.id.empty() &&
      args.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
    err << "rasd: --id: '" << args.id << "' is not an id ([a-z0-9_-]+)\n";
    return 2;
  }
  auto c = load_config_file(args.config_path);
  if (!c.config) {
    err << c.diagnostics.format() << "rasd: invalid configuration: " << args.config_path << "\n";
    return 2;
  }
  CurlHttpClient http;
  auto found = detect(http, args.url, args.type, c.config->allow_private, out);
  if (!found) {
    err << "rasd: " << found.error().message << "\n";
    return 1;
  }
  if (args.full_text && found->type != "feed") {
    err << "rasd: --full-text needs a feed; " << args.url << " has none\n";
    return 2;
  }
  bool id_refused = false;
  const int rc =
      edit_sources(args.config_path, out, err,
                   [&](const Config& config, std::vector<SourceConfig>& own, std::ostream& notes) {
                     if (const SourceConfig* dup = with_url(config, own, found->url)) {
                       notes << found->url << " is already source '" << dup->id << "'\n";
                       return false;
                     }
                     SourceConfig s;
                     s.url = found->url;
                     s.type = found->type;
                     s.title = found->title;
                     s.tags = args.tags;
                     s.full_text = args.full_text;
                     s.allow_private = config.allow_private;
                     if (!args.id.empty()) {
                       if (id_taken(config, own, args.id)) {
                         err << "rasd: --id: a source '" << args.id << "' exists already\n";
                         id_refused = true;
                         return false;
                       }
                       s.id = args.id;
                     } else {
                       s.id = source_id_for(
                           s.url, [&](const std::string& id) { return id_taken(config, own, id); });
                     }
                     notes << "added source '" << s.id << "' (" << s.type << ") " << s.url << "\n";
                     own.push_back(std::move(s));
                     return true;
                   });
  return rc != 0 ? rc : (id_refused ? 2 : 0);
}

int cmd_sources_remove(const std::string& config_path, const std::string& id, std::ostream& out,
                       std::ostream& err) {
  int rc = 0;
  const int edit =
      edit_sources(config_path, out, err,
                   [&](const Config& config, std::vector<SourceConfig>& own, std::ostream& notes) {
                     for (auto it = own.begin(); it != own.end(); ++it) {
                       if (it->id == id) {
                         own.erase(it);
                         notes << "removed source '" << id << "'\n";
                         return true;
                       }
                     }
                     for (const auto& s : config.sources) {
                       if (s.id == id) {
                         err << "rasd: source '" << id << "' is defined in " << s.origin
                             << ", not in the sources file: remove it there\n";
                         rc = 2;
                         return false;
                       }
                     }
                     err << "rasd: no source '" << id << "'\n";
                     rc = 2;
                     return false;
                   });
  return edit != 0 ? edit : rc;
}

int cmd_sources_import_opml(const std::string& config_path, const std::string& opml_path,
                            std::ostream& out, std::ostream& err) {
  // Subscription lists are kilobytes; a bound keeps a wrong path (/dev/zero) from eating memory.
  constexpr std::streamsize kMaxOpmlBytes = 64 << 20;
  std::ifstream in(opml_path, std::ios::binary);
  if (!in) {
    err << "rasd: cannot read " << opml_path << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  std::string bytes;
  char chunk[65536];
  while (in && bytes.size() <= static_cast<size_t>(kMaxOpmlBytes)) {
    in.read(chunk, sizeof chunk);
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    err << "rasd: cannot read " << opml_path << ": read error\n";
    return 2;
  }
  if (bytes.size() > static_cast<size_t>(kMaxOpmlBytes)) {
    err << "rasd: " << opml_path << ": larger than 64 MiB; not an OPML subscription list\n";
    return 2;
  }
  const OpmlParse parsed = parse_opml(bytes);
  if (!parsed.error.empty()) {
    err << opml_path << ":" << parsed.error_line << ": error: " << parsed.error << "\n";
    return 2;
  }
  return edit_sources(
      config_path, out, err,
      [&](const Config& config, std::vector<SourceConfig>& own, std::ostream& notes) {
        size_t added = 0, duplicates = 0, unsupported = 0;
        for (const OpmlFeed& f : parsed.feeds) {
          if (!f.error.empty()) {
            notes << opml_path << ":" << f.line << ": skipped: " << f.error << "\n";
            ++unsupported;
            continue;
          }
          if (const SourceConfig* dup = with_url(config, own, f.url)) {
            notes << opml_path << ":" << f.line << ": skipped: " << f.url << " is already source '"
                  << dup->id << "'\n";
            ++duplicates;
            continue;
          }
          SourceConfig s;
          s.url = f.url;
          s.type = f.type;
          s.title = f.title;
          s.tags = f.tags;
          s.allow_private = config.allow_private;
          s.id = source_id_for(s.url,
                               [&](const std::string& id) { return id_taken(config, own, id); });
          own.push_back(std::move(s));
          ++added;
        }
        notes << "imported " << added << " sources from " << opml_path << "; skipped " << duplicates
              << " already configured and " << unsupported << " unsupported\n";
        return added > 0;
      });
}

}  // namespace rasd::cli
