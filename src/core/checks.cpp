// checks.cpp — validation helpers shared by every loss.
#include "core/checks.hpp"

#include <algorithm>

namespace lossbench::core {

std::string input_name(const loss_spec& spec, std::size_t i) { return std::string(spec.inputs()[i].name); }

void expect_input_count(const loss_spec& spec, const call& c) {
  const auto want = spec.inputs().size();
  if (c.inputs.size() != want) {
    std::string names;
    for (std::size_t i = 0; i < want; ++i) names += (i ? ", " : "") + input_name(spec, i);
    throw error("inputs", std::string(spec.name()) + " takes " + std::to_string(want) + " inputs (" + names +
                              "), got " + std::to_string(c.inputs.size()));
  }
}

void expect_dtype(const loss_spec& spec, const call& c, std::size_t i, dtype dt) {
  if (c.inputs[i].type != dt)
    throw error(input_name(spec, i),
                "expected dtype " + std::string(to_string(dt)) + ", got " + std::string(to_string(c.inputs[i].type)));
}

void expect_index(const loss_spec& spec, const call& c, std::size_t i) {
  const dtype t = c.inputs[i].type;
  if (t != dtype::i32 && t != dtype::i64)
    throw error(input_name(spec, i), "expected an integer array (i32 or i64), got " + std::string(to_string(t)));
}

void expect_rank(const loss_spec& spec, const call& c, std::size_t i, int rank) {
  if (c.inputs[i].shape.rank() != rank)
    throw error(input_name(spec, i),
                "expected " + std::to_string(rank) + " dimensions, got shape " + c.inputs[i].shape.str());
}

void expect_same_shape(const loss_spec& spec, const call& c, std::size_t i, std::size_t j) {
  if (!(c.inputs[i].shape == c.inputs[j].shape))
    throw error(input_name(spec, j), "shape " + c.inputs[j].shape.str() + " does not match " + input_name(spec, i) +
                                         " shape " + c.inputs[i].shape.str());
}

void expect_reduction(const loss_spec& spec, const call& c) {
  const auto rs = spec.reductions();
  if (std::find(rs.begin(), rs.end(), c.reduction) != rs.end()) return;
  std::string names;
  for (std::size_t i = 0; i < rs.size(); ++i) names += (i ? ", " : "") + std::string(to_string(rs[i]));
  throw error("--reduction", std::string(spec.name()) + " does not support '" + std::string(to_string(c.reduction)) +
                                 "' (expected " + names + ")");
}

}  // namespace lossbench::core
