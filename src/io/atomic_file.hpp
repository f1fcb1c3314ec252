// atomic_file.hpp — whole-or-nothing file writes: the bytes go to a temporary file in the
// destination directory (created exclusively, hidden: ".<name>.tmp-<pid>-<k>") that is renamed
// over the destination only once complete, so a failed or interrupted write never leaves a
// partial or clobbered file behind (no fsync: this protects against errors and kills, not
// against power loss). Errors are lossbench::error naming the path.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace lossbench::io {

// Writes the concatenation of `parts` to `path`.
void write_file_atomically(const std::filesystem::path& path, std::initializer_list<std::string_view> parts);

}  // namespace lossbench::io
