// DESIGN.md section 5, case by case. Each row: input, expected strict view, expected collapsed
// view. Inputs are written with escapes where the characters are invisible.
#include <catch2/catch.hpp>
#include <random>

#include "rasd/engine/text/boilerplate.hpp"
#include "rasd/engine/text/language.hpp"
#include "rasd/engine/text/normalize.hpp"

using namespace rasd::text;

namespace {
const Normalizer& norm() {
  static const Normalizer n;  // test-only shared instance; Normalizer is immutable
  return n;
}

std::vector<std::string> token_texts(const ViewText& v) {
  std::vector<std::string> out;
  for (const auto& t : v.tokens) out.emplace_back(t.text);
  return out;
}

struct Case {
  const char* name;
  const char* input;
  const char* strict;
  const char* collapsed;
};

// clang-format off
const Case kCases[] = {
  // Step 2: before NFKC.
  {"U+FDFC rial sign", "\uFDFC", "ريال", "ريال"},
  {"FC5E shadda-dammatan ligature deleted", "ك\uFC5Eتب", "كتب", "كتب"},
  {"FC63 shadda-superscript-alef deleted", "ك\uFC63تب", "كتب", "كتب"},
  {"isolated fathatan FE70 deleted", "كتاب\uFE70", "كتاب", "كتاب"},
  {"isolated dammatan FE72 deleted", "كتاب\uFE72", "كتاب", "كتاب"},
  {"isolated fatha FE76 deleted", "ك\uFE76تب", "كتب", "كتب"},
  {"isolated kasra FE7A deleted", "ك\uFE7Aتب", "كتب", "كتب"},
  {"isolated shadda FE7C deleted", "ك\uFE7Cتب", "كتب", "كتب"},
  {"isolated sukun FE7E deleted", "ك\uFE7Eتب", "كتب", "كتب"},
  // Step 3: NFKC_Casefold.
  {"presentation forms to letters", "\uFEDF\uFEE0\uFEE4\uFEE0\uFEDC\uFE94", "للملكه", "للملكه"},
  {"lam-alef ligature", "\uFEFB", "لا", "لا"},
  {"lam-alef with hamza ligature", "\uFEF7", "لا", "لا"},
  {"latin upper case", "ISIS Daesh", "isis daesh", "isis daesh"},
  {"fullwidth latin", "\uFF29\uFF33\uFF29\uFF33", "isis", "isis"},
  {"zero width space", "دا\u200Bعش", "داعش", "داعش"},
  {"zero width non-joiner", "دا\u200Cعش", "داعش", "داعش"},
  {"zero width joiner", "دا\u200Dعش", "داعش", "داعش"},
  {"left-to-right mark", "دا\u200Eعش", "داعش", "داعش"},
  {"right-to-left mark", "دا\u200Fعش", "داعش", "داعش"},
  {"arabic letter mark", "دا\u061Cعش", "داعش", "داعش"},
  {"soft hyphen", "دا\u00ADعش", "داعش", "داعش"},
  {"bidi embedding", "\u202Bداعش\u202C", "داعش", "داعش"},
  {"bidi override", "\u202Eداعش\u202C", "داعش", "داعش"},
  {"word joiner", "دا\u2060عش", "داعش", "داعش"},
  {"byte order mark inside", "دا\uFEFFعش", "داعش", "داعش"},
  {"no-break space becomes space", "دير\u00A0الزور", "دير الزور", "دير الزور"},
  // Step 4: tatweel and marks.
  {"tatweel run", "داعـــــش", "داعش", "داعش"},
  {"harakat", "الدَّوْلَةُ", "الدوله", "الدوله"},
  {"tanween", "أيضاً", "ايضا", "ايضا"},
  {"superscript alef", "هٰذا", "هذا", "هذا"},
  {"marks around tatweel stay in canonical order (fuzz regression)", "a\u0367\u0640\u0734", "a\u0734\u0367", "a\u0734\u0367"},
  {"marks around end-of-ayah stay in canonical order", "a\u0367\u06DD\u0734", "a\u0734\u0367", "a\u0734\u0367"},
  {"quranic marks", "الله\u06D6", "الله", "الله"},
  {"hamza above mark U+0654", "ا\u0654", "ا", "ا"},
  // Step 5: letter folding.
  {"alef madda", "آمن", "امن", "امن"},
  {"alef hamza above", "أمن", "امن", "امن"},
  {"alef hamza below", "إسلام", "اسلام", "اسلام"},
  {"alef wasla", "\u0671لله", "الله", "الله"},
  {"alef maksura", "على", "علي", "علي"},
  {"farsi yeh", "\u06CCک", "يك", "يك"},
  {"yeh barree", "\u06D2", "ي", "ي"},
  {"teh marbuta", "دولة", "دوله", "دوله"},
  {"heh goal", "\u06C1", "ه", "ه"},
  {"heh doachashmee", "\u06BE", "ه", "ه"},
  {"ae", "\u06D5", "ه", "ه"},
  {"keheh", "\u06A9تاب", "كتاب", "كتاب"},
  {"swash kaf", "\u06AAتاب", "كتاب", "كتاب"},
  {"waw hamza", "مؤتمر", "مءتمر", "مءتمر"},
  {"yeh hamza", "رئيس", "رءيس", "رءيس"},
  // Step 6: digits and punctuation.
  {"arabic-indic digits", "٢٠١٩", "2019", "2019"},
  {"persian digits", "۲۰۱۹", "2019", "2019"},
  {"arabic comma", "داعش، القاعدة", "داعش, القاعده", "داعش, القاعده"},
  {"arabic semicolon", "أ؛ ب", "ا; ب", "ا; ب"},
  {"arabic question mark", "لماذا؟", "لماذا?", "لماذا?"},
  // Collapsed view: obfuscations.
  {"dot between letters", "داعـ.ـش", "داع.ش", "داعش"},
  {"pipe for alef", "د|عـ.ـش", "د|ع.ش", "داعش"},
  {"seed 004 arrest", "القبـ.ـض", "القب.ض", "القبض"},
  {"latin l for alef", "دlعش", "دlعش", "داعش"},
  {"capital I for alef", "دIعش", "دiعش", "داعش"},
  {"digit one for alef", "د1عش", "د1عش", "داعش"},
  {"arabic-indic one for alef", "د١عش", "د1عش", "داعش"},
  {"persian one for alef", "د۱عش", "د1عش", "داعش"},
  {"several symbols between letters", "د*ا*ع*ش", "د*ا*ع*ش", "داعش"},
  {"hyphen inside", "دا-عش", "دا-عش", "داعش"},
  {"letter repeated three times", "داعشششش", "داعشششش", "داعش"},
  {"alef repeated twice", "داااعش", "داااعش", "داعش"},
  {"alef from pipe next to alef", "دا|عش", "دا|عش", "داعش"},
  {"spaced letters joined", "د ا ع ش", "د ا ع ش", "داعش"},
  {"spaced letters with a repeated alef (fuzz regression)", "ا ا ع ش", "ا ا ع ش", "اعش"},
  {"spaced letters inside a sentence", "هجوم د ا ع ش امس", "هجوم د ا ع ش امس", "هجوم داعش امس"},
  {"pipe in latin text untouched", "a|b", "a|b", "a|b"},
  {"two single letters not joined", "و ب", "و ب", "و ب"},
  {"number between arabic words kept", "عام 2019 م", "عام 2019 م", "عام 2019 م"},
  {"doubled letter kept", "مدّد", "مدد", "مدد"},
  {"digits inside word kept", "داعش2019", "داعش2019", "داعش2019"},
  // Negative cases: different words must stay different.
  {"daem is not daesh", "داعم", "داعم", "داعم"},
  {"supporters stay", "الداعمون", "الداعمون", "الداعمون"},
  {"english untouched", "Islamic State", "islamic state", "islamic state"},
};
// clang-format on
}  // namespace

