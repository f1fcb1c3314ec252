// isa_test.cpp — ISA names, the ceiling (LOSSBENCH_MAX_ISA, honoured by the registry), and the
// `simd` variant being exactly the best usable ISA's kernel.
#include "support/harness.hpp"

#include <lossbench/isa.hpp>

#include <algorithm>

namespace lossbench::testing {
namespace {

TEST(Isa, NamesRoundTrip) {
  for (isa i : compiled_isas()) EXPECT_EQ(parse_isa(to_string(i)), i);
  EXPECT_EQ(parse_isa("sse4.2"), isa::sse4_2);
  EXPECT_EQ(parse_isa("avx512"), isa::avx512bw);
  try {
    parse_isa("avx9000");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "--max-isa");
  }
  EXPECT_THROW(parse_isa(""), error);  // no ISA is spelt ""
  // Every name, message and variant name comes from the one list of lossbench/isa_list.hpp.
  EXPECT_EQ(compiled_isas().size(), isa_count);
  for (isa i : compiled_isas()) {
    EXPECT_NE(isa_choices().find(to_string(i)), std::string::npos) << to_string(i);
    EXPECT_EQ((variant{implementation::simd, i, driver::serial}.name()), "simd:" + std::string(to_string(i)));
  }
}

TEST(Isa, Sse2IsAlwaysThereOnX86_64) { EXPECT_TRUE(cpu_supports(isa::sse2)); }

// Run under LOSSBENCH_MAX_ISA=sse2 / avx2 by scripts/test.sh: no entry may exceed the ceiling.
TEST(Isa, RegistryRespectsTheCeiling) {
  const isa ceiling = max_isa();
  for (const entry& e : registry()) {
    if (e.variant.impl != implementation::simd) continue;
    const isa used = e.variant.isa == isa::none ? best_isa(e.type) : e.variant.isa;
    EXPECT_LE(used, ceiling) << e.name();
    EXPECT_TRUE(cpu_supports(used)) << e.name();
  }
  const auto usable = usable_isas();
  EXPECT_TRUE(std::is_sorted(usable.rbegin(), usable.rend())) << "best first";
}

// `simd` is an alias of the best usable `simd:<isa>`: same kernel, so bit-identical results.
TEST(Isa, SimdIsTheBestUsableIsa) {
  if (best_isa() == isa::none) GTEST_SKIP() << "no SIMD ISA usable";
  for (const loss_spec* l : catalogue()) {
    if (!l->has_simd()) continue;
    for (dtype t : l->dtypes()) {
      const std::string best = "simd:" + std::string(to_string(best_isa(t)));
      owned_call oc(*l, l->generate(t, {33, 0}, 5, l->resolve({})));
      const evaluation a = evaluate(*find_entries(l->name(), "simd", t).front(), oc, true);
      const evaluation b = evaluate(*find_entries(l->name(), best, t).front(), oc, true);
      EXPECT_EQ(a.value, b.value) << l->name();
      for (std::size_t k = 0; k < a.grads.size(); ++k)
        for (std::int64_t i = 0; i < a.grads[k].numel(); ++i)
          ASSERT_EQ(a.grads[k].get(i), b.grads[k].get(i)) << l->name();
    }
  }
}

}  // namespace
}  // namespace lossbench::testing
