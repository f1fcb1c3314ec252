// catalogue.cpp — the one list of losses, and the registry built from it: every loss × every
// variant this build and CPU can run × {f32, f64}. It sits above the losses (it names them) so
// that nothing in core reaches up into a loss.
#include <lossbench/registry.hpp>

#include <lossbench/isa.hpp>

#include <algorithm>

namespace lossbench {

namespace losses {
// One line per loss, in catalogue order (the README's catalogue table).
const loss_spec& mse_spec();
const loss_spec& mae_spec();
const loss_spec& huber_spec();
const loss_spec& bce_spec();
const loss_spec& bce_logits_spec();
const loss_spec& hinge_spec();
const loss_spec& cross_entropy_spec();
const loss_spec& kl_div_spec();
const loss_spec& ctc_spec();
const loss_spec& triplet_spec();
const loss_spec& contrastive_spec();
}  // namespace losses

const std::vector<const loss_spec*>& catalogue() {
  static const std::vector<const loss_spec*> all = {
      &losses::mse_spec(),
      &losses::mae_spec(),
      &losses::huber_spec(),
      &losses::bce_spec(),
      &losses::bce_logits_spec(),
      &losses::hinge_spec(),
      &losses::cross_entropy_spec(),
      &losses::kl_div_spec(),
      &losses::ctc_spec(),
      &losses::triplet_spec(),
      &losses::contrastive_spec(),
  };
  return all;
}

namespace {
// scalar always; with SIMD kernels `simd` (the best usable ISA) and `simd:<isa>` for every
// usable one, so each ISA can be measured side by side; `omp`, the best kernel on all threads; and
// `auto`, which picks one of those per call.
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
        for (dtype t : {dtype::f32, dtype::f64}) out.push_back(entry{l, v, t});
    return out;
  }();
  return all;
}

std::string entry::name() const {
  return std::string(loss->name()) + "/" + variant.name() + "/" + std::string(to_string(type));
}

const loss_spec& find_loss(std::string_view name, std::string_view argument) {
  for (const loss_spec* l : catalogue())
    if (l->name() == name) return *l;
  std::string known;
  for (const loss_spec* l : catalogue()) known += (known.empty() ? "" : ", ") + std::string(l->name());
  throw error(std::string(argument), "unknown loss '" + std::string(name) + "' (known: " + known + ")");
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

std::vector<const entry*> find_entries(std::string_view loss, std::string_view variant_name, dtype dt,
                                       std::string_view argument) {
  const loss_spec* spec = &find_loss(loss);
  const auto& all = registry();
  const registry_index& ix = index();
  const auto position = std::find(catalogue().begin(), catalogue().end(), spec) - catalogue().begin();
  const auto [begin, end] = ix.entries_of[static_cast<std::size_t>(position)];
  std::vector<const entry*> out;
  for (std::size_t i = begin; i < end; ++i)
    if (all[i].type == dt && (variant_name == "all" || ix.variant_names[i] == variant_name)) out.push_back(&all[i]);
  if (!out.empty()) return out;
  std::string known;
  for (std::size_t i = begin; i < end; ++i)
    if (all[i].type == dt) known += (known.empty() ? "" : ", ") + ix.variant_names[i];
  throw error(std::string(argument), "unknown variant '" + std::string(variant_name) + "' for " + std::string(loss) +
                                         "/" + std::string(to_string(dt)) + " (known: " + known + ", all)");
}

}  // namespace lossbench
