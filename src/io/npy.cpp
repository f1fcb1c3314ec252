// npy.cpp — .npy files: the framing (magic, version, header length), the data, and the
// whole-or-nothing write. The header dict itself is npy_header.cpp.
//
// File layout (numpy.lib.format): "\x93NUMPY", major, minor, header length (uint16 LE for 1.0,
// uint32 LE for 2.0 and 3.0), the header dict text padded with spaces and ending in '\n', then the
// raw elements in C order. 3.0 differs from 2.0 only in allowing UTF-8 in the header.
#include "io/npy.hpp"

#include "io/atomic_file.hpp"

#include "io/npy_header.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>

namespace lossbench::io {

namespace {

constexpr std::string_view magic{"\x93NUMPY", 6};
constexpr std::size_t header_alignment = 64;  // numpy aligns the data to 64 bytes

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::string last_os_error() { return std::generic_category().message(errno); }

std::uint32_t little_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void byteswap_elements(void* data, std::int64_t count, std::size_t width) {
  auto* p = static_cast<unsigned char*>(data);
  for (std::int64_t i = 0; i < count; ++i, p += width) std::reverse(p, p + width);
}

// Opens for reading with a message that says why not.
file_ptr open_for_reading(const std::filesystem::path& path, const std::string& name, std::uintmax_t& size) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw error(name, "no such file");
  if (std::filesystem::is_directory(status)) throw error(name, "is a directory, expected a .npy file");
  size = std::filesystem::file_size(path, ec);
  if (ec) throw error(name, "cannot read: " + ec.message());
  file_ptr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw error(name, "cannot open: " + last_os_error());
  return f;
}

std::size_t read_bytes(std::FILE* f, void* out, std::size_t n) { return std::fread(out, 1, n, f); }

std::string words_text(bf16_words w) {
  switch (w) {
    case bf16_words::i2:
      return "int16 data";
    case bf16_words::u2:
      return "uint16 data";
    case bf16_words::v2:
    case bf16_words::v2_na:
      break;
  }
  return "2-byte void data";
}

// Reads the preamble and the header text; returns the header and leaves the file at the data.
npy_header read_header(std::FILE* f, std::uintmax_t file_size, const std::string& name, std::uintmax_t& data_offset) {
  unsigned char pre[12];
  const std::size_t got = read_bytes(f, pre, 8);
  if (got < magic.size() || std::memcmp(pre, magic.data(), magic.size()) != 0)
    throw error(name, "not a .npy file (it does not start with \"\\x93NUMPY\")");
  if (got < 8) throw error(name, "truncated .npy header (the file ends inside the version number)");
  const int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    throw error(name, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                          " (expected 1.0, 2.0 or 3.0)");
  const int length_bytes = major == 1 ? 2 : 4;
  if (read_bytes(f, pre + 8, static_cast<std::size_t>(length_bytes)) != static_cast<std::size_t>(length_bytes))
    throw error(name, "truncated .npy header (the file ends inside the header length)");
  const std::uint32_t header_len = little_endian(pre + 8, length_bytes);
  data_offset = 8 + static_cast<std::uintmax_t>(length_bytes) + header_len;
  if (data_offset > file_size)
    throw error(name, "truncated .npy header (" + std::to_string(header_len) + " header bytes announced, " +
                          std::to_string(file_size - std::min<std::uintmax_t>(file_size, 8u + length_bytes)) +
                          " present)");
  std::string text(header_len, '\0');
  if (read_bytes(f, text.data(), header_len) != header_len)
    throw error(name, "cannot read the header: " + last_os_error());
  return parse_npy_header(text, name);
}

}  // namespace

npy_file read_npy_file(const std::filesystem::path& path, const npy_read_options& options) {
  const std::string name = path.string();
  std::uintmax_t file_size = 0, data_offset = 0;
  const file_ptr f = open_for_reading(path, name, file_size);
  const npy_header h = read_header(f.get(), file_size, name, data_offset);
  if (h.words && !options.words_are_bf16)
    throw error(name, words_text(*h.words) + " ('" + h.descr +
                          "'): lossbench reads 2-byte integer and void words only as bfloat16 bits (as torch's "
                          ".view(torch.int16) and ml_dtypes' bfloat16 save them); pass --dtype bf16 if they are");

  // numel·width with overflow checks: the shape comes from the file and cannot be trusted.
  const std::uintmax_t width = size_of(h.type);
  std::uintmax_t need = width;
  for (auto d : h.shape.dims()) {
    if (d != 0 && need > std::numeric_limits<std::uintmax_t>::max() / static_cast<std::uintmax_t>(d))
      throw error(name, "shape " + h.shape.str() + " is too large");
    need *= static_cast<std::uintmax_t>(d);
  }
  const std::uintmax_t have = file_size - data_offset;
  const std::string what = "shape " + h.shape.str() + " of " + std::string(to_string(h.type)) + " ('" + h.descr +
                           "') needs " + std::to_string(need) + " data bytes, the file has " + std::to_string(have);
  if (have < need) throw error(name, "truncated data: " + what);
  if (have > need) throw error(name, "trailing bytes after the data: " + what);

  npy_file out{array(h.type, h.shape), h.descr, h.words};
  if (read_bytes(f.get(), out.data.raw(), out.data.bytes()) != out.data.bytes())
    throw error(name, "cannot read the data: " + last_os_error());
  if (h.byteswap) byteswap_elements(out.data.raw(), out.data.numel(), size_of(h.type));
  return out;
}

array read_npy(const std::filesystem::path& path, const npy_read_options& options) {
  return std::move(read_npy_file(path, options).data);
}

namespace {

// Everything before the data: magic, version, length and the padded header.
std::string npy_preamble(const array& a, bf16_words words) {
  std::string header = format_npy_header(a.type(), a.shape(), words);
  const std::size_t v1_preamble = magic.size() + 2 + 2;
  const bool v2 = header.size() + 1 + header_alignment + v1_preamble > std::numeric_limits<std::uint16_t>::max();
  const std::size_t preamble = v2 ? v1_preamble + 2 : v1_preamble;
  const std::size_t padded =
      (preamble + header.size() + 1 + header_alignment - 1) / header_alignment * header_alignment;
  header.append(padded - preamble - header.size() - 1, ' ');
  header.push_back('\n');

  std::string image(magic);
  image.push_back(static_cast<char>(v2 ? 2 : 1));
  image.push_back('\0');
  const std::uint32_t len = static_cast<std::uint32_t>(header.size());
  for (int i = 0; i < (v2 ? 4 : 2); ++i) image.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  return image + header;
}

}  // namespace

void write_npy(const std::filesystem::path& path, const array& a, bf16_words words) {
  if (path.filename().empty()) throw error(path.string(), "expected a file name, got a directory path");
  const std::string preamble = npy_preamble(a, words);
  write_file_atomically(path, {preamble, std::string_view(static_cast<const char*>(a.raw()), a.bytes())});
}

}  // namespace lossbench::io
