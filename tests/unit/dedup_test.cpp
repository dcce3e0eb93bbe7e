// Story clustering: canonical URLs, fingerprints and the story index (DESIGN.md section 6).
#include <catch2/catch.hpp>
#include <xxhash.h>

#include "rasd/engine/dedup/story_index.hpp"
#include "rasd/parsers/url.hpp"

using namespace rasd;

namespace {
const text::Normalizer& norm() {
  static const text::Normalizer n;
  return n;
}
dedup::Fingerprint fp(const std::string& text) {
  return dedup::fingerprint(norm().normalize(text));
}
dedup::ArticleIdentity article(const std::string& id, const std::string& body,
                               const std::string& url = "", int64_t time = 0,
                               const std::string& source = "s", const std::string& guid = "") {
  return {id, url, source, guid, time, fp(body), "cl_" + id};
}
const std::string kStory =
    "أعلنت قوات الأمن الداخلي القبض على خلية تابعة لتنظيم داعش في ريف دير الزور الشرقي بعد عملية "
    "أمنية استمرت ثلاثة أيام، وقالت مصادر محلية إن الخلية كانت تخطط لهجمات على نقاط عسكرية في "
    "البادية "
    "وإن العملية أسفرت عن مصادرة أسلحة وذخائر ووثائق تكشف عن شبكة تمويل تمتد إلى مناطق أخرى في شرق "
    "سوريا.";
const std::string kOtherStory =
    "أعلنت وزارة الداخلية العراقية اعتقال عدد من المطلوبين بتهم تتعلق بالإرهاب في محافظة الأنبار "
    "خلال حملة تفتيش واسعة شملت عدة أقضية، وقال مسؤول أمني إن الحملة ستستمر حتى تطهير المنطقة من "
    "فلول التنظيم، مشيراً إلى أن القوات عثرت على مضافات ومخازن أسلحة في الصحراء الغربية.";
}  // namespace

TEST_CASE("the origin of a URL", "[url]") {
  CHECK(url::origin("HTTPS://News.Example/a/b?x=1") == "https://news.example");
  CHECK(url::origin("https://hooks.example:8443/services/T0/B0/secret") ==
        "https://hooks.example:8443");
  CHECK(url::origin("https://h.example:443/feed") == "https://h.example");
  CHECK(url::origin("http://h.example:80/") == "http://h.example");
  CHECK(url::host("http://H.example:8080/a") == "h.example");
  CHECK(url::host("relative") == "");
  CHECK(url::origin("not a url") == "");
  CHECK(url::origin("/relative/path") == "");
}

TEST_CASE("canonical URLs drop what does not identify the article", "[dedup][url]") {
  CHECK(url::canonical("HTTPS://News.Example:443/a/b?utm_source=x&id=7&fbclid=y#top") ==
        "https://news.example/a/b?id=7");
  CHECK(url::canonical("http://news.example:80") == "http://news.example/");
  CHECK(url::canonical("https://news.example/a?gclid=1&utm_medium=2") == "https://news.example/a");
  CHECK(url::canonical("https://news.example/a/./b/../c") == "https://news.example/a/c");
  CHECK(url::canonical("https://news.example:8443/a") == "https://news.example:8443/a");
  CHECK(url::canonical("not a url") == "not a url");
}

TEST_CASE("credentials in URLs are redacted wherever they appear in a text", "[url]") {
  CHECK(url::redact_credentials("https://user:pw@news.example/feed") ==
        "https://***@news.example/feed");
  CHECK(url::redact_credentials("failed: http://a:b@h:8080/x?y=1 and ftp://t@h2/") ==
        "failed: http://***@h:8080/x?y=1 and ftp://***@h2/");
  CHECK(url::redact_credentials("https://news.example/a@b") ==
        "https://news.example/a@b");  // '@' in the path
  CHECK(url::redact_credentials("no url here: user@example.com") ==
        "no url here: user@example.com");
  CHECK(url::redact_credentials("https://") == "https://");
}

TEST_CASE("the body hash is XXH3 of the fingerprint's words each followed by a space",
          "[dedup][fingerprint]") {
  // Stored stores keep this value: it must not change with how it is computed. One-letter
  // tokens are no words of the fingerprint; a proclitic is cut (والرقة -> رقه).
  auto streamed = [](std::initializer_list<std::string_view> words) {
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    for (const auto w : words) {
      XXH3_64bits_update(state, w.data(), w.size());
      XXH3_64bits_update(state, " ", 1);
    }
    const uint64_t h = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    return h;
  };
  CHECK(fp("alpha x beta gamma").body_hash == streamed({"alpha", "beta", "gamma"}));
  CHECK(fp("والرقة مدينة").body_hash == streamed({"رقه", "مدينه"}));
  CHECK(fp("").body_hash == streamed({}));
  CHECK(fp("alpha beta").body_hash != fp("beta alpha").body_hash);
}

