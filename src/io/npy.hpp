// npy.hpp — NumPy .npy files, the exchange format of `lossbench eval`.
//
// Reading accepts format versions 1.0, 2.0 and 3.0 (numpy.lib.format), C order only, with element
// types f32, f64, f16 (numpy's float16, '<f2'), i32, i64 in any byte order: '<' and '=' / '|'
// (native, little-endian on every platform this builds for) are read as is, '>' (big-endian) is
// byte-swapped on load. bfloat16, which numpy has no type for, is read from 2-byte words when the
// caller asks for it (npy_read_options::words_are_bf16): '<i2' (torch's t.view(torch.int16)),
// '<u2' (t.view(torch.uint16), numpy's a.view(np.uint16)), '<V2' (np.save of an ml_dtypes
// bfloat16 array) or '|V2' (a 2-byte void array), in any byte order as above; without it such a
// file is an error that says to pass --dtype bf16. Everything else — fortran_order True, other
// dtypes, structured dtypes, a malformed or truncated header, data shorter or LONGER than the
// shape says — is a lossbench::error whose argument is the file path. Trailing bytes are rejected
// rather than ignored because a file with more data than its shape almost always means the shape
// is wrong, and evaluating on it would be a silently wrong number.
//
// Writing produces version 1.0 (2.0 only if the header outgrew 65535 bytes), little-endian, header
// padded so the data starts 64-byte aligned as numpy does; f16 as '<f2', bf16 as the words the
// caller names (by default '<i2'; eval writes a bf16 input's gradient in the words it came in).
// A write is whole-or-nothing: the bytes go to a temporary file in the destination directory that
// is renamed over the destination only once complete, so a failed write never leaves a partial or
// clobbered file behind (no fsync: this protects against errors, not against power loss).
#pragma once

#include "io/npy_header.hpp"

#include <lossbench/types.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace lossbench::io {

struct npy_read_options {
  // Take 2-byte integer and void words ('<i2', '<u2', '<V2', '|V2') as bfloat16 bits.
  bool words_are_bf16 = false;
};

// A file's array with what its header said about it.
struct npy_file {
  array data;
  std::string descr;                // the file's descriptor, e.g. "<f4", ">f2", "<u2"
  std::optional<bf16_words> words;  // set when `data` is bf16 read from 2-byte words: which ones
};

npy_file read_npy_file(const std::filesystem::path& path, const npy_read_options& options = {});
array read_npy(const std::filesystem::path& path, const npy_read_options& options = {});
void write_npy(const std::filesystem::path& path, const array& a, bf16_words words = bf16_words::i2);

}  // namespace lossbench::io
