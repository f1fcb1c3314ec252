// cross_entropy_test.cpp — torch 1.13 parity for the whole option grid (weight × ignore_index ×
// label_smoothing × index/probability targets × reduction, both index dtypes), wide rows against
// the long-double reference, ±inf / ±100 logits, empty and all-ignored batches, and every
// bad-input error. Runs every registry entry of cross_entropy, so later variants are covered too.
#include "losses/cross_entropy_support.hpp"

#include <cmath>
#include <limits>

namespace lossbench::testing {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// ---- torch parity ------------------------------------------------------------------------------
// Logits are multiples of 1/4, weights and probabilities dyadic: exact in f32 and f64 alike.
const std::vector<double> Z = {1.25, -0.5, 2.0, 0.75,  -1.5, 0.0, 0.25, -0.75, 1.5, 0.5,
                               -2.0, 1.0,  0.5, -0.25, 1.75, 0.5, 0.5,  -1.0,  2.0, -0.5};
const std::vector<double> T = {2, -100, 4, 0};
const std::vector<double> W = {0.5, 2.0, 1.0, 1.5, 0.25};
const std::vector<double> P = {0.25, 0.0,  0.5,   0.125, 0.125, 0.0, 0.0,  1.0, 0.0, 0.0,
                               0.25, 0.25, 0.125, 0.25,  0.125, 0.5, 0.25, 0.0, 0.0, 0.25};

struct torch_case {
  bool soft, weighted;
  double eps;
  reduction red;
  double value;                  // of the reduced loss (sum of losses with none)
  std::array<double, 4> losses;  // reduction none only
  std::array<double, 20> grad;   // d value / d input
};

// From torch 1.13 (float64), for each case:
//   z = torch.tensor(Z).view(4, 5).requires_grad_(); t = torch.tensor(T) (int64) or P.view(4, 5)
//   l = F.cross_entropy(z, t, weight=torch.tensor(W) if weighted else None,
//                       label_smoothing=eps, reduction=red); l.sum().backward(); (l.sum(), l, z.grad)
const torch_case torch_cases[] = {
    {false,
     false,
     0,
     reduction::mean,
     1.0779788625403626,
     {0, 0, 0, 0},
     {0.084148894298337246,
      0.014622885199216742,
      -0.15519012270581517,
      0.051038884372859153,
      0.0053794588354020081,
      0,
      0,
      0,
      0,
      0,
      0.0040877869133671141,
      0.082105394982558491,
      0.049799439384737548,
      0.023523589510603599,
      -0.15951621079126677,
      -0.28620375114583213,
      0.047129582187501198,
      0.010516031221225731,
      0.21122013337932369,
      0.017338004357781506}},
    {false,
     false,
     0,
     reduction::sum,
     3.2339365876210877,
     {0, 0, 0, 0},
     {0.25244668289501176,
      0.043868655597650227,
      -0.46557036811744557,
      0.15311665311857747,
      0.016138376506206024,
      0,
      0,
      0,
      0,
      0,
      0.012263360740101342,
      0.24631618494767549,
      0.14939831815421264,
      0.070570768531810796,
      -0.4785486323738003,
      -0.85861125343749634,
      0.14138874656250361,
      0.031548093663677196,
      0.63366040013797109,
      0.052014013073344523}},
    {false,
     false,
     0,
     reduction::none,
     3.2339365876210877,
     {0.62655520941490794, 0, 0.65113926368137176, 1.9562421145248081},
     {0.25244668289501176,
      0.043868655597650227,
      -0.46557036811744557,
      0.15311665311857747,
      0.016138376506206024,
      0,
      0,
      0,
      0,
      0,
      0.012263360740101342,
      0.24631618494767549,
      0.14939831815421264,
      0.070570768531810796,
      -0.4785486323738003,
      -0.85861125343749634,
      0.14138874656250361,
      0.031548093663677196,
      0.63366040013797109,
      0.052014013073344523}},
    {false,
     false,
     0.25,
     reduction::mean,
     1.3571455292070294,
     {0, 0, 0, 0},
     {0.067482227631670583,
      -0.0020437814674499248,
      -0.088523456039148532,
      0.03437221770619249,
      -0.011287207831264658,
      0,
      0,
      0,
      0,
      0,
      -0.012578879753299552,
      0.065438728315891828,
      0.033132772718070878,
      0.0068569228439369304,
      -0.0928495441246001,
      -0.21953708447916545,
      0.030462915520834535,
      -0.0061506354454409348,
      0.19455346671265702,
      0.0006713376911148402}},
    {false,
     false,
     0.25,
     reduction::sum,
     4.0714365876210881,
     {0, 0, 0, 0},
     {0.20244668289501178,
      -0.0061313444023497754,
      -0.26557036811744561,
      0.10311665311857747,
      -0.033861623493793978,
      0,
      0,
      0,
      0,
      0,
      -0.037736639259898661,
      0.19631618494767553,
      0.09939831815421267,
      0.02057076853181081,
      -0.27854863237380023,
      -0.65861125343749638,
      0.091388746562503634,
      -0.0184519063363228,
      0.58366040013797127,
      0.0020140130733445317}},
    {false,
     false,
     0.25,
     reduction::none,
     4.0714365876210881,
     {1.0265552094149082, 0, 1.0386392636813717, 2.0062421145248082},
     {0.20244668289501178,
      -0.0061313444023497754,
      -0.26557036811744561,
      0.10311665311857747,
      -0.033861623493793978,
      0,
      0,
      0,
      0,
      0,
      -0.037736639259898661,
      0.19631618494767553,
      0.09939831815421267,
      0.02057076853181081,
      -0.27854863237380023,
      -0.65861125343749638,
      0.091388746562503634,
      -0.0184519063363228,
      0.58366040013797127,
      0.0020140130733445317}},
    {false,
     true,
     0,
     reduction::mean,
     1.0099777614843741,
     {0, 0, 0, 0},
     {0.14425524736857814,
      0.025067803198657271,
      -0.26604021035282605,
      0.087495230353472842,
      0.0092219294321177273,
      0,
      0,
      0,
      0,
      0,
      0.0017519086771573345,
      0.035188026421096495,
      0.021342616879173232,
      0.010081538361687256,
      -0.068364090339114322,
      -0.24531750098214181,
      0.040396784732143885,
      0.0090137410467649118,
      0.18104582861084886,
      0.014861146592384149}},
    {false,
     true,
     0,
     reduction::sum,
     1.7674610825976549,
     {0, 0, 0, 0},
     {0.25244668289501176,
      0.043868655597650227,
      -0.46557036811744557,
      0.15311665311857747,
      0.016138376506206024,
      0,
      0,
      0,
      0,
      0,
      0.0030658401850253356,
      0.061579046236918872,
      0.037349579538553161,
      0.017642692132952699,
      -0.11963715809345007,
      -0.42930562671874817,
      0.070694373281251804,
      0.015774046831838598,
      0.31683020006898555,
      0.026007006536672261}},
    {false,
     true,
     0,
     reduction::none,
     1.7674610825976549,
     {0.62655520941490794, 0, 0.16278481592034294, 0.97812105726240406},
     {0.25244668289501176,
      0.043868655597650227,
      -0.46557036811744557,
      0.15311665311857747,
      0.016138376506206024,
      0,
      0,
      0,
      0,
      0,
      0.0030658401850253356,
      0.061579046236918872,
      0.037349579538553161,
      0.017642692132952699,
      -0.11963715809345007,
      -0.42930562671874817,
      0.070694373281251804,
      0.015774046831838598,
      0.31683020006898555,
      0.026007006536672261}},
    {false,
     true,
     0.25,
     reduction::mean,
     1.6782880949707295,
     {0, 0, 0, 0},
     {0.13177272367497109,
      -0.031761706404216661,
      -0.14793714155366494,
      0.045731777875748385,
      0.0021943464071620556,
      0,
      0,
      0,
      0,
      0,
      -0.011132278666831084,
      0.0061955904151165565,
      0.0098452818110832535,
      -0.024710373806105794,
      0.019801780246737087,
      -0.17706552803794509,
      -0.0056369566093736855,
      -0.01707890873680331,
      0.1879762886216895,
      0.011805104762432649}},
    {false,
     true,
     0.25,
     reduction::sum,
     2.9370041661987765,
     {0, 0, 0, 0},
     {0.23060226643119941,
      -0.055582986207379149,
      -0.25888999771891369,
      0.080030611282559672,
      0.0038401062125335982,
      0,
      0,
      0,
      0,
      0,
      -0.019481487666954397,
      0.010842283226453966,
      0.01722924316939569,
      -0.043243154160685152,
      0.034653115431789859,
      -0.30986467406640394,
      -0.0098646740664039296,
      -0.029888090289405783,
      0.32895850508795665,
      0.02065893333425714}},
    {false,
     true,
     0.25,
     reduction::none,
     2.9370041661987765,
     {1.0406371495325941, 0, 0.67426266865661733, 1.2221043480095652},
     {0.23060226643119941,
      -0.055582986207379149,
      -0.25888999771891369,
      0.080030611282559672,
      0.0038401062125335982,
      0,
      0,
      0,
      0,
      0,
      -0.019481487666954397,
      0.010842283226453966,
      0.01722924316939569,
      -0.043243154160685152,
      0.034653115431789859,
      -0.30986467406640394,
      -0.0098646740664039296,
      -0.029888090289405783,
      0.32895850508795665,
      0.02065893333425714}},
    {true,
     false,
     0,
     reduction::mean,
     2.2452509693326297,
     {0, 0, 0, 0},
     {0.00061167072375294118, 0.010967163899412557,  0.0086074079706386086, 0.0070291632796443682,
      -0.027215405873448492,  0.028131603614671163,  0.036121694053422512,  -0.23671157137746113,
      0.12607710045095452,    0.046381173258412955,  -0.059434159814974664, -0.0009209537630811282,
      0.0060995795385531612,  -0.044857307867047301, 0.099112841906549926,  -0.089652813359374098,
      -0.027152813359374098,  0.007887023415919299,  0.15841510003449277,   -0.049496496731663869}},
    {true,
     false,
     0,
     reduction::sum,
     8.9810038773305187,
     {0, 0, 0, 0},
     {0.0024466828950117647, 0.043868655597650227,   0.034429631882554435, 0.028116653118577473, -0.10886162349379397,
      0.11252641445868465,   0.14448677621369005,    -0.94684628550984451, 0.50430840180381808,  0.18552469303365182,
      -0.23773663925989866,  -0.0036838150523245128, 0.024398318154212645, -0.1794292314681892,  0.3964513676261997,
      -0.35861125343749639,  -0.10861125343749639,   0.031548093663677196, 0.63366040013797109,  -0.19798598692665548}},
    {true,
     false,
     0,
     reduction::none,
     8.9810038773305187,
     {1.4078052094149081, 2.9345672897094306, 2.4323892636813715, 2.2062421145248083},
     {0.0024466828950117647, 0.043868655597650227,   0.034429631882554435, 0.028116653118577473, -0.10886162349379397,
      0.11252641445868465,   0.14448677621369005,    -0.94684628550984451, 0.50430840180381808,  0.18552469303365182,
      -0.23773663925989866,  -0.0036838150523245128, 0.024398318154212645, -0.1794292314681892,  0.3964513676261997,
      -0.35861125343749639,  -0.10861125343749639,   0.031548093663677196, 0.63366040013797109,  -0.19798598692665548}},
    {true,
     false,
     0.25,
     reduction::mean,
     2.2132197193326295,
     {0, 0, 0, 0},
     {0.003736670723752944,  -0.0015328361005874439, 0.027357407970638611,  0.0023416632796443709,
      -0.031902905873448489, 0.015631603614671162,   0.023621694053422512,  -0.18671157137746114,
      0.11357710045095452,   0.033881173258412958,   -0.056309159814974662, 0.0022040462369188746,
      0.001412079538553164,  -0.041732307867047298,  0.094425341906549928,  -0.070902813359374095,
      -0.024027813359374095, -0.0046129765840807017, 0.14591510003449276,   -0.046371496731663867}},
    {true,
     false,
     0.25,
     reduction::sum,
     8.852878877330518,
     {0, 0, 0, 0},
     {0.014946682895011776,  -0.0061313444023497754, 0.10942963188255445,  0.0093666531185774837,
      -0.12761162349379396,  0.062526414458684648,   0.094486776213690046, -0.74684628550984455,
      0.4543084018038181,    0.13552469303365183,    -0.22523663925989865, 0.0088161849476754983,
      0.0056483181542126559, -0.16692923146818919,   0.37770136762619971,  -0.28361125343749638,
      -0.09611125343749638,  -0.018451906336322807,  0.58366040013797105,  -0.18548598692665547}},
    {true,
     false,
     0.25,
     reduction::none,
     8.852878877330518,
     {1.612492709414908, 2.6720672897094309, 2.3745767636813717, 2.1937421145248077},
     {0.014946682895011776,  -0.0061313444023497754, 0.10942963188255445,  0.0093666531185774837,
      -0.12761162349379396,  0.062526414458684648,   0.094486776213690046, -0.74684628550984455,
      0.4543084018038181,    0.13552469303365183,    -0.22523663925989865, 0.0088161849476754983,
      0.0056483181542126559, -0.16692923146818919,   0.37770136762619971,  -0.28361125343749638,
      -0.09611125343749638,  -0.018451906336322807,  0.58366040013797105,  -0.18548598692665547}},
    {true,
     true,
     0,
     reduction::mean,
     2.013887434834063,
     {0, 0, 0, 0},
     {0.022000472173166544,   0.0092535445401293447, -0.012268749524773675, -0.014576955982800064,
      -0.0044083112057221666, 0.028131603614671163,  0.036121694053422512,  -0.23671157137746113,
      0.12607710045095452,    0.046381173258412955,  -0.027705122286064456, -0.053799227788562554,
      0.011935451341452092,   -0.07335063722127344,  0.14291953595444834,   -0.033780410854491454,
      -0.096280410854491461,  0.00640820652543443,   0.12871226877802538,   -0.0050596535944768938}},
    {true,
     true,
     0,
     reduction::sum,
     8.0555497393362518,
     {0, 0, 0, 0},
     {0.088001888692666175, 0.037014178160517379, -0.049074998099094699, -0.058307823931200257, -0.017633244822888666,
      0.11252641445868465,  0.14448677621369005,  -0.94684628550984451,  0.50430840180381808,   0.18552469303365182,
      -0.11082048914425782, -0.21519691115425021, 0.047741805365808368,  -0.29340254888509376,  0.57167814381779336,
      -0.13512164341796581, -0.38512164341796584, 0.02563282610173772,   0.51484907511210154,   -0.020238614377907575}},
    {true,
     true,
     0,
     reduction::none,
     8.0555497393362501,
     {0.96615595794382858, 2.9345672897094306, 2.502879773631586, 1.6519467180514065},
     {0.088001888692666175, 0.037014178160517379, -0.049074998099094699, -0.058307823931200257, -0.017633244822888666,
      0.11252641445868465,  0.14448677621369005,  -0.94684628550984451,  0.50430840180381808,   0.18552469303365182,
      -0.11082048914425782, -0.21519691115425021, 0.047741805365808368,  -0.29340254888509376,  0.57167814381779336,
      -0.13512164341796581, -0.38512164341796584, 0.02563282610173772,   0.51484907511210154,   -0.020238614377907575}},
    {true,
     true,
     0.25,
     reduction::mean,
     2.0300673930753623,
     {0, 0, 0, 0},
     {0.026817167694860054,   -0.015180961071307198,  0.013370382448712376, -0.019634436626193401,
      -0.0053721524460718538, 0.02223324865985455,    0.011573215229090291, -0.18654546601967939,
      0.10890306420659145,    0.043835937924143115,   -0.02622405866597919, -0.049184921204230708,
      0.0062558531349592751,  -0.069131771231054989,  0.13828489796630561,  -0.022306671647704293,
      -0.087931671647704282,  -0.0056235014592453626, 0.11936816534257337,  -0.0035063205879194361}},
    {true,
     true,
     0.25,
     reduction::sum,
     8.1202695723014493,
     {0, 0, 0, 0},
     {0.10726867077944022,   -0.060723844285228791, 0.053481529794849506, -0.078537746504773603,
      -0.021488609784287415, 0.0889329946394182,    0.046292860916361166, -0.74618186407871756,
      0.43561225682636578,   0.17534375169657246,   -0.10489623466391676, -0.19673968481692283,
      0.0250234125398371,    -0.27652708492421996,  0.55313959186522244,  -0.089226686590817172,
      -0.35172668659081713,  -0.02249400583698145,  0.47747266137029348,  -0.014025282351677744}},
    {true,
     true,
     0.25,
     reduction::none,
     8.1202695723014493,
     {1.2953377109292847, 2.6681243808307982, 2.4293338869400496, 1.727473593601317},
     {0.10726867077944022,   -0.060723844285228791, 0.053481529794849506, -0.078537746504773603,
      -0.021488609784287415, 0.0889329946394182,    0.046292860916361166, -0.74618186407871756,
      0.43561225682636578,   0.17534375169657246,   -0.10489623466391676, -0.19673968481692283,
      0.0250234125398371,    -0.27652708492421996,  0.55313959186522244,  -0.089226686590817172,
      -0.35172668659081713,  -0.02249400583698145,  0.47747266137029348,  -0.014025282351677744}},
};

TEST(CrossEntropy, MatchesTorchOverTheOptionGrid) {
  const accuracy_bound b = ce().accuracy();
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const double u = unit_roundoff(dt);
    // Per-row magnitude Σ|v_c|(δ_c + log C + 1) < 2·(4 + 1.61 + 1) < 16 (weights ≤ 2, logits within
    // 4 of their row's max), so 4 rows < 64; torch's own f64 rounding adds < 1e-14.
    const double value_tol = b.value_ulps * u * 64 + 1e-14, loss_tol = b.value_ulps * u * 16 + 1e-14;
    // Per-element gradient magnitude |scale|·(Σ|v|(1 + p(log C + 1)) + |v_j|) < 2·3.61 + 2 < 10.
    const double grad_tol = b.grad_ulps * u * 10 + 1e-15;
    for (const entry* e : ce_entries(dt))
      for (const torch_case& tc : torch_cases)
        for (dtype index_type : {dtype::i64, dtype::i32}) {
          if (tc.soft && index_type == dtype::i32) continue;
          SCOPED_TRACE(e->name() + " soft=" + std::to_string(tc.soft) + " weighted=" + std::to_string(tc.weighted) +
                       " eps=" + std::to_string(tc.eps) + " " + std::string(to_string(tc.red)) + " " +
                       std::string(to_string(index_type)));
          param_set p;
          if (tc.weighted) p.set("weight", make(dt, {5}, W));
          p.set("label_smoothing", tc.eps);
          array target = tc.soft ? make(dt, {4, 5}, P) : make(index_type, {4}, T);
          owned_call oc(ce(), inputs_of(make(dt, {4, 5}, Z), std::move(target)), p, tc.red);
          const evaluation ev = evaluate(*e, oc, true);
          EXPECT_NEAR(ev.value, tc.value, value_tol);
          if (tc.red == reduction::none) {
            for (int i = 0; i < 4; ++i)
              EXPECT_NEAR(ev.losses.get(i), tc.losses[static_cast<std::size_t>(i)], loss_tol) << i;
          }
          for (int j = 0; j < 20; ++j)
            EXPECT_NEAR(ev.grads[0].get(j), tc.grad[static_cast<std::size_t>(j)], grad_tol) << j;
        }
  }
}

