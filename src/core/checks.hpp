// checks.hpp — validation helpers shared by every loss: each failure names the argument and says
// what was expected, so `lossbench eval` and the library report bad input instead of crashing.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <string>
#include <string_view>

namespace lossbench::core {

// The call has exactly the inputs of the spec, in order.
void expect_input_count(const loss_spec& spec, const call& c);
// Input `i` has element type `dt`.
void expect_dtype(const loss_spec& spec, const call& c, std::size_t i, dtype dt);
// Input `i` is an index array (i32 or i64).
void expect_index(const loss_spec& spec, const call& c, std::size_t i);
void expect_rank(const loss_spec& spec, const call& c, std::size_t i, int rank);
void expect_same_shape(const loss_spec& spec, const call& c, std::size_t i, std::size_t j);
// The reduction is one the loss supports.
void expect_reduction(const loss_spec& spec, const call& c);

std::string input_name(const loss_spec& spec, std::size_t i);

// Element `k` of an index array as int64.
inline std::int64_t index_at(const tensor_ref& t, std::int64_t k) {
  return t.type == dtype::i32 ? t.as<std::int32_t>()[k] : t.as<std::int64_t>()[k];
}

}  // namespace lossbench::core
