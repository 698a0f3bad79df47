using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Analysis;

public sealed class SourceComparisonTests
{
    private static ResultRow Row(string source, string task, double shots, int seed, double value) => HeadlineRows.Row(source, task, shots, seed, value);

    /// <summary>Seeded noise in [-0.01, 0.01].</summary>
    private static double Noise(Random random) => (random.NextDouble() - 0.5) * 0.02;

    [Fact]
    public void A_planted_real_difference_is_found_and_pointed_the_right_way_for_a_lower_is_better_metric()
    {
        var random = new Random(1);
        var rows = Enumerable.Range(0, 8).SelectMany(seed => new[]
        {
            Row("a", "landmarks", 0.1, seed, 0.20 + Noise(random)),
            Row("b", "landmarks", 0.1, seed, 0.25 + Noise(random)),
        }).ToList();

        var cell = Assert.Single(SourceComparison.Compare(rows, "a", "b"));

        Assert.Equal(MetricDirection.LowerIsBetter, cell.Direction);
        Assert.Equal(Verdict.FirstBetter, cell.Verdict);
        Assert.Equal(0.05, cell.Improvement, 2);
        Assert.True(cell.HolmP < 1e-6, $"p = {cell.HolmP}");
        Assert.Equal(8, cell.Test.Count);
        // Swapping the sources swaps the verdict, not the evidence.
        var swapped = Assert.Single(SourceComparison.Compare(rows, "b", "a"));
        Assert.Equal(Verdict.SecondBetter, swapped.Verdict);
        Assert.Equal(cell.HolmP, swapped.HolmP, 12);
    }

    [Fact]
    public void A_planted_null_is_reported_inconclusive_and_a_higher_is_better_metric_points_up()
    {
        var emotion = MetricDefinitions.ForTask("emotion")[0];
        // Differences symmetric around zero: +d and −d for each d.
        double[] differences = [0.03, -0.03, 0.01, -0.01, 0.02, -0.02];
        var rows = differences.SelectMany((d, seed) => new[] { Row("a", "emotion", 0.5, seed, 0.6 + d), Row("b", "emotion", 0.5, seed, 0.6) }).ToList();
        var better = Enumerable.Range(0, 6).SelectMany(seed => new[] { Row("a", "emotion", 1.0, seed, 0.70 + (seed * 0.001)), Row("b", "emotion", 1.0, seed, 0.60) }).ToList();

        var cells = SourceComparison.Compare([.. rows, .. better], "a", "b");

        Assert.Equal(emotion.Name, cells[0].Metric);
        Assert.Equal(Verdict.Inconclusive, cells.Single(c => c.Shots == 0.5).Verdict);
        Assert.True(cells.Single(c => c.Shots == 0.5).HolmP > 0.2);
        if (emotion.Direction == MetricDirection.HigherIsBetter)
            Assert.Equal(Verdict.FirstBetter, cells.Single(c => c.Shots == 1.0).Verdict);
        else
            Assert.Equal(Verdict.SecondBetter, cells.Single(c => c.Shots == 1.0).Verdict);
    }

    [Fact]
    public void Holm_correction_over_the_cells_can_take_back_a_raw_finding()
    {
        // Cell 0.05: a clear difference. Cell 0.2: raw p between 0.025 and 0.05. Cell 1.0: nothing.
        double[] marginal = [0.02, 0.03, -0.007, 0.025, 0.01, 0.015];   // ttest_rel p = 0.0338 (scipy)
        var rows = new List<ResultRow>();
        for (var seed = 0; seed < 6; seed++)
        {
            rows.Add(Row("a", "landmarks", 0.05, seed, 0.20));
            rows.Add(Row("b", "landmarks", 0.05, seed, 0.30 + (seed * 0.001)));
            rows.Add(Row("a", "landmarks", 0.2, seed, 0.20));
            rows.Add(Row("b", "landmarks", 0.2, seed, 0.20 + marginal[seed]));
            rows.Add(Row("a", "landmarks", 1.0, seed, 0.20 + (seed % 2 == 0 ? 0.01 : -0.01)));
            rows.Add(Row("b", "landmarks", 1.0, seed, 0.20));
        }

        var cells = SourceComparison.Compare(rows, "a", "b");
        var raw = PairedComparison.Of(Enumerable.Repeat(0.20, 6).ToArray(), marginal.Select(m => 0.20 + m).ToArray()).TPValue;
        var middle = cells.Single(c => c.Shots == 0.2);

        Assert.InRange(raw, 0.025, 0.05);
        Assert.Equal(Math.Min(1, 2 * raw), middle.HolmP, 9);   // the second smallest of three: × 2
        Assert.Equal(Verdict.Inconclusive, middle.Verdict);
        Assert.Equal(Verdict.FirstBetter, cells.Single(c => c.Shots == 0.05).Verdict);
        Assert.Equal(Verdict.Inconclusive, cells.Single(c => c.Shots == 1.0).Verdict);
    }

    [Fact]
    public void One_matched_seed_is_not_supported_and_does_not_join_the_family()
    {
        var rows = new List<ResultRow>
        {
            Row("a", "landmarks", 0.1, 0, 0.2), Row("b", "landmarks", 0.1, 0, 0.3),
            Row("b", "landmarks", 0.1, 1, 0.3),   // no seed-1 result of a: not a pair
        };

        var cell = Assert.Single(SourceComparison.Compare(rows, "a", "b"));

        Assert.Equal(Verdict.NotSupported, cell.Verdict);
        Assert.Equal(1, cell.Test.Count);
        Assert.True(double.IsNaN(cell.HolmP));
    }

    [Fact]
    public void An_unknown_source_is_refused_naming_those_there_are()
    {
        var rows = new List<ResultRow> { Row("a", "landmarks", 0.1, 0, 0.2) };

        var e = Assert.Throws<ArgumentException>(() => SourceComparison.Compare(rows, "a", "zzz"));

        Assert.Contains("'zzz'", e.Message, StringComparison.Ordinal);
        Assert.Contains("have: a", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SourceComparison.Compare(rows, "a", "a"));
    }
}
