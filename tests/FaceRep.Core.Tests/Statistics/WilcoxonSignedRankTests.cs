using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// References: scipy 1.10.1 (Debian python3) scipy.stats.wilcoxon with its defaults
// (zero_method="wilcox", correction=False), and, where scipy's exact mode does not apply (ties or
// zeros), a brute-force enumeration of all 2^n sign assignments:
//
//   def brute(d):
//       nz = [x for x in d if x != 0]; rk = scipy.stats.rankdata(np.abs(nz))
//       rp = sum(r for r, x in zip(rk, nz) if x > 0); rm = sum(r for r, x in zip(rk, nz) if x < 0)
//       cnt = sum(1 for s in itertools.product([0, 1], repeat=len(nz))
//                 if sum(r for r, g in zip(rk, s) if g) <= min(rp, rm) + 1e-9)
//       return rp, rm, min(1.0, 2 * cnt / 2 ** len(nz))
public sealed class WilcoxonSignedRankTests
{
    // Twenty tie-free, zero-free differences.
    internal static readonly double[] A20 =
        [0.71, 0.64, 0.69, 0.75, 0.62, 0.68, 0.73, 0.66, 0.70, 0.67, 0.72, 0.65, 0.74, 0.63, 0.69, 0.71, 0.68, 0.66, 0.70, 0.72];

    internal static readonly double[] B20 =
        [0.697, 0.661, 0.6559999999999999, 0.742, 0.625, 0.653, 0.689, 0.672, 0.6809999999999999, 0.667,
         0.6649999999999999, 0.681, 0.724, 0.608, 0.699, 0.6729999999999999, 0.669, 0.677, 0.6709999999999999, 0.6739999999999999];

    // Thirty differences with three zeros and many ties among the rest.
    internal static readonly double[] Tied30 =
        [1.5, -0.5, 2, 0, 3, -1, 1.5, 2.5, -2, 0, 1, 0.5, -0.5, 4, 1, 2, -1.5, 3, 0, 1, 2.5, -0.5, 1.5, 2, -1, 3.5, 0.5, 1, -2.5, 2];

    [Fact]
    public void Exact_p_matches_scipy_for_twenty_tie_free_differences()
    {
        // scipy.stats.wilcoxon(A20, B20, method='exact') = (statistic=47.0, pvalue=0.029575347900390625)
        var w = WilcoxonSignedRank.Of(A20.Zip(B20, (a, b) => a - b).ToArray());

        Assert.Equal(WilcoxonMethod.Exact, w.Method); // n = 20 is within the automatic exact limit
        Assert.Equal(47, w.Statistic);
        Assert.Equal(210, w.RankSumPositive + w.RankSumNegative); // n(n + 1)/2
        Assert.Equal(0.029575347900390625, w.PValue, 1e-15);
        Assert.True(double.IsNaN(w.ZStatistic));
    }

    [Fact]
    public void Normal_approximation_matches_scipy_with_ties_and_zeros()
    {
        // scipy.stats.wilcoxon(Tied30, method='approx')
        //   = (statistic=79.5, pvalue=0.008307238564936717, zstatistic=-2.6393205701269835)
        var w = WilcoxonSignedRank.Of(Tied30);

        Assert.Equal(WilcoxonMethod.NormalApproximation, w.Method); // 27 non-zero differences > 20
        Assert.Equal(27, w.NonZeroCount);
        Assert.Equal(3, w.ZeroCount);
        Assert.Equal(79.5, w.Statistic);
        Assert.Equal(-2.6393205701269835, w.ZStatistic, 1e-12);
        NumericAssert.Relative(0.008307238564936717, w.PValue, 1e-10);
    }

    [Fact]
    public void Exact_p_with_ties_and_zeros_matches_brute_force_enumeration()
    {
        // brute([1, -2, 2, 0, 3, 3, -1, 4, 5, 0, 2, 6]) = (49.5, 5.5, 0.025390625), i.e. 26/1024
        var w = WilcoxonSignedRank.Of([1, -2, 2, 0, 3, 3, -1, 4, 5, 0, 2, 6]);

        Assert.Equal(WilcoxonMethod.Exact, w.Method);
        Assert.Equal(10, w.NonZeroCount);
        Assert.Equal(2, w.ZeroCount);
        Assert.Equal(49.5, w.RankSumPositive);
        Assert.Equal(5.5, w.RankSumNegative);
        Assert.Equal(26.0 / 1024, w.PValue, 1e-15);
    }

    [Fact]
    public void Forced_methods_are_honoured()
    {
        var d = A20.Zip(B20, (a, b) => a - b).ToArray();
        var approx = WilcoxonSignedRank.Of(d, WilcoxonMethod.NormalApproximation);
        var exact = WilcoxonSignedRank.Of(Tied30, WilcoxonMethod.Exact);

        Assert.Equal(WilcoxonMethod.NormalApproximation, approx.Method);
        // scipy.stats.wilcoxon(A20, B20, method='approx')
        //   = (pvalue=0.030365113315399057, zstatistic=-2.1652948395450164)
        NumericAssert.Relative(0.030365113315399057, approx.PValue, 1e-10);
        Assert.Equal(-2.1652948395450164, approx.ZStatistic, 1e-12);

        // Exact conditional p for the 27 tied non-zero differences: counting the 2^27 sign
        // assignments by doubled-rank sum in Python (collections.Counter convolution of
        // [round(2*r) for r in rankdata(abs(nonzero))]) gives 2·467953/2^27 = 0.006973043084144592.
        Assert.Equal(WilcoxonMethod.Exact, exact.Method);
        Assert.Equal(2.0 * 467953 / (1 << 27), exact.PValue, 1e-15);
    }

    [Fact]
    public void Hand_computed_extremes_give_two_to_the_one_minus_n()
    {
        // Five positive, distinct differences: only the all-positive assignment reaches W⁻ = 0,
        // so p = 2 · 1/32.
        var w = WilcoxonSignedRank.Of([0.1, 0.2, 0.3, 0.4, 0.5]);
        Assert.Equal(0, w.Statistic);
        Assert.Equal(15, w.RankSumPositive);
        Assert.Equal(2.0 / 32, w.PValue, 1e-15);
    }

    [Fact]
    public void Degenerate_inputs_give_nan_or_one()
    {
        Assert.True(double.IsNaN(WilcoxonSignedRank.Of([]).PValue));
        Assert.True(double.IsNaN(WilcoxonSignedRank.Of([0.3]).PValue));
        var allZero = WilcoxonSignedRank.Of([0, 0, 0]);
        Assert.Equal(1, allZero.PValue);
        Assert.Null(allZero.Method);
        Assert.Equal(3, allZero.ZeroCount);
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Of([0.1, double.NaN]));
    }
}
