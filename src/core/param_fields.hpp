// param_fields.hpp — a loss's parameters written once: each field of its struct
// (lossbench/loss_params.hpp) with its name and doc. From that one list come the spec's
// param_desc table (kinds and torch's defaults taken from the struct itself) and the decoding
// of a by-name param_set into the struct, so a parameter's name is spelled in one place.
#pragma once

#include <lossbench/loss_params.hpp>
#include <lossbench/loss_spec.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace lossbench::core {

template <class P, class M>
struct param_field {
  std::string_view name;
  M P::*member;
  std::string_view doc;
};
// Spelled out because clang before 17 does not deduce an aggregate's template arguments.
template <class P, class M>
param_field(std::string_view, M P::*, std::string_view) -> param_field<P, M>;

template <class M>
constexpr param_kind kind_of() {
  if constexpr (std::is_same_v<M, bool>)
    return param_kind::boolean;
  else if constexpr (std::is_same_v<M, std::int64_t>)
    return param_kind::integer;
  else if constexpr (std::is_same_v<M, double>)
    return param_kind::real;
  else if constexpr (std::is_same_v<M, real_or_array>)
    return param_kind::real_or_tensor;
  else {
    static_assert(std::is_same_v<M, std::optional<tensor_ref>>, "a parameter is a number, a flag or an array");
    return param_kind::tensor;
  }
}

// The default a by-name caller sees (lossbench list, --param): the struct's own initializer.
template <class P, class M>
constexpr double default_of(M P::*member) {
  if constexpr (std::is_same_v<M, real_or_array>)
    return (P{}.*member).number;
  else if constexpr (std::is_same_v<M, std::optional<tensor_ref>>)
    return 0;  // absent
  else
    return static_cast<double>(P{}.*member);
}

// The param_desc table of a loss, in field order.
constexpr std::array<param_desc, 0> describe(const std::tuple<>&) { return {}; }
template <class P, class... M>
constexpr std::array<param_desc, sizeof...(M)> describe(const std::tuple<param_field<P, M>...>& fields) {
  return std::apply(
      [](const auto&... f) {
        return std::array<param_desc, sizeof...(M)>{
            param_desc{f.name, kind_of<M>(), default_of<P, M>(f.member), f.doc}...};
      },
      fields);
}

namespace detail {
inline void read(double& v, std::string_view name, const param_set& given) {
  if (given.has(name)) v = given.number(name);
}
inline void read(std::int64_t& v, std::string_view name, const param_set& given) {
  if (!given.has(name)) return;
  const double d = given.number(name);  // resolve() checked it is integral and below 2^53
  if (!(d > -0x1p63 && d < 0x1p63)) throw error(std::string(name), "must fit in a 64-bit integer");
  v = static_cast<std::int64_t>(d);
}
inline void read(bool& v, std::string_view name, const param_set& given) {
  if (given.has(name)) v = given.number(name) != 0;
}
inline void read(std::optional<tensor_ref>& v, std::string_view name, const param_set& given) {
  if (const array* t = given.tensor(name)) v = t->ref();
}
inline void read(real_or_array& v, std::string_view name, const param_set& given) {
  if (const array* t = given.tensor(name))
    v.array = t->ref();
  else if (given.has(name))
    v.number = given.number(name);
}
}  // namespace detail

// The struct of a by-name call: fields absent from `given` (or no `given`) keep torch's defaults.
// Arrays are views of `given`'s, which must outlive the struct.
template <class P, class... M>
P decode(const std::tuple<param_field<P, M>...>& fields, const param_set* given) {
  P p{};
  if (given) std::apply([&](const auto&... f) { (detail::read(p.*(f.member), f.name, *given), ...); }, fields);
  return p;
}

// A 64-bit FNV-1a hash of the struct's values, arrays by dtype, shape and content: processes that
// share one batch compare it to agree on the parameters without sending them.
namespace detail {
class fnv1a {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ b[i]) * 0x100000001b3ULL;
  }
  template <class V>
  void value(const V& v) {
    bytes(&v, sizeof v);
  }
  std::uint64_t result() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

inline void hash(fnv1a& h, double v) { h.value(v); }
inline void hash(fnv1a& h, std::int64_t v) { h.value(v); }
inline void hash(fnv1a& h, bool v) { h.value(static_cast<unsigned char>(v)); }
inline void hash(fnv1a& h, const std::optional<tensor_ref>& t) {
  h.value(static_cast<unsigned char>(t.has_value()));
  if (!t) return;
  h.value(t->type);
  for (int d = 0; d < t->shape.rank(); ++d) h.value(t->shape[d]);
  if (t->data) h.bytes(t->data, static_cast<std::size_t>(t->numel()) * size_of(t->type));
}
inline void hash(fnv1a& h, const real_or_array& v) {
  hash(h, v.number);
  hash(h, v.array);
}
}  // namespace detail

template <class P, class... M>
std::uint64_t digest(const std::tuple<param_field<P, M>...>& fields, const P& p) {
  detail::fnv1a h;
  std::apply([&](const auto&... f) { (detail::hash(h, p.*(f.member)), ...); }, fields);
  return h.result();
}

}  // namespace lossbench::core
