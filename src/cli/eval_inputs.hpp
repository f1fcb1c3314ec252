// eval_inputs.hpp — turning `eval`'s files and --param strings into a call a loss accepts.
//
// Rules (generic over every loss's input_desc / param_desc):
//   - files are the loss's inputs in its input order; too few or too many is an error naming the
//     missing or extra ones;
//   - the run dtype is --dtype (f32, f64, bf16, f16), else the first input's dtype (which must then
//     be floating: a '<f2' file runs in f16);
//   - bfloat16 has no numpy type: with --dtype bf16, files of 2-byte words ('<i2', '<u2', '<V2',
//     '|V2'; io/npy.hpp) hold bf16 bits; without it they are an error saying to pass --dtype bf16.
//     `index` inputs never take them as bf16 (they must be i32/i64);
//   - `real` inputs must be floating and are converted to the run dtype (a 16-bit run rounds f32
//     and f64 inputs once to the 16-bit type, as array::astype does); `index` inputs must be
//     i32/i64 and are kept; `real_or_index` inputs keep integers and convert floats;
//   - --param k=v: true/false (or 1/0) for booleans, a number for real and integer parameters, a
//     .npy path for array parameters (floats converted to the run dtype); real_or_tensor takes a
//     number if v is one, else a file. Unknown names and unparsable values are errors naming
//     "--param k"; the loss's own checks (loss_spec::resolve, validate) follow.
#pragma once

#include "io/npy.hpp"

#include <lossbench/loss_spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lossbench::cli {

// What `eval` was asked.
struct eval_options {
  std::string loss;
  std::string variant = "all";
  std::optional<std::string> dtype;
  std::string reduction = "mean";
  std::vector<std::string> params;
  std::vector<std::string> files;
  std::string grad_out;
  std::string losses_out;
  bool json = false;
  bool distributed = false;
};

struct loaded_inputs {
  dtype type = dtype::f32;                           // the run dtype
  std::vector<array> arrays;                         // in input order, converted as the loss wants them
  std::vector<std::string> files;                    // where each came from
  std::vector<dtype> file_types;                     // their dtypes in the files
  std::vector<std::string> descrs;                   // their .npy descriptors, e.g. "<f4", ">f2", "<u2"
  std::vector<std::optional<io::bf16_words>> words;  // the 2-byte words a bf16 input was read from
  param_set params;                                  // resolved: defaults filled in
  std::vector<tensor_ref> refs() const;
  // The words a bf16 output is written in: input i's own where it came as words (a gradient goes
  // back the way its input came), else the first input's that did, else '<i2'.
  io::bf16_words output_words(std::optional<std::size_t> input = std::nullopt) const;
};

loaded_inputs load_inputs(const loss_spec& spec, const std::vector<std::string>& files,
                          const std::optional<std::string>& dtype_arg, const std::vector<std::string>& param_args);

}  // namespace lossbench::cli
