using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

public sealed class RankingTests
{
    [Fact]
    public void Lower_is_better_ranks_the_smallest_error_first()
    {
        // NME per source: 0.041 best, then 0.045, 0.050.
        Assert.Equal([2.0, 1.0, 3.0], Ranking.Ranks([0.045, 0.041, 0.050], MetricDirection.LowerIsBetter));
    }

    [Fact]
    public void Higher_is_better_ranks_the_largest_score_first()
    {
        Assert.Equal([2.0, 3.0, 1.0], Ranking.Ranks([0.85, 0.80, 0.91], MetricDirection.HigherIsBetter));
    }

    [Fact]
    public void Ties_share_the_average_of_their_ranks()
    {
        // scipy.stats.rankdata([-0.9, -0.7, -0.9, -0.6, -0.7, -0.7]) = [1.5, 4, 1.5, 6, 4, 4]
        // (negated so that higher is better becomes ascending).
        double[] scores = [0.9, 0.7, 0.9, 0.6, 0.7, 0.7];
        Assert.Equal([1.5, 4.0, 1.5, 6.0, 4.0, 4.0], Ranking.Ranks(scores, MetricDirection.HigherIsBetter));

        // All tied: everyone gets (1 + 2 + 3)/3 = 2.
        Assert.Equal([2.0, 2.0, 2.0], Ranking.Ranks([0.3, 0.3, 0.3], MetricDirection.LowerIsBetter));

        // The ranks always sum to k(k + 1)/2.
        Assert.Equal(21, Ranking.Ranks(scores, MetricDirection.LowerIsBetter).Sum());
    }

    [Fact]
    public void Missing_scores_get_no_rank_and_do_not_take_one()
    {
        var ranks = Ranking.Ranks([0.5, double.NaN, 0.2], MetricDirection.LowerIsBetter);

        Assert.Equal(2, ranks[0]);
        Assert.True(double.IsNaN(ranks[1]));
        Assert.Equal(1, ranks[2]);
        Assert.Empty(Ranking.Ranks([], MetricDirection.HigherIsBetter));
    }

    [Fact]
    public void Named_sources_are_ranked_by_key()
    {
        var scores = new Dictionary<string, double>
        {
            ["imagenet"] = 0.62,
            ["vggface2"] = 0.71,
            ["laion-face"] = 0.71,
            ["scratch"] = 0.40,
        };

        var ranks = Ranking.Ranks(scores, MetricDirection.HigherIsBetter);

        Assert.Equal(3, ranks["imagenet"]);
        Assert.Equal(1.5, ranks["vggface2"]);
        Assert.Equal(1.5, ranks["laion-face"]);
        Assert.Equal(4, ranks["scratch"]);
    }

    [Fact]
    public void Unknown_direction_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.Ranks([1.0, 2.0], (MetricDirection)7));
    }
}