// One row of C = 4 logits, mean reduction: what torch returns for ±inf and ±100.
struct edge_case {
  std::vector<double> z;
  std::vector<double> target;  // one class index, or 4 probabilities
  double eps;
  std::vector<double> weight;  // empty: none
  double value;
  std::array<double, 4> grad;
};

// From torch 1.13 (float64): z = torch.tensor([row], requires_grad=True);
//   F.cross_entropy(z, torch.tensor([t]) or torch.tensor([probs]), label_smoothing=eps, weight=w).backward()
const double nan = std::numeric_limits<double>::quiet_NaN();
const edge_case edge_cases[] = {
    {{-inf, 0, 1, 2},
     {1},
     0,
     {},
     2.4076059644443806,
     {0, -0.90996942682961957, 0.24472847105479764, 0.66524095577482178}},
    {{-inf, 0, 1, 2}, {0}, 0, {}, inf, {-1, 0.090030573170380435, 0.24472847105479764, 0.66524095577482178}},
    {{-inf, 0, 1, 2},
     {1},
     0.1,
     {},
     inf,
     {-0.025000000000000001, -0.83496942682961961, 0.21972847105479765, 0.64024095577482176}},
    // ε = 1 with a −inf target logit: torch's (1 − ε)·nll = 0·inf = NaN; the gradient is finite
    {{-inf, 0, 1, 2}, {0}, 1.0, {}, nan, {-0.25, -0.15996942682961957, -0.0052715289452023584, 0.41524095577482178}},
    // a zero weight on a −inf class: 0·inf in the smoothing term makes the value NaN, not the gradient
    {{-inf, 0, 1, 2}, {1}, 0.1, {0, 1, 1, 1}, nan, {0, -0.83722019115887913, 0.21361025927842772, 0.62360993188045133}},
    {{100, -100, 0, 1}, {0}, 0, {}, 0, {0, 1.3838965267367376e-87, 3.7200759760208361e-44, 1.0112214926104486e-43}},
    {{100, -100, 0, 1}, {1}, 0, {}, 200, {1, -1, 3.7200759760208361e-44, 1.0112214926104486e-43}},
    {{100, -100, 0, 1},
     {1},
     0.1,
     {},
     189.97499999999999,
     {0.97499999999999998, -0.92500000000000004, -0.025000000000000001, -0.025000000000000001}},
    {{inf, 0, 1, 2}, {1}, 0, {}, nan, {nan, nan, nan, nan}},
    {{-inf, -inf, -inf, -inf}, {1}, 0, {}, nan, {nan, nan, nan, nan}},
    // probability 0 on a −inf logit: torch's 0·(−inf) makes the value NaN; the gradient is finite
    {{-inf, 0, 1, 2},
     {0, 0.5, 0.5, 0},
     0,
     {},
     nan,
     {0, -0.40996942682961957, -0.25527152894520233, 0.66524095577482178}},
    {{-inf, 0, 1, 2},
     {0, 0.5, 0.5, 0},
     0.1,
     {},
     inf,
     {-0.025000000000000001, -0.3849694268296196, -0.23027152894520239, 0.64024095577482176}},
    {{-100, 100, 0, 1}, {0.5, 0.5, 0, 0}, 0, {}, 100, {-0.5, 0.5, 3.7200759760208361e-44, 1.0112214926104486e-43}},
};

