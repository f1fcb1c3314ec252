// history_entry.hpp — how a report is named in the history directory (`lossbench history`):
// "<started, UTC, 20261129T100000Z>_<commit, 12 hex digits>[-dirty].json". The timestamp comes
// first so that sorting the names sorts the reports by when they ran; the commit makes the file
// findable by the change it measured. A report without git fields (older, or built outside a
// checkout) is named "..._unknown.json".
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace lossbench::cli {

struct history_entry {
  std::string stamp;   // "20261129T100000Z": context.lossbench.started, in UTC
  std::string commit;  // the first 12 digits of git_commit, or "unknown"
  bool dirty = false;  // git_dirty was true

  // "<stamp>_<commit>": two files with the same key hold the same report.
  std::string key() const { return stamp + "_" + commit; }
  std::string file_name() const { return key() + (dirty ? "-dirty" : "") + ".json"; }
};

// The entry of a parsed report.json. Throws lossbench::error naming `where` when it is not a
// `lossbench report` output (no context.lossbench, no lossbench_rows, no valid start time).
history_entry entry_of(const nlohmann::json& report, const std::string& where);

// "2026-11-29T10:00:00Z", "...+01:00" or "...10:00:00.5-05:00" → "20261129T090000Z"; empty when
// it is not such a time.
std::string utc_stamp(const std::string& iso8601);

}  // namespace lossbench::cli