TEST_CASE("fingerprints fold obfuscations and proclitics, different stories stay far apart",
          "[dedup][fingerprint]") {
  const auto a = fp(kStory);
  std::string obfuscated = kStory;
  obfuscated.replace(obfuscated.find("داعش"), std::string("داعش").size(), "د|عـ.ـش");
  const auto b = fp(obfuscated);
  CHECK(dedup::jaccard(a, b) == Approx(1.0));  // collapsed before hashing
  CHECK(dedup::jaccard(a, fp(kOtherStory)) < 0.1);
  const auto teaser = fp(kStory.substr(0, kStory.find("وقالت")));
  CHECK(dedup::containment(teaser, a) == Approx(1.0));
  CHECK(dedup::jaccard(teaser, a) < 0.5);  // a teaser is found by containment, not by Jaccard
}

TEST_CASE("story index: exact identities, near copies, teasers, and stories kept apart",
          "[dedup][index]") {
  dedup::StoryIndex index;
  const auto first =
      index.add(article("a", kStory, "https://one.example/story?utm_source=rss", 1000));
  CHECK(first.kind == dedup::Kind::fresh);

  // Same URL once canonical.
  auto d = index.add(article("b", "نص مختلف تماما", "https://ONE.example/story#comments", 1010));
  CHECK(d.kind == dedup::Kind::exact);
  CHECK(d.cluster == first.cluster);
  CHECK(d.duplicate_of == "a");
  CHECK(first.label == "cl_a");
  CHECK(d.label == "cl_a");  // members carry the label their cluster's first article brought

  // Same GUID within its source; the same GUID from another source is another article.
  index.add(article("g1", "خبر قصير عن الطقس في دمشق اليوم", "", 1000, "feedA", "guid-1"));
  CHECK(index.add(article("g2", "تحديث", "", 1001, "feedA", "guid-1")).kind == dedup::Kind::exact);
  CHECK(index.add(article("g3", "تحديث", "", 1001, "feedB", "guid-1")).kind == dedup::Kind::fresh);

  // Same body under another URL and headline: exact by body hash.
  d = index.add(article("c", kStory, "https://two.example/x", 1020));
  CHECK(d.kind == dedup::Kind::exact);
  CHECK(d.cluster == first.cluster);

  // A light edit and a teaser: near.
  std::string edited = kStory;
  edited.replace(edited.find("ثلاثة أيام"), std::string("ثلاثة أيام").size(), "يومين");
  d = index.add(article("e", edited, "https://three.example/y", 1030));
  CHECK(d.kind == dedup::Kind::near);
  CHECK(d.cluster == first.cluster);
  d = index.add(
      article("t", kStory.substr(0, kStory.find("وقالت")), "https://four.example/z", 1040));
  CHECK(d.kind == dedup::Kind::near);
  CHECK(d.cluster == first.cluster);

  // A different story on the same topic starts its own cluster.
  d = index.add(article("o", kOtherStory, "https://one.example/other", 1050));
  CHECK(d.kind == dedup::Kind::fresh);
  CHECK(d.cluster != first.cluster);

  // Outside the window the same text is a new story; expired entries attract nothing.
  dedup::StoryIndex windowed(dedup::StoryOptions{3600, 0.4, 0.8, 8});
  windowed.add(article("w1", kStory + " أول", "", 0));
  CHECK(windowed.add(article("w2", kStory + " ثان", "", 7200)).kind == dedup::Kind::fresh);
  windowed.expire(5000);
  CHECK(windowed.size() == 1);
  CHECK(windowed.add(article("w3", kStory + " ثالث", "", 7300)).duplicate_of == "w2");
}

