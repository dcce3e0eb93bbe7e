#include "rasd/engine/dedup/fingerprint.hpp"

// Inlined: the hashes here are of a few bytes each, where a call costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <limits>
#include <string>

namespace rasd::dedup {
namespace {

// The MinHash family: hash function i maps a shingle x to (a_i * x + b_i) >> 32 (mod 2^64),
// with a fixed odd multiplier and offset per i (universal multiply-shift hashing). The tables
// hold a_i split in halves so that the signature loop is 32x32->64 multiplies, which the
// compiler vectorizes; the values are those of the 64-bit formula.
struct MinHashParams {
  std::array<uint32_t, kSignature> a_lo{}, a_hi{};
  std::array<uint64_t, kSignature> b{};
};
constexpr MinHashParams make_params() {
  MinHashParams p;
  uint64_t s = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < kSignature; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    const uint64_t a = s | 1;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    p.a_lo[i] = static_cast<uint32_t>(a);
    p.a_hi[i] = static_cast<uint32_t>(a >> 32);
    p.b[i] = s;
  }
  return p;
}
constexpr MinHashParams kParams = make_params();

// Function multiversioning needs x86 and glibc's ifuncs (musl has none); elsewhere one build.
#if defined(__x86_64__) && defined(__ELF__) && defined(__GLIBC__)
#define RASD_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RASD_SIMD_CLONES
#endif

// min over the shingles of hash_i, for every i. On x86-64 built twice, for AVX2 and for the
// baseline, chosen at load time: four 32x32->64 multiplies per instruction instead of two; the
// same integer arithmetic, so the same values. Not AVX-512, which measured slower overall (the
// core lowers its clock for it).
RASD_SIMD_CLONES void minhash_of(const std::vector<uint32_t>& shingles,
                                 std::array<uint32_t, kSignature>& out) {
  out.fill(std::numeric_limits<uint32_t>::max());
  for (const uint32_t x : shingles) {
    for (size_t i = 0; i < kSignature; ++i) {
      // (a * x) mod 2^64 = a_lo * x + ((a_hi * x) mod 2^32) << 32
      const uint64_t t = static_cast<uint64_t>(kParams.a_lo[i]) * x +
                         (static_cast<uint64_t>(kParams.a_hi[i] * x) << 32) + kParams.b[i];
      const auto h = static_cast<uint32_t>(t >> 32);
      out[i] = h < out[i] ? h : out[i];
    }
  }
}

// Sorts v ascending: four counting passes of a byte each above a few dozen values, where
// comparison sorting of random hashes pays a mispredicted branch per comparison.
void sort_hashes(std::vector<uint32_t>& v) {
  if (v.size() < 64) {
    std::sort(v.begin(), v.end());
    return;
  }
  std::vector<uint32_t> tmp(v.size());
  uint32_t* from = v.data();
  uint32_t* to = tmp.data();
  for (unsigned shift = 0; shift < 32; shift += 8) {
    size_t count[257] = {};
    for (size_t i = 0; i < v.size(); ++i) ++count[((from[i] >> shift) & 0xFF) + 1];
    for (size_t b = 1; b < 257; ++b) count[b] += count[b - 1];
    for (size_t i = 0; i < v.size(); ++i) to[count[(from[i] >> shift) & 0xFF]++] = from[i];
    std::swap(from, to);
  }
  // Four passes: the result is back in v.
}

}  // namespace

Fingerprint fingerprint(const text::Normalized& body) {
  Fingerprint f;
  // Words as the fingerprint sees them: one-letter tokens dropped (a proclitic cut off by a
  // tatweel, "لـ داعش"), Arabic words without their longest proclitic (والرقة, الرقة -> رقه), so
  // that a copy edited in such details keeps its shingles.
  // body_hash: XXH3 of the words each followed by a space, hashed in one call (the value the
  // streaming API gives for the same bytes, which earlier releases stored). The view's text
  // size is a close guess for the joined words' (tokens are usually separated by a byte).
  const text::ViewText& view = body.view(text::View::collapsed);
  std::string joined;
  joined.reserve(view.text.size() + 1);
  std::vector<uint64_t> tok_hash;
  tok_hash.reserve(view.tokens.size());
  std::string_view stems[text::kMaxProcliticStems];
  std::string al;
  for (const auto& t : view.tokens) {
    if (t.char_end - t.char_begin < 2) continue;
    std::string_view w = t.text;
    if (t.arabic) {
      const size_t n = text::proclitic_stems(w, stems, al);
      for (size_t k = 0; k < n; ++k) {
        if (stems[k].data() >= t.text.data() && stems[k].data() < t.text.data() + t.text.size() &&
            stems[k].size() < w.size()) {
          w = stems[k];  // a suffix of the token: the shortest is the longest proclitic removed
        }
      }
    }
    tok_hash.push_back(XXH3_64bits(w.data(), w.size()));
    joined.append(w).push_back(' ');
  }
  f.tokens = tok_hash.size();
  f.body_hash = XXH3_64bits(joined.data(), joined.size());
  const std::vector<uint64_t>& toks = tok_hash;
  const size_t n =
      toks.size() >= kShingleWords ? toks.size() - kShingleWords + 1 : (toks.empty() ? 0 : 1);
  std::vector<uint32_t> in_order;
  in_order.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t h = 0;
    for (size_t k = i; k < std::min(toks.size(), i + kShingleWords); ++k)
      h = h * 0x100000001B3ull ^ tok_hash[k];
    in_order.push_back(static_cast<uint32_t>(h ^ (h >> 32)));
  }
  return fingerprint_of_shingles(in_order, f.body_hash, f.tokens);
}

Fingerprint fingerprint_of_shingles(const std::vector<uint32_t>& in_order, uint64_t body_hash,
                                    size_t tokens) {
  Fingerprint f;
  f.body_hash = body_hash;
  f.tokens = tokens;
  for (size_t i = 0; i < kLeadShingles && i < in_order.size(); ++i) f.lead[i] = in_order[i];
  f.shingles = in_order;
  sort_hashes(f.shingles);
  f.shingles.erase(std::unique(f.shingles.begin(), f.shingles.end()), f.shingles.end());
  minhash_of(f.shingles, f.minhash);
  return f;
}

namespace {
size_t intersection(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j])
      ++i;
    else if (b[j] < a[i])
      ++j;
    else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}
}  // namespace

double jaccard(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.empty() || b.empty()) return 0;
  const size_t i = intersection(a, b);
  return static_cast<double>(i) / static_cast<double>(a.size() + b.size() - i);
}

double containment(std::span<const uint32_t> a, std::span<const uint32_t> in) {
  if (a.empty()) return 0;
  return static_cast<double>(intersection(a, in)) / static_cast<double>(a.size());
}

double jaccard(const Fingerprint& a, const Fingerprint& b) {
  return jaccard(std::span(a.shingles), std::span(b.shingles));
}

double containment(const Fingerprint& a, const Fingerprint& in) {
  return containment(std::span(a.shingles), std::span(in.shingles));
}

std::array<uint64_t, kBands> band_keys(const Fingerprint& f) {
  std::array<uint64_t, kBands> keys{};
  for (size_t b = 0; b < kBands; ++b) {
    keys[b] = XXH3_64bits_withSeed(&f.minhash[b * kRows], kRows * sizeof(uint32_t), b + 1);
  }
  return keys;
}

}  // namespace rasd::dedup
