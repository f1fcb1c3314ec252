// npy_test.cpp — .npy reading and writing: round trips of every dtype, hand-crafted version 1, 2
// and 3 files (the framing is spelled out here byte by byte, independently of the writer), byte
// orders, and every way a file can be wrong, each of which must be a lossbench::error naming the
// file. Files numpy itself writes are checked by hand (see the report); these tests need no Python.
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
  void expect_read_error(const fs::path& path, const std::string& fragment) const {
    try {
      read_npy(path);
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
  for (const char* descr : {"<f2", "<u4", "|b1", "<c16", "<f16", "f4", "<U3"})
    expect_read_error(
        write_bytes("d.npy",
                    npy_bytes(1, std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }",
                              raw<float>({1}))),
        "unsupported dtype");
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
