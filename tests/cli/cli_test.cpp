// cli_test.cpp — the `lossbench` binary end to end: it is run as a user runs it (popen), on .npy
// files written with the library's own writer, and its output, exit code and written files are
// checked against the library called directly. Eval is checked for every loss in the catalogue,
// so the CLI's generic input/parameter handling is exercised by each loss as it is added.
#include "io/npy.hpp"
#include "support/harness.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#ifdef LOSSBENCH_CLI_PATH

namespace lossbench::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct cli_result {
  int code = -1;
  std::string out, err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lossbench_cli_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `lossbench ARGS` (ARGS already shell-quoted where needed), capturing stdout and stderr.
  cli_result run(const std::string& args) const {
    const std::string err_file = path("stderr.txt");
    const std::string cmd = std::string("'") + LOSSBENCH_CLI_PATH + "' " + args + " 2>'" + err_file + "'";
    cli_result r;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;  // a signal (a crash) is never a valid code
    std::ifstream e(err_file);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
  }

  std::string write(const std::string& name, const array& a) const {
    io::write_npy(path(name), a);
    return path(name);
  }

  // Exit code 2 and exactly one line on stderr that contains `fragment` (the argument named).
  void expect_bad_input(const std::string& args, const std::string& fragment) const {
    SCOPED_TRACE(args);
    const cli_result r = run(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line: " << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }

  fs::path dir_;
};

// A default value as text that reads back to the same double (%.17g).
std::string fmt_default(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

array filled(dtype t, shape s, double start, double step) {
  array a(t, s);
  for (std::int64_t i = 0; i < a.numel(); ++i) a.set(i, start + step * static_cast<double>(i % 7));
  return a;
}

TEST_F(Cli, VersionAndHelpOnEveryCommand) {
  const cli_result v = run("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find(LOSSBENCH_VERSION), std::string::npos) << v.out;
  for (const char* cmd : {"", "list", "eval"}) {
    const cli_result h = run(std::string(cmd) + " --help");
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << cmd << ": " << h.out;
  }
}

TEST_F(Cli, ListNamesEveryRegistryEntry) {
  const cli_result text = run("list");
  ASSERT_EQ(text.code, 0) << text.err;
  for (const entry& e : registry()) EXPECT_NE(text.out.find(e.name()), std::string::npos) << e.name();
  for (const loss_spec* l : catalogue())
    EXPECT_NE(text.out.find(std::string(l->summary())), std::string::npos) << l->name();

  const cli_result js = run("list --json");
  ASSERT_EQ(js.code, 0) << js.err;
  const json j = json::parse(js.out);
  ASSERT_EQ(j["entries"].size(), registry().size());
  for (std::size_t i = 0; i < registry().size(); ++i) EXPECT_EQ(j["entries"][i]["name"], registry()[i].name());
  ASSERT_EQ(j["losses"].size(), catalogue().size());
  for (std::size_t i = 0; i < catalogue().size(); ++i) {
    const loss_spec& l = *catalogue()[i];
    const json& jl = j["losses"][i];
    EXPECT_EQ(jl["name"], std::string(l.name()));
    EXPECT_EQ(jl["torch"], std::string(l.torch_name()));
    ASSERT_EQ(jl["inputs"].size(), l.inputs().size());
    for (std::size_t k = 0; k < l.inputs().size(); ++k) {
      EXPECT_EQ(jl["inputs"][k]["name"], std::string(l.inputs()[k].name));
      EXPECT_EQ(jl["inputs"][k]["differentiable"], l.inputs()[k].differentiable);
    }
    ASSERT_EQ(jl["params"].size(), l.params().size());
    for (std::size_t k = 0; k < l.params().size(); ++k) {
      const param_desc& p = l.params()[k];
      EXPECT_EQ(jl["params"][k]["name"], std::string(p.name));
      if (p.kind == param_kind::tensor)
        EXPECT_TRUE(jl["params"][k]["default"].is_null());
      else if (p.kind == param_kind::boolean)
        EXPECT_EQ(jl["params"][k]["default"], p.default_value != 0);
      else
        EXPECT_EQ(jl["params"][k]["default"].get<double>(), p.default_value);
    }
    EXPECT_EQ(jl["reductions"].size(), l.reductions().size());
  }
}

// The CLI runs the same kernel on the same bits as the library called here, so every number must
// be bitwise identical; JSON numbers are written in shortest round-trip form and read back exactly.
TEST_F(Cli, EvalMatchesTheLibraryForEveryLossDtypeAndReduction) {
  for (const loss_spec* spec : catalogue())
    for (dtype t : {dtype::f32, dtype::f64})
      for (reduction red : spec->reductions()) {
        SCOPED_TRACE(std::string(spec->name()) + " " + std::string(to_string(t)) + " " + std::string(to_string(red)));
        owned_call oc(*spec, spec->generate(t, {23, 0}, 5, spec->resolve({})), {}, red);
        std::string files;
        for (std::size_t i = 0; i < oc.inputs.size(); ++i)
          files += " '" + write(std::string(spec->inputs()[i].name) + ".npy", oc.inputs[i]) + "'";
        const cli_result r = run("eval --json --loss " + std::string(spec->name()) + " --dtype " +
                                 std::string(to_string(t)) + " --reduction " + std::string(to_string(red)) +
                                 " --grad-out '" + path("g") + "' --losses-out '" + path("losses.npy") + "'" + files);
        ASSERT_EQ(r.code, 0) << r.err;
        const json j = json::parse(r.out);
        const auto entries = find_entries(spec->name(), "all", t);
        ASSERT_EQ(j["variants"].size(), entries.size());
        const reference_result ref = spec->reference(oc.view());
        EXPECT_EQ(j["reference"]["value"].get<double>(), static_cast<double>(ref.value));
        for (std::size_t v = 0; v < entries.size(); ++v) {
          const evaluation ev = evaluate(*entries[v], oc, true);
          EXPECT_EQ(j["variants"][v]["variant"], entries[v]->variant.name());
          EXPECT_EQ(j["variants"][v]["value"].get<double>(), ev.value);
          if (red != reduction::none) continue;
          for (std::int64_t i = 0; i < ev.losses.numel(); ++i)
            EXPECT_EQ(j["variants"][v]["losses"][static_cast<std::size_t>(i)].get<double>(), ev.losses.get(i));
        }
        const evaluation first = evaluate(*entries.front(), oc, true);
        for (std::size_t i = 0, k = 0; i < spec->inputs().size(); ++i) {
          if (!spec->inputs()[i].differentiable) continue;
          const array g = io::read_npy(path("g." + std::string(spec->inputs()[i].name) + ".npy"));
          ASSERT_EQ(g.shape(), first.grads[k].shape());
          EXPECT_EQ(std::memcmp(g.raw(), first.grads[k].raw(), g.bytes()), 0)
              << "gradient of " << spec->inputs()[i].name;
          ++k;
        }
        owned_call none(*spec, spec->generate(t, {23, 0}, 5, spec->resolve({})), {}, reduction::none);
        const evaluation per_sample = evaluate(*entries.front(), none, false);
        const array losses = io::read_npy(path("losses.npy"));
        ASSERT_EQ(losses.shape(), per_sample.losses.shape());
        EXPECT_EQ(std::memcmp(losses.raw(), per_sample.losses.raw(), losses.bytes()), 0);
      }
}

// Every number and boolean parameter given explicitly at its default must give the default's
// result (bitwise: same kernel, same bits); a value of the wrong kind must be refused by name.
TEST_F(Cli, ParamsParseForEveryKind) {
  for (const loss_spec* spec : catalogue()) {
    owned_call oc(*spec, spec->generate(dtype::f64, {9, 0}, 3, spec->resolve({})));
    std::string files;
    for (std::size_t i = 0; i < oc.inputs.size(); ++i)
      files += " '" + write("in" + std::to_string(i) + ".npy", oc.inputs[i]) + "'";
    const std::string eval = "eval --json --loss " + std::string(spec->name());
    std::string given;
    for (const param_desc& p : spec->params()) {
      const std::string name(p.name);
      expect_bad_input(eval + " --param " + name + "=maybe" + files, "--param " + name);
      if (p.kind == param_kind::tensor) continue;
      given +=
          " --param " + name + "=" +
          (p.kind == param_kind::boolean ? (p.default_value != 0 ? "true" : "false") : fmt_default(p.default_value));
    }
    if (given.empty()) continue;
    SCOPED_TRACE(std::string(spec->name()) + given);
    const cli_result r = run(eval + given + files);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["variants"][0]["value"].get<double>(),
              evaluate(*find_entries(spec->name(), "all", dtype::f64)[0], oc, false).value);
  }
}

TEST_F(Cli, EvalTakesTheDtypeOfTheFirstInputAndConvertsTheOthers) {
  const std::string x = write("x.npy", filled(dtype::f64, {40}, 0.1, 0.37));
  const std::string y = write("y.npy", filled(dtype::f32, {40}, 0.3, 0.21));
  const cli_result r = run("eval --json --loss mse '" + x + "' '" + y + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["dtype"], "f64");
  EXPECT_EQ(j["inputs"][1]["file_dtype"], "f32");
  EXPECT_EQ(j["inputs"][1]["dtype"], "f64");
  owned_call oc(find_loss("mse"), [&] {
    std::vector<array> in;
    in.push_back(io::read_npy(x));
    in.push_back(io::read_npy(y).astype(dtype::f64));
    return in;
  }());
  EXPECT_EQ(j["variants"][0]["value"].get<double>(),
            evaluate(*find_entries("mse", "all", dtype::f64)[0], oc, false).value);
}

TEST_F(Cli, EvalTextShowsValuesAndTruncatesLosses) {
  const std::string x = write("x.npy", filled(dtype::f32, {50}, 0.1, 0.37));
  const std::string y = write("y.npy", filled(dtype::f32, {50}, 0.3, 0.21));
  const cli_result r = run("eval --loss mse --reduction none '" + x + "' '" + y + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("reference (long double)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MAX GRAD REL DIFF"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("…"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(50 values)"), std::string::npos) << r.out;
}

TEST_F(Cli, ExplainTakesSizesLikeTheRestOfTheCli) {
  const cli_result r = run("explain --loss mse --n 64k --mode value");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("at 65536 items"), std::string::npos) << r.out;
}

TEST_F(Cli, BadInputExitsWithTwoAndNamesTheArgument) {
  const std::string x = "'" + write("x.npy", filled(dtype::f32, {6}, 0.1, 0.5)) + "'";
  const std::string y = "'" + write("y.npy", filled(dtype::f32, {6}, 0.2, 0.5)) + "'";
  const std::string y5 = "'" + write("y5.npy", filled(dtype::f32, {5}, 0.2, 0.5)) + "'";
  const std::string yi = "'" + write("yi.npy", filled(dtype::i64, {6}, 1, 1)) + "'";
  {
    std::ofstream(path("bad.npy")) << "not numpy at all";
    const std::string good = [&] {
      std::ifstream f(path("y.npy"), std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(f), {});
    }();
    std::ofstream(path("trunc.npy"), std::ios::binary) << good.substr(0, good.size() - 3);
    std::string malformed = good;
    malformed.replace(malformed.find("'shape'"), 7, "'shapf'");
    std::ofstream(path("malformed.npy"), std::ios::binary) << malformed;
  }
  expect_bad_input("eval --loss nope " + x + " " + y, "--loss");
  expect_bad_input("eval " + x + " " + y, "--loss");
  expect_bad_input("eval --loss mse --variant nope " + x + " " + y, "--variant");
  expect_bad_input("eval --loss mse --param nope=1 " + x + " " + y, "--param nope");
  expect_bad_input("eval --loss mse --param nope " + x + " " + y, "expected NAME=VALUE");
  expect_bad_input("eval --loss mse " + x + " " + y5, "target: shape [5] does not match");
  expect_bad_input("eval --loss mse " + x + " " + yi, "target: expected a floating-point array");
  expect_bad_input("eval --loss mse " + yi + " " + x, "--dtype");
  expect_bad_input("eval --loss mse --dtype i64 " + x + " " + y, "--dtype");
  expect_bad_input("eval --loss mse " + x + " '" + path("absent.npy") + "'", path("absent.npy") + ": no such file");
  expect_bad_input("eval --loss mse " + x + " '" + path("trunc.npy") + "'", path("trunc.npy") + ": truncated data");
  expect_bad_input("eval --loss mse " + x + " '" + path("bad.npy") + "'", path("bad.npy") + ": not a .npy file");
  expect_bad_input("eval --loss mse " + x + " '" + path("malformed.npy") + "'",
                   path("malformed.npy") + ": malformed .npy header");
  expect_bad_input("check --loss mse --golden '" + path("no_such_dir") + "'", "--golden");
  expect_bad_input("eval --loss cross_entropy --param ignore_index=9007199254740993 " + x + " " + yi,
                   "--param ignore_index");
  expect_bad_input("explain --loss mse --n 1e20", "--n");
  expect_bad_input("explain --loss mse --n 99999999999999999999", "--n");
  expect_bad_input("explain --loss mse --n 9999999999999M", "--n");
  expect_bad_input("explain --loss mse --n -5", "--n");
  expect_bad_input("eval --loss mse " + x, "missing target");
  expect_bad_input("eval --loss mse", "missing input, target");
  expect_bad_input("eval --loss mse " + x + " " + y + " " + y, "extra");
  expect_bad_input("eval --loss mse --reduction avg " + x + " " + y, "--reduction");
  expect_bad_input("eval --loss mse --reduction batchmean " + x + " " + y, "--reduction");
  expect_bad_input("eval --loss mse --frobnicate " + x + " " + y, "--frobnicate");
  expect_bad_input("eval --loss mse --grad-out '" + path("no/such/dir/g") + "' " + x + " " + y,
                   path("no/such/dir/g.input.npy"));
  expect_bad_input("frobnicate", "unknown command 'frobnicate'");
  expect_bad_input("", "subcommand");
}

}  // namespace
}  // namespace lossbench::testing

#endif  // LOSSBENCH_CLI_PATH