TEST(CrossEntropy, InfiniteAndLargeLogitsAsTorch) {
  const accuracy_bound b = ce().accuracy();
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : ce_entries(dt))
      for (const edge_case& ec : edge_cases) {
        SCOPED_TRACE(e->name() + " target[0]=" + std::to_string(ec.target[0]) + " eps=" + std::to_string(ec.eps));
        param_set p;
        p.set("label_smoothing", ec.eps);
        if (!ec.weight.empty()) p.set("weight", make(dt, {4}, ec.weight));
        array target = ec.target.size() == 1 ? make(dtype::i64, {1}, ec.target) : make(dt, {1, 4}, ec.target);
        owned_call oc(ce(), inputs_of(make(dt, {1, 4}, ec.z), std::move(target)), p);
        const evaluation ev = evaluate(*e, oc, true);
        const double u = unit_roundoff(dt);
        if (std::isnan(ec.value)) {
          EXPECT_TRUE(std::isnan(ev.value)) << ev.value;
        } else if (std::isinf(ec.value)) {
          EXPECT_EQ(ev.value, ec.value);
        } else {
          // Magnitude Σ|v|(δ + log 4 + 1) ≤ 1·(200 + 2.4) for the ±100 rows.
          EXPECT_NEAR(ev.value, ec.value, b.value_ulps * u * 203);
        }
        for (int j = 0; j < 4; ++j) {
          const double want = ec.grad[static_cast<std::size_t>(j)];
          if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(ev.grads[0].get(j))) << j;
          } else {
            // Gradient magnitude Σ|v|(1 + p(log 4 + 1)) + |v_j| < 1·3.4 + 1 < 5.
            EXPECT_NEAR(ev.grads[0].get(j), want, b.grad_ulps * u * 5) << j;
          }
        }
      }
}

