// triplet_test.cpp — triplet against torch.nn.functional.triplet_margin_loss (torch 1.13, f64):
// every option (margin, p, eps, swap), every reduction, identical rows, the clamp at exactly 0,
// swap ties, ranks 1 and 3, and every bad input. Expected values were computed with torch 1.13 as
//   a, p, n = (torch.tensor(X, dtype=torch.float64, requires_grad=True) for X in (A, P, N))
//   l = F.triplet_margin_loss(a, p, n, margin=.., p=.., eps=.., swap=.., reduction=..); l.sum().backward()
// and are the values of l and of a.grad, p.grad, n.grad (p = 0: torch returns no gradient, i.e. 0).
#include "row_loss_support.hpp"

#include <cmath>
#include <limits>

namespace lossbench::testing {
namespace {

const std::vector<double> A = {0.5, -1.25, 0.75, 2.0, -0.3, 0.8, 1.1, -0.6, 1.5, 0.25, -0.5, 0.1};
const std::vector<double> P = {0.7, -1.0, 0.5, 1.5, 0.2, 0.4, 1.3, -0.9, 1.4, 0.3, -0.2, 0.6};
const std::vector<double> N = {-0.5, 0.25, 1.0, 0.5, -0.1, 0.9, 1.0, -0.5, 0.3, 1.2, 0.4, -0.7};
// Negatives near the positives, so that swap picks d(p, n) in every row.
const std::vector<double> NS = {0.9, -0.8, 0.6, 1.2, 0.3, 0.2, 1.5, -1.1, 1.3, 0.5, 0.1, 0.9};

struct torch_case {
  const char* what;
  std::array<double, 4> params;  // margin, p, eps, swap
  reduction red;
  std::vector<double> loss, ga, gp, gn;
};

param_set params_of(const std::array<double, 4>& v) {
  param_set s;
  s.set("margin", v[0]).set("p", v[1]).set("eps", v[2]).set("swap", v[3]);
  return s;
}

// Every torch-parity test runs on every variant (scalar, simd:<isa>): the parameter.
class TripletVariant : public ::testing::TestWithParam<std::string> {
 protected:
  evaluation run_triplet(std::vector<double> a, std::vector<double> p, std::vector<double> n, shape s,
                         const param_set& params, reduction red, dtype t = dtype::f64) const {
    const entry& e = *find_entries("triplet", GetParam(), t).front();
    std::vector<array> in;
    in.push_back(literal(a, s, t));
    in.push_back(literal(p, s, t));
    in.push_back(literal(n, s, t));
    owned_call oc(*e.loss, std::move(in), params, red);
    return evaluate(e, oc, true);
  }
};

void expect_torch(const evaluation& ev, reduction red, const std::vector<double>& loss, const std::vector<double>& ga,
                  const std::vector<double>& gp, const std::vector<double>& gn, const std::string& what) {
  if (red == reduction::none)
    expect_all_near_torch(ev.losses, loss, what + " losses");
  else
    EXPECT_NEAR(ev.value, loss[0], torch_tolerance(loss[0])) << what;
  expect_all_near_torch(ev.grads[0], ga, what + " grad anchor");
  expect_all_near_torch(ev.grads[1], gp, what + " grad positive");
  expect_all_near_torch(ev.grads[2], gn, what + " grad negative");
}

constexpr double inf = std::numeric_limits<double>::infinity();

TEST_P(TripletVariant, MatchesTorchForEveryOptionAndReduction) {
  const std::vector<torch_case> cases = {
      {"{}",
       {1.0, 2.0, 1e-06, 0.0},
       reduction::mean,
       {0.49009097520650191},
       {-0, 0, 0, 0, 0.025171983147540156, 0.3074315759910301, -0.21671134622159247, 0.26207065482854669, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.22680415220320554, -0.18144413825914535, 0.090721388715755219, -0.13608321709666193, -0, 0, 0,
        0},
       {0, -0, -0, 0, -0.2519761353507457, -0.12598743773188475, 0.12598995750583725, -0.12598743773188475, 0, -0, -0,
        0}},
      {"{}",
       {1.0, 2.0, 1e-06, 0.0},
       reduction::sum,
       {1.4702729256195057},
       {-0, 0, 0, 0, 0.075515949442620522, 0.92229472797309042, -0.65013403866477748, 0.78621196448564012, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.68041245660961669, -0.5443324147774361, 0.27216416614726568, -0.40824965128998586, -0, 0, 0, 0},
       {0, -0, -0, 0, -0.75592840605223721, -0.37796231319565426, 0.3779698725175118, -0.37796231319565426, 0, -0, -0,
        0}},
      {"{}",
       {1.0, 2.0, 1e-06, 0.0},
       reduction::none,
       {0, 1.4702729256195057, 0},
       {-0, 0, 0, 0, 0.075515949442620522, 0.92229472797309042, -0.65013403866477748, 0.78621196448564012, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.68041245660961669, -0.5443324147774361, 0.27216416614726568, -0.40824965128998586, -0, 0, 0, 0},
       {0, -0, -0, 0, -0.75592840605223721, -0.37796231319565426, 0.3779698725175118, -0.37796231319565426, 0, -0, -0,
        0}},
      {"{'margin': 0.5}",
       {0.5, 2.0, 1e-06, 0.0},
       reduction::mean,
       {0.32342430853983523},
       {-0, 0, 0, 0, 0.025171983147540156, 0.3074315759910301, -0.21671134622159247, 0.26207065482854669, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.22680415220320554, -0.18144413825914535, 0.090721388715755219, -0.13608321709666193, -0, 0, 0,
        0},
       {0, -0, -0, 0, -0.2519761353507457, -0.12598743773188475, 0.12598995750583725, -0.12598743773188475, 0, -0, -0,
        0}},
      {"{'margin': 2.0}",
       {2.0, 2.0, 1e-06, 0.0},
       reduction::sum,
       {3.4022642813202162},
       {-0.73445795238535627, 0.24792478823653585, 0.49407588432459471, 0.14015245068039894, 0.075515949442620522,
        0.92229472797309042, -0.65013403866477748, 0.78621196448564012, -0.44776346139649648, 0.40360713789377339,
        -0.043144525828913094, -1.2529494585913028},
       {0.31045843355228331, 0.38807343001533656, -0.38807653461519503, -0.77615151693046092, 0.68041245660961669,
        -0.5443324147774361, 0.27216416614726568, -0.40824965128998586, -0.16843242688343738, 0.084213686980579947,
        0.50529054342060864, 0.84215202857263161},
       {0.42399951883307291, -0.63599821825187242, -0.1059993497093997, 0.63599906625006197, -0.75592840605223721,
        -0.37796231319565426, 0.3779698725175118, -0.37796231319565426, 0.61619588827993388, -0.48782082487435335,
        -0.46214601759169555, 0.41079743001867114}},
      {"{'p': 1.0}",
       {1.0, 1.0, 1e-06, 0.0},
       reduction::mean,
       {0.63333399999999995},
       {-0, 0, 0, 0, 0, 0.66666666666666663, -0.66666666666666663, 0.66666666666666663, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.33333333333333331, -0.33333333333333331, 0.33333333333333331, -0.33333333333333331, -0, 0, 0,
        0},
       {0, -0, -0, 0, -0.33333333333333331, -0.33333333333333331, 0.33333333333333331, -0.33333333333333331, 0, -0, -0,
        0}},
      {"{'p': 3.0}",
       {1.0, 3.0, 1e-06, 0.0},
       reduction::mean,
       {0.46164022925563275},
       {-0, 0, 0, 0, 0.043637242832549161, 0.2119928503637929, -0.10354481675621377, 0.1487303767740879, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.22593585639778063, -0.14460024949064337, 0.036149520125114284, -0.081337775900938367, -0, 0, 0,
        0},
       {0, -0, -0, 0, -0.26957309923032979, -0.067392600873149522, 0.067395296631099486, -0.067392600873149522, 0, -0,
        -0, 0}},
      {"{'p': 1.5}",
       {1.0, 1.5, 1e-06, 0.0},
       reduction::mean,
       {0.52689391175586875},
       {-0, 0, 0, 0, 0.014118434582360867, 0.40688560557273368, -0.34196324222111529, 0.37718845714068128, 0, 0, 0, -0},
       {0, 0, -0, -0, 0.24782635645051324, -0.22166313059713449, 0.156738915011505, -0.19196598216508209, -0, 0, 0, 0},
       {0, -0, -0, 0, -0.2619447910328741, -0.18522247497559921, 0.1852243272096103, -0.18522247497559921, 0, -0, -0,
        0}},
      {"{'p': 0.5}",
       {1.0, 0.5, 1e-06, 0.0},
       reduction::sum,
       {4.5013619187153369},
       {-0, 0, 0, 0, -0.18016041033347596, 8.1053884653299733, -9.6342929979408112, 8.6764113401971876, 0, 0, 0, -0},
       {0, 0, -0, -0, 3.3014825216446035, -3.6911613673420343, 5.2201100420031459, -4.2621842422092504, -0, 0, 0, 0},
       {0, -0, -0, 0, -3.1213221113111276, -4.4142270979879381, 4.4141829559376644, -4.4142270979879381, 0, -0, -0, 0}},
      {"{'p': inf}",
       {1.0, inf, 1e-06, 0.0},
       reduction::sum,
       {1.5999980000000005},
       {-0, 0, 0, 0, 0, 0, -0, 0, -1, 0, 0, -1},
       {0, 0, -0, -1, 1, -0, 0, -0, -0, 0, 0, 1},
       {0, -0, -0, 1, -1, -0, 0, -0, 1, -0, -0, 0}},
      {"{'p': 0.0}",
       {1.0, 0.0, 1e-06, 0.0},
       reduction::sum,
       {3},
       {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"{'p': -1.0}",
       {1.0, -1.0, 1e-06, 0.0},
       reduction::sum,
       {2.7509684201537814},
       {-0.13604249108125951, -0.060031186190787303, 0.47000361152301523, 0.0066973917383348382, -0.0038792324345295857,
        0.11958250796908643, -0.23342793566594688, 0.14909813301822963, 0.04159700646047941, -0.25897679549567021,
        0.059544210041331876, -0.089828066248287236},
       {0.11111191111312005, 0.071111480888652795, -0.071110343114060795, -0.017777656888787199, 0.02428745400608311,
        -0.037948805343805223, 0.15179749832346487, -0.06746443039294843, -0.080096648942223653, 0.32040581963747256,
        0.0088998649860246078, 0.0032039428510870806},
       {0.024930579968139476, -0.01108029469786549, -0.39889326840895445, 0.011080265150452361, -0.020408221571553524,
        -0.081633702625281204, 0.081630437342482001, -0.081633702625281204, 0.038499642481744242, -0.061429024141802339,
        -0.068444075027356485, 0.086624123397200159}},
      {"{'eps': 0.1}",
       {1.0, 2.0, 0.1, 0.0},
       reduction::mean,
       {0.51265683761213721},
       {-0, 0, 0, 0, -0.026004045312977481, 0.21884405476620419, -0.34191120795321278, 0.17507524381296335, 0, 0, 0,
        -0},
       {0, 0, -0, -0, 0.17507524381296338, -0.21884405476620422, 0.043768810953240825, -0.17507524381296338, -0, -0, 0,
        0},
       {0, -0, -0, 0, -0.1490711984999859, 4.1375569220787865e-17, 0.29814239699997197, 4.1375569220787865e-17, 0, -0,
        -0, 0}},
      {"{'swap': True}",
       {1.0, 2.0, 1e-06, 1.0},
       reduction::none,
       {0, 1.4702729256195057, 0},
       {0, -0, 0, 0, 0.075515949442620522, 0.92229472797309042, -0.65013403866477748, 0.78621196448564012, 0, 0, 0, -0},
       {0, 0, 0, -0, 0.68041245660961669, -0.5443324147774361, 0.27216416614726568, -0.40824965128998586, 0, 0, 0, 0},
       {0, 0, 0, 0, -0.75592840605223721, -0.37796231319565426, 0.3779698725175118, -0.37796231319565426, 0, 0, 0, 0}},
      {"{'swap': True, 'margin': 1.5, 'p': 1.0}",
       {1.5, 1.0, 1e-06, 1.0},
       reduction::sum,
       {2.4000019999999997},
       {0, -0, 0, 0, 0, 2, -2, 2, 0, 0, 0, -0},
       {0, 0, 0, -0, 1, -1, 1, -1, 0, 0, 0, 0},
       {0, 0, 0, 0, -1, -1, 1, -1, 0, 0, 0, 0}},
      {"{'margin': -1.0}",
       {-1.0, 2.0, 1e-06, 0.0},
       reduction::none,
       {0, 0, 0},
       {-0, 0, 0, 0, 0, 0, -0, 0, 0, 0, 0, -0},
       {0, 0, -0, -0, 0, -0, 0, -0, -0, 0, 0, 0},
       {0, -0, -0, 0, -0, -0, 0, -0, 0, -0, -0, 0}},
  };
  for (const auto& c : cases) {
    const auto ev = run_triplet(A, P, N, {3, 4}, params_of(c.params), c.red);
    expect_torch(ev, c.red, c.loss, c.ga, c.gp, c.gn, std::string(c.what) + " " + std::string(to_string(c.red)));
  }
}

// Negatives NS lie nearer the positives: with swap every row takes d(p, n) instead of d(a, n).
TEST_P(TripletVariant, SwapUsesThePositiveNegativeDistanceLikeTorch) {
  const std::vector<torch_case> cases = {
      {"no swap",
       {1, 2, 1e-6, 0},
       reduction::none,
       {0.63178246668874816, 0.67183224749024606, 0.54371722207742335},
       {0.084632378831741795, 0.056403857382879119, 0.23991612184312272, -0.014033071026090083, -0.11598092625101653,
        -0.02010099702273449, 0.10412320718487267, -0.062111681996953827, -0.022044966488010243, 0.15388091187376851,
        0.066137827164914564, -0.080247216997865634},
       {0.31045843355228331, 0.38807343001533656, -0.38807653461519503, -0.77615151693046092, 0.68041245660961669,
        -0.5443324147774361, 0.27216416614726568, -0.40824965128998586, -0.16843242688343738, 0.084213686980579947,
        0.50529054342060864, 0.84215202857263161},
       {-0.3950908123840251, -0.44447728739821568, 0.14816041277207231, 0.790184587956551, -0.56443153035860016,
        0.56443341180017059, -0.37628737333213835, 0.47036133328693969, 0.19047739337144762, -0.23809459885434847,
        -0.5714283705855232, -0.76190481157476597}},
      {"swap",
       {1, 2, 1e-6, 1},
       reduction::mean,
       {1.236122490349034},
       {-0.10348614451742777, -0.12935781000511218, 0.12935884487173166, 0.25871717231015362, -0.22680415220320554,
        0.18144413825914535, -0.090721388715755219, 0.13608321709666193, 0.056144142294479123, -0.028071228993526647,
        -0.16843018114020286, -0.28071734285754385},
       {0.26062037369884272, 0.2864920391865271, -0.05079212311856135, -0.49442048026996177, 0.31925318929104446,
        -0.36634498593367087, 0.27562038739104894, -0.32098406477118752, -0.12564985356705621, 0.16708056638819438,
        0.37694453475728562, 0.48923169647462661},
       {-0.15713422918141498, -0.1571342291814149, -0.07856672175317031, 0.23570330795980812, -0.092449037087838928,
        0.18490084767452553, -0.18489899867529372, 0.18490084767452558, 0.069505711272577098, -0.13900933739466773,
        -0.20851435361708276, -0.20851435361708276}},
      {"swap",
       {1, 2, 1e-6, 1},
       reduction::none,
       {1.219941804717648, 1.3742915179357378, 1.1141341483937162},
       {-0.31045843355228331, -0.38807343001533656, 0.38807653461519503, 0.77615151693046092, -0.68041245660961669,
        0.5443324147774361, -0.27216416614726568, 0.40824965128998586, 0.16843242688343738, -0.084213686980579947,
        -0.50529054342060864, -0.84215202857263161},
       {0.78186112109652828, 0.85947611755958131, -0.1523763693556841, -1.4832614408098852, 0.95775956787313343,
        -1.0990349578010128, 0.82686116217314687, -0.9629521943135626, -0.3769495607011687, 0.50124169916458317,
        1.130833604271857, 1.4676950894238798},
       {-0.47140268754424497, -0.47140268754424469, -0.23570016525951093, 0.7071099238794244, -0.2773471112635168,
        0.55470254302357658, -0.55469699602588118, 0.5547025430235768, 0.20851713381773132, -0.41702801218400321,
        -0.62554306085124833, -0.62554306085124833}},
  };
  for (const auto& c : cases) {
    const auto ev = run_triplet(A, P, NS, {3, 4}, params_of(c.params), c.red);
    expect_torch(ev, c.red, c.loss, c.ga, c.gp, c.gn, std::string(c.what) + " " + std::string(to_string(c.red)));
  }
}

// A swap tie d(a, n) = d(p, n) (a = p): torch.minimum gives each distance half the gradient.
TEST_P(TripletVariant, SwapTieSplitsTheGradientLikeTorch) {
  const auto ev = run_triplet({0, 0}, {0, 0}, {0.5, 0}, {1, 2}, params_of({1, 2, 1e-6, 1}), reduction::mean);
  expect_torch(ev, reduction::mean, {0.5000024142125624}, {1.2071067811855476, 0.7071057811845476},
               {-0.2071067811875476, -0.7071077811885476}, {-0.9999999999979999, 2.0000040000039997e-06}, "tie");
}

// Identical rows, eps = 0: every distance is 0, so the loss is the margin and the gradient 0 (torch
// masks the norm's backward where the norm is 0), never NaN; with swap too.
TEST_P(TripletVariant, IdenticalEmbeddingsGiveZeroGradientNotNan) {
  for (double swap : {0.0, 1.0}) {
    const auto ev = run_triplet({1, 2}, {1, 2}, {1, 2}, {1, 2}, params_of({1, 2, 0, swap}), reduction::mean);
    expect_torch(ev, reduction::mean, {1.0}, {0, 0}, {0, 0}, {0, 0}, "identical, eps = 0");
  }
  // Default eps: each v = (eps, eps), so ∇d = (1/√2, 1/√2) on both distances: a's cancel.
  const auto ev = run_triplet({1, 2}, {1, 2}, {1, 2}, {1, 2}, params_of({1, 2, 1e-6, 0}), reduction::mean);
  expect_torch(ev, reduction::mean, {1.0}, {0, 0}, {-0.7071067811865476, -0.7071067811865476},
               {0.7071067811865476, 0.7071067811865476}, "identical, eps = 1e-6");
}

// margin + d(a,p) − d(a,n) = 1 + 1 − 2 = 0 exactly: the loss is 0 but torch's clamp_min backward
// (grad where x ≥ 0) still passes the gradient.
TEST_P(TripletVariant, ClampAtExactlyZeroPassesTheGradientLikeTorch) {
  const auto ev = run_triplet({0, 0}, {1, 0}, {2, 0}, {1, 2}, params_of({1, 2, 0, 0}), reduction::mean);
  expect_torch(ev, reduction::mean, {0.0}, {0, 0}, {1, 0}, {-1, 0}, "kink");
}

TEST_P(TripletVariant, RankOneIsOneRowAndRankThreeIsRowsOfTheLastDimension) {
  const std::vector<double> a1(A.begin() + 4, A.begin() + 8), p1(P.begin() + 4, P.begin() + 8),
      n1(NS.begin() + 4, NS.begin() + 8);
  const auto one = run_triplet(a1, p1, n1, {4}, params_of({1, 2, 1e-6, 0}), reduction::none);
  EXPECT_EQ(one.losses.shape().rank(), 0);
  expect_torch(one, reduction::none, {0.67183224749024606},
               {-0.11598092625101653, -0.02010099702273449, 0.10412320718487267, -0.062111681996953827},
               {0.68041245660961669, -0.5443324147774361, 0.27216416614726568, -0.40824965128998586},
               {-0.56443153035860016, 0.56443341180017059, -0.37628737333213835, 0.47036133328693969}, "rank 1");
  // [2, 2, 4]: rows A0 A1 / A2 P0 against P0 P1 / P2 A0 and NS0 NS1 / NS2 NS0.
  auto cat = [](std::vector<double> x, const std::vector<double>& y) {
    x.insert(x.end(), y.begin(), y.begin() + 4);
    return x;
  };
  const auto three =
      run_triplet(cat(A, P), cat(P, A), cat(NS, NS), {2, 2, 4}, params_of({1, 2, 1e-6, 0}), reduction::none);
  EXPECT_EQ(three.losses.shape(), (shape{2, 2}));
  EXPECT_NEAR(three.losses.get(3), 1.2199408733370172, torch_tolerance(1.22));
  EXPECT_NEAR(three.grads[0].get(12), 0.78186467455676645, torch_tolerance(1));
  EXPECT_NEAR(three.grads[1].get(15), 0.7761495344736965, torch_tolerance(1));
  EXPECT_NEAR(three.grads[2].get(15), 0.7071099238794244, torch_tolerance(1));
}

TEST_P(TripletVariant, EmptyBatchMeanIsNanSumIsZeroLikeTorch) {
  EXPECT_TRUE(std::isnan(run_triplet({}, {}, {}, {0, 4}, params_of({1, 2, 1e-6, 0}), reduction::mean).value));
  EXPECT_EQ(run_triplet({}, {}, {}, {0, 4}, params_of({1, 2, 1e-6, 0}), reduction::sum).value, 0.0);
}

TEST_P(TripletVariant, NanPropagatesThroughSwapAndTheClamp) {
  const double nan = std::nan("");
  for (double swap : {0.0, 1.0}) {
    EXPECT_TRUE(
        std::isnan(run_triplet({0, 0}, {0, 0}, {nan, 0}, {1, 2}, params_of({1, 2, 1e-6, swap}), reduction::sum).value));
    EXPECT_TRUE(
        std::isnan(run_triplet({0, 0}, {0, 0}, {1, 0}, {1, 2}, params_of({nan, 2, 1e-6, swap}), reduction::sum).value));
  }
  // Far negative: max(0, ·) would clamp, but NaN in the anchor must still win.
  EXPECT_TRUE(
      std::isnan(run_triplet({nan, 0}, {0, 0}, {100, 0}, {1, 2}, params_of({1, 2, 1e-6, 0}), reduction::sum).value));
}

// clamp_min's backward passes the gradient where margin + d(a,p) − d_neg ≥ 0: a NaN margin with
// finite inputs gives loss NaN and gradient 0, NaN inputs a NaN gradient (torch's 0·∇d); both
// checked in torch 1.13. Exact.
TEST_P(TripletVariant, NanMarginGivesZeroGradientNanInputsNanLikeTorch) {
  const double nan = std::nan("");
  for (double swap : {0.0, 1.0}) {
    const auto margin = run_triplet({0, 0}, {1, 0}, {3, 0}, {1, 2}, params_of({nan, 2, 1e-6, swap}), reduction::sum);
    EXPECT_TRUE(std::isnan(margin.value));
    for (int k = 0; k < 3; ++k)
      for (std::int64_t i = 0; i < 2; ++i) EXPECT_EQ(margin.grads[static_cast<std::size_t>(k)].get(i), 0.0) << k << i;
    const auto input = run_triplet({nan, 0}, {1, 0}, {3, 0}, {1, 2}, params_of({1, 2, 1e-6, swap}), reduction::sum);
    EXPECT_TRUE(std::isnan(input.grads[0].get(0)));
  }
}

// One block of 4096 rows, D = 1: row 0's loss is 2^20, the others 2^-35 each (margin 0, eps 0:
// every distance and loss is exact). The exact sum 2^20 + 4095·2^-35 spans 56 bits, so long double
// holds it: an answer independent of the library's reference. A plain in-block chain absorbs every
// small loss (2^-35 is below half an ulp of 2^20): ~1000 ulps off. Compensated, the value is the
// exact sum rounded once to double, within ½ ulp.
TEST_P(TripletVariant, OneLargeRowLossDoesNotAbsorbTheSmallOnes) {
  constexpr int rows = 4096;
  std::vector<double> a(rows, 0x1p-35), p(rows, 0.0), n(rows, 0x1p-35);
  a[0] = n[0] = 0x1p20;
  const auto ev = run_triplet(a, p, n, {rows, 1}, params_of({0, 2, 0, 0}), reduction::sum);
  const long double exact = 0x1p20L + (rows - 1) * 0x1p-35L;
  EXPECT_LE(std::fabs(static_cast<long double>(ev.value) - exact), 0.5L * 0x1p-32L) << ev.value;  // ulp(2^20) = 2^-32
}

INSTANTIATE_TEST_SUITE_P(Triplet, TripletVariant, ::testing::ValuesIn(variant_names("triplet")), variant_test_name);

// ---- bad input: each names the argument ------------------------------------------------------
std::string triplet_error(shape sa, shape sp, shape sn, const param_set& params = {}, dtype tn = dtype::f64) {
  const entry& e = scalar_entry("triplet");
  return error_argument([&] {
    std::vector<array> in;
    in.emplace_back(dtype::f64, sa);
    in.emplace_back(dtype::f64, sp);
    in.emplace_back(tn, sn);
    owned_call oc(*e.loss, std::move(in), params);
    e.run(oc.view());
  });
}

TEST(Triplet, RejectsEveryBadInputNamingIt) {
  EXPECT_EQ(triplet_error({3, 4}, {2, 4}, {3, 4}), "positive");  // batch mismatch
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {3, 3}), "negative");  // D mismatch
  EXPECT_EQ(triplet_error({3, 4}, {4}, {3, 4}), "positive");     // rank mismatch (torch: same dimension)
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {1, 3, 4}), "negative");
  EXPECT_EQ(triplet_error({}, {}, {}), "anchor");  // 0-d
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {3, 4}, {}, dtype::f32), "negative");
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {3, 4}, param_set().set("swap", 2)), "swap");
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {3, 4}, param_set().set("P", 2)), "P");
  // torch 1.13 accepts every margin, eps and p (p ≤ 0 too, checked against torch above): so do we.
  EXPECT_EQ(triplet_error({3, 4}, {3, 4}, {3, 4}, param_set().set("margin", -1).set("p", -1).set("eps", -1)),
            "(no error)");
}

}  // namespace
}  // namespace lossbench::testing
