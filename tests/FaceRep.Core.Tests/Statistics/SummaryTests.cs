using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

public sealed class SummaryTests
{
    [Fact]
    public void Mean_and_sample_standard_deviation_match_hand_computed_values()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7.
        var s = Summary.Of([2, 4, 4, 4, 5, 5, 7, 9]);

        Assert.Equal(8, s.Count);
        Assert.Equal(5, s.Mean, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7.0), s.StdDev, 12);
    }

    [Fact]
    public void One_value_has_zero_spread_and_none_has_no_mean()
    {
        Assert.Equal(new Summary(1, 3.5, 0), Summary.Of([3.5]));
        Assert.True(double.IsNaN(Summary.Of([]).Mean));
    }
}
