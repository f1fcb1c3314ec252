// lossbench/catalogue.hpp — the one list of losses, in catalogue order, and lookup by name.
// registry.hpp pairs each with the variants this build and CPU can run.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <string_view>
#include <vector>

namespace lossbench {

// Every loss in the catalogue, in catalogue order.
const std::vector<const loss_spec*>& catalogue();

// An unknown name throws lossbench::error naming `argument`.
const loss_spec& find_loss(std::string_view name, std::string_view argument = "--loss");

}  // namespace lossbench
