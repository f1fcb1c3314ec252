// catalogue.cpp — the one list of losses, and the registry built from it: every loss × every
// variant this build and CPU can run × {f32, f64}. It sits above the losses (it names them) so
// that nothing in core reaches up into a loss.
#include <lossbench/registry.hpp>

#include <lossbench/isa.hpp>

#include <algorithm>

namespace lossbench {

namespace losses {
// One line per loss, in catalogue order (DESIGN §2).
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
// Each registry entry's variant name, made once: find_entries runs on every public API call.
const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const entry& e : registry()) out.push_back(e.variant.name());
    return out;
  }();
  return names;
}
}  // namespace

std::vector<const entry*> find_entries(std::string_view loss, std::string_view variant_name, dtype dt,
                                       std::string_view argument) {
  // By the spec's address and names made once; the list of known variants only for the error.
  const loss_spec* spec = &find_loss(loss);
  const auto& all = registry();
  const auto& names = variant_names();
  std::vector<const entry*> out;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].loss == spec && all[i].type == dt && (variant_name == "all" || names[i] == variant_name))
      out.push_back(&all[i]);
  if (!out.empty()) return out;
  std::string known;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].loss == spec && all[i].type == dt) known += (known.empty() ? "" : ", ") + names[i];
  throw error(std::string(argument), "unknown variant '" + std::string(variant_name) + "' for " + std::string(loss) +
                                         "/" + std::string(to_string(dt)) + " (known: " + known + ", all)");
}

}  // namespace lossbench
