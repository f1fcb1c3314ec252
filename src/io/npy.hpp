// npy.hpp — NumPy .npy files, the exchange format of `lossbench eval`.
//
// Reading accepts format versions 1.0, 2.0 and 3.0 (numpy.lib.format), C order only, with element
// types f32, f64, i32, i64 in any byte order: '<' and '=' / '|' (native, little-endian on every
// platform this builds for) are read as is, '>' (big-endian) is byte-swapped on load. Everything
// else — fortran_order True, other dtypes, structured dtypes, a malformed or truncated header, data
// shorter or LONGER than the shape says — is a lossbench::error whose argument is the file path.
// Trailing bytes are rejected rather than ignored because a file with more data than its shape
// almost always means the shape is wrong, and evaluating on it would be a silently wrong number.
//
// Writing produces version 1.0 (2.0 only if the header outgrew 65535 bytes), little-endian, header
// padded so the data starts 64-byte aligned as numpy does. A write is whole-or-nothing: the bytes
// go to a temporary file in the destination directory that is renamed over the destination only
// once complete, so a failed write never leaves a partial or clobbered file behind (no fsync:
// this protects against errors, not against power loss).
#pragma once

#include <lossbench/types.hpp>

#include <filesystem>

namespace lossbench::io {

array read_npy(const std::filesystem::path& path);
void write_npy(const std::filesystem::path& path, const array& a);

}  // namespace lossbench::io
