// report_rows.cpp — see report_rows.hpp.
#include "report_rows.hpp"

#include "core/omp_threads.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/registry.hpp>
#include <lossbench/tuning.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace lossbench::bench {

namespace {

double to_ns(double t, const std::string& unit) {
  if (unit == "ns") return t;
  if (unit == "us") return t * 1e3;
  if (unit == "ms") return t * 1e6;
  return t * 1e9;  // "s"
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double coefficient_of_variation(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return mean > 0 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) / mean : 0;
}

// "cross_entropy/simd:avx2/f32/value_grad/n:32768/threads:2/real_time" → its parts.
struct name_parts {
  std::string loss, variant, dtype, mode, key;
  std::int64_t n = 0;
  int threads = 1;
};

bool parse_name(const std::string& name, name_parts& out) {
  std::vector<std::string> parts;
  for (std::size_t b = 0, e; b <= name.size(); b = e + 1) {
    e = std::min(name.find('/', b), name.size());
    parts.push_back(name.substr(b, e - b));
  }
  if (parts.size() < 5 || parts[4].rfind("n:", 0) != 0) return false;
  out = {parts[0], parts[1], parts[2], parts[3], {}, std::stoll(parts[4].substr(2)), 1};
  out.key = parts[0] + "/" + parts[1] + "/" + parts[2] + "/" + parts[3] + "/" + parts[4];
  for (std::size_t i = 5; i < parts.size(); ++i)
    if (parts[i].rfind("threads:", 0) == 0) {
      out.threads = std::stoi(parts[i].substr(8));
      out.key += "/" + parts[i];
    }
  return true;
}

std::string isa_of(const std::string& loss, const std::string& variant, const std::string& dtype) {
  const std::string prefix = loss + "/" + variant + "/" + dtype;
  for (const entry& e : registry())
    if (e.name() == prefix) {
      // `simd` and `omp` name no ISA of their own: they run the best one usable for the dtype.
      const bool best = e.variant.impl == implementation::simd && e.variant.isa == isa::none;
      return std::string(to_string(best ? best_isa(e.type) : e.variant.isa));
    }
  return "none";
}

// Whether the row's calls ran on more than one thread: omp below its loss's break-even size runs
// the simd kernel serially (spec_adapter.hpp), which the report must not credit to OpenMP.
bool ran_parallel(const name_parts& p, int threads) {
  return threads >= 2 && p.n >= core::parallel_break_even(find_loss(p.loss));
}

// What an `auto` row ran: the kernel explain_auto names for its loss, dtype, mode, size and threads.
auto_choice auto_choice_of(const name_parts& p) {
  return explain_auto(find_loss(p.loss), parse_dtype(p.dtype), p.mode == "value_grad", p.n, p.threads);
}

// The ISA, parallelism and (auto) choice of a row.
void add_execution(nlohmann::json& row, const name_parts& p) {
  if (p.variant != "auto") {
    row["isa"] = isa_of(p.loss, p.variant, p.dtype);
    row["parallel"] = p.variant == "omp" && ran_parallel(p, p.threads);
    return;
  }
  const auto c = auto_choice_of(p);
  row["isa"] = std::string(to_string(c.chosen.variant.isa));
  row["parallel"] = c.chosen.variant.drv == driver::omp && ran_parallel(p, c.chosen.threads);
  row["auto_choice"] = c.chosen.name();
  row["auto_source"] = c.from_profile ? "profile" : "heuristic";
}

nlohmann::json counter_or_null(const nlohmann::json& row, const char* name) {
  return row.contains(name) ? row[name] : nlohmann::json(nullptr);
}

// The row's traffic from its counters: read and written bytes and the store kind where the
// benchmark recorded them, else (results from before writes were measured) all bytes read.
roofline::traffic traffic_of(const nlohmann::json& first) {
  const double bytes = first.value("compulsory_bytes", 0.0);
  if (!first.contains("read_bytes") || !first.contains("written_bytes")) return {bytes, 0};
  return {first.value("read_bytes", 0.0), first.value("written_bytes", 0.0),
          first.value("streaming_stores", 0.0) > 0 ? roofline::store_kind::streaming : roofline::store_kind::cached};
}

void add_roofline(nlohmann::json& out, const nlohmann::json& first, const roofline::ceilings* c, dtype t,
                  double items_per_second) {
  const double flops = first.value("flops", 0.0);
  const auto traffic = traffic_of(first);
  const auto footprint = static_cast<std::size_t>(first.value("footprint_bytes", 0.0));
  out["flops"] = flops;
  out["compulsory_bytes"] = traffic.total();
  out["read_bytes"] = traffic.read_bytes;
  out["written_bytes"] = traffic.written_bytes;
  out["stores"] = roofline::to_string(traffic.stores);
  out["footprint_bytes"] = footprint;
  if (!c || flops <= 0 || traffic.total() <= 0) return;
  const auto roof = roofline::bound_of(*c, flops, traffic, footprint, t, out["threads"].get<int>());
  if (roof.bound_flops_per_second <= 0) return;
  const double bound_items = roof.bound_flops_per_second / flops * static_cast<double>(out["n"].get<std::int64_t>());
  out["bound_items_per_second"] = bound_items;
  out["bound"] = roof.memory_bound ? "memory" : "compute";
  out["roofline_pct"] = 100 * items_per_second / bound_items;
}

}  // namespace

