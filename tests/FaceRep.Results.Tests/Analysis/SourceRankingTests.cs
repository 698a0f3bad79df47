using FaceRep.Core.Metrics;
using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Analysis;

public sealed class SourceRankingTests
{
    private static ResultRow Row(string source, string task, double shots, int seed, double value) => HeadlineRows.Row(source, task, shots, seed, value);

    [Fact]
    public void Sources_are_ranked_per_cell_by_their_mean_with_lower_nme_best_and_ties_shared()
    {
        var rows = new List<ResultRow>
        {
            Row("a", "landmarks", 0.1, 0, 0.10), Row("a", "landmarks", 0.1, 1, 0.20),   // mean 0.15000000000000002: ties with c all the same
            Row("b", "landmarks", 0.1, 0, 0.12), Row("b", "landmarks", 0.1, 1, 0.12),   // mean 0.12: best
            Row("c", "landmarks", 0.1, 0, 0.15), Row("c", "landmarks", 0.1, 1, 0.15),   // 0.15: tied with a
            Row("a", "landmarks", 1.0, 0, 0.05), Row("b", "landmarks", 1.0, 0, 0.07),
            Row("c", "landmarks", 1.0, 0, double.NaN),                                   // no finite result: not ranked
        };

        var cells = SourceRanking.Rank(rows);

        Assert.Equal(2, cells.Count);
        Assert.Equal(1, cells[0].Ranks["b"]);
        Assert.Equal(2.5, cells[0].Ranks["a"]);
        Assert.Equal(2.5, cells[0].Ranks["c"]);
        Assert.Equal(0.15, cells[0].Means["a"], 12);
        Assert.Equal(1, cells[1].Ranks["a"]);
        Assert.False(cells[1].Ranks.ContainsKey("c"));
        var mean = SourceRanking.MeanRanks(cells);
        Assert.Equal(("b", 1.5, 2), mean[0]);
        Assert.Equal(("a", 1.75, 2), mean[1]);
        Assert.Equal(("c", 2.5, 1), mean[2]);
    }

    [Fact]
    public void A_higher_is_better_metric_ranks_the_largest_first()
    {
        var emotion = MetricDefinitions.ForTask("emotion")[0];
        var rows = new List<ResultRow> { Row("a", "emotion", 0.5, 0, 0.6), Row("b", "emotion", 0.5, 0, 0.7) };

        var cell = Assert.Single(SourceRanking.Rank(rows));

        Assert.Equal(emotion.Direction == MetricDirection.HigherIsBetter ? 1 : 2, cell.Ranks["b"]);
    }
}
