// eval_inputs.hpp — turning `eval`'s files and --param strings into a call a loss accepts.
//
// Rules (generic over every loss's input_desc / param_desc):
//   - files are the loss's inputs in its input order; too few or too many is an error naming the
//     missing or extra ones;
//   - the run dtype is --dtype, else the first input's dtype (which must then be f32 or f64);
//   - `real` inputs must be floating and are converted to the run dtype; `index` inputs must be
//     i32/i64 and are kept; `real_or_index` inputs keep integers and convert floats;
//   - --param k=v: true/false (or 1/0) for booleans, a number for real and integer parameters, a
//     .npy path for array parameters (floats converted to the run dtype); real_or_tensor takes a
//     number if v is one, else a file. Unknown names and unparsable values are errors naming
//     "--param k"; the loss's own checks (loss_spec::resolve, validate) follow.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lossbench::cli {

struct loaded_inputs {
  dtype type = dtype::f32;         // the run dtype
  std::vector<array> arrays;       // in input order, converted as the loss wants them
  std::vector<std::string> files;  // where each came from
  std::vector<dtype> file_types;   // their dtypes in the files
  param_set params;                // resolved: defaults filled in
  std::vector<tensor_ref> refs() const;
};

loaded_inputs load_inputs(const loss_spec& spec, const std::vector<std::string>& files,
                          const std::optional<std::string>& dtype_arg, const std::vector<std::string>& param_args);

}  // namespace lossbench::cli
