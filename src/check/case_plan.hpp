// case_plan.hpp — the cases a new golden file starts with (`lossbench check --update` when a
// loss has no file yet): sizes around every vector width (0..17, 31..33, 63..65) and one large
// size capped at ~100k elements, for the samples and (row-wise losses) the inner dimension,
// plus every reduction. Hard cases (extreme values, option grids, impossible CTC alignments)
// are then added to the file by hand with the generators of case_builders.hpp: the file, not
// this plan, is the list that `check` runs and `--update` refills.
#pragma once

#include "check/golden_file.hpp"

namespace lossbench::check {

std::vector<golden_case> default_cases(const loss_spec& spec);

}  // namespace lossbench::check
