// streaming.hpp — when a kernel writes its gradient with streaming (non-temporal) stores
// (simd/stream_store.hpp): when the call's arrays together exceed what a last-level cache holds,
// so the gradient would go to memory unread anyway. Below that, ordinary stores keep it cached
// for whatever reads it next (the optimiser step).
#pragma once

#include <cstddef>

namespace lossbench::core {

// The footprint (inputs + outputs, bytes) from which gradients are streamed: 32 MiB — the L3 of
// one core complex on current server parts (the size a VM reports is often the host's, or
// nothing). LOSSBENCH_STREAMING_MIN_BYTES=N replaces it (0: always; for measuring the crossover);
// a value that is not a non-negative integer throws error("LOSSBENCH_STREAMING_MIN_BYTES", ...).
std::size_t streaming_min_bytes();
// Replaces it for the process (tests, measurements).
void set_streaming_min_bytes(std::size_t bytes);

// Whether a call whose arrays total `footprint` bytes runs from memory rather than a cache: from
// streaming_min_bytes on. Kernels then stream their gradient and request input lines ahead
// (simd/prefetch.hpp); the roofline's memory probes do the same past the same size.
bool from_memory(std::size_t footprint);

// Whether a gradient at `grad` (elements of `element_size` bytes) in a call whose arrays total
// `footprint` bytes is written with streaming stores.
bool stream_gradient(const void* grad, std::size_t element_size, std::size_t footprint);

}  // namespace lossbench::core