// torch: F.cross_entropy(z[0], torch.tensor(2), reduction='none') is a 0-dim tensor, equal to row 0
// of the batched call; probabilities [C] likewise.
TEST(CrossEntropy, OneRowInputGivesAScalarPerSampleLoss) {
  const std::vector<double> row(Z.begin(), Z.begin() + 5), probs(P.begin(), P.begin() + 5);
  const torch_case& by_index = torch_cases[2];   // index targets, unweighted, ε = 0, none
  const torch_case& by_probs = torch_cases[14];  // probability targets, unweighted, ε = 0, none
  ASSERT_TRUE(by_index.red == reduction::none && !by_index.soft && by_probs.soft && by_probs.red == reduction::none);
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : ce_entries(dt))
      for (bool soft : {false, true}) {
        const torch_case& tc = soft ? by_probs : by_index;
        array target = soft ? make(dt, {5}, probs) : make(dtype::i32, {}, {2});
        owned_call oc(ce(), inputs_of(make(dt, {5}, row), std::move(target)), {}, reduction::none);
        EXPECT_EQ(ce().losses_shape(oc.refs), shape{});
        const evaluation ev = evaluate(*e, oc, true);
        // Row magnitude < 16 (see MatchesTorchOverTheOptionGrid); gradient magnitude < 10.
        EXPECT_NEAR(ev.losses.get(0), tc.losses[0], ce().accuracy().value_ulps * unit_roundoff(dt) * 16 + 1e-14);
        for (int j = 0; j < 5; ++j)
          EXPECT_NEAR(ev.grads[0].get(j), tc.grad[static_cast<std::size_t>(j)],
                      ce().accuracy().grad_ulps * unit_roundoff(dt) * 10 + 1e-15);
      }
}

