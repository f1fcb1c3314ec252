// npy_test.cpp — .npy reading and writing: round trips of every dtype, hand-crafted version 1, 2
// and 3 files (the framing is spelled out here byte by byte, independently of the writer), byte
// orders, and every way a file can be wrong, each of which must be a lossbench::error naming the
// file. Files numpy itself writes are checked by hand (see the report); these tests need no Python
// (tests/cli/ runs eval on 16-bit files numpy writes). 16-bit: f16 as '<f2', bf16 from and to the
// 2-byte words numpy holds its bits in, only when the reader is asked to take them as bf16.
#include "io/npy.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

namespace lossbench::io {
namespace {

namespace fs = std::filesystem;

class Npy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lossbench_npy_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file(const std::string& name) const { return dir_ / name; }

  fs::path write_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }

  // Expects read_npy to fail with the path as the argument and `fragment` in the message.
  void expect_read_error(const fs::path& path, const std::string& fragment, npy_read_options options = {}) const {
    try {
      read_npy(path, options);
      ADD_FAILURE() << "no error for " << path;
    } catch (const error& e) {
      EXPECT_EQ(e.argument(), path.string());
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  std::size_t entries_in_dir() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  fs::path dir_;
};

// A .npy file built by hand: magic, version major.0, little-endian header length (2 bytes for
// version 1, 4 for 2 and 3), the header text, the data.
std::string npy_bytes(int major, const std::string& header, const std::string& data) {
  std::string s("\x93NUMPY", 6);
  s.push_back(static_cast<char>(major));
  s.push_back('\0');
  const auto len = static_cast<std::uint32_t>(header.size());
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) s.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  return s + header + data;
}

template <class T>
std::string raw(std::initializer_list<T> values, bool big_endian = false) {
  std::string s;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (big_endian == (std::endian::native == std::endian::little)) std::reverse(b, b + sizeof(T));
    s.append(b, sizeof(T));
  }
  return s;
}

std::string file_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

constexpr npy_read_options as_bf16{.words_are_bf16 = true};

array filled(dtype t, shape s) {
  array a(t, s);
  for (std::int64_t i = 0; i < a.numel(); ++i)
    a.set(i, is_floating(t) ? (i % 2 ? -1.0 : 1.0) * (0.1 + static_cast<double>(i)) : static_cast<double>(i * 7 - 20));
  return a;
}

TEST_F(Npy, RoundTripsEveryDtypeAndRank) {
  for (dtype t : {dtype::f32, dtype::f64, dtype::i32, dtype::i64})
    for (const shape& s : {shape{}, shape{0}, shape{5}, shape{2, 3}, shape{2, 0, 3}, shape{1, 2, 1, 2, 1, 2, 1, 2}}) {
      SCOPED_TRACE(std::string(to_string(t)) + " " + s.str());
      const array a = filled(t, s);
      write_npy(file("a.npy"), a);
      const array b = read_npy(file("a.npy"));
      EXPECT_EQ(b.type(), t);
      EXPECT_EQ(b.shape(), s);
      EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0);
      // Version 1.0, data 64-byte aligned as numpy writes it.
      const auto size = fs::file_size(file("a.npy"));
      EXPECT_EQ((size - a.bytes()) % 64, 0u);
    }
}

