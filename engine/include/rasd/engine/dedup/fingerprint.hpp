// Fingerprints of an article body for story clustering (DESIGN.md section 6).
//
// Built from the collapsed view's tokens, so obfuscated copies (د|عـ.ـش) and spelling variants
// fold before hashing. A fingerprint holds the sorted set of 3-word shingle hashes (for the
// exact similarity that confirms a merge), a MinHash signature of it (for LSH candidate
// search), the hashes of its first shingles (teasers and truncated copies share their start),
// and a hash of the whole token sequence (exact copies).
//
// Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "rasd/engine/text/normalize.hpp"

namespace rasd::dedup {

constexpr size_t kShingleWords = 3;
constexpr size_t kBands = 16;      // LSH bands of the MinHash signature
constexpr size_t kRows = 3;        // rows per band: pairs above Jaccard ~0.4 become candidates
constexpr size_t kSignature = kBands * kRows;
constexpr size_t kLeadShingles = 2;

struct Fingerprint {
  std::vector<uint32_t> shingles;                // sorted, unique
  std::array<uint32_t, kSignature> minhash{};    // per hash function, the smallest value
  std::array<uint32_t, kLeadShingles> lead{};    // the first shingles, in text order
  uint64_t body_hash = 0;                        // of the whole token sequence
  size_t tokens = 0;
};

Fingerprint fingerprint(const text::Normalized& body);

// The same from shingle hashes in text order (what fingerprint() computes from the words),
// for callers that have them already and for benchmarks.
Fingerprint fingerprint_of_shingles(const std::vector<uint32_t>& in_order, uint64_t body_hash, size_t tokens);

// |A ∩ B| / |A ∪ B| and |A ∩ B| / |A| over the shingle sets.
// The same over sorted shingle sets, for callers that keep the sets elsewhere.
double jaccard(const Fingerprint& a, const Fingerprint& b);
double containment(const Fingerprint& a, const Fingerprint& in);
double jaccard(std::span<const uint32_t> a, std::span<const uint32_t> b);
double containment(std::span<const uint32_t> a, std::span<const uint32_t> in);

// The band keys of a signature (kBands of them), for the LSH tables.
std::array<uint64_t, kBands> band_keys(const Fingerprint& f);

}  // namespace rasd::dedup
