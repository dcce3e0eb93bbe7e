// Checks over the real Arabic articles in ../shared/seeds (present in CI and on the project's
// machines, absent in a user's clone: then each test says it was skipped).
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/engine/text/normalize.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace rasd;

namespace {
const std::string kSeeds = RASD_SOURCE_DIR "/../shared/seeds";

std::string seed(const std::string& prefix) {
  for (const auto& e : fs::directory_iterator(kSeeds)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) return test::read_file(e.path().string());
  }
  FAIL("seed " << prefix << " not found");
  return {};
}

bool seeds_available() {
  if (fs::is_directory(kSeeds)) return true;
  WARN("SKIPPED: " << kSeeds << " not found; seed checks did not run");
  return false;
}

const text::Normalizer& norm() {
  static const text::Normalizer n;
  return n;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
}  // namespace

TEST_CASE("seeds: 004 headline yields القبض, عناصر, داعش collapsed", "[seeds][normalize]") {
  if (!seeds_available()) return;
  const std::string headline = lines(seed("004_")).at(0);
  auto n = norm().normalize(headline);
  std::vector<std::string> toks;
  for (const auto& t : n.view(text::View::collapsed).tokens) toks.emplace_back(t.text);
  for (const char* w : {"القبض", "عناصر", "داعش"}) {
    INFO(w);
    CHECK(std::find(toks.begin(), toks.end(), w) != toks.end());
  }
}

TEST_CASE("seeds: 000's ديرالزور meets the phrase \"دير الزور\"", "[seeds][match]") {
  if (!seeds_available()) return;
  const std::string text = seed("000_");
  REQUIRE(text.find("ديرالزور") != std::string::npos);
  const std::map<std::string, std::vector<std::string>> lists;
  auto q = rules::compile_query_text("\"دير الزور\"", {norm(), lists});
  REQUIRE(q);
  rules::PreparedArticle a(norm(), {"000", "", text, "", "", "", "ar", {}});
  std::vector<rules::Hit> hits;
  REQUIRE(rules::evaluate(*q, a, hits));
  bool glued = false;
  for (const auto& h : hits) glued |= h.text == "ديرالزور";
  CHECK(glued);
}

TEST_CASE("seeds: every token's offsets slice back to its original spelling", "[seeds][offsets]") {
  if (!seeds_available()) return;
  for (const auto& e : fs::directory_iterator(kSeeds)) {
    const std::string text = test::read_file(e.path().string());
    auto n = norm().normalize(text);
    size_t checked = 0;
    for (const text::View view : {text::View::strict, text::View::collapsed}) {
      const auto* v = &n.view(view);
      for (const auto& tok : v->tokens) {
        const std::string original = text::slice_code_points(text, tok.start, tok.end);
        auto again = norm().normalize(original);
        const auto& same = again.view(view);
        INFO(e.path().filename().string() << ": " << tok.text << " <- " << original);
        REQUIRE_FALSE(same.tokens.empty());
        CHECK(same.tokens.front().text == tok.text);
        ++checked;
      }
    }
    CHECK(checked > 500);
  }
}

TEST_CASE("seeds: boilerplate lines are found, article lines are kept", "[seeds][boilerplate]") {
  if (!seeds_available()) return;
  for (const char* s : {"000_", "001_", "004_"}) {
    INFO(s);
    auto ls = lines(seed(s));
    size_t chrome = 0;
    for (const auto& l : ls) chrome += text::is_boilerplate_line(norm(), l);
    CHECK(chrome >= 1);
    CHECK_FALSE(text::is_boilerplate_line(norm(), ls.at(0)));
    CHECK(chrome * 4 < ls.size());
  }
}
