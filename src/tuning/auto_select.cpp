// auto_select.cpp — loading the profile once, and the `auto` choice (see auto_select.hpp and
// lossbench/tuning.hpp).
#include "tuning/auto_select.hpp"

#include "core/environment.hpp"
#include "core/omp_threads.hpp"

#include "tuning/heuristics.hpp"
#include "tuning/profile.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/catalogue.hpp>
#include <lossbench/threads.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <system_error>
#include <tuple>

namespace lossbench {

std::string candidate::name() const {
  const std::string key = tuning::variant_key(variant);
  return variant.drv == driver::omp ? key + "/threads:" + std::to_string(threads) : key;
}

std::filesystem::path default_profile_dir() {
  namespace env = core::environment;
  if (const auto d = env::text("LOSSBENCH_PROFILE_DIR")) return *d;
  if (const auto xdg = env::text("XDG_CACHE_HOME"); xdg && xdg->front() == '/')
    return std::filesystem::path(*xdg) / "lossbench/profiles";
  if (const auto home = env::text("HOME")) return std::filesystem::path(*home) / ".cache/lossbench/profiles";
  return {};
}

std::string profile_file_name(const cpu_signature& cpu, const build_signature& build) {
  // A stable hash of everything a profile must match (FNV-1a: the same in every process).
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0xffu) * 0x100000001b3ULL;  // a separator: ("ab", "c") and ("a", "bc") differ
  };
  mix(cpu.model);
  for (const std::string& i : cpu.isas) mix(i);
  mix(std::to_string(cpu.logical_cpus));
  for (const std::string* b : {&build.version, &build.compiler, &build.build_type, &build.cxx_flags}) mix(*b);
  // The model, readable, for the person listing the directory.
  std::string slug;
  for (char c : cpu.model) {
    const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (word) slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!word && !slug.empty() && slug.back() != '-') slug += '-';
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return (slug.empty() ? "cpu" : slug) + "-" + hex + ".json";
}

std::filesystem::path default_profile_path() {
  if (const auto p = core::environment::text("LOSSBENCH_PROFILE")) return *p;
  const std::filesystem::path dir = default_profile_dir();
  return dir.empty() ? dir : dir / profile_file_name(this_cpu(), this_build());
}

namespace tuning {

namespace {

auto group_key(const loss_spec* loss, dtype type, bool with_grad) {
  return std::tuple(reinterpret_cast<std::uintptr_t>(loss), type, with_grad);
}

// The candidates of one bucket in the order auto tries them: the profile's choice, then the
// rest fastest first; those this process can never run left out (runs_here).
struct bucket {
  const profile_entry* entry;
  std::vector<candidate> order;
};

struct group {
  const loss_spec* loss;  // the catalogue's (one object per loss): compared by address
  dtype type;
  bool with_grad;
  std::vector<bucket> buckets;  // by items_min

