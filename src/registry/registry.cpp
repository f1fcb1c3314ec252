// registry.cpp — the registry built from the catalogue: every loss × every variant this build and
// CPU can run × the loss's dtypes, and running an entry. `auto` is resolved here, above the losses and
// the tuning layer: a loss runs concrete variants only.
#include <lossbench/registry.hpp>

#include "tuning/auto_select.hpp"

#include <lossbench/isa.hpp>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace lossbench {

namespace {
// scalar always; with SIMD kernels `simd` (the best usable ISA) and `simd:<isa>` for every
// usable one, so each ISA can be measured side by side (for the dtypes it has kernels of its own
// for: isa_serves); `omp`, the best kernel on all threads; and `auto`, which picks one of those
// per call.
std::vector<variant> runnable_variants(const loss_spec& loss) {
  std::vector<variant> out = {variant{implementation::scalar, isa::none, driver::serial}};
  const auto usable = usable_isas();
  const bool simd = loss.has_simd() && !usable.empty();
  if (simd) {
    out.push_back(variant{implementation::simd, isa::none, driver::serial});
    for (isa i : usable) out.push_back(variant{implementation::simd, i, driver::serial});
  }
  out.push_back(variant{simd ? implementation::simd : implementation::scalar, isa::none, driver::omp});
  out.push_back(variant{implementation::automatic, isa::none, driver::serial});
  return out;
}
}  // namespace

const std::vector<entry>& registry() {
  static const std::vector<entry> all = [] {
    std::vector<entry> out;
    for (const loss_spec* l : catalogue())
      for (const variant& v : runnable_variants(*l))
        for (dtype t : l->dtypes())
          if (isa_serves(v.isa, t)) out.push_back(entry{l, v, t});
    return out;
  }();
  return all;
}

double entry::run(const call& c) const {
  if (variant.impl != implementation::automatic) return loss->run(variant, type, c);
  // The profile's (or the heuristics') kernel and thread count for this call, chosen from the
  // validated call's size.
  loss->validate(c, type);
  const candidate k = tuning::resolve_auto(*loss, type, c.out.wants_grad(), loss->items(c.inputs), c.threads);
  return loss->run_validated(k.variant, type, c, k.threads);
}

std::string entry::name() const {
  return std::string(loss->name()) + "/" + variant.name() + "/" + std::string(to_string(type));
}

namespace {
// Each registry entry's variant name, and each loss's run of entries (the registry lists a loss's
// entries together), made once: find_entries runs on every call of the public API.
struct registry_index {
  std::vector<std::string> variant_names;
  std::vector<std::pair<std::size_t, std::size_t>> entries_of;  // per catalogue position: [begin, end)
};

const registry_index& index() {
  static const registry_index built = [] {
    registry_index ix;
    const auto& all = registry();
    for (const entry& e : all) ix.variant_names.push_back(e.variant.name());
    for (const loss_spec* l : catalogue()) {
      const auto first = std::find_if(all.begin(), all.end(), [&](const entry& e) { return e.loss == l; });
      const auto last = std::find_if(first, all.end(), [&](const entry& e) { return e.loss != l; });
      ix.entries_of.emplace_back(first - all.begin(), last - all.begin());
    }
    return ix;
  }();
  return built;
}
}  // namespace

namespace {
// The registry positions [begin, end) of one catalogue loss's entries.
std::pair<std::size_t, std::size_t> entries_of(const loss_spec& loss) {
  const auto& losses = catalogue();
  const auto position = std::find(losses.begin(), losses.end(), &loss) - losses.begin();
  if (static_cast<std::size_t>(position) == losses.size())
    throw std::logic_error("find_entry: " + std::string(loss.name()) + " is not the catalogue's spec");
  return index().entries_of[static_cast<std::size_t>(position)];
}

[[noreturn]] void unknown_variant(const loss_spec& loss, std::string_view variant_name, dtype dt,
                                  std::string_view argument, bool all_allowed) {
  const auto& all = registry();
  const auto [begin, end] = entries_of(loss);
  std::string known;
  for (std::size_t i = begin; i < end; ++i)
    if (all[i].type == dt) known += (known.empty() ? "" : ", ") + index().variant_names[i];
  throw error(std::string(argument), "unknown variant '" + std::string(variant_name) + "' for " +
                                         std::string(loss.name()) + "/" + std::string(to_string(dt)) +
                                         " (known: " + known + (all_allowed ? ", all)" : ")"));
}
}  // namespace

std::vector<const entry*> find_entries(std::string_view loss, std::string_view variant_name, dtype dt,
                                       std::string_view argument) {
  const loss_spec& spec = find_loss(loss);
  const auto& all = registry();
  const auto [begin, end] = entries_of(spec);
  std::vector<const entry*> out;
  for (std::size_t i = begin; i < end; ++i)
    if (all[i].type == dt && (variant_name == "all" || index().variant_names[i] == variant_name))
      out.push_back(&all[i]);
  if (out.empty()) unknown_variant(spec, variant_name, dt, argument, true);
  return out;
}

const entry& find_entry(const loss_spec& loss, std::string_view variant_name, dtype dt, std::string_view argument) {
  const auto& all = registry();
  const auto [begin, end] = entries_of(loss);
  for (std::size_t i = begin; i < end; ++i)
    if (all[i].type == dt && index().variant_names[i] == variant_name) return all[i];
  unknown_variant(loss, variant_name, dt, argument, false);
}

}  // namespace lossbench