TEST_CASE(
    "story index: expiry frees old entries and the tables stay right across growth and compaction",
    "[dedup][index]") {
  // Thousands of distinct synthetic articles (many more than the initial buckets), then half
  // expired: copies of the kept ones are still found by URL, GUID and text; copies of the
  // expired ones start new clusters.
  dedup::StoryIndex index(dedup::StoryOptions{1 << 30, 0.4, 0.8, 8});
  auto shingles = [](uint32_t seed) {
    std::vector<uint32_t> s;
    uint32_t x = seed * 2654435761u + 1;
    for (int i = 0; i < 40; ++i) s.push_back(x = x * 1664525u + 1013904223u);
    return s;
  };
  auto doc = [&](uint32_t i, const std::string& id, bool with_ids) {
    dedup::ArticleIdentity a;
    a.id = id;
    a.label = "cl_" + id;
    a.time = i;
    if (with_ids) {
      a.url = "https://site.example/" + std::to_string(i);
      a.source = "s";
      a.guid = "g" + std::to_string(i);
    }
    a.fp = dedup::fingerprint_of_shingles(shingles(i), 1000000 + i, 42);
    return a;
  };
  constexpr uint32_t n = 3000;
  for (uint32_t i = 0; i < n; ++i)
    REQUIRE(index.add(doc(i, std::to_string(i), true)).kind == dedup::Kind::fresh);
  CHECK(index.size() == n);
  index.expire(0);  // nothing that old: everything stays as it was
  CHECK(index.size() == n);
  const auto again = index.find(doc(7, "x", true));
  CHECK(again.duplicate_of == "7");
  CHECK(again.label == "cl_7");
  // A few expire (under a fifth: marked, the index kept as it is): they match nothing, by URL, GUID
  // or text, and the rest still match.
  index.expire(100);
  CHECK(index.size() == n - 100);
  for (uint32_t i : {0u, 50u, 99u}) {
    INFO("expired article " << i);
    CHECK(index.find(doc(i, "x", true)).kind == dedup::Kind::fresh);
    CHECK(index.find(doc(i, "x", false)).kind == dedup::Kind::fresh);
  }
  CHECK(index.find(doc(100, "x", false)).duplicate_of == "100");
  const size_t before = index.memory_bytes();
  index.expire(n / 2);
  CHECK(index.size() == n / 2);
  CHECK(index.memory_bytes() < before);
  for (uint32_t i = 0; i < n; i += 97) {
    const bool kept = i >= n / 2;
    // By text only (no URL or GUID), with a few shingles changed.
    auto copy = doc(i, "copy", false);
    auto s = shingles(i);
    s[3] ^= 1;
    s[17] ^= 1;
    copy.fp = dedup::fingerprint_of_shingles(s, 2000000 + i, 42);
    const auto d = index.find(copy);
    INFO("article " << i);
    CHECK(d.kind == (kept ? dedup::Kind::near : dedup::Kind::fresh));
    if (kept) CHECK(d.label == "cl_" + std::to_string(i));
    // By URL and GUID, with another text.
    auto same_url = doc(i, "u", true);
    same_url.fp = dedup::fingerprint_of_shingles(shingles(n + i), 3000000 + i, 42);
    CHECK(index.find(same_url).kind == (kept ? dedup::Kind::exact : dedup::Kind::fresh));
    same_url.url.clear();
    CHECK(index.find(same_url).kind == (kept ? dedup::Kind::exact : dedup::Kind::fresh));
  }
  index.expire(n + 1);
  CHECK(index.size() == 0);
  CHECK(index.add(doc(5, "again", true)).kind == dedup::Kind::fresh);
}

TEST_CASE(
    "story index: a forgotten article no longer holds its story, and serial keys are "
    "shared by what could cluster together",
    "[dedup][index]") {
  dedup::StoryIndex index;
  const auto a = article("a", kStory, "https://one.example/a", 1000);
  CHECK(index.add(a).kind == dedup::Kind::fresh);
  // Its transaction rolled back: a copy filed next begins the story itself.
  CHECK(index.forget("a"));
  CHECK_FALSE(index.forget("a"));
  CHECK(index.size() == 0);
  const auto b = article("b", kStory + " وأضافت المصادر أن التحقيقات مستمرة", "", 1010);
  const auto d = index.add(b);
  CHECK(d.kind == dedup::Kind::fresh);
  CHECK(d.label == "cl_b");
  // Expiry after a forget counts each entry once.
  index.expire(2000);
  CHECK(index.size() == 0);

  auto shares = [](const std::vector<uint64_t>& x, const std::vector<uint64_t>& y) {
    for (const uint64_t k : x)
      if (std::find(y.begin(), y.end(), k) != y.end()) return true;
    return false;
  };
  // A near copy, a same-URL copy: a key in common; another story: none but none needed.
  CHECK(shares(index.serial_keys(a), index.serial_keys(b)));
  CHECK(shares(index.serial_keys(a),
               index.serial_keys(article("c", "نص آخر تماما", "https://one.example/a", 1))));
  const auto keys = index.serial_keys(a);
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK_FALSE(shares(keys, index.serial_keys(article("o", kOtherStory, "https://x.example/", 1))));
}
