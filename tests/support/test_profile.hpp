// test_profile.hpp — a tuning profile that `auto` accepts on this machine and build (its CPU and
// build signatures), with no entries yet: tests add the choices they want `auto` to make.
#pragma once

#include "tuning/profile.hpp"

#include <lossbench/tuning.hpp>

#include <string>

namespace lossbench::testing {

inline tuning::profile empty_profile_of_this_machine(std::string statistic) {
  tuning::profile p;
  p.rigor = "measure";
  p.created = "2026-01-01T00:00:00Z";
  p.cpu = this_cpu();
  p.build = this_build();
  p.statistic = std::move(statistic);
  return p;
}

}  // namespace lossbench::testing