TEST_F(Npy, RoundTrips16BitDtypesInEveryForm) {
  // f16 is numpy's float16, '<f2'; bf16 goes out as the words it is asked for and comes back as
  // bf16 with the same words, bit for bit.
  const struct {
    dtype type;
    bf16_words words;
    const char* descr;
  } forms[] = {{dtype::f16, bf16_words::i2, "<f2"},
               {dtype::bf16, bf16_words::i2, "<i2"},
               {dtype::bf16, bf16_words::u2, "<u2"},
               {dtype::bf16, bf16_words::v2, "<V2"},
               {dtype::bf16, bf16_words::v2_na, "|V2"}};
  for (const auto& f : forms)
    for (const shape& s : {shape{}, shape{0}, shape{5}, shape{3, 7}}) {
      SCOPED_TRACE(std::string(f.descr) + " " + s.str());
      const array a = filled(f.type, s);
      write_npy(file("a.npy"), a, f.words);
      EXPECT_NE(file_text(file("a.npy")).find(std::string("{'descr': '") + f.descr + "', "), std::string::npos);
      const npy_file b = read_npy_file(file("a.npy"), as_bf16);
      EXPECT_EQ(b.data.type(), f.type);
      EXPECT_EQ(b.data.shape(), s);
      EXPECT_EQ(b.descr, f.descr);
      EXPECT_EQ(b.words.has_value(), f.type == dtype::bf16);
      if (b.words) {
        EXPECT_EQ(*b.words, f.words);
      }
      EXPECT_EQ(std::memcmp(a.raw(), b.data.raw(), a.bytes()), 0);
      EXPECT_EQ((fs::file_size(file("a.npy")) - a.bytes()) % 64, 0u);
      if (f.type == dtype::f16) {
        EXPECT_EQ(read_npy(file("a.npy")).type(), dtype::f16);  // f16 needs no asking
      }
    }
  // Every bit pattern of both types survives (NaNs, infinities, subnormals, -0).
  for (dtype t : {dtype::f16, dtype::bf16}) {
    array a(t, {65536});
    auto* bits = static_cast<std::uint16_t*>(a.raw());
    for (std::uint32_t i = 0; i < 65536; ++i) bits[i] = static_cast<std::uint16_t>(i);
    write_npy(file("all.npy"), a);
    EXPECT_EQ(std::memcmp(read_npy(file("all.npy"), as_bf16).raw(), a.raw(), a.bytes()), 0) << to_string(t);
  }
}

TEST_F(Npy, Reads16BitFilesInEveryByteOrder) {
  // 1.5 and -2 in each type's bits: f16 0x3e00 0xc000, bf16 0x3fc0 0xc000.
  const std::string f16_le = raw<std::uint16_t>({0x3e00, 0xc000}), f16_be = raw<std::uint16_t>({0x3e00, 0xc000}, true);
  const std::string bf_le = raw<std::uint16_t>({0x3fc0, 0xc000}), bf_be = raw<std::uint16_t>({0x3fc0, 0xc000}, true);
  const auto header = [](const std::string& descr) {
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }";
  };
  for (const auto& [descr, data] :
       {std::pair{std::string("<f2"), f16_le}, {">f2", f16_be}, {"=f2", f16_le}, {"|f2", f16_le}}) {
    SCOPED_TRACE(descr);
    const npy_file f = read_npy_file(write_bytes("h.npy", npy_bytes(1, header(descr), data)));
    EXPECT_EQ(f.data.type(), dtype::f16);
    EXPECT_EQ(f.descr, descr);
    EXPECT_FALSE(f.words);
    EXPECT_EQ(f.data.get(0), 1.5);
    EXPECT_EQ(f.data.get(1), -2.0);
  }
  const struct {
    std::string descr;
    const std::string& data;
    bf16_words words;
  } words[] = {{"<i2", bf_le, bf16_words::i2}, {">i2", bf_be, bf16_words::i2}, {"|i2", bf_le, bf16_words::i2},
               {"<u2", bf_le, bf16_words::u2}, {">u2", bf_be, bf16_words::u2}, {"=u2", bf_le, bf16_words::u2},
               {"<V2", bf_le, bf16_words::v2}, {">V2", bf_be, bf16_words::v2}, {"|V2", bf_le, bf16_words::v2_na}};
  for (const auto& w : words) {
    SCOPED_TRACE(w.descr);
    const npy_file f = read_npy_file(write_bytes("w.npy", npy_bytes(1, header(w.descr), w.data)), as_bf16);
    EXPECT_EQ(f.data.type(), dtype::bf16);
    EXPECT_EQ(f.descr, w.descr);
    ASSERT_TRUE(f.words);
    EXPECT_EQ(*f.words, w.words);
    EXPECT_EQ(f.data.get(0), 1.5);
    EXPECT_EQ(f.data.get(1), -2.0);
  }
  // A file of another type is read as it is when bf16 is asked for: converting is the caller's.
  const npy_file other = read_npy_file(write_bytes("f.npy", npy_bytes(1, header("<f4"), raw<float>({1, 2}))), as_bf16);
  EXPECT_EQ(other.data.type(), dtype::f32);
  EXPECT_FALSE(other.words);
}

