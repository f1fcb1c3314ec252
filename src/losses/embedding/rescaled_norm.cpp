// rescaled_norm.cpp — rescaled_norm.hpp's rare path, compiled once for the baseline ISA.
#include "losses/embedding/rescaled_norm.hpp"

namespace lossbench::losses::embedding {
namespace {

// |v|^p for the kinds plain_range_of bounds: p = 2 and general p.
template <class T>
T term(T w, const p_norm<T>& n) {
  return n.kind == norm_kind::two ? w * w : std::pow(w, n.p);
}

// S: the rows' storage (T, or bf16/f16 for T = float: read widened, exactly).
template <class S, class T>
power_sum<T> rescaled(const S* x, const S* y, std::size_t dim, T eps, const p_norm<T>& n) {
  T largest = 0;  // max |v|; a NaN sticks
  for (std::size_t j = 0; j < dim; ++j) {
    const T a = std::fabs((T(x[j]) - T(y[j])) + eps);
    largest = a > largest || a != a ? a : largest;
  }
  // An all-zero row sums to 0, one with ±inf to +inf, one with NaN to NaN: what largest is.
  if (!(largest > 0) || !std::isfinite(largest)) return {largest, 0};
  int e = 0;
  (void)std::frexp(largest, &e);  // largest = f·2^e, f ∈ [½, 1)
  T s = 0;
  for (std::size_t j = 0; j < dim; ++j) s += term(std::ldexp(std::fabs((T(x[j]) - T(y[j])) + eps), -e), n);
  return {s, e};
}

template <class T>
T norm_of(const power_sum<T>& s, const p_norm<T>& n) {
  return std::ldexp(n.kind == norm_kind::two ? std::sqrt(s.scaled) : std::pow(s.scaled, n.inv_p), s.exponent);
}

}  // namespace

power_sum<float> rescaled_power_sum(const float* x, const float* y, std::size_t dim, float eps,
                                    const p_norm<float>& n) {
  return rescaled(x, y, dim, eps, n);
}
power_sum<double> rescaled_power_sum(const double* x, const double* y, std::size_t dim, double eps,
                                     const p_norm<double>& n) {
  return rescaled(x, y, dim, eps, n);
}
power_sum<float> rescaled_power_sum(const bf16* x, const bf16* y, std::size_t dim, float eps, const p_norm<float>& n) {
  return rescaled(x, y, dim, eps, n);
}
power_sum<float> rescaled_power_sum(const f16* x, const f16* y, std::size_t dim, float eps, const p_norm<float>& n) {
  return rescaled(x, y, dim, eps, n);
}
float rescaled_norm(const float* x, const float* y, std::size_t dim, float eps, const p_norm<float>& n) {
  return norm_of(rescaled(x, y, dim, eps, n), n);
}
double rescaled_norm(const double* x, const double* y, std::size_t dim, double eps, const p_norm<double>& n) {
  return norm_of(rescaled(x, y, dim, eps, n), n);
}
float rescaled_norm(const bf16* x, const bf16* y, std::size_t dim, float eps, const p_norm<float>& n) {
  return norm_of(rescaled(x, y, dim, eps, n), n);
}
float rescaled_norm(const f16* x, const f16* y, std::size_t dim, float eps, const p_norm<float>& n) {
  return norm_of(rescaled(x, y, dim, eps, n), n);
}

}  // namespace lossbench::losses::embedding
