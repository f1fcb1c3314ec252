// atomic_file.cpp — see atomic_file.hpp.
#include "io/atomic_file.hpp"

#include <lossbench/types.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace lossbench::io {

namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::string last_os_error() { return std::generic_category().message(errno); }

// A fresh name next to `path`, created exclusively so that concurrent writers never share it.
std::pair<std::filesystem::path, file_ptr> create_temporary(const std::filesystem::path& path,
                                                            const std::string& name) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string leaf = ".";  // hidden, and never matching a *.npy or *.json glob
    leaf += path.filename().string();
    leaf += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    const auto tmp = dir / leaf;
    file_ptr f(std::fopen(tmp.c_str(), "wbx"));
    if (f) return {tmp, std::move(f)};
    if (errno != EEXIST) throw error(name, "cannot create a file in " + dir.string() + ": " + last_os_error());
  }
  throw error(name, "cannot find a free temporary name in " + dir.string());
}

// Renaming over a symlink, FIFO or device node would put a regular file in its place (as root,
// /dev/null): only a regular file, or nothing, may be replaced.
void require_regular_or_absent(const std::filesystem::path& path, const std::string& name) {
  std::error_code ec;
  const auto st = std::filesystem::symlink_status(path, ec);
  if (ec || st.type() == std::filesystem::file_type::not_found || st.type() == std::filesystem::file_type::regular)
    return;
  throw error(name,
              "exists and is not a regular file (a symlink, directory, FIFO or device); lossbench replaces "
              "only regular files: remove it or write elsewhere");
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::initializer_list<std::string_view> parts) {
  const std::string name = path.string();
  require_regular_or_absent(path, name);
  auto created = create_temporary(path, name);
  const auto& tmp = created.first;  // named, not a structured binding: clang 14 cannot capture one
  auto& f = created.second;
  const auto discard = [&](const std::string& why) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw error(name, why);
  };
  bool written = true;
  for (std::string_view part : parts)
    written = written && std::fwrite(part.data(), 1, part.size(), f.get()) == part.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f.release()) == 0;  // flushes: a full disk shows up here
  if (!written || !closed) discard("cannot write: " + std::generic_category().message(written ? errno : write_errno));
  std::error_code ec;
  const auto st = std::filesystem::symlink_status(path, ec);  // again: it may have changed meanwhile
  if (!ec && st.type() != std::filesystem::file_type::not_found && st.type() != std::filesystem::file_type::regular)
    discard(
        "exists and is not a regular file (a symlink, directory, FIFO or device); lossbench replaces only regular "
        "files");
  std::filesystem::rename(tmp, path, ec);
  if (ec) discard("cannot replace the file: " + ec.message());
}

}  // namespace lossbench::io
