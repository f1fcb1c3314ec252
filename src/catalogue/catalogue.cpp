// catalogue.cpp — the losses of losses/loss_list.hpp as specs, and lookup by name. It sits above
// the losses (it names them) so that nothing in core reaches up into a loss; the registry
// (src/registry/) pairs each with variants.
#include <lossbench/catalogue.hpp>

#include "losses/loss_list.hpp"

#include <string>

namespace lossbench {

namespace losses {
#define LOSSBENCH_DECLARE_SPEC(name, type, kernels) const loss_spec& name##_spec();
LOSSBENCH_LOSS_LIST(LOSSBENCH_DECLARE_SPEC)
#undef LOSSBENCH_DECLARE_SPEC
}  // namespace losses

const std::vector<const loss_spec*>& catalogue() {
#define LOSSBENCH_SPEC_OF(name, type, kernels) &losses::name##_spec(),
  static const std::vector<const loss_spec*> all = {LOSSBENCH_LOSS_LIST(LOSSBENCH_SPEC_OF)};
#undef LOSSBENCH_SPEC_OF
  return all;
}

const loss_spec& find_loss(std::string_view name, std::string_view argument) {
  for (const loss_spec* l : catalogue())
    if (l->name() == name) return *l;
  std::string known;
  for (const loss_spec* l : catalogue()) known += (known.empty() ? "" : ", ") + std::string(l->name());
  throw error(std::string(argument), "unknown loss '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace lossbench
