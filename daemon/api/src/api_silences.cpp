// /api/silences: list, add and end silences (silences.hpp); POST /api/alerts/ID/ack. Writes go
// through the handler's own read-write connection; POST and DELETE run on the API's slow lane
// (api_server.hpp), so a wait for SQLite's write lock never delays a health check.
#include <boost/json.hpp>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/silences.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_json.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {
namespace json = boost::json;

namespace {
ApiResponse answer(int status, const json::value& v) {
  return {status, "application/json", json::serialize(v) + "\n"};
}
ApiResponse fail(int status, const std::string& m) {
  return answer(status, json::object{{"error", m}});
}
// A string member of a request body; "" when absent or not a string.
std::string string_field(const json::object& o, const char* key) {
  const auto* f = o.if_contains(key);
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}
}  // namespace

ApiResponse ApiHandlers::acknowledge(const ApiRequest& req, const std::string& path) {
  const std::string id = path.substr(12, path.size() - 12 - 4);  // /api/alerts/ID/ack
  boost::system::error_code ec;
  json::value v = req.body.empty() ? json::value(json::object{}) : json::parse(req.body, ec);
  if (ec || !v.is_object()) return fail(400, "expected {\"by\", \"note\"}");
  const auto& o = v.as_object();
  auto str = [&](const char* key) { return string_field(o, key); };
  const std::string by = str("by").empty() ? "api" : str("by");
  const int64_t now = ctx_.now();
  if (!write_store().acknowledge(id, by, str("note"), now))
    return fail(404, "no alert '" + id + "'");
  // The acknowledgement in force: the first one, when the alert was acknowledged before.
  const Acknowledgement ack =
      write_store().acknowledgement(id).value_or(Acknowledgement{by, now, str("note")});
  return answer(200, json::object{{"acknowledged", id},
                                  {"by", ack.by},
                                  {"at", dates::format_rfc3339(ack.at)},
                                  {"note", ack.note}});
}

Store& ApiHandlers::write_store() {
  if (!write_store_) write_store_ = std::make_unique<Store>(ctx_.store_path);
  return *write_store_;
}

ApiResponse ApiHandlers::silences_route(const ApiRequest& req, const std::string& path,
                                        const std::map<std::string, std::string>& query) {
  const int64_t now = ctx_.now();
  if (path == "/api/silences") {
    if (req.method == "GET" || req.method == "HEAD") {
      const bool all = query.count("all") && query.at("all") != "0";
      json::array out;
      for (const auto& s : store().silences(now, all)) out.push_back(silence_to_json(s, now));
      return answer(200, out);
    }
    if (req.method != "POST") return fail(405, "use GET or POST");
    boost::system::error_code ec;
    const json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object())
      return fail(400, "expected {\"kind\", \"value\", \"for\", \"reason\", \"author\"}");
    const auto& o = v.as_object();
    auto str = [&](const char* key) { return string_field(o, key); };
    auto made = make_silence(str("kind"), str("value"), str("for"), str("reason"),
                             str("author").empty() ? "api" : str("author"), now, *ctx_.normalizer);
    if (!made) return fail(400, made.error().message);
    write_store().add_silence(*made);
    return answer(201, silence_to_json(*made, now));
  }
  const std::string id = path.substr(std::string("/api/silences/").size());
  if (req.method != "DELETE") return fail(405, "use DELETE");
  if (id.empty() || !write_store().remove_silence(id, now))
    return fail(404, "no silence '" + id + "' in force");
  return answer(200, json::object{{"removed", id}});
}

}  // namespace rasd
