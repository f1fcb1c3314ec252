// instantiate_probes.hpp — the roofline's probes (probes_simd.hpp) for one ISA: the machine's
// ceilings measured with the same ISA as the kernels. CMakeLists.txt generates one translation
// unit per ISA of src/isa/ (probes_<isa>.cpp in the build tree) that defines LOSSBENCH_SIMD_ISA
// and includes this file, with that ISA's flags; they belong to the tools library, not to the
// installed one.
#ifndef LOSSBENCH_SIMD_ISA
#error "define LOSSBENCH_SIMD_ISA (an ISA of lossbench/isa_list.hpp) before including roofline/instantiate_probes.hpp"
#endif

#include "roofline/probes_simd.hpp"
#include "simd/arch.hpp"

namespace lossbench::roofline {
using probe_arch = simd::arch_of<isa::LOSSBENCH_SIMD_ISA>;
template float stream_read_sum<probe_arch>(const float*, std::size_t, bool);
template void stream_copy<probe_arch, false>(const float*, float*, std::size_t, bool);
template void stream_copy<probe_arch, true>(const float*, float*, std::size_t, bool);
template fma_result fma_chains<probe_arch, float>(std::size_t, float);
template fma_result fma_chains<probe_arch, double>(std::size_t, double);
}  // namespace lossbench::roofline
