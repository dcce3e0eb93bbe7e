// Article extraction throughput (issue 8): the pages named on stdin as a JSON list of
// {"path", "url"}, read into memory, then extracted in one timed loop with the engine's
// boilerplate filter (as the daemon runs it). Writes {"seconds", "texts": [...]} on stdout, the
// same shape as scripts/bench/extract_peer/readability_peer.js, which scripts/bench/extract
// runs beside it.
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/parsers/article.hpp"

int main() {
  namespace json = boost::json;
  std::stringstream in;
  in << std::cin.rdbuf();
  const auto pages = json::parse(in.str()).as_array();
  std::vector<std::string> html, urls;
  for (const auto& p : pages) {
    std::ifstream f(std::string(p.at("path").as_string()), std::ios::binary);
    html.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    urls.emplace_back(p.as_object().contains("url") ? std::string(p.at("url").as_string()) : std::string());
  }
  const rasd::text::Normalizer normalizer;
  rasd::html::ExtractOptions opts;
  opts.is_boilerplate = [&](std::string_view line) { return rasd::text::is_boilerplate_line(normalizer, line); };
  json::array texts;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < html.size(); ++i) {
    opts.url = urls[i];
    texts.emplace_back(rasd::html::extract_article(html[i], opts).text);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << json::serialize(json::object{{"seconds", seconds}, {"texts", std::move(texts)}});
  return 0;
}