nlohmann::json summary_rows(const nlohmann::json& benchmarks, const roofline::ceilings* ceilings) {
  // Repetitions of each benchmark, in the order they ran.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const nlohmann::json*>> reps;
  std::map<std::string, name_parts> names;
  for (const auto& row : benchmarks) {
    if (row.value("run_type", "") != "iteration" || row.value("error_occurred", false)) continue;
    name_parts p;
    if (!parse_name(row.value("name", ""), p)) continue;
    if (!reps.count(p.key)) order.push_back(p.key), names[p.key] = p;
    reps[p.key].push_back(&row);
  }
  auto out = nlohmann::json::array();
  for (const auto& key : order) {
    const auto& p = names[key];
    const auto& runs = reps[key];
    const auto& first = *runs.front();
    std::vector<double> times;
    for (const auto* r : runs)
      times.push_back(to_ns((*r)["real_time"].get<double>(), (*r)["time_unit"].get<std::string>()));
    const double t = median(times), cv = coefficient_of_variation(times);
    const double items_per_second = static_cast<double>(p.n) / (t * 1e-9);
    nlohmann::json row = {{"name", key},
                          {"loss", p.loss},
                          {"variant", p.variant},
                          {"dtype", p.dtype},
                          {"mode", p.mode},
                          {"n", p.n},
                          {"threads", p.threads},
                          {"size_label", first.value("label", "")},
                          {"repetitions", runs.size()},
                          {"time_ns", t},
                          {"items_per_second", items_per_second},
                          {"bytes_per_second", first.value("compulsory_bytes", 0.0) / (t * 1e-9)},
                          {"cv", cv},
                          {"noisy", cv > noisy_cv},
                          {"value_rel_err", counter_or_null(first, "value_rel_err")},
                          {"grad_max_rel_err", counter_or_null(first, "grad_max_rel_err")},
                          {"grad_max_ulp", counter_or_null(first, "grad_max_ulp")},
                          {"grad_mean_ulp", counter_or_null(first, "grad_mean_ulp")}};
    // 16-bit storage: computed in f32; the gradient's ULPs above are the storage type's, against
    // the goal of the f32 bound plus half a 16-bit ULP (bench/accuracy.hpp).
    if (p.dtype == "bf16" || p.dtype == "f16") {
      row["compute_dtype"] = "f32";
      row["grad_ulp_goal"] = counter_or_null(first, "grad_ulp_goal");
      row["grad_goal_met"] =
          first.contains("grad_goal_met") ? nlohmann::json(first["grad_goal_met"].get<double>() > 0) : nullptr;
    }
    add_execution(row, p);
    // The FLOPs of a 16-bit row are f32 arithmetic: the f32 peak bounds them.
    add_roofline(row, first, ceilings, p.dtype == "f64" ? dtype::f64 : dtype::f32, items_per_second);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace lossbench::bench
