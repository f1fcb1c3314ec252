// streaming.cpp — see streaming.hpp.
#include "core/streaming.hpp"

#include "core/environment.hpp"

#include <lossbench/types.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace lossbench::core {

namespace {

std::size_t from_environment() {
  const auto bytes = environment::count("LOSSBENCH_STREAMING_MIN_BYTES", "a byte count");
  return bytes ? static_cast<std::size_t>(*bytes) : std::size_t{32} << 20;
}

std::atomic<std::size_t>& threshold() {
  static std::atomic<std::size_t> value{from_environment()};
  return value;
}

}  // namespace

std::size_t streaming_min_bytes() { return threshold().load(std::memory_order_relaxed); }

void set_streaming_min_bytes(std::size_t bytes) { threshold().store(bytes, std::memory_order_relaxed); }

bool from_memory(std::size_t footprint) { return footprint >= streaming_min_bytes(); }

bool stream_gradient(const void* grad, std::size_t element_size, std::size_t footprint) {
  return grad && reinterpret_cast<std::uintptr_t>(grad) % element_size == 0 && from_memory(footprint);
}

}  // namespace lossbench::core
