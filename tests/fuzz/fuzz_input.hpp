// fuzz_input.hpp — what the fuzz targets share: the contract they check and the input as a file.
//
// Each target feeds arbitrary bytes to a reader or parser that takes untrusted input. The
// contract: it returns, or throws lossbench::error (a clear message naming the argument or file)
// or std::bad_alloc (the input asked for more memory than there is; the CLI reports both as bad
// input, exit 2). Anything else — a crash, a sanitizer report, another exception, a hang — is a
// finding: `run` lets other exceptions escape, so they abort and libFuzzer keeps the input.
#pragma once

#include <lossbench/types.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <string_view>

namespace lossbench::fuzz {

template <class F>
int run(F&& body) {
  try {
    body();
  } catch (const lossbench::error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}

// A directory of this process's own, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "lossbench_fuzz_XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// The bytes written to scratch_dir()/name: the readers take paths, as the CLI gives them.
inline std::string as_file(std::string_view bytes, const std::string& name) {
  const auto path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace lossbench::fuzz
