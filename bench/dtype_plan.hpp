// dtype_plan.hpp — which (loss, dtype) pairs a sweep (`lossbench report`, `lossbench tune`)
// measures. Every loss takes f32 and f64; bf16 and f16 (16-bit storage, computed in f32) only
// where the loss has such kernels (loss_spec::dtypes()). A pair the loss has no kernels for is
// left out with a note; losses named on the command line none of which has any dtype named are an
// error naming the dtype option (nothing of what was asked for could be measured).
#pragma once

#include <lossbench/catalogue.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lossbench::bench {

struct dtype_plan {
  std::vector<dtype> dtypes;       // the dtypes asked for, in the order given
  std::vector<std::string> notes;  // one line per dtype some losses in scope lack: which, and why
  // Whether `l` is measured in `t`: asked for, and the loss has kernels for it.
  bool takes(const loss_spec& l, dtype t) const;
};

// `losses`: the names given (empty: the catalogue; unknown names are errors naming --loss);
// `given`: the dtype names given (empty: `defaults`), each one of the floating dtypes some loss of
// the catalogue takes, else an error naming `option`.
dtype_plan plan_dtypes(const std::vector<std::string>& losses, const std::vector<std::string>& given,
                       const std::vector<std::string>& defaults, std::string_view option);

}  // namespace lossbench::bench
