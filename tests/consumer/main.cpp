// Uses the installed lossbench through its public header only; values checked against hand-computed ones.
#include <lossbench/lossbench.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

static int failures = 0;
static void expect(const char* what, double got, double want) {
  bool ok = std::fabs(got - want) <= 1e-12 * (1.0 + std::fabs(want));
  std::printf("%-28s %.17g (expected %.17g) %s\n", what, got, want, ok ? "ok" : "MISMATCH");
  failures += !ok;
}

int main() {
  // mse: differences 1, 0, -2, 3 → mean of squares 14/4; gradient 2·d/4.
  std::vector<double> x{1, 2, 3, 4}, y{0, 2, 5, 1}, g(4);
  lossbench::options mo;
  mo.variant = "simd";  // the run-time-dispatched SIMD kernel
  expect("mse (simd)", lossbench::mse<double>(x, y, mo, g), 3.5);
  const double mse_grad[] = {0.5, 0.0, -1.0, 1.5};
  for (int i = 0; i < 4; ++i) expect("mse grad", g[i], mse_grad[i]);

  // cross_entropy, B=2, C=2: rows {0, 0} → class 0 and {0, ln 3} → class 1 (softmax 1/4, 3/4):
  // mean of ln 2 and ln(4/3) = ln(8/3)/2; gradient (softmax − one-hot)/B.
  std::vector<double> z{0, 0, 0, std::log(3.0)}, gz(4);
  std::vector<std::int64_t> t{0, 1};
  lossbench::cross_entropy_options<double> co;
  co.variant = "omp";
  expect("cross_entropy (omp)", lossbench::cross_entropy<double, std::int64_t>(z, 2, t, co, gz),
         std::log(8.0 / 3.0) / 2);
  const double ce_grad[] = {-0.25, 0.25, 0.125, -0.125};
  for (int i = 0; i < 4; ++i) expect("cross_entropy grad", gz[i], ce_grad[i]);

  // The default variant is `auto` (profile or heuristics): the same value, whichever kernel it picks.
  expect("mse (auto, the default)", lossbench::mse<double>(x, y), 3.5);
  const auto choice = lossbench::explain_auto(lossbench::find_loss("mse"), lossbench::dtype::f64, false, 4);
  std::printf("auto for mse/f64 at 4 items: %s (%s)\n", choice.chosen.name().c_str(), choice.reason.c_str());

  // Bad input throws lossbench::error.
  bool threw = false;
  try {
    lossbench::mse<double>(x, std::vector<double>{1, 2});
  } catch (const lossbench::error&) {
    threw = true;
  }
  expect("mse size mismatch throws", threw, 1);

  std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: all values as expected");
  return failures ? 1 : 0;
}