TEST_CASE("normalization table: strict and collapsed views", "[normalize]") {
  STATIC_REQUIRE(sizeof(kCases) / sizeof(kCases[0]) >= 60);
  for (const auto& c : kCases) {
    INFO(c.name);
    CHECK(norm().normalize_to_string(c.input, View::strict) == c.strict);
    CHECK(norm().normalize_to_string(c.input, View::collapsed) == c.collapsed);
  }
}

TEST_CASE("views are idempotent: normalizing a view again changes nothing", "[normalize]") {
  for (const auto& c : kCases) {
    INFO(c.name);
    const std::string s = norm().normalize_to_string(c.input, View::strict);
    CHECK(norm().normalize_to_string(s, View::strict) == s);
    const std::string k = norm().normalize_to_string(c.input, View::collapsed);
    CHECK(norm().normalize_to_string(k, View::collapsed) == k);
  }
}

// Found by fuzz_normalize: U+FE7B (kasra, medial form) decomposes into tatweel and kasra; step 4
// removed both and joined the marks on either side out of canonical order, so normalizing the
// view again reordered them. Every Arabic presentation form between two such marks must leave
// views that are stable.
TEST_CASE("presentation forms between marks leave idempotent views (fuzz regression)", "[normalize][fuzz]") {
  for (char32_t c = 0xFB50; c <= 0xFEFF; ++c) {
    if (c >= 0xFE00 && c < 0xFE70) continue;  // variation selectors and other blocks
    const std::string input = "\u0628\u035D" + to_utf8(std::u32string(1, c)) + "\u0367\u062A";
    INFO("U+" << std::hex << static_cast<uint32_t>(c));
    for (const View view : {View::strict, View::collapsed}) {
      const std::string once = norm().normalize_to_string(input, view);
      CHECK(norm().normalize_to_string(once, view) == once);
    }
  }
}

