using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// References computed by hand and with this statsmodels-equivalent numpy function
// (statsmodels is not installed on the reference machine):
//
//   def holm(p):
//       p = np.asarray(p, float); m = len(p); o = np.argsort(p, kind='stable')
//       adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[o]))
//       out = np.empty(m); out[o] = adj; return out
public sealed class HolmTests
{
    [Fact]
    public void Adjusted_values_match_the_hand_computed_example()
    {
        // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 → running max
        // 0.02, 0.03, 0.06, 0.06, back in input order: holm([0.01, 0.04, 0.03, 0.005]).
        var adjusted = Holm.Adjust([0.01, 0.04, 0.03, 0.005]);

        Assert.Equal(4, adjusted.Length);
        Assert.Equal(0.03, adjusted[0], 1e-15);
        Assert.Equal(0.06, adjusted[1], 1e-15);
        Assert.Equal(0.06, adjusted[2], 1e-15);
        Assert.Equal(0.02, adjusted[3], 1e-15);
    }

    [Fact]
    public void Adjusted_values_match_the_reference_function_and_are_capped_and_monotone()
    {
        double[] p = [0.001, 0.2, 0.015, 0.03, 0.6, 0.0101];

        // holm(p) = [0.006, 0.4, 0.06, 0.09, 0.6, 0.050499999999999996]
        double[] expected = [0.006, 0.4, 0.06, 0.09, 0.6, 0.050499999999999996];
        var adjusted = Holm.Adjust(p);
        for (var i = 0; i < p.Length; i++)
        {
            Assert.Equal(expected[i], adjusted[i], 1e-15);
            Assert.True(adjusted[i] >= p[i]);
        }

        // Monotone in the raw p-values.
        var order = Enumerable.Range(0, p.Length).OrderBy(i => p[i]).ToArray();
        for (var k = 1; k < order.Length; k++)
        {
            Assert.True(adjusted[order[k]] >= adjusted[order[k - 1]]);
        }

        // holm([0.5, 0.5, 0.9]) = [1.0, 1.0, 1.0]: capped at 1.
        Assert.Equal([1.0, 1.0, 1.0], Holm.Adjust([0.5, 0.5, 0.9]));

        // holm([0.02, 0.02, 0.04]) = [0.06, 0.06, 0.06]: ties get equal values.
        var tied = Holm.Adjust([0.02, 0.02, 0.04]);
        Assert.All(tied, v => Assert.Equal(0.06, v, 1e-15));
    }

    [Fact]
    public void Rejections_follow_the_step_down_rule()
    {
        // α = 0.05, m = 6: 0.001 ≤ 0.05/6 yes, 0.0101 ≤ 0.05/5 = 0.01 no → stop; only the first is rejected,
        // even though 0.015 ≤ 0.05/4 would pass on its own.
        var rejected = Holm.Rejected([0.001, 0.2, 0.015, 0.03, 0.6, 0.0101]);
        Assert.Equal([true, false, false, false, false, false], rejected);

        // At α = 0.07 the adjusted 0.006, 0.0505 and 0.06 pass.
        Assert.Equal([true, false, true, false, false, true], Holm.Rejected([0.001, 0.2, 0.015, 0.03, 0.6, 0.0101], 0.07));
    }

    [Fact]
    public void Nan_p_values_are_left_out_of_the_family()
    {
        // The family is the three non-NaN values: holm([0.01, 0.04, 0.03]) = [0.03, 0.06, 0.06].
        var adjusted = Holm.Adjust([0.01, double.NaN, 0.04, 0.03]);

        Assert.Equal(0.03, adjusted[0], 1e-15);
        Assert.True(double.IsNaN(adjusted[1]));
        Assert.Equal(0.06, adjusted[2], 1e-15);
        Assert.Equal(0.06, adjusted[3], 1e-15);
        Assert.Equal([true, false, false, false], Holm.Rejected([0.01, double.NaN, 0.04, 0.03]));
    }

    [Fact]
    public void Empty_family_is_empty_and_invalid_p_values_throw()
    {
        Assert.Empty(Holm.Adjust([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Holm.Adjust([0.2, 1.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Holm.Adjust([-0.1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Holm.Rejected([0.2], 0));
    }
}
