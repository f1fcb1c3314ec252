// inlining.hpp — forced inlining for the SIMD kernels' hot loops. GCC leaves a loss formula or
// xsimd's exp/log out of line in a kernel loop (one batch per call, through memory, every
// polynomial constant reloaded): LOSSBENCH_FLATTEN inlines everything a kernel loop calls, and
// LOSSBENCH_INLINE_MATH makes a math function inline wherever it is called, with xsimd's kernel
// flattened into it. With -std=c++20 (-ffp-contract=off) inlining changes no result.
// Instrumented builds (sanitizers, fuzzing: LOSSBENCH_INSTRUMENTED from CMake) keep the
// compiler's choice: under ASan a flattened kernel took GCC over 7 minutes per ISA object.
#pragma once

#if defined(LOSSBENCH_INSTRUMENTED)
#define LOSSBENCH_FLATTEN
#define LOSSBENCH_INLINE_MATH inline
#else
#define LOSSBENCH_FLATTEN [[gnu::flatten]]
#define LOSSBENCH_INLINE_MATH [[gnu::always_inline, gnu::flatten]] inline
#endif
