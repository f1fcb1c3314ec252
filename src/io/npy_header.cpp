// npy_header.cpp — reading and writing the .npy header dict (see npy_header.hpp).
#include "io/npy_header.hpp"

#include <bit>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench::io {

namespace {

constexpr char native_order = std::endian::native == std::endian::little ? '<' : '>';

// File text shown in an error message, at most `limit` bytes: printable ASCII as it is, any
// other byte as \xNN, so a hostile header cannot put control sequences on the user's terminal.
std::string printable(std::string_view text, std::size_t limit = 120) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text.substr(0, limit)) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 15];
    }
  }
  return out;
}

// "<f4" → f32, and whether its bytes need swapping here. '=' is native order; '|' is numpy's
// "order not applicable", which numpy itself reads as native for these types, so it is too.
// "f2" is IEEE half (numpy's float16). numpy has no bfloat16: its bits come as 2-byte words,
// "i2" / "u2" (torch's .view(torch.int16) / .view(torch.uint16)) or "V2" (ml_dtypes' bfloat16,
// whose dtype.str np.save writes; '|V2' is a plain 2-byte void), parsed as bf16 with `words` set.
void apply_descr(const std::string& descr, const std::string& file, npy_header& h) {
  const auto unsupported = [&] {
    return error(file, "unsupported dtype '" + printable(descr) +
                           "' (expected float32, float64, float16, int32 or int64: '<f4', '<f8', '<f2', '<i4', "
                           "'<i8'; bfloat16 as 2-byte words '<i2', '<u2' or '<V2', read with --dtype bf16)");
  };
  if (descr.size() != 3) throw unsupported();
  h.words.reset();  // a repeated 'descr' key: the last one counts, as in Python
  const char order = descr[0];
  const std::string kind = descr.substr(1);
  if (kind == "f4")
    h.type = dtype::f32;
  else if (kind == "f8")
    h.type = dtype::f64;
  else if (kind == "f2")
    h.type = dtype::f16;
  else if (kind == "i4")
    h.type = dtype::i32;
  else if (kind == "i8")
    h.type = dtype::i64;
  else if (kind == "i2")
    h.words = bf16_words::i2;
  else if (kind == "u2")
    h.words = bf16_words::u2;
  else if (kind == "V2")
    h.words = order == '|' ? bf16_words::v2_na : bf16_words::v2;
  else
    throw unsupported();
  if (h.words) h.type = dtype::bf16;
  if (order == '<' || order == '>')
    h.byteswap = order != native_order;
  else if (order == '=' || order == '|')
    h.byteswap = false;
  else
    throw unsupported();
  h.descr = descr;
}

// A reader for the subset of Python literals a .npy header uses: one dict of string keys whose
// values are strings, True/False and tuples of non-negative integers.
class dict_reader {
 public:
  dict_reader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  npy_header read() {
    bool have_descr = false, have_order = false, have_shape = false;
    npy_header h;
    expect('{');
    while (!peek('}')) {
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        if (peek('['))
          throw error(file_,
                      "structured dtypes are not supported (expected float32, float64, float16, int32 or int64)");
        apply_descr(string_literal(), file_, h);
        have_descr = true;
      } else if (key == "fortran_order") {
        if (boolean())
          throw error(file_,
                      "fortran_order is True: only C-order arrays are supported (save with np.ascontiguousarray)");
        have_order = true;
      } else if (key == "shape") {
        h.shape = shape_tuple();
        have_shape = true;
      } else {
        fail("unknown key '" + printable(key) + "'");
      }
      if (!consume(',')) break;
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) fail("text after the closing brace");
    if (!have_descr || !have_order || !have_shape) fail("expected the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string_view shown = std::string_view(text_).substr(0, 120);
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.remove_suffix(1);
    throw error(file_,
                "malformed .npy header (" + what + " at offset " + std::to_string(pos_) + "): " + printable(shown));
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool consume(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail("expected a quoted string");
    const char quote = text_[pos_++];
    const auto end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    if (s.find('\\') != std::string::npos) fail("escape sequences are not expected in a .npy header");
    pos_ = end + 1;
    return s;
  }

  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{std::string_view("True"), true}, {std::string_view("False"), false}})
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    fail("expected True or False");
  }

  std::int64_t integer() {
    skip_space();
    const std::size_t start = pos_;
    std::int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const int digit = text_[pos_++] - '0';
      if (v > (std::numeric_limits<std::int64_t>::max() - digit) / 10) fail("dimension too large");
      v = v * 10 + digit;
    }
    if (pos_ == start) fail("expected a non-negative integer");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long, in files numpy wrote long ago
    return v;
  }

  // "()", "(3,)", "(3, 4)", "(3, 4,)"; "(3)" is an int in Python, not a tuple, so not a shape.
  lossbench::shape shape_tuple() {
    expect('(');
    std::vector<std::int64_t> dims;
    bool comma = false;
    while (!peek(')')) {
      dims.push_back(integer());
      comma = consume(',');
      if (!comma) break;
    }
    expect(')');
    if (dims.size() == 1 && !comma) fail("shape must be a tuple: (n,) not (n)");
    if (dims.size() > static_cast<std::size_t>(lossbench::shape::max_rank))
      throw error(file_, "rank " + std::to_string(dims.size()) + " exceeds the maximum of " +
                             std::to_string(lossbench::shape::max_rank));
    try {
      return lossbench::shape(std::span<const std::int64_t>(dims));
    } catch (const error& e) {  // dimensions past 2^63 − 1 elements: the error names the file
      throw error(file_, std::string("shape is too large: ") + e.what());
    }
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

}  // namespace

npy_header parse_npy_header(std::string_view text, const std::string& file) { return dict_reader(text, file).read(); }

std::string npy_descr(dtype type, bf16_words words) {
  switch (type) {
    case dtype::f32:
      return std::string(1, native_order) + "f4";
    case dtype::f64:
      return std::string(1, native_order) + "f8";
    case dtype::f16:
      return std::string(1, native_order) + "f2";
    case dtype::i32:
      return std::string(1, native_order) + "i4";
    case dtype::i64:
      return std::string(1, native_order) + "i8";
    case dtype::bf16:
      switch (words) {
        case bf16_words::i2:
          return std::string(1, native_order) + "i2";
        case bf16_words::u2:
          return std::string(1, native_order) + "u2";
        case bf16_words::v2:
          return std::string(1, native_order) + "V2";
        case bf16_words::v2_na:
          return "|V2";
      }
  }
  throw std::logic_error("npy_descr: unknown dtype");
}

std::string format_npy_header(dtype type, const lossbench::shape& shape, bf16_words words) {
  std::string dims;
  for (int i = 0; i < shape.rank(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.rank() == 1) dims += ",";  // Python's one-element tuple
  return "{'descr': '" + npy_descr(type, words) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
}

}  // namespace lossbench::io
