// git_state.hpp — the git commit the binary was built from, so that a report says what it
// measured. cmake/git_state.cmake generates the definition at every build (the build tree's
// generated/git_state.cpp); each field is "unknown" where the source was not a git checkout.
#pragma once

#include <string_view>

namespace lossbench::bench {

struct git_state {
  std::string_view commit;       // the full hash of HEAD
  std::string_view dirty;        // "true" when tracked files differed from HEAD, "false", or "unknown"
  std::string_view commit_date;  // HEAD's committer date, ISO 8601 with its offset
};

git_state this_git_state();

}  // namespace lossbench::bench