TEST_F(Npy, WordsAreBf16OnlyWhenAsked) {
  const struct {
    const char* descr;
    const char* what;
  } cases[] = {{"<i2", "int16 data ('<i2')"},
               {">i2", "int16 data ('>i2')"},
               {"<u2", "uint16 data ('<u2')"},
               {"<V2", "2-byte void data ('<V2')"},
               {"|V2", "2-byte void data ('|V2')"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.descr);
    const auto p = write_bytes(
        "w.npy", npy_bytes(1, std::string("{'descr': '") + c.descr + "', 'fortran_order': False, 'shape': (1,), }",
                           raw<std::uint16_t>({0x3f80}, c.descr[0] == '>')));
    expect_read_error(p, c.what);
    expect_read_error(p, "pass --dtype bf16");
    EXPECT_EQ(read_npy(p, as_bf16).get(0), 1.0);
  }
}

TEST_F(Npy, ARepeatedDescrKeyCountsOnceAsInPython) {
  const auto p = write_bytes(
      "r.npy",
      npy_bytes(1, "{'descr': '<i2', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({2})));
  const npy_file f = read_npy_file(p, as_bf16);
  EXPECT_EQ(f.data.type(), dtype::f32);
  EXPECT_EQ(f.descr, "<f4");
  EXPECT_FALSE(f.words);
  EXPECT_EQ(f.data.get(0), 2.0);
}

TEST_F(Npy, Truncated16BitDataIsAnError) {
  // Odd byte counts: half an element short, half an element over; and a header cut off inside the descriptor.
  for (const char* descr : {"<f2", "<i2", "<V2"}) {
    SCOPED_TRACE(descr);
    const std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (3,), }";
    const std::string data = raw<std::uint16_t>({0x3c00, 0x4000, 0x4200});
    expect_read_error(write_bytes("short.npy", npy_bytes(1, header, data.substr(0, 5))), "truncated data", as_bf16);
    expect_read_error(write_bytes("short.npy", npy_bytes(1, header, data.substr(0, 5))),
                      "needs 6 data bytes, the file has 5", as_bf16);
    expect_read_error(write_bytes("long.npy", npy_bytes(1, header, data + "\x01")), "trailing bytes", as_bf16);
    expect_read_error(write_bytes("empty.npy", npy_bytes(1, header, "")), "truncated data", as_bf16);
    const std::string whole = npy_bytes(1, header, data);
    expect_read_error(write_bytes("cut.npy", whole.substr(0, whole.find(descr) + 2)), "truncated .npy header", as_bf16);
  }
}

TEST_F(Npy, RoundTripsSpecialFloatsBitForBit) {
  array a(dtype::f64, {5});
  const double v[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), -0.0,
                      std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
  std::memcpy(a.raw(), v, sizeof v);
  write_npy(file("s.npy"), a);
  EXPECT_EQ(std::memcmp(read_npy(file("s.npy")).raw(), v, sizeof v), 0);
}

TEST_F(Npy, ReadsVersions1To3) {
  const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
  for (int major : {1, 2, 3}) {
    const auto p = write_bytes("v.npy", npy_bytes(major, header, raw<double>({1.5, -2.25})));
    const array a = read_npy(p);
    ASSERT_EQ(a.shape(), shape{2});
    EXPECT_EQ(a.get(0), 1.5);
    EXPECT_EQ(a.get(1), -2.25);
  }
}

TEST_F(Npy, ReadsHeaderSpellingsNumpyProduces) {
  // Double quotes, no trailing comma, key order changed, Python 2 longs, no padding or newline.
  const auto p = write_bytes("h.npy", npy_bytes(1, R"({"shape": (2L, 1L), "fortran_order": False, "descr": "<i8"})",
                                                raw<std::int64_t>({-3, 4})));
  const array a = read_npy(p);
  EXPECT_EQ(a.type(), dtype::i64);
  EXPECT_EQ(a.shape(), (shape{2, 1}));
  EXPECT_EQ(a.get(0), -3);
}

TEST_F(Npy, ConvertsBigEndianAndAcceptsNativeMarks) {
  const auto big = write_bytes("b.npy", npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                                  raw<float>({0.5f, -3.0f}, true)));
  const array a = read_npy(big);
  EXPECT_EQ(a.type(), dtype::f32);
  EXPECT_EQ(a.get(0), 0.5);
  EXPECT_EQ(a.get(1), -3.0);
  const auto bigi = write_bytes("bi.npy", npy_bytes(1, "{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }",
                                                    raw<std::int64_t>({-123456789012}, true)));
  EXPECT_EQ(read_npy(bigi).get(0), -123456789012.0);
  for (const char* mark : {"=", "|"}) {
    const auto p = write_bytes(
        "n.npy", npy_bytes(1, std::string("{'descr': '") + mark + "i4', 'fortran_order': False, 'shape': (1,), }",
                           raw<std::int32_t>({42})));
    EXPECT_EQ(read_npy(p).get(0), 42);
  }
}

