using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// References: scipy 1.10.1 on Debian python3 (scipy.stats.ttest_rel, ttest_1samp, wilcoxon with
// default zero_method="wilcox", correction=False); numpy for mean/std(ddof=1).
public sealed class PairedComparisonTests
{
    // Ten cells (task × shots × seed) for two sources; |a − b| has ties (0.019 three times, 0.016 twice).
    private static readonly double[] A = [0.512, 0.487, 0.530, 0.498, 0.541, 0.505, 0.523, 0.479, 0.534, 0.516];
    private static readonly double[] B = [0.501, 0.492, 0.511, 0.490, 0.522, 0.509, 0.507, 0.481, 0.515, 0.500];

    [Fact]
    public void Paired_t_test_matches_scipy_ttest_rel()
    {
        var c = PairedComparison.Of(A, B);

        Assert.Equal(10, c.Count);
        Assert.Equal(9, c.DegreesOfFreedom);
        Assert.Equal(PairedDegeneracy.None, c.Degeneracy);
        Assert.True(c.IsSufficient);
        Assert.Equal(0.009700000000000009, c.MeanDifference, 1e-15); // np.mean(np.array(A) - np.array(B))
        Assert.Equal(0.009911273043021947, c.StdDevDifference, 1e-15); // np.std(np.array(A) - np.array(B), ddof=1)
        Assert.Equal(0.9786835614249689, c.EffectSize, 1e-12); // mean / std above

        // scipy.stats.ttest_rel(A, B) = (statistic=3.0948691626682074, pvalue=0.012828241684559325)
        Assert.Equal(3.0948691626682074, c.TStatistic, 1e-12);
        NumericAssert.Relative(0.012828241684559325, c.TPValue, 1e-10);
    }

    [Fact]
    public void Wilcoxon_p_with_tied_differences_is_exact_by_enumeration_and_matches_scipy_approx_when_forced()
    {
        // brute(np.array(A) - np.array(B)) = (49.0, 6.0, 0.025390625) (see WilcoxonSignedRankTests).
        // scipy.stats.wilcoxon(A, B, method='exact') gives 0.02734375 because it ignores the ties.
        var exact = PairedComparison.Of(A, B).Wilcoxon;
        Assert.Equal(WilcoxonMethod.Exact, exact.Method);
        Assert.Equal(49, exact.RankSumPositive);
        Assert.Equal(6, exact.Statistic);
        Assert.Equal(0.025390625, exact.PValue, 1e-15);

        // scipy.stats.wilcoxon(A, B, method='approx')
        //   = (statistic=6.0, pvalue=0.027904030795170242, zstatistic=-2.1986329680291288)
        var approx = PairedComparison.Of(A, B, WilcoxonMethod.NormalApproximation).Wilcoxon;
        Assert.Equal(-2.1986329680291288, approx.ZStatistic, 1e-12);
        NumericAssert.Relative(0.027904030795170242, approx.PValue, 1e-10);
    }

    [Fact]
    public void Twenty_pairs_match_scipy_for_both_tests()
    {
        var c = PairedComparison.Of(WilcoxonSignedRankTests.A20, WilcoxonSignedRankTests.B20);

        // scipy.stats.ttest_rel(A20, B20) = (statistic=2.4966029107028045, pvalue=0.021896624700341243)
        Assert.Equal(2.4966029107028045, c.TStatistic, 1e-12);
        NumericAssert.Relative(0.021896624700341243, c.TPValue, 1e-10);

        // scipy.stats.wilcoxon(A20, B20, method='exact').pvalue = 0.029575347900390625
        Assert.Equal(0.029575347900390625, c.Wilcoxon.PValue, 1e-15);
    }

    [Fact]
    public void Differences_with_ties_and_zeros_match_scipy()
    {
        var c = PairedComparison.OfDifferences(WilcoxonSignedRankTests.Tied30);

        // scipy.stats.ttest_1samp(Tied30, 0) = (statistic=2.9531001965384474, pvalue=0.006179740619974491)
        Assert.Equal(2.9531001965384474, c.TStatistic, 1e-12);
        NumericAssert.Relative(0.006179740619974491, c.TPValue, 1e-10);

        // scipy.stats.wilcoxon(Tied30, method='approx').pvalue = 0.008307238564936717
        NumericAssert.Relative(0.008307238564936717, c.Wilcoxon.PValue, 1e-10);
    }

