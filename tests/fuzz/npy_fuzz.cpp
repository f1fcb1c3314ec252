// npy_fuzz.cpp — the .npy reader on arbitrary bytes: every format version, dtype and header
// grammar the file can claim; a file that parses is written back and must read back equal.
#include "fuzz_input.hpp"
#include "io/npy.hpp"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lossbench;
  return fuzz::run([&] {
    const array a = io::read_npy(fuzz::as_file(fuzz::bytes_of(data, size), "input.npy"));
    const std::string copy = (fuzz::scratch_dir() / "copy.npy").string();
    io::write_npy(copy, a);
    const array b = io::read_npy(copy);
    if (!(b.shape() == a.shape()) || b.type() != a.type() || std::memcmp(a.raw(), b.raw(), a.bytes()) != 0)
      std::abort();
  });
}