// Found by fuzz_normalize: in y + U+0658 + U+0300 the Arabic mark (deleted by step 4) blocked
// the grave from composing with y, so the strict view held a decomposed y + grave and
// normalizing it again gave ỳ.
TEST_CASE("a mark that step 4 deletes leaves no composition undone (fuzz regression)", "[normalize][fuzz]") {
  const std::vector<std::string> inputs = {"y\u0658\u0300", "e\u0651\u0301x", "\u0628 a\u065C\u0323",
                                           "o\u0670\u0308 \u062F\u0627\u0639\u0634"};
  for (const auto& in : inputs) {
    INFO(in);
    for (const View view : {View::strict, View::collapsed}) {
      const std::string once = norm().normalize_to_string(in, view);
      CHECK(norm().normalize_to_string(once, view) == once);
    }
  }
  CHECK(norm().normalize_to_string("y\u0658\u0300", View::strict) == "\u1EF3");
}

// normalize() builds the collapsed view from hints gathered while it wrote the strict view;
// collapse() on its own finds them again. Both must give the same view, tokens included.
TEST_CASE("collapse() of a strict view equals the collapsed view normalize() built", "[normalize]") {
  for (const auto& c : kCases) {
    INFO(c.name);
    const Normalized n = norm().normalize(c.input);
    const ViewText again = collapse(n.strict);
    const ViewText& built = n.view(View::collapsed);
    CHECK(again.text == built.text);
    CHECK(again.src_begin == built.src_begin);
    CHECK(again.src_end == built.src_end);
    REQUIRE(again.tokens.size() == built.tokens.size());
    for (size_t i = 0; i < built.tokens.size(); ++i) {
      CHECK(again.tokens[i].text == built.tokens[i].text);
      CHECK(again.tokens[i].start == built.tokens[i].start);
      CHECK(again.tokens[i].end == built.tokens[i].end);
    }
  }
}

TEST_CASE("tokens: split on spaces, punctuation, digits, and hashtags", "[normalize][tokens]") {
  auto n = norm().normalize("#دير_الزور، الزور24 (ISIS) al-Qaeda");
  CHECK(token_texts(n.strict) == std::vector<std::string>{"دير", "الزور", "الزور", "24", "isis", "al", "qaeda"});
  CHECK(n.strict.tokens[0].arabic);
  CHECK_FALSE(n.strict.tokens[4].arabic);
}

TEST_CASE("seed 004 headline yields القبض, عناصر, داعش in the collapsed view", "[normalize][seeds]") {
  const std::string headline = "القبـ.ـض على العشرات من عنـ.ـاصر د|عـ.ـش وسط تحـ.ـذيرات من تصـ.ـاعد نشاطه في سوريا والعراق";
  auto n = norm().normalize(headline);
  auto toks = token_texts(n.collapsed);
  for (const char* w : {"القبض", "عناصر", "داعش"}) {
    INFO(w);
    CHECK(std::find(toks.begin(), toks.end(), w) != toks.end());
  }
  // and in the strict view داعش is not there: the obfuscation is real.
  auto strict = token_texts(n.strict);
  CHECK(std::find(strict.begin(), strict.end(), "داعش") == strict.end());
}

