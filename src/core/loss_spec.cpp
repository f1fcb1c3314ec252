// loss_spec.cpp — the parts of a loss spec that are the same for every loss: parameter
// resolution, sizes for throughput and roofline figures, variant names, and `run` (validation,
// then the omp driver's thread rule).
#include <lossbench/loss_spec.hpp>

#include <lossbench/isa.hpp>

#include "core/omp_threads.hpp"
#include "core/traffic.hpp"

#include <algorithm>
#include <cmath>

namespace lossbench {

std::string variant::name() const {
  if (impl == implementation::automatic) return "auto";
  if (drv == driver::omp) return "omp";
  if (impl == implementation::scalar) return "scalar";
  if (isa == lossbench::isa::none) return "simd";
  return "simd:" + std::string(to_string(isa));
}

double loss_spec::run(const variant& v, dtype dt, const call& c) const {
  validate(c, dt);
  const int threads = v.drv == driver::omp ? core::omp_threads(*this, items(c.inputs), c.threads) : 1;
  return run_validated(v, dt, c, threads);
}

// ---- param_set ---------------------------------------------------------------------------------
const param_set::slot* param_set::find(std::string_view name) const {
  for (const auto& s : slots_)
    if (s.name == name) return &s;
  return nullptr;
}

param_set& param_set::set(std::string_view name, double value) {
  auto* s = const_cast<slot*>(find(name));
  if (!s) s = &slots_.emplace_back(slot{std::string(name), 0, std::nullopt});
  s->number = value;
  s->tensor.reset();
  return *this;
}

param_set& param_set::set(std::string_view name, array value) {
  auto* s = const_cast<slot*>(find(name));
  if (!s) s = &slots_.emplace_back(slot{std::string(name), 0, std::nullopt});
  s->tensor = std::move(value);
  return *this;
}

bool param_set::has(std::string_view name) const { return find(name) != nullptr; }

double param_set::number(std::string_view name) const {
  const slot* s = find(name);
  if (!s) throw error(std::string(name), "parameter is not set");
  if (s->tensor) throw error(std::string(name), "parameter is an array, a number was expected");
  return s->number;
}

const array* param_set::tensor(std::string_view name) const {
  const slot* s = find(name);
  return (s && s->tensor) ? &*s->tensor : nullptr;
}

std::vector<std::string> param_set::names() const {
  std::vector<std::string> out;
  for (const auto& s : slots_) out.push_back(s.name);
  return out;
}

// ---- loss_spec ---------------------------------------------------------------------------------
namespace {
std::string known_params(std::span<const param_desc> ps) {
  if (ps.empty()) return "this loss takes no parameters";
  std::string s = "known: ";
  for (std::size_t i = 0; i < ps.size(); ++i) s += (i ? ", " : "") + std::string(ps[i].name);
  return s;
}

void check_kind(const param_desc& d, const param_set& given) {
  const std::string name(d.name);
  const array* t = given.tensor(d.name);
  if (t) {
    if (d.kind != param_kind::tensor && d.kind != param_kind::real_or_tensor)
      throw error(name, "expects a number, got an array");
    if (!is_floating(t->type()))
      throw error(name, "array must be f32 or f64, got " + std::string(to_string(t->type())));
    return;
  }
  if (d.kind == param_kind::tensor) throw error(name, "expects an array (.npy file), got a number");
  const double v = given.number(d.name);
  if (d.kind == param_kind::integer && (v != std::floor(v) || !std::isfinite(v)))
    throw error(name, "expects an integer, got " + std::to_string(v));
  // Parameters are held as doubles: from 2^53 on, the integer given may have been rounded already
  // (2^53 + 1 arrives as 2^53), so such values are refused rather than silently changed.
  if (d.kind == param_kind::integer && std::fabs(v) >= 0x1p53)
    throw error(name, "expects an integer of magnitude below 2^53, got " + std::to_string(v));
  if (d.kind == param_kind::boolean && v != 0 && v != 1) throw error(name, "expects a boolean (true/false or 1/0)");
}
}  // namespace

param_set loss_spec::resolve(const param_set& given) const {
  const auto ps = params();
  for (const auto& n : given.names())
    if (std::none_of(ps.begin(), ps.end(), [&](const param_desc& d) { return d.name == n; }))
      throw error(n, "unknown parameter for loss " + std::string(name()) + " (" + known_params(ps) + ")");
  param_set out;
  for (const auto& d : ps) {
    if (given.has(d.name)) {
      check_kind(d, given);
      if (const array* t = given.tensor(d.name))
        out.set(d.name, t->astype(t->type()));
      else
        out.set(d.name, given.number(d.name));
    } else if (d.kind != param_kind::tensor) {
      out.set(d.name, d.default_value);
    }
  }
  return out;
}

std::span<const dtype> loss_spec::dtypes() const {
  static constexpr dtype wide[] = {dtype::f32, dtype::f64};
  return wide;
}

std::int64_t loss_spec::items(std::span<const tensor_ref> in) const { return in.empty() ? 0 : in[0].numel(); }

std::int64_t loss_spec::items_per_sample(dtype dt, std::int64_t inner) const {
  const auto one = generate(dt, shape_request{1, inner}, 1, resolve({}));
  return std::max<std::int64_t>(1, items(refs_of(one)));
}

std::int64_t loss_spec::compulsory_bytes(std::span<const tensor_ref> in, bool with_grad) const {
  return core::traffic_of(*this, in, with_grad, reduction::mean).total();  // no per-sample losses
}

core::compulsory_traffic core::traffic_of(const loss_spec& loss, std::span<const tensor_ref> in, bool with_grad,
                                          reduction r) {
  compulsory_traffic t;
  const auto desc = loss.inputs();
  for (std::size_t i = 0; i < in.size() && i < desc.size(); ++i) {
    const std::int64_t b = in[i].numel() * static_cast<std::int64_t>(size_of(in[i].type));
    t.read += b;                                              // every input is read once
    if (with_grad && desc[i].differentiable) t.written += b;  // and its gradient written once
  }
  if (r == reduction::none && !in.empty())
    t.written += loss.losses_shape(in).numel() * static_cast<std::int64_t>(size_of(in[0].type));
  return t;
}

std::size_t loss_spec::differentiable_count() const {
  const auto d = inputs();
  return static_cast<std::size_t>(
      std::count_if(d.begin(), d.end(), [](const input_desc& i) { return i.differentiable; }));
}

std::size_t loss_spec::input_index(std::string_view n) const {
  const auto d = inputs();
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i].name == n) return i;
  throw error(std::string(n), "no such input of loss " + std::string(name()));
}

}  // namespace lossbench
