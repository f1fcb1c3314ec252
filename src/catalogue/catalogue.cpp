// catalogue.cpp — the one list of losses. It sits above the losses (it names them) so that
// nothing in core reaches up into a loss; the registry (src/registry/) pairs it with variants.
#include <lossbench/catalogue.hpp>

#include <string>

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
      &losses::mse_spec(),        &losses::mae_spec(),     &losses::huber_spec(),         &losses::bce_spec(),
      &losses::bce_logits_spec(), &losses::hinge_spec(),   &losses::cross_entropy_spec(), &losses::kl_div_spec(),
      &losses::ctc_spec(),        &losses::triplet_spec(), &losses::contrastive_spec(),
  };
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