  // Groups are sorted by this key, so that a call finds its own by binary search: a linear scan
  // of the ~50 groups cost `auto` 40 ns a call (10% of a 4K-element mae), found with perf.
  auto key() const { return group_key(loss, type, with_grad); }
};

struct loaded_profile {
  profile_status status;
  profile prof;
  std::vector<group> groups;
};

bool same_candidate(const candidate& a, const candidate& b) {
  return a.variant.impl == b.variant.impl && a.variant.isa == b.variant.isa && a.variant.drv == b.variant.drv &&
         a.threads == b.threads;
}

// Whether this process can ever run `c`: its ISA compiled in and on this CPU. Decided once, when
// the profile loads, so that a call checks only what may change (the ISA ceiling, thread limits).
bool runs_here(const loss_spec& loss, const candidate& c) {
  if (c.variant.impl == implementation::scalar) return true;
  const auto compiled = compiled_isas();
  return loss.has_simd() && c.variant.isa != isa::none && cpu_supports(c.variant.isa) &&
         std::find(compiled.begin(), compiled.end(), c.variant.isa) != compiled.end();
}

void build_groups(loaded_profile& l) {
  for (std::size_t i = 0; i < l.prof.entries.size(); ++i) {
    const profile_entry& e = l.prof.entries[i];
    // An unknown loss makes the profile unusable (error naming the entry).
    const loss_spec* loss = &find_loss(e.loss, "profile: entries[" + std::to_string(i) + "].loss");
    auto g = std::find_if(l.groups.begin(), l.groups.end(), [&](const group& x) {
      return x.loss == loss && x.type == e.type && x.with_grad == e.with_grad;
    });
    if (g == l.groups.end()) g = l.groups.insert(l.groups.end(), group{loss, e.type, e.with_grad, {}});
    bucket b{&e, {}};
    if (runs_here(*loss, e.chosen)) b.order.push_back(e.chosen);
    for (const candidate& c : e.candidates)
      if (!same_candidate(c, e.chosen) && runs_here(*loss, c)) b.order.push_back(c);
    g->buckets.push_back(std::move(b));
  }
  for (group& g : l.groups)
    std::sort(g.buckets.begin(), g.buckets.end(),
              [](const bucket& a, const bucket& b) { return a.entry->items_min < b.entry->items_min; });
  std::sort(l.groups.begin(), l.groups.end(), [](const group& a, const group& b) { return a.key() < b.key(); });
}

void warn_ignored(const profile_status& s) {
  std::fprintf(stderr,
               "lossbench: warning: ignoring the tuning profile %s: %s; `auto` uses built-in heuristics (`lossbench "
               "tune` makes a profile)\n",
               s.path.c_str(), s.message.c_str());
}

// The profiles (*.json) in a directory; 0 when it does not exist or cannot be read.
int profiles_in(const std::filesystem::path& dir) {
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    n += it->path().extension() == ".json";
  return n;
}

std::unique_ptr<loaded_profile> load() {
  auto l = std::make_unique<loaded_profile>();
  profile_status& s = l->status;
  const auto named = core::environment::text("LOSSBENCH_PROFILE");
  if (named == "none") {
    s.message = "LOSSBENCH_PROFILE=none";
    return l;
  }
  s.path = default_profile_path();
  std::error_code ec;
  if (s.path.empty()) return l;
  if (!named && !std::filesystem::exists(s.path, ec)) {
    // No profile for this CPU and build: silent when there is none at all (not tuned yet), one
    // warning when the directory holds profiles of other machines only.
    const int others = profiles_in(default_profile_dir());
    if (others == 0) return l;
    s.status = profile_status::state::ignored;
    s.path = default_profile_dir();
    s.message = "none of its " + std::to_string(others) + " profile" + (others == 1 ? " is" : "s is") +
                " for this CPU (" + this_cpu().model + ", " + std::to_string(this_cpu().logical_cpus) +
                " CPUs) and build (" + default_profile_path().filename().string() + ")";
    warn_ignored(s);
    return l;
  }
  try {
    l->prof = read_profile(s.path);
    s.message = signature_mismatch(l->prof);
    if (s.message.empty()) build_groups(*l);
  } catch (const std::exception& ex) {
    s.message = ex.what();
  }
  if (!s.message.empty()) {
    s.status = profile_status::state::ignored;
    l->groups.clear();
    warn_ignored(s);
    return l;
  }
  s.status = profile_status::state::loaded;
  s.rigor = l->prof.rigor;
  s.entries = static_cast<int>(l->prof.entries.size());
  return l;
}

// Readers take the pointer without a lock; a reload leaves old profiles alive for them.
std::atomic<const loaded_profile*> current{nullptr};
std::mutex load_mutex;
std::vector<std::unique_ptr<loaded_profile>> all_loaded;

[[gnu::noinline, gnu::cold]] const loaded_profile& load_once() {
  std::lock_guard lock(load_mutex);
  if (!current.load(std::memory_order_relaxed)) {
    all_loaded.push_back(load());
    current.store(all_loaded.back().get(), std::memory_order_release);
  }
  return *current.load(std::memory_order_relaxed);
}

// Every `auto` call asks: the load stays out of line, so that this inlines to one atomic load.
inline const loaded_profile& the_profile() {
  if (const loaded_profile* p = current.load(std::memory_order_acquire)) [[likely]]
    return *p;
  return load_once();
}

const bucket* lookup(const loaded_profile& l, const loss_spec& loss, dtype type, bool with_grad, std::int64_t items) {
  const auto want = group_key(&loss, type, with_grad);
  const auto g = std::lower_bound(l.groups.begin(), l.groups.end(), want,
                                  [](const group& x, const auto& k) { return x.key() < k; });
  if (g == l.groups.end() || g->key() != want) return nullptr;
  for (const bucket& b : g->buckets)
    if (items >= b.entry->items_min && items < b.entry->items_max) return &b;
  return nullptr;
}

bool runnable(const candidate& c, int thread_limit) {
  return c.threads <= thread_limit && (c.variant.impl == implementation::scalar || c.variant.isa <= max_isa());
}

const candidate* first_runnable(const bucket& b, int thread_limit) {
  for (const candidate& c : b.order)
    if (runnable(c, thread_limit)) return &c;
  return nullptr;
}

int limit_of(int threads) { return std::max(1, threads > 0 ? threads : num_threads()); }

std::string percent(double x) { return std::to_string(static_cast<long>(std::lround(100 * x))) + "%"; }

// The last choice this thread made, and the items it holds for: a training loop calls one loss at
// one size again and again, and a few compares find its choice where the group search, bucket
// scan and thread rules cost ~15 ns a call (4% of a 4K-element mse; perf). A choice depends on
// the profile, the call's key, its thread limit and the ISA ceiling; all are in the key.
struct last_choice {
  const loaded_profile* prof = nullptr;
  const loss_spec* loss = nullptr;
  dtype type = dtype::f32;
  bool with_grad = false;
  int limit = 0;
  isa ceiling = isa::none;
  std::int64_t lo = 0, hi = 0;  // [lo, hi): the items it holds for (empty: none)
  candidate chosen;