TEST_F(Npy, MissingFileOrDirectoryIsAnError) {
  expect_read_error(file("absent.npy"), "no such file");
  expect_read_error(dir_, "is a directory");
}

TEST_F(Npy, BadMagicOrVersionIsAnError) {
  expect_read_error(write_bytes("e.npy", ""), "not a .npy file");
  expect_read_error(write_bytes("t.npy", "x,y\n1,2\n"), "not a .npy file");
  expect_read_error(write_bytes("v.npy", npy_bytes(4, "{}", "")), "unsupported .npy format version 4.0");
}

TEST_F(Npy, TruncatedHeaderIsAnError) {
  const std::string good = npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1}));
  expect_read_error(write_bytes("a.npy", good.substr(0, 7)), "ends inside the version");
  expect_read_error(write_bytes("b.npy", good.substr(0, 9)), "ends inside the header length");
  expect_read_error(write_bytes("c.npy", good.substr(0, 30)), "truncated .npy header");
  const std::string v2 = npy_bytes(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", raw<float>({1}));
  expect_read_error(write_bytes("d.npy", v2.substr(0, 11)), "ends inside the header length");
}

TEST_F(Npy, MalformedHeaderIsAnError) {
  const struct {
    const char* header;
    const char* fragment;
  } cases[] = {
      {"'descr': '<f4'", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "expected the keys"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unknown key 'extra'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", "shape must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "dimension too large"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (1,), }", "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False 'shape': (1,), }", "expected '}'"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (1,), }", "expected ':'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", "text after the closing brace"},
      {"{'descr': '<f4", "unterminated string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "exceeds the maximum"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    expect_read_error(write_bytes("m.npy", npy_bytes(1, c.header, raw<float>({1}))), c.fragment);
  }
}

TEST_F(Npy, ErrorsShowHeaderBytesEscaped) {
  // A header with a terminal escape sequence, a NUL and a non-ASCII byte: the message shows them
  // as \xNN, never raw (they would act on the user's terminal).
  const std::string header = std::string("{'descr': '<f4', '\x1b[31mred': 1, '\0\xff', 'shape': (1,), }");
  const fs::path p = write_bytes("esc.npy", npy_bytes(1, header, raw<float>({1})));
  try {
    read_npy(p);
    ADD_FAILURE();
  } catch (const error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("\\x1b[31mred"), std::string::npos) << m;
    for (const char ch : m) EXPECT_TRUE(static_cast<unsigned char>(ch) >= 0x20 || ch == '\n') << m;
    EXPECT_EQ(m.find('\x1b'), std::string::npos);
  }
  expect_read_error(write_bytes("d.npy", npy_bytes(1, "{'descr': '<\x07\x08', 'fortran_order': False, 'shape': (1,), }",
                                                   raw<float>({1}))),
                    "unsupported dtype '<\\x07\\x08'");
}

