// sixteen_bit.hpp — the promise every 16-bit loss test checks: a bf16/f16 entry computes exactly
// what the same variant computes in f32 on the exactly widened inputs, each gradient element and
// per-row loss then rounded once to the storage type. So its results are compared bit for bit
// with its f32 twin's, narrowed.
#pragma once

#include "support/harness.hpp"

#include <lossbench/float16.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace lossbench::testing {

// How the f32 twin's results came about. `once`: they are f32 computations, so the 16-bit result
// is S(x) exactly. `from_double`: they are themselves roundings of doubles, so where x lies exactly
// halfway between two 16-bit values, the 16-bit result may be either (double rounding).
enum class f32_results { once, from_double };

// The same call with every floating array (inputs and array parameters) widened to f32 (exact);
// index targets as they are.
inline owned_call widened(const loss_spec& spec, const owned_call& oc) {
  std::vector<array> in;
  for (const array& a : oc.inputs) in.push_back(a.astype(is_floating(a.type()) ? dtype::f32 : a.type()));
  param_set p;
  for (const std::string& name : oc.params.names()) {
    if (const array* t = oc.params.tensor(name))
      p.set(name, t->astype(dtype::f32));
    else
      p.set(name, oc.params.number(name));
  }
  return owned_call(spec, std::move(in), p, oc.red);
}

// Whether the 16-bit value `got` (bits) is the f32 value x narrowed as `how` allows.
template <class S>
bool narrowed_from(std::uint16_t got, float x, f32_results how) {
  const S want(x);
  if (got == want.bits) return true;
  if (std::isnan(x)) return std::isnan(static_cast<float>(S::from_bits(got)));
  const float a = want;
  if (how == f32_results::once || a == x) return false;
  const bool up = std::fabs(x) > std::fabs(a);
  const S other = S::from_bits(static_cast<std::uint16_t>(up ? want.bits + 1 : want.bits - 1));
  const double mid = (static_cast<double>(a) + static_cast<double>(static_cast<float>(other))) / 2;
  return mid == static_cast<double>(x) && got == other.bits;
}

template <class S>
void expect_narrowed(const array& got, const array& wide, const std::string& what, f32_results how) {
  ASSERT_EQ(got.numel(), wide.numel()) << what;
  int reported = 0;
  for (std::int64_t i = 0; i < got.numel() && reported < 5; ++i) {
    const float x = wide.ref().as<float>()[i];
    const S g = got.ref().as<S>()[i];
    if (!narrowed_from<S>(g.bits, x, how)) {
      ADD_FAILURE() << what << "[" << i << "] = " << static_cast<float>(g) << ", the f32 result " << x
                    << " narrowed is " << static_cast<float>(S(x));
      ++reported;
    }
  }
}

inline void expect_narrowed(dtype dt, const array& got, const array& wide, const std::string& what, f32_results how) {
  dt == dtype::bf16 ? expect_narrowed<bf16>(got, wide, what, how) : expect_narrowed<f16>(got, wide, what, how);
}

// e (16-bit) against its f32 twin on the widened call: the value bit for bit (both are the same f32
// result), per-row losses and every gradient narrowed from the f32 ones.
inline void expect_f32_narrowed(const entry& e, const owned_call& oc, f32_results how, int threads = 0) {
  const owned_call wide = widened(*e.loss, oc);
  const evaluation got = evaluate(e, oc, true, threads);
  const evaluation want = evaluate(twin_in(e, dtype::f32), wide, true, threads);
  if (std::isnan(want.value))
    EXPECT_TRUE(std::isnan(got.value)) << got.value;
  else
    EXPECT_EQ(got.value, want.value);
  if (oc.red == reduction::none) expect_narrowed(e.type, got.losses, want.losses, "loss", how);
  ASSERT_EQ(got.grads.size(), want.grads.size());
  for (std::size_t k = 0; k < got.grads.size(); ++k)
    expect_narrowed(e.type, got.grads[k], want.grads[k], "grad" + std::to_string(k), how);
}

}  // namespace lossbench::testing