  bool holds(const loaded_profile* p, const loss_spec* l, dtype t, bool g, int lim, isa c, std::int64_t items) const {
    return prof == p && loss == l && type == t && with_grad == g && limit == lim && ceiling == c && items >= lo &&
           items < hi;
  }
};
thread_local last_choice last;

}  // namespace

candidate resolve_auto(const loss_spec& loss, dtype type, bool with_grad, std::int64_t items, int threads) {
  const loaded_profile& prof = the_profile();
  const int limit = limit_of(threads);
  const isa ceiling = max_isa();
  if (last.holds(&prof, &loss, type, with_grad, limit, ceiling, items)) return last.chosen;

  candidate chosen;
  constexpr std::int64_t all = std::numeric_limits<std::int64_t>::max();
  std::int64_t lo = items, hi = items < all ? items + 1 : items;  // no bucket for `items`: this size only
  const bucket* b = lookup(prof, loss, type, with_grad, items);
  if (b) lo = b->entry->items_min, hi = b->entry->items_max;
  if (const candidate* c = b ? first_runnable(*b, limit) : nullptr) {
    chosen = *c;
  } else {
    chosen = heuristic_choice(loss, type, items, limit);
    if (!b && prof.status.status != profile_status::state::loaded) lo = 0, hi = all;
  }
  // The threads to run on (omp_threads: the rule the profile's omp timings were taken under) change
  // at the loss's break-even: the kept range stops there.
  const std::int64_t break_even = core::parallel_break_even(loss);
  if (items < break_even)
    hi = std::min(hi, break_even);
  else
    lo = std::max(lo, break_even);
  chosen.threads = chosen.variant.drv == driver::omp ? core::omp_threads(loss, items, chosen.threads) : 1;
  last = {&prof, &loss, type, with_grad, limit, ceiling, lo, hi, chosen};
  return chosen;
}

}  // namespace tuning

const profile_status& auto_profile() { return tuning::the_profile().status; }

void reload_auto_profile() {
  std::lock_guard lock(tuning::load_mutex);
  tuning::current.store(nullptr, std::memory_order_release);
}

auto_choice explain_auto(const loss_spec& loss, dtype type, bool with_grad, std::int64_t items, int threads) {
  using namespace tuning;
  if (items < 0) throw error("--n", "must be ≥ 0, got " + std::to_string(items));
  const loaded_profile& l = the_profile();
  const int limit = limit_of(threads);
  auto_choice out;
  const std::string what =
      std::string(loss.name()) + "/" + std::string(to_string(type)) + "/" + (with_grad ? "value_grad" : "value");
  std::string why;
  if (const bucket* b = lookup(l, loss, type, with_grad, items)) {
    const profile_entry& e = *b->entry;
    out.bucket_min = e.items_min, out.bucket_max = e.items_max, out.measured_items = e.items;
    out.candidates = e.candidates;
    if (const candidate* c = first_runnable(*b, limit)) {
      out.chosen = *c;
      out.from_profile = true;
      out.reason = "profile entry " + what + " for [" + std::to_string(e.items_min) + ", " +
                   std::to_string(e.items_max) + ") items";
      if (!e.measured) {
        out.reason += ", chosen by the heuristics (rigor estimate)";
      } else if (same_candidate(*c, e.chosen)) {
        out.reason += ", measured at " + std::to_string(e.items) + " items: " + c->name() +
                      (e.margin > 0 ? " was " + percent(e.margin) + " faster than the runner-up"
                                    : " (tied runners-up go to the simpler variant)");
      } else {
        out.reason += ": the profile's choice " + e.chosen.name() +
                      " is not allowed here (LOSSBENCH_MAX_ISA or a thread limit of " + std::to_string(limit) +
                      "), so the fastest allowed candidate";
      }
      return out;
    }
    why = "no candidate of the profile entry is allowed here; ";
  } else if (l.status.status == profile_status::state::loaded) {
    why = "the profile has no entry for " + what + " at " + std::to_string(items) + " items; ";
  } else if (l.status.status == profile_status::state::ignored) {
    why = "the profile " + l.status.path.string() + " is ignored (" + l.status.message + "); ";
  } else {
    why = "no profile (" + (l.status.path.empty() ? l.status.message : l.status.path.string() + " does not exist") +
          "); ";
  }
  std::string rule;
  out.chosen = heuristic_choice(loss, type, items, limit, &rule);
  out.reason = why + "heuristic: " + rule;
  return out;
}

}  // namespace lossbench