TEST_CASE("proclitic candidates with length guards", "[normalize][clitics]") {
  using V = std::vector<std::string>;
  auto has = [](const V& v, const char* s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  CHECK(has(proclitic_candidates("لداعش"), "داعش"));
  CHECK(has(proclitic_candidates("وداعش"), "داعش"));
  CHECK(has(proclitic_candidates("فداعش"), "داعش"));
  CHECK(has(proclitic_candidates("بداعش"), "داعش"));
  CHECK(has(proclitic_candidates("كداعش"), "داعش"));
  CHECK(has(proclitic_candidates("والرقه"), "الرقه"));
  CHECK(has(proclitic_candidates("والرقه"), "رقه"));
  CHECK(has(proclitic_candidates("بالرقه"), "الرقه"));
  CHECK(has(proclitic_candidates("للتنظيم"), "تنظيم"));
  CHECK(has(proclitic_candidates("للتنظيم"), "التنظيم"));
  CHECK(has(proclitic_candidates("وللتنظيم"), "التنظيم"));
  CHECK(has(proclitic_candidates("فالتنظيم"), "تنظيم"));
  CHECK(has(proclitic_candidates("وبالتنظيم"), "تنظيم"));
  // Guards: one-letter prefix leaves at least 3 letters, longer prefixes at least 2.
  CHECK(proclitic_candidates("ولد").empty());        // و + لد (2) is too short
  CHECK_FALSE(has(proclitic_candidates("الم"), "م"));  // ال + م (1) is too short
  CHECK(has(proclitic_candidates("الرقه"), "رقه"));
  // Never a different word.
  CHECK_FALSE(has(proclitic_candidates("الداعمون"), "داعش"));
  CHECK(proclitic_candidates("isis").empty());
}

TEST_CASE("the collapsed view's tokens are what tokenize() cuts from its characters",
          "[normalize][collapse]") {
  // collapse() re-cuts only the runs it changed and copies the strict view's other tokens:
  // on text with repeats, gaps and spaced letters in every mix, that must be a full re-cut.
  static const char* const kPieces[] = {"داعش", "ال", ".", "|", "ييي", "اا", "ـ", " ", " ",
                                        "  ", "د ا ع ش", "x", "12", "#دير_الزور", "ب.ب.ب", "،",
                                        "\u064B", "\n", "word", "ا ا ع ش"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1), count(1, 40);
  size_t differing = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (size_t k = count(rng); k > 0; --k) text += kPieces[piece(rng)];
    const Normalized n = norm().normalize(text);
    const ViewText& v = n.view(View::collapsed);
    ViewText copy = v;
    tokenize(copy);
    INFO(text);
    REQUIRE(copy.text == v.text);
    REQUIRE(copy.tokens.size() == v.tokens.size());
    for (size_t t = 0; t < v.tokens.size(); ++t) {
      const Token &a = v.tokens[t], &b = copy.tokens[t];
      REQUIRE(a.text == b.text);
      REQUIRE((a.start == b.start && a.end == b.end && a.pos == b.pos &&
               a.char_begin == b.char_begin && a.char_end == b.char_end &&
               a.byte_begin == b.byte_begin && a.byte_end == b.byte_end && a.arabic == b.arabic));
    }
    differing += !n.collapsed_is_strict && n.collapsed.text != n.strict.text;
  }
  CHECK(differing > 1000);  // the mixes do collapse
}