// Narrow, standard and vocabulary-wide rows against the long-double reference, within the
// documented bound (the harness applies accuracy() to each row's magnitude).
TEST(CrossEntropy, NarrowAndWideRowsMatchTheReference) {
  // C = 10 and 31: the SIMD kernel's row-per-lane tile (narrow_rows.hpp), 257 and 61 rows leave
  // a short last group; 32 and up: its row-wise kernel.
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{257, 10}, {61, 31}, {45, 32}, {33, 1000}, {3, 32000}};
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const auto& [rows, classes] : sizes)
      for (const ce_options& o : ce_option_grid)
        for (reduction red : ce().reductions())
          for (dtype index_type : {dtype::i64, dtype::i32}) {
            if (o.soft && index_type == dtype::i32) continue;
            SCOPED_TRACE(ce_trace(dt, classes, o, red));
            const owned_call oc = ce_call(dt, rows, classes, o, red, index_type, 100);
            const reference_result ref = ce().reference(oc.view());  // once for every variant
            for (const entry* e : ce_entries(dt)) {
              SCOPED_TRACE(e->name());
              expect_matches_reference(*e, oc, evaluate(*e, oc, true), true, 1.0, &ref);
            }
          }
}

// torch 1.13: F.cross_entropy(z, torch.full((5,), -100), weight=..., label_smoothing=...) is nan
// with mean (0/0), 0 with sum; the gradient is all zeros either way.
TEST(CrossEntropy, AllIgnoredBatch) {
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : ce_entries(dt))
      for (bool weighted : {false, true})
        for (double eps : {0.0, 0.2})
          for (reduction red : ce().reductions()) {
            param_set p;
            p.set("label_smoothing", eps);
            if (weighted) p.set("weight", make(dt, {5}, W));
            owned_call oc(ce(), inputs_of(make(dt, {4, 5}, Z), make(dtype::i64, {4}, {-100, -100, -100, -100})), p,
                          red);
            const evaluation ev = evaluate(*e, oc, true);
            if (red == reduction::mean)
              EXPECT_TRUE(std::isnan(ev.value)) << ev.value;
            else
              EXPECT_EQ(ev.value, 0.0);
            for (std::int64_t j = 0; j < 20; ++j) EXPECT_EQ(ev.grads[0].get(j), 0.0) << j;
          }
}

