// streaming.cpp — see streaming.hpp.
#include "core/streaming.hpp"

#include <lossbench/types.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace lossbench::core {

namespace {

std::size_t from_environment() {
  const char* env = std::getenv("LOSSBENCH_STREAMING_MIN_BYTES");
  if (!env || !*env) return std::size_t{32} << 20;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(env, &end, 10);
  if (errno != 0 || *end != '\0' || env[0] == '-')
    throw error("LOSSBENCH_STREAMING_MIN_BYTES", "expected a byte count ≥ 0, got '" + std::string(env) + "'");
  return static_cast<std::size_t>(v);
}

std::atomic<std::size_t>& threshold() {
  static std::atomic<std::size_t> value{from_environment()};
  return value;
}

}  // namespace

std::size_t streaming_min_bytes() { return threshold().load(std::memory_order_relaxed); }

void set_streaming_min_bytes(std::size_t bytes) { threshold().store(bytes, std::memory_order_relaxed); }

bool stream_gradient(const void* grad, std::size_t element_size, std::size_t footprint) {
  return grad && reinterpret_cast<std::uintptr_t>(grad) % element_size == 0 && footprint >= streaming_min_bytes();
}

}  // namespace lossbench::core