TEST_CASE("proclitic stems equal a plain reading of the prefix table, on any bytes",
          "[normalize][clitics]") {
  // The prefixes in the order proclitic_stems() tries them, and whether لل also gives ال....
  static const std::pair<std::string_view, bool> kPrefixes[] = {
      {"و", false},   {"وال", false},  {"ولل", true},  {"وب", false},   {"ول", false},
      {"وك", false},  {"وبال", false}, {"وكال", false}, {"ف", false},    {"فال", false},
      {"فلل", true},  {"فب", false},   {"فل", false},  {"فك", false},   {"فبال", false},
      {"فكال", false}, {"ب", false},    {"بال", false}, {"ل", false},    {"لل", true},
      {"ك", false},   {"كال", false},  {"ال", false}};
  auto code_points = [](std::string_view s) {
    size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  auto reference = [&](std::string_view token) {
    std::vector<std::string> out;
    if (token.size() < 8) return out;
    for (const auto& [prefix, with_al] : kPrefixes) {
      const size_t letters = prefix.size() / 2;
      if (!token.starts_with(prefix)) continue;
      if (code_points(token) < letters + (letters == 1 ? 3 : 2)) continue;
      out.emplace_back(token.substr(prefix.size()));
      if (with_al) out.push_back("ال" + std::string(token.substr(prefix.size())));
    }
    return out;
  };
  static const char* const kPieces[] = {"و", "ف", "ب", "ل", "ك", "ا", "ال", "د", "ع", "ش",
                                        "ـ", "a", "€", "😀", "\x80", "\xD8", "\xD9\x88"};
  // Invalid text: a long stem of continuation bytes is still too short by code points.
  for (const std::string token : {"و😀😀\x80\x80\x80\x80", "ال€\x80\x80\x80\x80\x80",
                                  "ولل\x80\x80\x80\x80\x80\x80", "وال\xD8\x80\x80"}) {
    std::string_view stems[kMaxProcliticStems];
    std::string al;
    const size_t n = proclitic_stems(token, stems, al);
    INFO(token);
    CHECK(std::vector<std::string>(stems, stems + n) == reference(token));
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1), count(1, 12);
  for (int i = 0; i < 200000; ++i) {
    std::string token;
    for (size_t k = count(rng); k > 0; --k) token += kPieces[piece(rng)];
    std::string_view stems[kMaxProcliticStems];
    std::string al;
    const size_t n = proclitic_stems(token, stems, al);
    const std::vector<std::string> got(stems, stems + n);
    INFO(token);
    REQUIRE(got == reference(token));
  }
}

TEST_CASE("glued pairs: a two-word phrase meets its glued spelling", "[normalize][glue]") {
  auto glued = norm().normalize("ديرالزور");
  auto spaced = norm().normalize("دير الزور");
  REQUIRE(glued.strict.tokens.size() == 1);
  REQUIRE(spaced.strict.tokens.size() == 2);
  CHECK(glue({std::string(spaced.strict.tokens[0].text), std::string(spaced.strict.tokens[1].text)}) == glued.strict.tokens[0].text);
}

TEST_CASE("offsets slice back to the original spelling", "[normalize][offsets]") {
  const std::vector<std::string> texts = {
      "القبـ.ـض على العشرات من عنـ.ـاصر د|عـ.ـش",
      "\uFEFB\uFDFC الدَّوْلَةُ #دير_الزور د ا ع ش ISIS",
      "bad \xFF\xFE utf8 \xE2\x82 داعش",
  };
  for (const auto& t : texts) {
    auto n = norm().normalize(t);
    for (const View view : {View::strict, View::collapsed}) {
      const auto* v = &n.view(view);
      for (const auto& tok : v->tokens) {
        const std::string original = slice_code_points(t, tok.start, tok.end);
        INFO(t << " token " << tok.text << " original " << original);
        CHECK(tok.start < tok.end);
        CHECK(tok.end <= n.original_length);
        // The original slice normalizes back to the token (both views hold this for tokens).
        auto again = norm().normalize(original);
        const ViewText& same = again.view(view);
        REQUIRE_FALSE(same.tokens.empty());
        CHECK(same.tokens.front().text == tok.text);
      }
    }
  }
}

TEST_CASE("offsets property: random mixes of Arabic, obfuscation and noise", "[normalize][offsets][property]") {
  const std::vector<std::string> pieces = {"د", "ا", "ع", "ش", "ـ", ".", "|", " ", "\u200B", "\u064E", "1",
                                           "ال", "و", "#", "_", "A", "b", "٣", "\uFEFB", "\xFF", "ة", "،"};
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 500; ++iter) {
    std::string t;
    const int len = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < len; ++i) t += pieces[rng() % pieces.size()];
    auto n = norm().normalize(t);
    for (const View view : {View::strict, View::collapsed}) {
      const auto* v = &n.view(view);
      REQUIRE(v->chars.size() == v->src_begin.size());
      REQUIRE(v->chars.size() == v->src_end.size());
      uint32_t last_start = 0;
      for (const auto& tok : v->tokens) {
        INFO(t);
        CHECK(tok.start < tok.end);
        CHECK(tok.end <= n.original_length);
        CHECK(tok.start >= last_start);
        last_start = tok.start;
        CHECK_FALSE(slice_code_points(t, tok.start, tok.end).empty());
      }
    }
    CHECK(norm().normalize_to_string(n.view(View::collapsed).utf8(), View::collapsed) == n.view(View::collapsed).utf8());
  }
}