// torch 1.13: weight [0, 1, 1, 1], targets [0, 0, -100, 0, 0] (Σ w[t] = 0), mean: value nan and
// the gradient nan on every counted row, 0 on the ignored one.
TEST(CrossEntropy, ZeroTotalWeightIsNaNOnCountedRows) {
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : ce_entries(dt)) {
      param_set p;
      p.set("weight", make(dt, {4}, {0, 1, 1, 1}));
      owned_call oc(ce(), inputs_of(make(dt, {5, 4}, Z), make(dtype::i64, {5}, {0, 0, -100, 0, 0})), p);
      const evaluation ev = evaluate(*e, oc, true);
      EXPECT_TRUE(std::isnan(ev.value));
      for (std::int64_t j = 0; j < 20; ++j) {
        if (j / 4 == 2)
          EXPECT_EQ(ev.grads[0].get(j), 0.0) << j;
        else
          EXPECT_TRUE(std::isnan(ev.grads[0].get(j))) << j;
      }
    }
}

// torch 1.13: an empty batch [0, C] gives nan with mean (index and probability targets), 0 with sum.
TEST(CrossEntropy, EmptyBatch) {
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : ce_entries(dt))
      for (bool soft : {false, true})
        for (reduction red : {reduction::mean, reduction::sum}) {
          array target = soft ? array(dt, {0, 5}) : array(dtype::i64, {0});
          owned_call oc(ce(), inputs_of(array(dt, {0, 5}), std::move(target)), {}, red);
          const double v = evaluate(*e, oc, true).value;
          if (red == reduction::mean)
            EXPECT_TRUE(std::isnan(v)) << v;
          else
            EXPECT_EQ(v, 0.0);
        }
}

