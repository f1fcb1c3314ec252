// profile.hpp — the tuning profile: what `lossbench tune` measured on one machine and build, as
// versioned JSON. For each loss × dtype × mode × size bucket it keeps the chosen way to run (a
// variant with its ISA and thread count) and every candidate's measured median time, fastest
// first. `auto` (auto_select.cpp) reads it; `tune` (bench/tune_sweep.cpp) writes it.
#pragma once

#include <lossbench/tuning.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench::tuning {

inline constexpr std::string_view profile_format = "lossbench-profile";
inline constexpr int profile_format_version = 1;

struct profile_entry {
  std::string loss;
  dtype type = dtype::f32;
  bool with_grad = false;
  std::int64_t items = 0;                     // the size measured (prediction-tensor elements)
  std::int64_t items_min = 0, items_max = 0;  // the bucket it stands for: [min, max)
  bool measured = true;                       // false: chosen by the heuristics (rigor estimate)
  candidate chosen;
  double margin = 0;                  // runner-up's time / chosen's time − 1 (0: not measured)
  std::vector<candidate> candidates;  // fastest first
};

struct profile {
  std::string rigor;    // estimate | measure | patient
  std::string created;  // ISO 8601, UTC
  cpu_signature cpu;
  build_signature build;
  bool complete = true;   // false: --time-limit stopped the run; missing buckets use the heuristics
  std::string statistic;  // how candidate times were summarised ("median of 3 repetitions")
  std::vector<profile_entry> entries;
};

// "scalar", "simd:avx2", "omp:avx512bw" ↔ a variant with its ISA (threads are a separate field).
std::string variant_key(const variant& v);
variant parse_variant_key(std::string_view key, std::string_view argument);

std::string to_json_text(const profile& p);
// Throws lossbench::error("profile", ...) naming the first bad field: the profile is then unusable
// as a whole (a half-understood profile could pick a wrong kernel).
profile parse_profile(std::string_view text);
// Reads and parses; errors name the file.
profile read_profile(const std::filesystem::path& path);
// Writes whole or not at all, creating the directory.
void write_profile(const std::filesystem::path& path, const profile& p);

// "" when the profile was made on this CPU by this build, else why not (one line).
std::string signature_mismatch(const profile& p);

}  // namespace lossbench::tuning
