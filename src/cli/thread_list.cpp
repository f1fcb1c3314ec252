// thread_list.cpp — parsing --threads (thread_list.hpp).
#include "cli/thread_list.hpp"

#include <lossbench/threads.hpp>
#include <lossbench/types.hpp>

#include <algorithm>
#include <exception>

namespace lossbench::cli {

int parse_thread_count(const std::string& s) {
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || n < 1 || n > lossbench::max_threads)
    throw lossbench::error(
        "--threads", "expected a thread count in [1, " + std::to_string(lossbench::max_threads) + "], got '" + s + "'");
  return n;
}

int parse_threads(const std::string& s) {
  int most = 0;
  for (std::size_t b = 0, e; b <= s.size(); b = e + 1) {
    e = std::min(s.find(',', b), s.size());
    most = std::max(most, parse_thread_count(s.substr(b, e - b)));
  }
  return most;
}

}  // namespace lossbench::cli