TEST(CrossEntropy, EmptyBatchCostsNothingWhateverItsClassCount) {
  // A 128-byte .npy may claim shape (0, 2^62): no row, so no work and no memory by C (the
  // reference allocated C long doubles, bind summed C weights: 16 GiB, or a loop for ever).
  const std::int64_t huge = std::int64_t{1} << 62;
  for (dtype dt : {dtype::f32, dtype::f64}) {
    owned_call oc(ce(), inputs_of(array(dt, {0, huge}), array(dtype::i64, {0})), {}, reduction::mean);
    for (const entry* e : ce_entries(dt)) EXPECT_TRUE(std::isnan(evaluate(*e, oc, true).value)) << e->name();
    const reference_result ref = ce().reference(oc.view());
    EXPECT_TRUE(std::isnan(static_cast<double>(ref.value)));
    EXPECT_TRUE(ref.grads.empty() || ref.grads[0].empty());
  }
}

// ---- bad input ---------------------------------------------------------------------------------
struct bad_case {
  std::string what, argument;
  shape logits_shape;
  dtype target_type;
  shape target_shape;
  std::vector<double> target;  // values (index targets), else zeros
  param_set params;
};

param_set with(std::string_view name, double v) {
  param_set p;
  p.set(name, v);
  return p;
}
param_set with(std::string_view name, array v) {
  param_set p;
  p.set(name, std::move(v));
  return p;
}

