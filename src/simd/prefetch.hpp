// prefetch.hpp — software prefetch of the input streams of a loop that reads from DRAM.
// The hardware prefetchers alone keep too few lines in flight for one core to reach the memory
// bandwidth when a loop reads 16-bit storage: bf16 mse over 16M elements, one thread, took 6.7 ms
// here without software prefetch and 3.7–3.9 ms with every input line prefetched 2–4 KiB ahead
// (f32 was unchanged, 10.4–10.9 ms). A prefetch is a hint: it never faults, so the lines ahead
// may lie past the block or the array (they are the next block's, or dropped).
// Templated on the arch, like every kernel piece, so nothing is shared between ISA objects.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace lossbench::simd {

// How far ahead of the loop the input lines are requested.
inline constexpr std::size_t prefetch_distance = 2048;

// Requests the cache lines `prefetch_distance` bytes past [p, p + bytes) — the lines a loop that
// reads `bytes` from p per iteration will want that many bytes later. The address is formed as
// an integer: it may lie past the array, where pointer arithmetic would be undefined.
template <class Arch>
inline void prefetch_ahead(const void* p, std::size_t bytes) {
  const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(p) + prefetch_distance;
  for (std::size_t line = 0; line < bytes; line += 64)
    _mm_prefetch(reinterpret_cast<const char*>(at + line), _MM_HINT_T0);
}

// Requests the cache line at `p` + `offset` bytes into the L2 cache (not L1: a loop that wants it
// only after a whole row's work would have it evicted from L1 by then). Formed as an integer, as above.
template <class Arch>
inline void prefetch_to_l2(const void* p, std::size_t offset) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(p) + offset), _MM_HINT_T1);
}

}  // namespace lossbench::simd
