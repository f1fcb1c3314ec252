// golden_fuzz.cpp — a golden file as untrusted input: the first byte picks the loss, the rest is
// the file. It is read (parsed and validated) every time; the check itself (building the cases'
// inputs, running the scalar entries, comparing digests) runs when the cases are small: a large
// case is valid input that is merely slow, and the fuzzer's time is better spent on the options.
#include "check/check.hpp"
#include "check/golden_file.hpp"
#include "fuzz_input.hpp"

#include <lossbench/registry.hpp>

namespace {
using lossbench::check::json;

constexpr std::int64_t small = 256;

bool small_numbers(const json& j) {
  if (j.is_number_integer()) return j.get<std::int64_t>() <= small;
  if (j.is_number_unsigned()) return j.get<std::uint64_t>() <= static_cast<std::uint64_t>(small);
  if (j.is_structured())
    for (const auto& item : j)
      if (!small_numbers(item)) return false;
  return true;
}

bool small_cases(const lossbench::check::golden_file& file) {
  for (const auto& c : file.cases) {
    const auto& s = c.desc.shape;
    if (s.n > small || s.inner > small || !small_numbers(c.desc.params) || !small_numbers(c.desc.options)) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lossbench;
  if (size == 0) return 0;
  const auto& losses = catalogue();
  const loss_spec& loss = *losses[data[0] % losses.size()];
  return fuzz::run([&] {
    const std::string path = fuzz::as_file(fuzz::bytes_of(data + 1, size - 1), std::string(loss.name()) + ".json");
    const check::golden_file file = check::read_golden(path);
    if (!small_cases(file)) return;
    std::vector<entry> scalar;
    for (dtype dt : check::golden_dtypes)
      for (const entry* e : find_entries(loss.name(), "scalar", dt)) scalar.push_back(*e);
    check::run_check(scalar, fuzz::scratch_dir().string()).passed();
  });
}
