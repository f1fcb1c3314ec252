// npy_header.hpp — the .npy header: the Python dict literal after the magic and length, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// parsed with a small recursive-descent reader (numpy uses ast.literal_eval; only this subset of
// Python literals ever appears in a .npy header), and its formatting for writing.
#pragma once

#include <lossbench/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lossbench::io {

// How bfloat16 bits travel in a .npy file. numpy has no bfloat16 type, so they are stored as
// 2-byte words, which are bf16 only when the reader is told so (npy_read_options, npy.hpp).
enum class bf16_words : std::uint8_t {
  i2,     // '<i2': torch's t.view(torch.int16).numpy(); what bf16 arrays are written as by default
  u2,     // '<u2': t.view(torch.uint16).numpy(), numpy's a.view(np.uint16)
  v2,     // '<V2': np.save of an ml_dtypes.bfloat16 array (numpy writes its dtype.str)
  v2_na,  // '|V2': a plain 2-byte void array, np.dtype('V2')
};

struct npy_header {
  dtype type = dtype::f32;
  bool byteswap = false;  // the file's byte order differs from this machine's
  lossbench::shape shape;
  std::string descr;                // as the file spells it (one of the accepted ones: printable)
  std::optional<bf16_words> words;  // 2-byte integer or void words: `type` is bf16 if the reader takes them
};

// Parses the dict text; errors name `file`. fortran_order True, unsupported dtypes, missing or
// unknown keys and anything that is not the literal subset above are errors. 2-byte words
// ('i2', 'u2', 'V2') parse as bf16 with `words` set; whether they may be read is read_npy's call.
npy_header parse_npy_header(std::string_view text, const std::string& file);

// The descriptor an array of `type` is written with: native byte order ('<f4', '<f2', ...), and
// for bf16 the words `words` names ('<i2', '<u2', '<V2' or '|V2').
std::string npy_descr(dtype type, bf16_words words = bf16_words::i2);

// The dict text for an array in native byte order, without padding or the final newline.
std::string format_npy_header(dtype type, const lossbench::shape& shape, bf16_words words = bf16_words::i2);

}  // namespace lossbench::io
