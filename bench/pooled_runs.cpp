// pooled_runs.cpp — see pooled_runs.hpp.
#include "pooled_runs.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lossbench::bench {

namespace {

using json = nlohmann::json;

// Fields that describe a run rather than measure it: never aggregated.
bool is_description(const std::string& key) {
  static const char* const fields[] = {
      "family_index", "per_family_instance_index", "repetitions", "repetition_index", "threads", "iterations"};
  return std::find(std::begin(fields), std::end(fields), key) != std::end(fields);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double mu = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - mu) * (x - mu);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

double cv(const std::vector<double>& v) {
  const double mu = mean(v);
  return mu != 0 ? stddev(v) / mu : 0;
}

using statistic = std::function<double(const std::vector<double>&)>;

const std::map<std::string, statistic>& statistics() {
  static const std::map<std::string, statistic> s = {
      {"mean", mean}, {"median", median}, {"stddev", stddev}, {"cv", cv}};
  return s;
}

// The aggregate `name` (with its unit) over the repetitions `reps`.
json aggregate(const std::vector<const json*>& reps, const std::string& name, const std::string& unit) {
  const statistic& f = statistics().at(name);
  const json& first = *reps.front();
  json out = {{"name", first["run_name"].get<std::string>() + "_" + name},
              {"family_index", first.value("family_index", 0)},
              {"per_family_instance_index", first.value("per_family_instance_index", 0)},
              {"run_name", first["run_name"]},
              {"run_type", "aggregate"},
              {"repetitions", reps.size()},
              {"threads", first.value("threads", 1)},
              {"aggregate_name", name},
              {"aggregate_unit", unit},
              {"iterations", reps.size()}};
  for (const auto& [key, v] : first.items()) {
    if (!v.is_number() || is_description(key)) continue;
    std::vector<double> xs;
    for (const json* r : reps)
      if (r->contains(key) && (*r)[key].is_number()) xs.push_back((*r)[key].get<double>());
    out[key] = f(xs);
  }
  if (first.contains("time_unit")) out["time_unit"] = first["time_unit"];
  if (first.contains("label")) out["label"] = first["label"];
  return out;
}

struct benchmark_rows {
  std::vector<const json*> repetitions, errors;
  std::vector<std::pair<std::string, std::string>> aggregates;  // name, unit: the first block's
  int blocks = 0;                                               // sets of aggregates reported
  std::vector<const json*> as_reported;

  // One repetition per pass, or a second pass's block: anything but one run of k repetitions
  // followed by its aggregates.
  bool needs_pooling() const {
    if (repetitions.size() < 2) return false;
    return blocks != 1 || repetitions.front()->value("repetitions", 0) != static_cast<int>(repetitions.size());
  }
};

// Google Benchmark's aggregates of a run with repetitions, where the passes reported none.
const std::vector<std::pair<std::string, std::string>> default_aggregates = {
    {"mean", "time"}, {"median", "time"}, {"stddev", "time"}, {"cv", "percentage"}};

}  // namespace

json pooled_runs(const json& rows) {
  std::vector<std::string> order;
  std::map<std::string, benchmark_rows> by_name;
  for (const json& r : rows) {
    const std::string name = r.value("run_name", r.value("name", std::string()));
    auto [it, fresh] = by_name.try_emplace(name);
    if (fresh) order.push_back(name);
    benchmark_rows& b = it->second;
    b.as_reported.push_back(&r);
    if (r.value("error_occurred", false))
      b.errors.push_back(&r);
    else if (r.value("run_type", "") == "iteration")
      b.repetitions.push_back(&r);
    else if (r.value("run_type", "") == "aggregate") {
      const std::string agg = r.value("aggregate_name", "");
      if (b.aggregates.empty() || b.aggregates.front().first == agg) ++b.blocks;
      if (b.blocks == 1 && statistics().count(agg)) b.aggregates.emplace_back(agg, r.value("aggregate_unit", "time"));
    }
  }
  json out = json::array();
  for (const std::string& name : order) {
    const benchmark_rows& b = by_name[name];
    if (!b.needs_pooling()) {
      for (const json* r : b.as_reported) out.push_back(*r);
      continue;
    }
    for (const json* r : b.errors) out.push_back(*r);
    for (std::size_t i = 0; i < b.repetitions.size(); ++i) {
      json r = *b.repetitions[i];
      r["repetitions"] = b.repetitions.size();
      r["repetition_index"] = i;
      out.push_back(std::move(r));
    }
    for (const auto& [agg, unit] : b.aggregates.empty() ? default_aggregates : b.aggregates)
      out.push_back(aggregate(b.repetitions, agg, unit));
  }
  return out;
}

}  // namespace lossbench::bench
