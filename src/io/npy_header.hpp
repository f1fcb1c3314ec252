// npy_header.hpp — the .npy header: the Python dict literal after the magic and length, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// parsed with a small recursive-descent reader (numpy uses ast.literal_eval; only this subset of
// Python literals ever appears in a .npy header), and its formatting for writing.
#pragma once

#include <lossbench/types.hpp>

#include <string>
#include <string_view>

namespace lossbench::io {

struct npy_header {
  dtype type = dtype::f32;
  bool byteswap = false;  // the file's byte order differs from this machine's
  lossbench::shape shape;
};

// Parses the dict text; errors name `file`. fortran_order True, unsupported dtypes, missing or
// unknown keys and anything that is not the literal subset above are errors.
npy_header parse_npy_header(std::string_view text, const std::string& file);

// The dict text for an array in native byte order, without padding or the final newline.
std::string format_npy_header(dtype type, const lossbench::shape& shape);

}  // namespace lossbench::io
