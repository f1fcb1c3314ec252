// types.cpp — dtype/reduction names, the error type, shapes and the owning array.
#include <lossbench/types.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace lossbench {

std::string_view to_string(dtype t) {
  switch (t) {
    case dtype::f32:
      return "f32";
    case dtype::f64:
      return "f64";
    case dtype::i32:
      return "i32";
    case dtype::i64:
      return "i64";
    case dtype::bf16:
      return "bf16";
    case dtype::f16:
      return "f16";
  }
  return "?";
}

dtype parse_dtype(std::string_view s) {
  if (s == "f32" || s == "float32" || s == "float") return dtype::f32;
  if (s == "f64" || s == "float64" || s == "double") return dtype::f64;
  if (s == "bf16" || s == "bfloat16") return dtype::bf16;
  if (s == "f16" || s == "float16" || s == "half") return dtype::f16;
  if (s == "i32" || s == "int32") return dtype::i32;
  if (s == "i64" || s == "int64") return dtype::i64;
  throw error("--dtype", "unknown dtype '" + std::string(s) + "' (expected f32, f64, bf16, f16, i32 or i64)");
}

std::size_t size_of(dtype t) {
  if (is_16bit(t)) return 2;
  return (t == dtype::f32 || t == dtype::i32) ? 4 : 8;
}
bool is_floating(dtype t) { return t == dtype::f32 || t == dtype::f64 || is_16bit(t); }
bool is_16bit(dtype t) { return t == dtype::bf16 || t == dtype::f16; }

std::string_view to_string(reduction r) {
  switch (r) {
    case reduction::none:
      return "none";
    case reduction::mean:
      return "mean";
    case reduction::sum:
      return "sum";
    case reduction::batchmean:
      return "batchmean";
  }
  return "?";
}

reduction parse_reduction(std::string_view s) {
  if (s == "none") return reduction::none;
  if (s == "mean") return reduction::mean;
  if (s == "sum") return reduction::sum;
  if (s == "batchmean") return reduction::batchmean;
  throw error("--reduction", "unknown reduction '" + std::string(s) + "' (expected none, mean, sum or batchmean)");
}

error::error(std::string argument, const std::string& message)
    : std::runtime_error(argument + ": " + message), argument_(std::move(argument)) {}

shape::shape(std::initializer_list<std::int64_t> dims)
    : shape(std::span<const std::int64_t>(dims.begin(), dims.size())) {}

shape::shape(std::span<const std::int64_t> dims) {
  if (dims.size() > static_cast<std::size_t>(max_rank))
    throw error("shape", "rank " + std::to_string(dims.size()) + " exceeds the maximum of " + std::to_string(max_rank));
  for (auto d : dims)
    if (d < 0) throw error("shape", "negative dimension " + std::to_string(d));
  // The non-empty dimensions' product bounds every index and stride computed from this shape, so
  // it must fit in int64 even when another dimension is 0 (numel() then never overflows either).
  std::int64_t product = 1;
  for (auto d : dims)
    if (d != 0 && __builtin_mul_overflow(product, d, &product))
      throw error("shape", "dimensions multiply past 2^63 - 1 elements");
  rank_ = static_cast<int>(dims.size());
  std::copy(dims.begin(), dims.end(), dims_.begin());
}

std::int64_t shape::numel() const noexcept {
  std::int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
  return n;
}

bool shape::operator==(const shape& o) const noexcept {
  return rank_ == o.rank_ && std::equal(dims_.begin(), dims_.begin() + rank_, o.dims_.begin());
}

std::string shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string((*this)[i]);
  return s + "]";
}

void array::free_deleter::operator()(std::byte* p) const noexcept { std::free(p); }

array::array(dtype t, lossbench::shape s) : type_(t), shape_(s) {
  if (static_cast<std::uint64_t>(numel()) > (std::numeric_limits<std::size_t>::max() - 63) / size_of(t))
    throw std::bad_alloc();  // more bytes than the address space: bytes() would wrap
  // 64-byte alignment (a cache line, an AVX-512 register); at least one line so data() is never null.
  const std::size_t n = std::max<std::size_t>(64, (bytes() + 63) / 64 * 64);
  auto* p = static_cast<std::byte*>(std::aligned_alloc(64, n));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n);
  storage_.reset(p);
}

double tensor_ref::get(std::int64_t i) const {
  switch (type) {
    case dtype::f32:
      return as<float>()[i];
    case dtype::f64:
      return as<double>()[i];
    case dtype::i32:
      return as<std::int32_t>()[i];
    case dtype::i64:
      return static_cast<double>(as<std::int64_t>()[i]);
    case dtype::bf16:
      return as<bf16>()[i];
    case dtype::f16:
      return as<f16>()[i];
  }
  return 0;
}

double array::get(std::int64_t i) const { return ref().get(i); }

void array::set(std::int64_t i, double v) {
  switch (type_) {
    case dtype::f32:
      static_cast<float*>(raw())[i] = static_cast<float>(v);
      break;
    case dtype::f64:
      static_cast<double*>(raw())[i] = v;
      break;
    case dtype::i32:
      static_cast<std::int32_t*>(raw())[i] = static_cast<std::int32_t>(v);
      break;
    case dtype::i64:
      static_cast<std::int64_t*>(raw())[i] = static_cast<std::int64_t>(v);
      break;
    case dtype::bf16:  // rounded once from the double (float16.hpp)
      static_cast<bf16*>(raw())[i] = bf16(v);
      break;
    case dtype::f16:
      static_cast<f16*>(raw())[i] = f16(v);
      break;
  }
}

array array::astype(dtype t) const {
  array out(t, shape_);
  for (std::int64_t i = 0; i < numel(); ++i) out.set(i, get(i));
  return out;
}

std::vector<tensor_ref> refs_of(std::span<const array> arrays) {
  std::vector<tensor_ref> out;
  out.reserve(arrays.size());
  for (const array& a : arrays) out.push_back(a.ref());
  return out;
}

}  // namespace lossbench
