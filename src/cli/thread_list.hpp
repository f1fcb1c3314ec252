// thread_list.hpp — the global --threads value: a count, or a list such as report's "1,2".
#pragma once

#include <string>

namespace lossbench::cli {

// A count in [1, lossbench::max_threads]; anything else throws lossbench::error naming --threads.
int parse_thread_count(const std::string& s);
// "2" or "1,2": the largest count (the omp default while the command runs).
int parse_threads(const std::string& s);

}  // namespace lossbench::cli