    [Fact]
    public void A_planted_consistent_shift_is_detected()
    {
        double[] baseline = [0.61, 0.58, 0.66, 0.63, 0.59, 0.64, 0.60, 0.62, 0.65, 0.57];
        double[] noise = [0.03, -0.02, 0.01, -0.04, 0.02, 0.00, -0.01, 0.05, -0.03, 0.015];
        var shifted = baseline.Zip(noise, (x, e) => x + 1 + e).ToArray();

        var c = PairedComparison.Of(shifted, baseline);

        // scipy.stats.ttest_rel(shifted, baseline) = (113.16872046654656, 1.6675739341838937e-15);
        // scipy.stats.wilcoxon(shifted, baseline, method='exact').pvalue = 0.001953125 (= 2/1024)
        Assert.True(c.TPValue < 0.01);
        Assert.True(c.Wilcoxon.PValue < 0.01);
        Assert.Equal(113.16872046654656, c.TStatistic, 1e-8);
        NumericAssert.Relative(1.6675739341838937e-15, c.TPValue, 1e-6);
        Assert.Equal(2.0 / 1024, c.Wilcoxon.PValue, 1e-15);
        Assert.True(c.EffectSize > 10);
    }

    [Fact]
    public void A_planted_null_is_not_detected()
    {
        double[] differences = [0.4, -0.5, 0.3, -0.2, 1.1, -1.2, 0.1, -0.15, 0.8, -0.7];

        var c = PairedComparison.OfDifferences(differences);

        // scipy.stats.ttest_1samp(differences, 0) = (-0.022737061792949143, 0.9823561417364278);
        // scipy.stats.wilcoxon(differences, method='exact') = (27.0, 1.0)
        Assert.True(c.TPValue > 0.2);
        Assert.True(c.Wilcoxon.PValue > 0.2);
        Assert.Equal(-0.022737061792949143, c.TStatistic, 1e-12);
        Assert.Equal(0.9823561417364278, c.TPValue, 1e-12);
        Assert.Equal(1, c.Wilcoxon.PValue);
    }

    [Fact]
    public void Fewer_than_two_pairs_are_insufficient()
    {
        var one = PairedComparison.Of([0.7], [0.6]);
        Assert.Equal(PairedDegeneracy.InsufficientPairs, one.Degeneracy);
        Assert.False(one.IsSufficient);
        Assert.Equal(1, one.Count);
        Assert.Equal(0, one.DegreesOfFreedom);
        Assert.True(double.IsNaN(one.TPValue));
        Assert.True(double.IsNaN(one.TStatistic));
        Assert.True(double.IsNaN(one.Wilcoxon.PValue));

        var none = PairedComparison.Of([], []);
        Assert.Equal(PairedDegeneracy.InsufficientPairs, none.Degeneracy);
        Assert.True(double.IsNaN(none.MeanDifference));
    }

    [Fact]
    public void All_zero_differences_give_p_one()
    {
        var c = PairedComparison.Of([0.5, 0.6, 0.7], [0.5, 0.6, 0.7]);

        Assert.Equal(PairedDegeneracy.AllDifferencesZero, c.Degeneracy);
        Assert.Equal(1, c.TPValue);
        Assert.Equal(1, c.Wilcoxon.PValue);
        Assert.Equal(0, c.EffectSize);
        Assert.Equal(0, c.TStatistic);
    }

    [Fact]
    public void Identical_non_zero_differences_give_infinite_effect_but_the_rank_tests_p_never_zero()
    {
        var c = PairedComparison.OfDifferences([-0.25, -0.25, -0.25, -0.25]);

        Assert.Equal(PairedDegeneracy.ZeroVariance, c.Degeneracy);
        Assert.Equal(2.0 / 16, c.TPValue, 1e-15);
        Assert.Equal(double.NegativeInfinity, c.TStatistic);
        Assert.Equal(double.NegativeInfinity, c.EffectSize);
        Assert.Equal(-0.25, c.MeanDifference);
        Assert.Equal(0, c.StdDevDifference);

        // All four ranks tie at 2.5; only the all-negative assignment has W⁺ = 0: p = 2/16.
        Assert.Equal(2.0 / 16, c.Wilcoxon.PValue, 1e-15);
    }

    [Fact]
    public void Two_identical_differences_are_not_enough_for_a_verdict()
    {
        // The demo's recognition · linear · 20% cell: two matched seeds, the same difference.
        var two = PairedComparison.OfDifferences([0.004, 0.004]);

        Assert.False(two.IsSufficient);
        Assert.Equal(0.5, two.TPValue, 1e-15);
        Assert.True(PairedComparison.OfDifferences([0.004, 0.004, 0.004]).IsSufficient);
    }

    [Fact]
    public void Pairs_as_tuples_give_the_same_result_and_mismatched_lengths_throw()
    {
        var fromLists = PairedComparison.Of(A, B);
        var fromTuples = PairedComparison.Of(A.Zip(B));

        Assert.Equal(fromLists.TPValue, fromTuples.TPValue);
        Assert.Equal(fromLists.Wilcoxon.PValue, fromTuples.Wilcoxon.PValue);
        Assert.Throws<ArgumentException>(() => PairedComparison.Of([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => PairedComparison.Of([1.0, double.NaN], [1.0, 2.0]));
    }
}
