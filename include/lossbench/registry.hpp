// lossbench/registry.hpp — the one list of everything that can be run: loss × variant × dtype.
// The CLI, the tests and the benchmarks iterate this; none keeps a list of its own.
#pragma once

#include <lossbench/catalogue.hpp>
#include <lossbench/loss_spec.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

struct entry {
  const loss_spec* loss = nullptr;
  lossbench::variant variant;
  dtype type = dtype::f32;

  std::string name() const;  // "cross_entropy/scalar/f32": the prefix of every benchmark name
  // Validate and compute; `auto` chooses the variant and threads for this call here (the
  // tuning profile, else the heuristics). Returns the reduced value (rounded to `type`).
  double run(const call& c) const;
};

// Every runnable entry on this CPU.
const std::vector<entry>& registry();

// The entries of one loss and dtype whose variant matches `variant` ("all" matches every one).
std::vector<const entry*> find_entries(std::string_view loss, std::string_view variant, dtype dt,
                                       std::string_view argument = "--variant");

// The entry of a catalogue loss for one variant name and dtype, without allocating: the public
// span API finds its entry here on every call. An unknown variant throws naming `argument`.
const entry& find_entry(const loss_spec& loss, std::string_view variant, dtype dt,
                        std::string_view argument = "--variant");

}  // namespace lossbench
