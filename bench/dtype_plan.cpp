// dtype_plan.cpp — see dtype_plan.hpp.
#include "dtype_plan.hpp"

#include <algorithm>

namespace lossbench::bench {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool has(const loss_spec& l, dtype t) {
  const auto ts = l.dtypes();
  return std::find(ts.begin(), ts.end(), t) != ts.end();
}

// The dtypes any loss of the catalogue takes, f32 and f64 first (catalogue order after them).
std::vector<dtype> known_dtypes() {
  std::vector<dtype> out{dtype::f32, dtype::f64};
  for (const loss_spec* l : catalogue())
    for (dtype t : l->dtypes())
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

}  // namespace

bool dtype_plan::takes(const loss_spec& l, dtype t) const {
  return std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end() && has(l, t);
}

dtype_plan plan_dtypes(const std::vector<std::string>& losses, const std::vector<std::string>& given,
                       const std::vector<std::string>& defaults, std::string_view option) {
  const std::vector<dtype> known = known_dtypes();
  std::vector<std::string> known_names;
  for (dtype t : known) known_names.emplace_back(to_string(t));
  dtype_plan plan;
  for (const std::string& name : given.empty() ? defaults : given) {
    const auto it = std::find(known_names.begin(), known_names.end(), name);
    if (it == known_names.end())
      throw error(std::string(option), "unknown '" + name + "' (expected one of: " + joined(known_names) + ")");
    const dtype t = known[static_cast<std::size_t>(it - known_names.begin())];
    if (std::find(plan.dtypes.begin(), plan.dtypes.end(), t) == plan.dtypes.end()) plan.dtypes.push_back(t);
  }
  std::vector<const loss_spec*> scope;
  for (const std::string& l : losses) scope.push_back(&find_loss(l, "--loss"));
  if (losses.empty()) scope = catalogue();
  // The losses named on the command line must be measured in some dtype named: else the request
  // is wrong as a whole (one of them without kernels in those dtypes is left out with a note).
  const auto measured = [&](const loss_spec* l) {
    return std::any_of(plan.dtypes.begin(), plan.dtypes.end(), [&](dtype t) { return has(*l, t); });
  };
  if (!losses.empty() && std::none_of(scope.begin(), scope.end(), measured)) {
    std::vector<std::string> asked, own;
    for (dtype t : plan.dtypes) asked.emplace_back(to_string(t));
    for (dtype t : scope.front()->dtypes()) own.emplace_back(to_string(t));
    const std::string who =
        scope.size() == 1 ? std::string(scope.front()->name()) + " has no" : "none of " + joined(losses) + " has";
    throw error(std::string(option), who + " kernels in " + joined(asked) + " (" + std::string(scope.front()->name()) +
                                         "'s dtypes: " + joined(own) + "; `lossbench list` names every entry)");
  }
  for (dtype t : plan.dtypes) {
    std::vector<std::string> lacking;
    for (const loss_spec* l : scope)
      if (!has(*l, t)) lacking.emplace_back(l->name());
    if (!lacking.empty())
      plan.notes.push_back(std::string(to_string(t)) + ": " + joined(lacking) +
                           (lacking.size() == 1 ? " has" : " have") + " no " + std::string(to_string(t)) +
                           " kernels, so no " + std::string(to_string(t)) + " rows");
  }
  return plan;
}

}  // namespace lossbench::bench
