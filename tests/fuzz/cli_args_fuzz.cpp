// cli_args_fuzz.cpp — the command line's value parsers on arbitrary text. The input is lines: the
// first byte picks a loss, then every line is tried as a size ("64k", "16M"), a size list, an ISA
// (--max-isa), a dtype, a reduction and a thread list (--threads); all lines together are the
// benchmark flags (--lossbench_sizes=…) and `eval`'s --param NAME=VALUE list for that loss, on
// small input files of its own.
#include "bench/options.hpp"
#include "cli/eval_inputs.hpp"
#include "cli/thread_list.hpp"
#include "fuzz_input.hpp"
#include "io/npy.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/registry.hpp>

#include <map>
#include <vector>

namespace {
using namespace lossbench;

// The loss's inputs from its own generator, written once.
const std::vector<std::string>& input_files(const loss_spec& loss) {
  static std::map<std::string_view, std::vector<std::string>> files;
  auto& out = files[loss.name()];
  if (out.empty()) {
    const std::vector<array> arrays = loss.generate(dtype::f32, {4, 3}, 1, loss.resolve({}));
    for (std::size_t i = 0; i < arrays.size(); ++i) {
      out.push_back((fuzz::scratch_dir() / (std::string(loss.name()) + std::to_string(i) + ".npy")).string());
      io::write_npy(out.back(), arrays[i]);
    }
  }
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  for (std::size_t b = 0, e; b <= text.size(); b = e + 1) {
    e = std::min(text.find('\n', b), text.size());
    lines.emplace_back(text.substr(b, e - b));
  }
  return lines;
}

template <class F>
void each(const std::vector<std::string>& lines, F&& parse) {
  for (const auto& line : lines) fuzz::run([&] { parse(line); });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& losses = catalogue();
  const loss_spec& loss = *losses[data[0] % losses.size()];
  const std::vector<std::string> lines = lines_of(fuzz::bytes_of(data + 1, size - 1));

  each(lines, [](const std::string& s) { bench::parse_element_count(s, "--n"); });
  each(lines, [](const std::string& s) { bench::parse_sizes(s, false); });
  each(lines, [](const std::string& s) { bench::parse_sizes(s, true); });
  each(lines, [](const std::string& s) { parse_isa(s); });
  each(lines, [](const std::string& s) { parse_dtype(s); });
  each(lines, [](const std::string& s) { parse_reduction(s); });
  each(lines, [](const std::string& s) { cli::parse_threads(s); });
  fuzz::run([&] {
    std::vector<std::string> args{"lossbench_bench"};
    args.insert(args.end(), lines.begin(), lines.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    bench::parse_options(&argc, argv.data());
  });
  fuzz::run([&] { cli::load_inputs(loss, input_files(loss), std::nullopt, lines); });
  return 0;
}