TEST(CrossEntropy, RejectsBadInputNamingTheArgument) {
  const dtype dt = dtype::f64;
  const bad_case cases[] = {
      {"logits of rank 3", "input", {2, 3, 4}, dtype::i64, {2}, {0, 0}, {}},
      {"no classes", "input", {2, 0}, dtype::i64, {2}, {0, 0}, {}},
      {"index target of the wrong length", "target", {2, 3}, dtype::i64, {3}, {0, 0, 0}, {}},
      {"index target [1] for one row (torch wants [])", "target", {3}, dtype::i64, {1}, {0}, {}},
      {"probability target of another shape", "target", {2, 3}, dt, {2, 4}, {}, {}},
      {"class index = C", "target", {2, 3}, dtype::i32, {2}, {0, 3}, {}},
      {"negative class index", "target", {2, 3}, dtype::i64, {2}, {-1, 0}, {}},
      {"target of the other float dtype", "target", {2, 3}, dtype::f32, {2, 3}, {}, {}},
      {"float target shaped like indices", "target", {2, 3}, dt, {2}, {}, {}},
      {"weight of the wrong length", "weight", {2, 3}, dtype::i64, {2}, {0, 1}, with("weight", array(dt, {4}))},
      {"weight of the wrong dtype", "weight", {2, 3}, dtype::i64, {2}, {0, 1}, with("weight", array(dtype::f32, {3}))},
      {"weight of rank 2", "weight", {2, 3}, dtype::i64, {2}, {0, 1}, with("weight", array(dt, {1, 3}))},
      {"label_smoothing < 0", "label_smoothing", {2, 3}, dtype::i64, {2}, {0, 1}, with("label_smoothing", -0.1)},
      {"label_smoothing > 1", "label_smoothing", {2, 3}, dtype::i64, {2}, {0, 1}, with("label_smoothing", 1.5)},
      {"label_smoothing NaN",
       "label_smoothing",
       {2, 3},
       dtype::i64,
       {2},
       {0, 1},
       with("label_smoothing", std::nan(""))},
      {"ignore_index ≥ 0 with probabilities (torch refuses)",
       "ignore_index",
       {2, 3},
       dt,
       {2, 3},
       {},
       with("ignore_index", 1)},
  };
  for (const entry* e : ce_entries(dt))
    for (const bad_case& bc : cases) {
      SCOPED_TRACE(bc.what);
      array target(bc.target_type, bc.target_shape);
      for (std::size_t i = 0; i < bc.target.size(); ++i) target.set(static_cast<std::int64_t>(i), bc.target[i]);
      owned_call oc(ce(), inputs_of(array(dt, bc.logits_shape), std::move(target)), bc.params);
      try {
        e->run(oc.view());
        ADD_FAILURE() << "accepted";
      } catch (const error& err) {
        EXPECT_EQ(err.argument(), bc.argument) << err.what();
      }
    }
}

// The error for an out-of-range class names the row, so a user can find it.
TEST(CrossEntropy, OutOfRangeClassErrorNamesTheRow) {
  owned_call oc(ce(), inputs_of(array(dtype::f32, {3, 4}), make(dtype::i64, {3}, {1, 2, 7})));
  try {
    ce_entries(dtype::f32)[0]->run(oc.view());
    FAIL();
  } catch (const error& err) {
    EXPECT_NE(std::string(err.what()).find("row 2"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("7"), std::string::npos) << err.what();
  }
}

// ignore_index is any integer: one inside [0, C) skips that class's rows, one outside is no class.
TEST(CrossEntropy, IgnoreIndexMayBeAnyClass) {
  for (const entry* e : ce_entries(dtype::f64)) {
    owned_call skipped(ce(), inputs_of(make(dtype::f64, {4, 5}, Z), make(dtype::i64, {4}, {2, 1, 4, 0})),
                       with("ignore_index", 1), reduction::sum);
    const torch_case& tc = torch_cases[1];  // index, unweighted, ε = 0, sum: row 1 ignored (-100)
    ASSERT_TRUE(!tc.soft && !tc.weighted && tc.eps == 0 && tc.red == reduction::sum);
    // Four rows of magnitude < 16 (MatchesTorchOverTheOptionGrid).
    EXPECT_NEAR(evaluate(*e, skipped, false).value, tc.value, e->loss->accuracy().value_ulps * 0x1p-53 * 64 + 1e-14);
  }
}

}  // namespace
}  // namespace lossbench::testing
