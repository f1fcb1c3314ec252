// environment.hpp — every environment variable lossbench reads, in one place: the names, what
// each does, and how a value is parsed (a bad value throws lossbench::error naming the variable).
// Callers keep what they read as their own semantics need: the ISA ceiling and the thresholds
// once per process, the tuning profile's path at each (re)load. docs/configuration.md lists the
// same table; `getenv` appears nowhere else (ctest: environment_read_in_one_place).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lossbench::core::environment {

struct knob {
  std::string_view name;
  std::string_view meaning;
  std::string_view unset;  // what holds when it is unset or empty
};

// Every variable, in the order docs/configuration.md lists them.
std::span<const knob> knobs();

// The variable's value; nullopt when unset or empty.
std::optional<std::string> text(std::string_view name);

// A count ≥ 0 (decimal); nullopt when unset or empty. `what` says what it counts, for the error.
std::optional<std::int64_t> count(std::string_view name, std::string_view what);

// true/false, 1/0, yes/no, on/off; nullopt when unset or empty.
std::optional<bool> flag(std::string_view name);

}  // namespace lossbench::core::environment