TEST_F(Npy, FortranOrderAndUnsupportedDtypesAreErrors) {
  expect_read_error(
      write_bytes("f.npy", npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", raw<float>({1}))),
      "fortran_order is True");
  for (const char* descr : {"<u4", "|b1", "<c16", "<f16", "f4", "<U3", "<V4", "<i1", "|u1", "<u8", "!f2"})
    expect_read_error(
        write_bytes("d.npy",
                    npy_bytes(1, std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }",
                              raw<float>({1}))),
        "unsupported dtype");
  // Asking for bf16 words accepts no other sizes or kinds.
  for (const char* descr : {"<V4", "<i1", "<u4", "<V1"})
    expect_read_error(
        write_bytes("d.npy",
                    npy_bytes(1, std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }",
                              raw<float>({1}))),
        "unsupported dtype", as_bf16);
  expect_read_error(
      write_bytes("s.npy",
                  npy_bytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", raw<float>({1}))),
      "structured dtypes");
}

TEST_F(Npy, DataSizeMustMatchShape) {
  const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
  expect_read_error(write_bytes("short.npy", npy_bytes(1, header, raw<double>({1, 2, 3}))), "truncated data");
  expect_read_error(write_bytes("long.npy", npy_bytes(1, header, raw<double>({1, 2, 3, 4, 5}))), "trailing bytes");
  expect_read_error(
      write_bytes("big.npy",
                  npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "")),
      "too large");
}

TEST_F(Npy, WriteReplacesAnExistingFileAndLeavesNoTemporary) {
  write_npy(file("x.npy"), filled(dtype::f32, {100}));
  write_npy(file("x.npy"), filled(dtype::i64, {3}));
  EXPECT_EQ(read_npy(file("x.npy")).shape(), shape{3});
  EXPECT_EQ(entries_in_dir(), 1u);
}

TEST_F(Npy, FailedWriteLeavesNothingBehind) {
  // The directory does not exist: nothing can be created.
  try {
    write_npy(file("missing/x.npy"), filled(dtype::f32, {3}));
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), file("missing/x.npy").string());
  }
  // The destination is a directory: refused, the directory left as it was, no temporary left over.
  fs::create_directories(file("occupied.npy/inner"));
  try {
    write_npy(file("occupied.npy"), filled(dtype::f32, {3}));
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), file("occupied.npy").string());
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(file("occupied.npy/inner")));
  EXPECT_EQ(entries_in_dir(), 1u);  // only occupied.npy: no temporary left over
}

TEST_F(Npy, WriteNeverReplacesASymlinkOrAFifo) {
  // Renaming over them would leave a regular file where the link or the pipe was (as root, over
  // /dev/null): both are refused, untouched, and nothing is left behind.
  write_npy(file("target.npy"), filled(dtype::f32, {2}));
  fs::create_symlink(file("target.npy"), file("link.npy"));
  ASSERT_EQ(::mkfifo(file("pipe.npy").c_str(), 0600), 0);
  for (const char* name : {"link.npy", "pipe.npy"}) {
    try {
      write_npy(file(name), filled(dtype::f64, {5}));
      ADD_FAILURE() << name;
    } catch (const error& e) {
      EXPECT_EQ(e.argument(), file(name).string());
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(fs::is_symlink(file("link.npy")));
  EXPECT_TRUE(fs::is_fifo(file("pipe.npy")));
  EXPECT_EQ(read_npy(file("target.npy")).shape(), shape{2});  // the link's target is unchanged too
  EXPECT_EQ(entries_in_dir(), 3u);
}

}  // namespace
}  // namespace lossbench::io
