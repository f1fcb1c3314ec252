// lossbench/types.hpp — the vocabulary every part of the library speaks:
// element types, reductions, the error type, shapes, and the owning `array`.
#pragma once

#include <lossbench/float16.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

// Element type of an array. Losses compute in f32 or f64; bf16 and f16 are storage types whose
// losses compute in f32 (lossbench/float16.hpp); i32/i64 carry class indices and lengths.
enum class dtype : std::uint8_t { f32, f64, i32, i64, bf16, f16 };

std::string_view to_string(dtype t);
dtype parse_dtype(std::string_view s);  // "f32" | "f64" | "bf16" | "f16" | "i32" | "i64" (also "float32", ...)
std::size_t size_of(dtype t);
bool is_floating(dtype t);  // f32, f64, bf16, f16
bool is_16bit(dtype t);     // bf16, f16

template <class T>
constexpr dtype dtype_of();
template <>
constexpr dtype dtype_of<float>() {
  return dtype::f32;
}
template <>
constexpr dtype dtype_of<double>() {
  return dtype::f64;
}
template <>
constexpr dtype dtype_of<bf16>() {
  return dtype::bf16;
}
template <>
constexpr dtype dtype_of<f16>() {
  return dtype::f16;
}
template <>
constexpr dtype dtype_of<std::int32_t>() {
  return dtype::i32;
}
template <>
constexpr dtype dtype_of<std::int64_t>() {
  return dtype::i64;
}

// How per-sample losses become the returned value (torch's `reduction=`).
// `none` returns the per-sample losses; its gradient is that of their sum.
// `batchmean` (kl_div only) divides the sum by the batch size (first dimension).
enum class reduction : std::uint8_t { none, mean, sum, batchmean };

std::string_view to_string(reduction r);
reduction parse_reduction(std::string_view s);

// Every failure the library reports: which argument was wrong and what was expected.
// The library never crashes or returns a silently wrong number on bad input; it throws this.
class error : public std::runtime_error {
 public:
  error(std::string argument, const std::string& message);
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string argument_;
};

// A shape of up to `max_rank` dimensions, stored inline so that describing a call never allocates.
class shape {
 public:
  static constexpr int max_rank = 8;
  shape() = default;
  shape(std::initializer_list<std::int64_t> dims);
  explicit shape(std::span<const std::int64_t> dims);

  int rank() const noexcept { return rank_; }
  std::int64_t operator[](int i) const noexcept { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t numel() const noexcept;
  std::span<const std::int64_t> dims() const noexcept { return {dims_.data(), static_cast<std::size_t>(rank_)}; }
  bool operator==(const shape& o) const noexcept;
  std::string str() const;  // "[3, 4]"

 private:
  int rank_ = 0;
  std::array<std::int64_t, max_rank> dims_{};
};

// A read-only view of caller memory: what a loss is evaluated on.
struct tensor_ref {
  dtype type = dtype::f32;
  lossbench::shape shape;
  const void* data = nullptr;

  std::int64_t numel() const noexcept { return shape.numel(); }
  template <class T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
  double get(std::int64_t i) const;  // element i converted to double (slow; for messages and tests)
};

// An owning, 64-byte-aligned, contiguous (C order) array. Used for generated data, gradients and
// files; kernels never allocate these on their hot path.
class array {
 public:
  array() = default;
  array(dtype t, lossbench::shape s);  // zero-filled

  dtype type() const noexcept { return type_; }
  const lossbench::shape& shape() const noexcept { return shape_; }
  std::int64_t numel() const noexcept { return shape_.numel(); }
  std::size_t bytes() const noexcept { return static_cast<std::size_t>(numel()) * size_of(type_); }

  void* raw() noexcept { return storage_.get(); }
  const void* raw() const noexcept { return storage_.get(); }
  template <class T>
  T* data() {
    check<T>();
    return static_cast<T*>(raw());
  }
  template <class T>
  const T* data() const {
    check<T>();
    return static_cast<const T*>(raw());
  }
  template <class T>
  std::span<T> span() {
    return {data<T>(), static_cast<std::size_t>(numel())};
  }
  template <class T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<std::size_t>(numel())};
  }

  tensor_ref ref() const noexcept { return {type_, shape_, raw()}; }
  double get(std::int64_t i) const;  // element i converted to double (slow; for printing and tests)
  void set(std::int64_t i, double v);
  array astype(dtype t) const;

 private:
  template <class T>
  void check() const {
    if (dtype_of<T>() != type_) throw error("array", "element type is " + std::string(to_string(type_)));
  }
  struct free_deleter {
    void operator()(std::byte* p) const noexcept;
  };
  dtype type_ = dtype::f32;
  lossbench::shape shape_;
  std::unique_ptr<std::byte[], free_deleter> storage_;
};

// Views of owning arrays, in order: the inputs of a call made from generated or loaded data.
std::vector<tensor_ref> refs_of(std::span<const array> arrays);

}  // namespace lossbench
