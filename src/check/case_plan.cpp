// case_plan.cpp — the starting cases of a new golden file (case_plan.hpp).
#include "check/case_plan.hpp"

#include <algorithm>

namespace lossbench::check {

namespace {

constexpr std::int64_t large_elements = 100003;  // odd, so no vector width divides it

golden_case make(std::string name, shape_request shape, reduction red, std::uint64_t seed) {
  golden_case c;
  c.desc.name = std::move(name);
  c.desc.shape = shape;
  c.desc.reduction = red;
  c.desc.seed = seed;
  return c;
}

}  // namespace

std::vector<golden_case> default_cases(const loss_spec& spec) {
  const std::vector<std::int64_t> widths = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                            13, 14, 15, 16, 17, 31, 32, 33, 63, 64, 65};
  const std::int64_t per_sample = spec.items_per_sample();
  std::vector<golden_case> out;
  std::uint64_t seed = 1000;
  if (per_sample == 1) {  // element-wise: n is the element count
    out.push_back(make("n=0", {0, 0}, reduction::mean, seed++));
    for (std::int64_t n : widths) out.push_back(make("n=" + std::to_string(n), {n, 0}, reduction::mean, seed++));
    out.push_back(make("n=" + std::to_string(large_elements), {large_elements, 0}, reduction::mean, seed++));
  } else {  // row-wise: rows around the widths at the default inner size, then inner sizes
    for (std::int64_t n : {0, 1, 2, 3, 5, 8, 17})
      out.push_back(make("n=" + std::to_string(n), {n, 0}, reduction::mean, seed++));
    for (std::int64_t inner : widths)
      out.push_back(make("n=3 inner=" + std::to_string(inner), {3, inner}, reduction::mean, seed++));
    const std::int64_t rows = (large_elements / per_sample) | 1;
    out.push_back(make("n=" + std::to_string(rows), {rows, 0}, reduction::mean, seed++));
  }
  for (reduction r : spec.reductions())
    if (r != reduction::mean)
      out.push_back(make("reduction=" + std::string(to_string(r)) + " n=37", {37, 0}, r, seed++));
  return out;
}

}  // namespace lossbench::check
