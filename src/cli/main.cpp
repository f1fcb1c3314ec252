// main.cpp — the `lossbench` command: subcommands and exit codes.
//   0  success (also --help and --version)
//   2  bad input: a lossbench::error (a file, a shape, a dtype, an unknown loss/variant/parameter)
//      or a command-line parse error, reported as one line on stderr naming the argument
//   1  a failing verdict (check found a violation, compare a regression), or anything
//      unexpected (a bug, out of memory), then with one line on stderr
// Nothing escapes main as an exception, so no input makes the program abort.
#include "cli/commands.hpp"
#include "cli/thread_list.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/types.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

namespace {

constexpr int exit_bad_input = 2;
constexpr int exit_unexpected = 1;

// CLI11 messages may span lines; the contract is one line.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// CLI11 says only "A subcommand is required" for `lossbench frob`; name the word and the choices.
bool check_subcommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return true;
  std::string known;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == argv[1]) return true;
    known += (known.empty() ? "" : ", ") + sub->get_name();
  }
  std::fputs(fmt::format("lossbench: unknown command '{}' (expected one of: {})\n", argv[1], known).c_str(), stderr);
  return false;
}

// --max-isa and --threads apply before anything touches the registry (which is built once), so it is read
// from argv ahead of CLI11's parse; CLI11 still declares it for --help and validation.
void apply_max_isa(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--max-isa" && i + 1 < argc) lossbench::set_max_isa(lossbench::parse_isa(argv[i + 1]));
    if (a.rfind("--max-isa=", 0) == 0) lossbench::set_max_isa(lossbench::parse_isa(a.substr(10)));
    if (a == "--threads" && i + 1 < argc) lossbench::set_num_threads(lossbench::cli::parse_threads(argv[i + 1]));
    if (a.rfind("--threads=", 0) == 0) lossbench::set_num_threads(lossbench::cli::parse_threads(a.substr(10)));
  }
}

void report(const char* kind, const std::string& message) {
  // Best effort: a failing stderr must not turn a clean exit code into a crash.
  std::fputs(fmt::format("lossbench: {}{}\n", kind, one_line(message)).c_str(), stderr);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    apply_max_isa(argc, argv);
    CLI::App app{"lossbench: machine-learning loss functions and their gradients", "lossbench"};
    app.set_version_flag("--version",
                         std::string("lossbench ") + LOSSBENCH_VERSION + "\n" + lossbench::cli::isa_summary());
    app.add_option("--max-isa")
        ->description("Highest SIMD ISA to use: " + lossbench::isa_choices() +
                      " or none (default: the best the CPU has; also LOSSBENCH_MAX_ISA)")
        ->check(CLI::Validator(
            [](const std::string& s) {
              try {
                lossbench::parse_isa(s);
                return std::string();
              } catch (const lossbench::error& e) {
                return std::string(e.what());
              }
            },
            "ISA"));
    app.add_option("--threads", "Threads of the omp variant (default: OMP_NUM_THREADS, else one per core)")
        ->check(CLI::PositiveNumber);
    app.require_subcommand(1);
    lossbench::cli::add_list_command(app);
    lossbench::cli::add_eval_command(app);
    lossbench::cli::add_check_command(app);
    lossbench::cli::add_compare_command(app);
    lossbench::cli::add_report_command(app);
    lossbench::cli::add_tune_command(app);
    lossbench::cli::add_explain_command(app);
    lossbench::cli::add_history_command(app);
    if (!check_subcommand(app, argc, argv)) return exit_bad_input;
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help / --version print and succeed
      report("", e.what());
      return exit_bad_input;
    }
    return 0;
  } catch (const lossbench::cli::exit_with& e) {
    return e.code;
  } catch (const lossbench::error& e) {
    report("error: ", e.what());
    return exit_bad_input;
  } catch (const std::bad_alloc&) {  // the input asked for more memory than there is: its fault, not ours
    report("error: ", "out of memory: the inputs need more memory than this machine gives (a shape too large?)");
    return exit_bad_input;
  } catch (const std::exception& e) {
    report("internal error: ", e.what());
    return exit_unexpected;
  } catch (...) {
    report("internal error: ", "unknown exception");
    return exit_unexpected;
  }
}
