// profile_fuzz.cpp — the tuning-profile parser (LOSSBENCH_PROFILE's file) on arbitrary text; a
// profile that parses is serialised and must parse again to the same text.
#include "fuzz_input.hpp"
#include "tuning/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lossbench;
  return fuzz::run([&] {
    const tuning::profile p = tuning::parse_profile(fuzz::bytes_of(data, size));
    const std::string text = tuning::to_json_text(p);
    if (tuning::to_json_text(tuning::parse_profile(text)) != text) std::abort();
  });
}
