// cli_test.cpp — the `lossbench` binary end to end: it is run as a user runs it (popen), on .npy
// files written with the library's own writer, and its output, exit code and written files are
// checked against the library called directly. Eval is checked for every loss in the catalogue and
// every dtype the registry runs it in (bf16 and f16 included), so the CLI's generic input/parameter
// handling is exercised by each loss as it is added; 16-bit files numpy writes (Debian's
// /usr/bin/python3 with python3-numpy) are read, and the gradients eval writes are read by numpy.
#include "io/npy.hpp"
#include "support/harness.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
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

  // Runs the shell command `cmd` with its stderr sent to the file `err_file`, capturing both.
  static cli_result capture(const std::string& cmd, const std::string& err_file) {
    cli_result r;
    std::FILE* p = ::popen((cmd + " 2>'" + err_file + "'").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;  // a signal (a crash) is never a valid code
    std::ifstream e(err_file);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
  }

  // Runs `lossbench ARGS` (ARGS already shell-quoted where needed).
  cli_result run(const std::string& args) const {
    return capture(std::string("'") + LOSSBENCH_CLI_PATH + "' " + args, path("stderr.txt"));
  }

  std::string write(const std::string& name, const array& a, io::bf16_words words = io::bf16_words::i2) const {
    io::write_npy(path(name), a, words);
    return path(name);
  }

  // Runs Debian's python3 (python3-numpy) on `script` with this test's directory as argv[1].
  cli_result run_python(const std::string& script) const {
    std::ofstream(path("script.py")) << script;
    return capture("/usr/bin/python3 '" + path("script.py") + "' '" + dir_.string() + "'", path("python_stderr.txt"));
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

constexpr io::npy_read_options as_bf16{.words_are_bf16 = true};

// The dtypes the registry runs a loss in, in registry order.
std::vector<dtype> dtypes_of(const loss_spec& spec) {
  std::vector<dtype> out;
  for (const entry& e : registry())
    if (e.loss == &spec && std::find(out.begin(), out.end(), e.type) == out.end()) out.push_back(e.type);
  return out;
}

// A loss's generated inputs in dtype t: for bf16/f16 generated in f32 and rounded once to t.
std::vector<array> inputs_in(const loss_spec& spec, dtype t, shape_request req, std::uint64_t seed) {
  if (!is_16bit(t)) return spec.generate(t, req, seed, spec.resolve({}));
  std::vector<array> in = spec.generate(dtype::f32, req, seed, spec.resolve({}));
  for (array& a : in)
    if (a.type() == dtype::f32) a = a.astype(t);
  return in;
}

// The words bf16 input i is written in: each form in turn, so every form meets every loss.
io::bf16_words words_for(std::size_t i) {
  constexpr io::bf16_words forms[] = {io::bf16_words::u2, io::bf16_words::v2, io::bf16_words::i2,
                                      io::bf16_words::v2_na};
  return forms[i % 4];
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
// bf16 inputs go out in every form of 2-byte words, and each gradient must come back in its input's.
TEST_F(Cli, EvalMatchesTheLibraryForEveryLossDtypeAndReduction) {
  for (const loss_spec* spec : catalogue())
    for (dtype t : dtypes_of(*spec))
      for (reduction red : spec->reductions()) {
        SCOPED_TRACE(std::string(spec->name()) + " " + std::string(to_string(t)) + " " + std::string(to_string(red)));
        owned_call oc(*spec, inputs_in(*spec, t, {23, 0}, 5), {}, red);
        std::string files;
        for (std::size_t i = 0; i < oc.inputs.size(); ++i)
          files += " '" + write(std::string(spec->inputs()[i].name) + ".npy", oc.inputs[i], words_for(i)) + "'";
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
          const io::npy_file gf = io::read_npy_file(path("g." + std::string(spec->inputs()[i].name) + ".npy"), as_bf16);
          const array& g = gf.data;
          ASSERT_EQ(g.type(), t);
          if (t == dtype::bf16) {
            EXPECT_EQ(gf.words, words_for(i)) << "gradient of " << spec->inputs()[i].name;
          }
          ASSERT_EQ(g.shape(), first.grads[k].shape());
          EXPECT_EQ(std::memcmp(g.raw(), first.grads[k].raw(), g.bytes()), 0)
              << "gradient of " << spec->inputs()[i].name;
          ++k;
        }
        owned_call none(*spec, inputs_in(*spec, t, {23, 0}, 5), {}, reduction::none);
        const evaluation per_sample = evaluate(*entries.front(), none, false);
        const array losses = io::read_npy(path("losses.npy"), as_bf16);
        ASSERT_EQ(losses.type(), per_sample.losses.type());
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

// mse on 16-bit files as numpy writes them: float16 in both byte orders (taken as f16 without
// --dtype), bfloat16 bits as uint16, int16 and 2-byte void words (with --dtype bf16). Every value
// is exact in both types, so numpy and the library hold the same bits. eval must give the
// library's numbers, write each gradient in its input's form, and numpy must read it back.
TEST_F(Cli, EvalOfMseOnBf16AndF16FilesNumpyWrites) {
  const cli_result made = run_python(R"(import sys
import numpy as np
d = sys.argv[1] + '/'
x = np.array([k / 8 - 1 for k in range(37)], dtype=np.float32)
y = np.array([(k % 5) / 4 - 0.5 for k in range(37)], dtype=np.float32)
np.save(d + 'x16.npy', x.astype(np.float16))
np.save(d + 'y16.npy', y.astype('>f2'))
xb, yb = (x.view(np.uint32) >> 16).astype(np.uint16), (y.view(np.uint32) >> 16).astype(np.uint16)
np.save(d + 'x_u2.npy', xb)
np.save(d + 'y_i2.npy', yb.view(np.int16))
np.save(d + 'x_v2.npy', xb.view('V2'))
with open(d + 'y_v2le.npy', 'wb') as f:  # as np.save writes an ml_dtypes.bfloat16 array
    np.lib.format.write_array_header_1_0(f, {'descr': '<V2', 'fortran_order': False, 'shape': yb.shape})
    f.write(yb.astype('<u2').tobytes())
)");
  ASSERT_EQ(made.code, 0) << "Debian's /usr/bin/python3 with python3-numpy writes the files: " << made.err;

  array x(dtype::f32, {37}), y(dtype::f32, {37});
  for (int k = 0; k < 37; ++k) {
    x.set(k, k / 8.0 - 1);
    y.set(k, (k % 5) / 4.0 - 0.5);
  }
  // `swapped`: the input file holds y and the target x.
  const auto expect_like_library = [&](dtype t, bool swapped, const std::string& args, const std::string& xd,
                                       const std::string& yd, std::optional<io::bf16_words> words) {
    SCOPED_TRACE(args);
    const cli_result r = run("eval --json --loss mse --grad-out '" + path("g") + "' " + args);
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["dtype"], std::string(to_string(t)));
    EXPECT_EQ(j["inputs"][0]["file_descr"], xd);
    EXPECT_EQ(j["inputs"][1]["file_descr"], yd);
    EXPECT_EQ(j["inputs"][0]["file_dtype"], std::string(to_string(t)));
    owned_call oc(find_loss("mse"), [&] {
      std::vector<array> in;
      in.push_back((swapped ? y : x).astype(t));
      in.push_back((swapped ? x : y).astype(t));
      return in;
    }());
    const auto entries = find_entries("mse", "all", t);
    ASSERT_EQ(j["variants"].size(), entries.size());
    for (std::size_t v = 0; v < entries.size(); ++v) {
      EXPECT_EQ(j["variants"][v]["value"].get<double>(), evaluate(*entries[v], oc, false).value);
      // 2(x−y)/n in f32, then rounded to 16 bits: half a unit and f32's rounding (2^-14 of a unit, at most).
      EXPECT_LE(j["variants"][v]["max_grad_ulps"].get<double>(), 0.5 + 0x1p-13);
    }
    const io::npy_file g = io::read_npy_file(path("g.input.npy"), as_bf16);
    EXPECT_EQ(g.data.type(), t);
    EXPECT_EQ(g.words, words);
    EXPECT_EQ(g.descr, xd[0] == '>' ? "<" + xd.substr(1) : xd);  // written in this machine's order
    EXPECT_EQ(j["written_descr"]["gradient of input"], g.descr);
    const evaluation ev = evaluate(*entries.front(), oc, true);
    const array& want = ev.grads.at(0);
    ASSERT_EQ(g.data.shape(), want.shape());
    EXPECT_EQ(std::memcmp(g.data.raw(), want.raw(), want.bytes()), 0);
  };
  expect_like_library(dtype::f16, false, "'" + path("x16.npy") + "' '" + path("y16.npy") + "'", "<f2", ">f2",
                      std::nullopt);
  expect_like_library(dtype::f16, true, "'" + path("y16.npy") + "' '" + path("x16.npy") + "'", ">f2", "<f2",
                      std::nullopt);
  expect_like_library(dtype::bf16, false, "--dtype bf16 '" + path("x_u2.npy") + "' '" + path("y_i2.npy") + "'", "<u2",
                      "<i2", io::bf16_words::u2);
  expect_like_library(dtype::bf16, true, "--dtype bf16 '" + path("y_i2.npy") + "' '" + path("x_u2.npy") + "'", "<i2",
                      "<u2", io::bf16_words::i2);
  expect_like_library(dtype::bf16, false, "--dtype bf16 '" + path("x_v2.npy") + "' '" + path("y_v2le.npy") + "'", "|V2",
                      "<V2", io::bf16_words::v2_na);
  expect_like_library(dtype::bf16, true, "--dtype bf16 '" + path("y_v2le.npy") + "' '" + path("x_v2.npy") + "'", "<V2",
                      "|V2", io::bf16_words::v2);

  // numpy reads what eval wrote: float16 as itself, bf16 words as words whose top half is a float32.
  ASSERT_EQ(
      run("eval --loss mse --grad-out '" + path("h16") + "' '" + path("x16.npy") + "' '" + path("y16.npy") + "'").code,
      0);
  ASSERT_EQ(run("eval --loss mse --dtype bf16 --grad-out '" + path("hb") + "' '" + path("x_u2.npy") + "' '" +
                path("y_i2.npy") + "'")
                .code,
            0);
  const cli_result back = run_python(R"(import sys
import numpy as np
d = sys.argv[1] + '/'
g16, gb = np.load(d + 'h16.input.npy'), np.load(d + 'hb.input.npy')
print(g16.dtype.str, gb.dtype.str)
print(' '.join(repr(float(v)) for v in g16))
print(' '.join(repr(float(v)) for v in (gb.astype(np.uint32) << 16).view(np.float32)))
)");
  ASSERT_EQ(back.code, 0) << back.err;
  std::istringstream lines(back.out);
  std::string descrs, l16, lb;
  std::getline(lines, descrs);
  std::getline(lines, l16);
  std::getline(lines, lb);
  EXPECT_EQ(descrs, "<f2 <u2");
  for (const auto& [text, file] : {std::pair{l16, path("h16.input.npy")}, {lb, path("hb.input.npy")}}) {
    const array g = io::read_npy(file, as_bf16);
    std::istringstream values(text);
    double v = 0;
    std::int64_t i = 0;
    for (; values >> v; ++i) EXPECT_EQ(v, g.get(i)) << file << " element " << i;
    EXPECT_EQ(i, g.numel()) << text;
  }
}

TEST_F(Cli, EvalRefuses16BitInputsItCannotTake) {
  const std::string x = write("x.npy", filled(dtype::f32, {6}, 0.1, 0.5));
  const std::string xb = write("xb.npy", filled(dtype::bf16, {6}, 0.1, 0.5), io::bf16_words::u2);
  const std::string yb = write("yb.npy", filled(dtype::bf16, {6}, 0.2, 0.5), io::bf16_words::v2);
  const std::string xh = write("xh.npy", filled(dtype::f16, {6}, 0.1, 0.5));
  const std::string q = "'";
  // Words are bf16 only with --dtype bf16: the error names the file and says so.
  for (const char* dt : {"", "--dtype f32 ", "--dtype f16 "}) {
    expect_bad_input(std::string("eval --loss mse ") + dt + q + xb + "' '" + x + q, xb + ": uint16 data ('<u2')");
    expect_bad_input(std::string("eval --loss mse ") + dt + q + x + "' '" + yb + q, "pass --dtype bf16");
  }
  expect_bad_input("eval --loss mse --dtype bfloat8 '" + x + "' '" + x + q, "--dtype");
  expect_bad_input("eval --loss mse --dtype i32 '" + x + "' '" + x + q, "--dtype");
  // Class indices and lengths are never bf16, with --dtype bf16 or without.
  {
    const std::string lp = write("lp.npy", filled(dtype::f32, {4, 1, 3}, -1.5, 0.1));
    const std::string t16 = write("t16.npy", filled(dtype::bf16, {1, 2}, 1, 1));
    const std::string len = write("len.npy", filled(dtype::i64, {1}, 2, 0));
    for (const char* dt : {"", "--dtype bf16 "})
      expect_bad_input(std::string("eval --loss ctc ") + dt + q + lp + "' '" + t16 + "' '" + len + "' '" + len + q,
                       "targets: expected an integer array (i32 or i64), got 2-byte words ('<i2')");
  }
  // A truncated 16-bit file.
  {
    std::ifstream f(xh, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(f), {});
    std::ofstream(path("trunc16.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 1);
    expect_bad_input("eval --loss mse '" + path("trunc16.npy") + "' '" + xh + q,
                     path("trunc16.npy") + ": truncated data: shape [6] of f16 ('<f2') needs 12 data bytes");
  }
  // A loss without 16-bit kernels says so by --dtype, also when the dtype came from the first file.
  const std::string idx = write("idx.npy", filled(dtype::i64, {6}, 1, 0));
  for (const loss_spec* spec : catalogue()) {
    const auto dts = dtypes_of(*spec);
    if (std::find(dts.begin(), dts.end(), dtype::f16) != dts.end()) continue;
    // Class indices and lengths as int64, every other input as f32 after the 16-bit first one.
    std::string rest;
    for (std::size_t i = 1; i < spec->inputs().size(); ++i)
      rest += " '" + (spec->inputs()[i].kind == input_kind::index ? idx : x) + q;
    const std::string files = " '" + xh + q + rest, bfiles = " '" + xb + q + rest;
    SCOPED_TRACE(spec->name());
    expect_bad_input("eval --loss " + std::string(spec->name()) + files, "--dtype: ");
    expect_bad_input("eval --loss " + std::string(spec->name()) + files, "the dtype f16 is the first input's");
    expect_bad_input("eval --loss " + std::string(spec->name()) + " --dtype bf16" + bfiles, "--dtype: ");
    expect_bad_input("eval --loss " + std::string(spec->name()) + " --dtype bf16" + bfiles, "bf16");
  }
}

TEST_F(Cli, EvalTextShows16BitFormsAndUlps) {
  const std::string x = write("x.npy", filled(dtype::bf16, {50}, 0.1, 0.37), io::bf16_words::u2);
  const std::string y = write("y.npy", filled(dtype::f32, {50}, 0.3, 0.21));
  const cli_result r = run("eval --loss mse --dtype bf16 --grad-out '" + path("g") + "' '" + x + "' '" + y + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("dtype bf16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(bf16 as '<u2' words)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(f32 converted to bf16)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MAX GRAD ULPS (bf16)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("g.input.npy ('<u2')"), std::string::npos) << r.out;
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

TEST_F(Cli, CheckSelectsDtypes) {
  // --dtype f16 runs the f16 entries only, hard cases included; a selection of no entry (a loss
  // without bf16 kernels, where one is left) and a non-float dtype are bad arguments, not a check
  // that passes.
  const cli_result r = run("check --loss mse --variant scalar --dtype f16");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mse/scalar/f16"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("mse/scalar/f32"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("mse/scalar/bf16"), std::string::npos) << r.out;
  const cli_result j = run("check --loss cross_entropy --variant simd --dtype bf16 --json");
  EXPECT_EQ(j.code, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  bool hard = false;
  for (const auto& res : doc["results"]) {
    EXPECT_EQ(res["dtype"], "bf16");
    hard = hard || res["case"].get<std::string>().rfind("bf16:", 0) == 0;
  }
  EXPECT_TRUE(hard) << "no bf16 hard case ran";
  for (const loss_spec* spec : catalogue()) {
    const auto dts = dtypes_of(*spec);
    if (std::find(dts.begin(), dts.end(), dtype::bf16) == dts.end())
      expect_bad_input("check --loss " + std::string(spec->name()) + " --dtype bf16", "--dtype");
  }
  // So is an ISA that serves bf16 alone (isa_serves), asked for f16: on any CPU that has it.
  const auto& all = registry();
  if (std::any_of(all.begin(), all.end(), [](const entry& e) { return e.variant.name() == "simd:avx512bf16"; }))
    expect_bad_input("check --loss mse --variant simd:avx512bf16 --dtype f16", "--dtype");
  expect_bad_input("check --loss mse --dtype i32", "--dtype");
}

}  // namespace
}  // namespace lossbench::testing

#endif  // LOSSBENCH_CLI_PATH
