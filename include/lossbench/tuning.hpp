// lossbench/tuning.hpp — the `auto` variant: which kernel, ISA and thread count it runs for a
// call, read from a tuning profile measured on this machine (`lossbench tune`, like FFTW's wisdom)
// or, without one, from built-in heuristics.
//
// The profile is read once, on the first `auto` call, from LOSSBENCH_PROFILE if set, else from
// this CPU's and build's file in the profile directory (default_profile_dir()). A named profile
// made on another CPU or by another build, or one that cannot be read or parsed, is ignored with
// one warning on stderr and `auto` uses the heuristics: never a crash, never a wrong kernel. In the
// directory, other machines' profiles are passed over silently; one warning says so only when
// none is this machine's.
// LOSSBENCH_MAX_ISA and a thread limit (options::threads, set_num_threads, OMP_NUM_THREADS) still
// apply: `auto` takes the fastest measured candidate that respects them.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

// The machine and build a profile belongs to.
struct cpu_signature {
  std::string model;              // the CPUID brand string
  std::vector<std::string> isas;  // SIMD ISAs this CPU and OS support, of those lossbench knows
  int logical_cpus = 0;           // those this process may run on (its CPU affinity, a cpuset)
  bool operator==(const cpu_signature&) const = default;
};
struct build_signature {
  std::string version;     // LOSSBENCH_VERSION
  std::string compiler;    // "GNU 12.2.0"
  std::string build_type;  // "Release"
  std::string cxx_flags;
  bool operator==(const build_signature&) const = default;
};
cpu_signature this_cpu();
build_signature this_build();

// Where profiles live, one file per CPU and build side by side (like FFTW's system wisdom), so
// that nodes of several kinds sharing a home directory each find their own:
// LOSSBENCH_PROFILE_DIR, else $XDG_CACHE_HOME/lossbench/profiles, else ~/.cache/lossbench/profiles.
std::filesystem::path default_profile_dir();
// The file name of the profile of a CPU and build in that directory: "<model>-<hash>.json", the
// hash over every field of both signatures.
std::string profile_file_name(const cpu_signature& cpu, const build_signature& build);
// Where `auto` looks for its profile and `lossbench tune` writes it: LOSSBENCH_PROFILE (one file,
// for whatever machine runs), else this CPU's and build's file in default_profile_dir().
std::filesystem::path default_profile_path();

// What became of the profile (read on first use).
struct profile_status {
  enum class state { none, loaded, ignored };
  state status = state::none;
  std::filesystem::path path;
  std::string message;  // why it was ignored, or "" (loaded / no file at the cache path)
  std::string rigor;    // of a loaded profile: estimate, measure or patient
  int entries = 0;
};
const profile_status& auto_profile();
// Forget the profile and read it again on the next `auto` call (after `lossbench tune`, or a
// change of LOSSBENCH_PROFILE). Not thread-safe against concurrent `auto` calls.
void reload_auto_profile();

// One way to run a call: a variant (ISA named) and the omp thread count.
struct candidate {
  lossbench::variant variant;
  int threads = 1;
  double time_ns = 0;        // median measured by `lossbench tune`; 0 = not measured
  std::string name() const;  // "simd:avx2", "omp:avx512bw×2"
};

// Which kernel `auto` runs for a call of `loss` with `items` elements of its prediction tensor,
// and why. `threads` = the call's thread limit (0: num_threads()).
struct auto_choice {
  candidate chosen;
  bool from_profile = false;
  std::string reason;                           // one line: the profile entry, or the heuristic's rule
  std::int64_t bucket_min = 0, bucket_max = 0;  // the profile entry's size range [min, max)
  std::int64_t measured_items = 0;              // the size the entry was measured at
  std::vector<candidate> candidates;            // the entry's candidates, fastest first (profile only)
};
auto_choice explain_auto(const loss_spec& loss, dtype type, bool with_grad, std::int64_t items, int threads = 0);

}  // namespace lossbench
