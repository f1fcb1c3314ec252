// bench_json.cpp — reading Google Benchmark JSON output (bench_json.hpp).
#include "compare/bench_json.hpp"

#include <lossbench/types.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace lossbench::compare {

namespace {

using json = nlohmann::json;

double to_ns(double t, const std::string& unit, const std::string& path) {
  if (unit == "ns") return t;
  if (unit == "us") return t * 1e3;
  if (unit == "ms") return t * 1e6;
  if (unit == "s") return t * 1e9;
  throw error(path, "unknown time_unit '" + unit + "'");
}

// Fields Google Benchmark writes itself; every other number on a row is a user counter.
bool is_builtin(const std::string& key) {
  static const char* const builtin[] = {"name",
                                        "family_index",
                                        "per_family_instance_index",
                                        "run_name",
                                        "run_type",
                                        "repetitions",
                                        "repetition_index",
                                        "threads",
                                        "iterations",
                                        "real_time",
                                        "cpu_time",
                                        "time_unit",
                                        "aggregate_name",
                                        "aggregate_unit",
                                        "label",
                                        "error_occurred",
                                        "error_message",
                                        "bytes_per_second",
                                        "items_per_second"};
  return std::find(std::begin(builtin), std::end(builtin), key) != std::end(builtin);
}

// One row: an iteration (a repetition's time and, on the first, the counters) or an error;
// aggregate rows are skipped (their repetitions are there).
void add_row(std::vector<bench_run>& runs, const json& row, const std::string& path, const std::string& where) {
  if (!row.is_object() || !row.contains("name") || !row["name"].is_string())
    throw error(path, where + ": expected an object with a \"name\"");
  if (row.value("run_type", std::string("iteration")) == "aggregate") return;
  const std::string name = row.value("run_name", row["name"].get<std::string>());
  auto it = std::find_if(runs.begin(), runs.end(), [&](const bench_run& r) { return r.name == name; });
  if (it == runs.end()) {
    runs.push_back({name, {}, {}, {}});
    it = runs.end() - 1;
  }
  if (row.value("error_occurred", false)) {
    it->error = row.value("error_message", std::string("failed"));
    return;
  }
  if (!row.contains("real_time") || !row["real_time"].is_number() || !row.contains("time_unit"))
    throw error(path, where + " (" + name + "): missing real_time or time_unit");
  const double t = to_ns(row["real_time"].get<double>(), row["time_unit"].get<std::string>(), path);
  if (!(t > 0) || !std::isfinite(t))  // a zero or negative time would count as "faster"
    throw error(path,
                where + " (" + name + "): real_time must be a positive, finite time, got " + row["real_time"].dump());
  it->times_ns.push_back(t);
  if (it->times_ns.size() == 1)
    for (const auto& [key, v] : row.items())
      if (v.is_number() && !is_builtin(key)) it->counters[key] = v.get<double>();
}

}  // namespace

std::vector<bench_run> read_bench_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error(path, "cannot open the benchmark file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw error(path, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array())
    throw error(path, "not a Google Benchmark JSON file (no \"benchmarks\" array)");
  std::vector<bench_run> runs;
  std::size_t row_index = 0;
  for (const json& row : j["benchmarks"]) {
    const std::string where = "row " + std::to_string(row_index++);
    try {
      add_row(runs, row, path, where);
    } catch (const json::exception& e) {  // a field of the wrong type: the file is bad, not the program
      throw error(path, where + ": " + e.what());
    }
  }
  return runs;
}

}  // namespace lossbench::compare
