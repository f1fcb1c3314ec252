// history_entry.cpp — see history_entry.hpp.
#include "cli/history_entry.hpp"

#include <lossbench/types.hpp>

#include <nlohmann/json.hpp>

#include <ctime>
#include <regex>

namespace lossbench::cli {

namespace {

constexpr std::size_t short_commit = 12;  // git's own abbreviation grows to about this on large histories

std::string commit_of(const nlohmann::json& lb) {
  const auto c = lb.value("git_commit", std::string("unknown"));
  const bool hex = !c.empty() && c.find_first_not_of("0123456789abcdef") == std::string::npos;
  return hex ? c.substr(0, short_commit) : "unknown";
}

}  // namespace

std::string utc_stamp(const std::string& iso8601) {
  static const std::regex form(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2})))");
  std::smatch m;
  if (!std::regex_match(iso8601, m, form)) return {};
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  std::time_t t = timegm(&tm);  // the written wall time as if it were UTC, then the offset removed
  if (m[8] != "Z") t -= (m[9] == "-" ? -1 : 1) * (std::stoi(m[10]) * 3600 + std::stoi(m[11]) * 60);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

history_entry entry_of(const nlohmann::json& report, const std::string& where) {
  const bool lossbench = report.is_object() && report.contains("context") && report["context"].is_object() &&
                         report["context"].contains("lossbench") && report["context"]["lossbench"].is_object() &&
                         report.contains("lossbench_rows") && report["lossbench_rows"].is_array();
  if (!lossbench) throw error(where, "not a `lossbench report` output (no context.lossbench or no lossbench_rows)");
  const auto& lb = report["context"]["lossbench"];
  const std::string started =
      lb.contains("started") && lb["started"].is_string() ? lb["started"].get<std::string>() : "";
  const std::string stamp = utc_stamp(started);
  if (stamp.empty())
    throw error(where, "context.lossbench.started is not an ISO 8601 time (got " +
                           (lb.contains("started") ? lb["started"].dump() : "nothing") + ")");
  return {stamp, commit_of(lb),
          lb.contains("git_dirty") && lb["git_dirty"].is_boolean() && lb["git_dirty"].get<bool>()};
}

}  // namespace lossbench::cli
