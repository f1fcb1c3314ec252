// loss_benchmarks.hpp — registers, at run time, one Google Benchmark per registry entry × mode
// (value, value_grad) × size, named <loss>/<variant>/<dtype>/<mode>/n:<elements>, where
// <elements> is the prediction tensor's element count actually generated (loss_spec::items).
//
// Each reports items/s (loss_spec::items), bytes/s (loss_spec::compulsory_bytes) and, computed
// once outside the timed loop against loss_spec::reference, value_rel_err and (value_grad)
// grad_max_rel_err, grad_max_ulp, grad_mean_ulp. The label is the size class (small, l2, large).
#pragma once

#include "options.hpp"

namespace lossbench::bench {

// Returns the number of benchmarks registered.
int register_loss_benchmarks(const options& opt);

}  // namespace lossbench::bench
