// case_builders.hpp — how a golden case's inputs are made, by generator name. Every builder uses
// only the project's PRNG, + − × ÷ and sqrt (correctly rounded everywhere) — no libm function
// whose last bit may differ between C libraries — so a golden file built on one x86-64 Linux
// machine holds on any other, with any compiler.
//
//   default           loss_spec::generate(dtype, shape, seed, params)
//   explicit          options.inputs = [{"dtype": "real"|"i32"|"i64", "shape": [..], "values": [..]}]
//                     ("real" = the case dtype; values may be "inf", "-inf", "nan"; f32/f64 round
//                     them, bf16/f16 must hold them exactly, as for sprinkle's values)
//   sprinkle          default, then each element of input options.input (0) with probability
//                     1/options.every is replaced by the next of options.values (cycled)
//   copy_rows         default, then for each [from, to] of options.copies, row r of input `from`
//                     is copied to input `to` where r % options.every (1) == 0
//   scaled            generator options.base ("default"), then the inputs options.scale_inputs
//                     (every input of the case dtype) and the parameters options.scale_params multiplied by
//                     options.factor, one number or one per dtype ({"f32": x, "f64": y, "bf16": z,
//                     "f16": w}), each product rounded once to the case dtype
//   probabilities     default, then input options.input (1) becomes rows of probabilities shaped
//                     as input 0 (w/Σw with uniform w, a quarter of them exactly 0)
//   ctc_random, ctc_empty_target, ctc_exact_length, ctc_impossible
//                     a CTC batch (shape.n sequences, shape.inner classes, options.time frames,
//                     options.max_target labels) with log-probabilities from a portable logarithm:
//                     ctc's own generator uses libm exp/log, whose last bit may differ between C
//                     libraries, so no golden case uses it (see case_builders.cpp).
#pragma once

#include "check/golden_file.hpp"

#include <string_view>
#include <vector>

namespace lossbench::check {

struct built_case {
  std::vector<array> inputs;
  param_set params;  // as given (numbers and arrays); loss_spec::resolve adds the defaults
};

// Every input of the case dtype is made in it (generated, or given and rounded to it; bf16/f16 from
// values they hold exactly), so the reference and the kernels read the same values. A case runs in
// the dtypes case_desc::dtypes names (every dtype of the loss where it names none).
// Throws lossbench::error naming the case on an unknown generator or bad options.
built_case build_case(const loss_spec& spec, dtype dt, const case_desc& c);
std::vector<std::string_view> builder_names();

}  // namespace lossbench::check