TEST_CASE("boilerplate lines from Arabic and English sites", "[normalize][boilerplate]") {
  for (const char* line : {"اقرأ أيضاً: مقتل قيادي في التنظيم", "اقرأ المزيد في قسم الاخبار",
                           "قد يهمك: ما أسباب استهداف الولايات المتحدة", "التعليقات مغلقة، ولكن تركبكس وبينغبكس مفتوحة.",
                           "(مصدر الصورة: رويترز)", "Read more: the latest on Syria",
                           "We use cookies to improve your experience.", "Comments are closed."}) {
    INFO(line);
    CHECK(is_boilerplate_line(norm(), line));
  }
  for (const char* line : {"وأشار تقرير الخبراء إلى وجود المئات من عناصر تنظيم داعش في سوريا",
                           "The report was read by the council on Monday."}) {
    INFO(line);
    CHECK_FALSE(is_boilerplate_line(norm(), line));
  }
}

TEST_CASE("language identification", "[normalize][lang]") {
  CHECK(detect_language("كشف تقرير جديد أعده خبراء الأمم المتحدة أن خسارة تنظيم داعش لمعقله الأخير شكل منعطفا") == "ar");
  CHECK(detect_language("A new report by United Nations experts says the group keeps a covert network in Syria") == "en");
}

TEST_CASE("the one-pass fast path gives exactly what the general path gives", "[normalize][fastpath]") {
  const std::vector<std::string> texts = {
      "القبـ.ـض على عنـ.ـاصر د|عـ.ـش", "قتيلاً وجريحاً في هجومٍ", "ISIS cells in Raqqa", "١٢ قتيلا",
      "ﻻ إله", "د ا ع ش", "مــــــرحبا", "a\u0301 e\u0301", "﷼ 100", "x\u200By\u200Fz", "\xff\xfe bad", "",
      // Characters whose output is longer in UTF-8 than the input (U+023A -> U+2C65), and
      // invalid sequences of one, two and three bytes at the start, middle and end: the fast
      // path bounds its text by the input's size and must hand these to the general path.
      "\u023A\u023E داعش", "داعش \u023A", "\xe0\xa0 داعش", "داعش \xf0\x90\x80", "داعش\xc3",
      "\xf0\x90\x80x", "x\xe0"};
  for (const auto& t : texts) {
    INFO(t);
    const auto a = norm().normalize(t);
    const auto b = norm().normalize_general(t);
    CHECK(a.strict.chars == b.strict.chars);
    CHECK(a.strict.src_begin == b.strict.src_begin);
    CHECK(a.strict.src_end == b.strict.src_end);
    CHECK(a.strict.text == b.strict.text);
    CHECK(a.strict.text == to_utf8(std::u32string(a.strict.chars.begin(), a.strict.chars.end())));
    CHECK(a.collapsed_is_strict == b.collapsed_is_strict);
    CHECK(a.view(View::collapsed).text == b.view(View::collapsed).text);
    REQUIRE(a.strict.tokens.size() == b.strict.tokens.size());
    for (size_t i = 0; i < a.strict.tokens.size(); ++i) {
      CHECK(a.strict.tokens[i].text == b.strict.tokens[i].text);
      CHECK(a.strict.tokens[i].start == b.strict.tokens[i].start);
      CHECK(a.strict.tokens[i].end == b.strict.tokens[i].end);
    }
  }
}
