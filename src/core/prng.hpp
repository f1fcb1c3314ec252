// prng.hpp — the project's own random numbers, so generated data (and golden files built on
// them) are identical on every compiler and C library: std::*_distribution is not portable.
#pragma once

#include <cstdint>

namespace lossbench::core {

// splitmix64 (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush, trivially seedable.
class prng {
 public:
  explicit prng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1): the top 53 bits, exactly representable.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) noexcept { return n ? next() % n : 0; }
  // Approximately standard normal: Irwin–Hall sum of 12 uniforms minus 6. Uses only + and −,
  // which are correctly rounded everywhere (no libm), so the values are portable bit for bit.
  double normal() noexcept {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }

 private:
  std::uint64_t state_;
};

}  // namespace lossbench::core
