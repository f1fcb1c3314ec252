// instantiate.hpp — explicit instantiation of every loss's SIMD block kernel for one ISA. Each
// kernels_<isa>.cpp defines LOSSBENCH_SIMD_ISA (a name of lossbench/isa_list.hpp) and includes
// this file; CMakeLists.txt gives each of those files its ISA's flags. The library itself is
// built for baseline x86-64.
// Every loss of losses/loss_list.hpp marked `simd` is instantiated; its kernels' header must be
// included below.
#ifndef LOSSBENCH_SIMD_ISA
#error "define LOSSBENCH_SIMD_ISA (an ISA of lossbench/isa_list.hpp) before including isa/instantiate.hpp"
#endif

#include "simd/arch.hpp"

// The ISA's xsimd arch (simd/arch.hpp maps each ISA of the list to one).
#define LOSSBENCH_SIMD_ARCH ::lossbench::simd::arch_of<::lossbench::isa::LOSSBENCH_SIMD_ISA>

#include "losses/bce/bce.hpp"
#include "losses/bce_logits/bce_logits.hpp"
#include "losses/cross_entropy/cross_entropy_simd.hpp"
#include "losses/contrastive/contrastive_simd.hpp"
#include "losses/ctc/ctc_simd.hpp"
#include "losses/elementwise/elementwise_simd.hpp"
#include "losses/hinge/hinge.hpp"
#include "losses/huber/huber.hpp"
#include "losses/kl_div/kl_div.hpp"
#include "losses/mae/mae.hpp"
#include "losses/mse/mse.hpp"
#include "losses/rowwise/rowwise_simd.hpp"
#include "losses/triplet/triplet_simd.hpp"
#include "simd/convert16.hpp"

#include "losses/loss_list.hpp"

#define LOSSBENCH_INSTANTIATE_FOR(L, T) \
  template double L::simd_block<LOSSBENCH_SIMD_ARCH, T>(const L::problem<T>&, std::size_t, std::size_t);
#define LOSSBENCH_CONVERSIONS_FOR(S)                                                               \
  template void simd::widen_array<LOSSBENCH_SIMD_ARCH, S>(const S*, float*, std::size_t) noexcept; \
  template void simd::narrow_array<LOSSBENCH_SIMD_ARCH, S>(const float*, S*, std::size_t) noexcept;

#ifdef LOSSBENCH_SIMD_BF16_ONLY
// An ISA with kernels of its own for bf16 alone (simd/arch.hpp: kernel_arch_t).
#define LOSSBENCH_INSTANTIATE_simd(L)
#define LOSSBENCH_INSTANTIATE_simd16(L) LOSSBENCH_INSTANTIATE_FOR(L, bf16)
#define LOSSBENCH_CONVERSIONS LOSSBENCH_CONVERSIONS_FOR(bf16)
#else
#define LOSSBENCH_INSTANTIATE_simd(L) LOSSBENCH_INSTANTIATE_FOR(L, float) LOSSBENCH_INSTANTIATE_FOR(L, double)
#define LOSSBENCH_INSTANTIATE_simd16(L) \
  LOSSBENCH_INSTANTIATE_simd(L) LOSSBENCH_INSTANTIATE_FOR(L, bf16) LOSSBENCH_INSTANTIATE_FOR(L, f16)
#define LOSSBENCH_CONVERSIONS LOSSBENCH_CONVERSIONS_FOR(bf16) LOSSBENCH_CONVERSIONS_FOR(f16)
#endif
#define LOSSBENCH_INSTANTIATE_scalar(L)  // no SIMD kernels to instantiate
#define LOSSBENCH_INSTANTIATE(name, type, kernels) LOSSBENCH_INSTANTIATE_##kernels(type)

namespace lossbench::losses {
LOSSBENCH_LOSS_LIST(LOSSBENCH_INSTANTIATE)
}  // namespace lossbench::losses

// The array conversions of simd/bulk_convert.hpp.
namespace lossbench {
LOSSBENCH_CONVERSIONS
}  // namespace lossbench
