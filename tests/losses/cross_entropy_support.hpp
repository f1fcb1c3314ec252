// cross_entropy_support.hpp — what the cross_entropy tests share: the loss and its entries, small
// array builders, and the option grid of generated calls (narrow, standard and vocabulary-wide
// rows; index and probability targets; weights, label smoothing, ignored rows).
#pragma once

#include "support/harness.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lossbench::testing {

inline const loss_spec& ce() { return find_loss("cross_entropy"); }

inline std::vector<const entry*> ce_entries(dtype dt) {
  std::vector<const entry*> out;
  for (const entry& e : registry())
    if (e.loss->name() == "cross_entropy" && e.type == dt) out.push_back(&e);
  return out;
}

inline array make(dtype dt, shape s, const std::vector<double>& v) {
  array a(dt, s);
  for (std::size_t i = 0; i < v.size(); ++i) a.set(static_cast<std::int64_t>(i), v[i]);
  return a;
}

inline std::vector<array> inputs_of(array logits, array target) {
  std::vector<array> in;
  in.push_back(std::move(logits));
  in.push_back(std::move(target));
  return in;
}

// Softmax of 2·N(0,1) draws, as probability targets.
inline array soft_targets(dtype dt, std::int64_t rows, std::int64_t classes, std::uint64_t seed) {
  const auto draws = ce().generate(dtype::f64, {rows, classes}, seed, ce().resolve({}));
  array out(dt, {rows, classes});
  for (std::int64_t i = 0; i < rows; ++i) {
    double total = 0;
    for (std::int64_t c = 0; c < classes; ++c) total += std::exp(draws[0].get(i * classes + c));
    for (std::int64_t c = 0; c < classes; ++c)
      out.set(i * classes + c, std::exp(draws[0].get(i * classes + c)) / total);
  }
  return out;
}

struct ce_options {
  bool soft, weighted;
  double eps, ignore_index, logit_scale;
};

inline constexpr ce_options ce_option_grid[] = {
    {false, false, 0, -100, 2},   {false, true, 0, -100, 2},
    {false, false, 0, -100, 50},  {false, true, 0.1, -100, 2},
    {false, true, 0.3, 3, 2},     {false, false, 0.2, -100, 50},  // logits up to ±~300: δ terms dominate the magnitude
    {true, false, 0, -100, 2},    {true, true, 0.1, -100, 2},
    {true, false, 0.2, -100, 50},
};

// A generated call in dtype dt (so its values are exact in it): logits scaled by the options',
// every fifth row ignored (index targets), dyadic class weights.
inline owned_call ce_call(dtype dt, std::int64_t rows, std::int64_t classes, const ce_options& o, reduction red,
                          dtype index_type, std::uint64_t seed) {
  auto in = ce().generate(dt, {rows, classes}, seed + static_cast<std::uint64_t>(classes), ce().resolve({}));
  for (std::int64_t k = 0; k < in[0].numel(); ++k) in[0].set(k, in[0].get(k) * o.logit_scale);
  if (o.soft) {
    in[1] = soft_targets(dt, rows, classes, seed + 7);
  } else {
    for (std::int64_t i = 0; i < rows; i += 5) in[1].set(i, o.ignore_index);
    in[1] = in[1].astype(index_type);
  }
  param_set p;
  p.set("label_smoothing", o.eps);
  p.set("ignore_index", o.ignore_index);
  if (o.weighted) {
    array w(dt, {classes});
    for (std::int64_t c = 0; c < classes; ++c) w.set(c, 0.25 + static_cast<double>(c % 7) * 0.25);
    p.set("weight", std::move(w));
  }
  return owned_call(ce(), std::move(in), p, red);
}

inline std::string ce_trace(dtype dt, std::int64_t classes, const ce_options& o, reduction red) {
  return std::string(to_string(dt)) + " C=" + std::to_string(classes) + " soft=" + std::to_string(o.soft) +
         " weighted=" + std::to_string(o.weighted) + " eps=" + std::to_string(o.eps) +
         " scale=" + std::to_string(o.logit_scale) + " " + std::string(to_string(red));
}

}  // namespace lossbench::testing
