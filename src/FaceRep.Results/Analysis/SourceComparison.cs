using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Store;

namespace FaceRep.Results.Analysis;

/// <summary>What the statistics support about one cell of a comparison.</summary>
public enum Verdict
{
    /// <summary>The first source is better, and the Holm-adjusted p-value is below the level.</summary>
    FirstBetter,

    /// <summary>The second source is better, and the Holm-adjusted p-value is below the level.</summary>
    SecondBetter,

    /// <summary>Enough matched seeds, but the difference is not significant after correction.</summary>
    Inconclusive,

    /// <summary>Fewer than three matched seeds (<see cref="PairedComparison.MinimumPairsForVerdict"/>): no verdict.</summary>
    NotSupported,
}

/// <summary>
/// Two pre-training sources compared in one (task, protocol, shots) cell on the task's headline
/// metric, over the seeds both were evaluated with.
/// </summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Shots">Shot fraction.</param>
/// <param name="Metric">The task's headline metric.</param>
/// <param name="Direction">Whether lower or higher is better.</param>
/// <param name="MeanFirst">The first source's mean over the matched seeds.</param>
/// <param name="MeanSecond">The second source's mean over them.</param>
/// <param name="Test">The paired tests of first − second.</param>
/// <param name="Improvement">How much better the first source is, in metric units (positive: first better), whatever the direction.</param>
/// <param name="HolmP">The t-test p-value adjusted by Holm over every cell of the comparison.</param>
/// <param name="Verdict">What the numbers support at the comparison's level.</param>
public sealed record CellComparison(
    string Task, string Protocol, double Shots, string Metric, MetricDirection Direction,
    double MeanFirst, double MeanSecond, PairedComparison Test, double Improvement, double HolmP, Verdict Verdict);

/// <summary>
/// Paired comparison of two pre-training sources across the cells both were evaluated in: per
/// (task, protocol, shots) the results are matched by seed, compared with a paired t-test (the
/// Wilcoxon signed-rank test is reported beside it), and the p-values of all cells are corrected
/// together with Holm's method. A cell's verdict is a finding only when the corrected p-value is
/// below <c>alpha</c>; otherwise it is inconclusive, or not supported under three matched seeds
/// (<see cref="PairedComparison.MinimumPairsForVerdict"/>).
/// </summary>
public static class SourceComparison
{
    /// <summary>Compares <paramref name="first"/> with <paramref name="second"/> over <paramref name="rows"/>.</summary>
    /// <param name="rows">Result rows (typically one sweep's).</param>
    /// <param name="first">A pre-training source label (<c>scratch</c>, <c>dataset/method</c>).</param>
    /// <param name="second">Another.</param>
    /// <param name="alpha">Family-wise error level.</param>
    /// <exception cref="ArgumentException">A source has no rows, or both are the same.</exception>
    public static IReadOnlyList<CellComparison> Compare(IReadOnlyList<ResultRow> rows, string first, string second, double alpha = 0.05)
    {
        if (first == second)
            throw new ArgumentException($"both sources are '{first}'; name two different ones");
        foreach (var source in new[] { first, second }.Where(s => rows.All(r => r.Pretrain != s)))
        {
            var known = rows.Select(r => r.Pretrain).Distinct().Order(StringComparer.Ordinal);
            throw new ArgumentException($"no results of source '{source}'; the results have: {string.Join(", ", known)}");
        }

        var cells = new List<(string Task, string Protocol, double Shots, MetricDefinition Metric, double[] A, double[] B)>();
        foreach (var cell in rows.Where(r => r.Pretrain == first || r.Pretrain == second)
                     .GroupBy(r => (Task: r.Scope, r.Protocol, r.Shots))
                     .OrderBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal).ThenBy(g => g.Key.Shots))
        {
            var metric = MetricDefinitions.ForTask(cell.Key.Task)[0];
            double? Value(ResultRow r) => r.Metrics.TryGetValue(metric.Name, out var v) && double.IsFinite(v) ? v : null;
            var a = cell.Where(r => r.Pretrain == first && Value(r) is not null).ToDictionary(r => r.Seed, r => Value(r)!.Value);
            var b = cell.Where(r => r.Pretrain == second && Value(r) is not null).ToDictionary(r => r.Seed, r => Value(r)!.Value);
            var seeds = a.Keys.Intersect(b.Keys).Order().ToList();
            if (a.Count == 0 && b.Count == 0)
                continue;
            cells.Add((cell.Key.Task, cell.Key.Protocol, cell.Key.Shots, metric, seeds.Select(s => a[s]).ToArray(), seeds.Select(s => b[s]).ToArray()));
        }

        var tests = cells.Select(c => PairedComparison.Of(c.A, c.B)).ToList();
        // Only cells with a test join the family: a cell that cannot be tested does not dilute the others.
        var testable = Enumerable.Range(0, tests.Count).Where(i => tests[i].IsSufficient).ToList();
        var adjusted = Holm.Adjust(testable.Select(i => tests[i].TPValue).ToList());
        var holm = new double[tests.Count];
        Array.Fill(holm, double.NaN);
        for (var k = 0; k < testable.Count; k++)
            holm[testable[k]] = adjusted[k];

        return cells.Select((c, i) =>
        {
            var test = tests[i];
            var lowerBetter = c.Metric.Direction == MetricDirection.LowerIsBetter;
            var improvement = test.Count == 0 ? double.NaN : lowerBetter ? -test.MeanDifference : test.MeanDifference;
            var verdict = !test.IsSufficient ? Verdict.NotSupported
                : holm[i] < alpha ? (improvement > 0 ? Verdict.FirstBetter : Verdict.SecondBetter)
                : Verdict.Inconclusive;
            return new CellComparison(c.Task, c.Protocol, c.Shots, c.Metric.Name, c.Metric.Direction,
                c.A.Length == 0 ? double.NaN : c.A.Average(), c.B.Length == 0 ? double.NaN : c.B.Average(), test, improvement, holm[i], verdict);
        }).ToList();
    }
}
