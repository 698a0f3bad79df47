using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Store;

namespace FaceRep.Results.Analysis;

/// <summary>The sources ranked in one (task, protocol, shots) cell by their mean headline metric over seeds.</summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Shots">Shot fraction.</param>
/// <param name="Metric">The task's headline metric.</param>
/// <param name="Direction">Whether lower or higher is better.</param>
/// <param name="Means">Each source's mean over its seeds (sources without a finite result are absent).</param>
/// <param name="Ranks">Each present source's rank, 1 best, ties sharing the average rank.</param>
public sealed record CellRanking(
    string Task, string Protocol, double Shots, string Metric, MetricDirection Direction,
    IReadOnlyDictionary<string, double> Means, IReadOnlyDictionary<string, double> Ranks);

/// <summary>Ranks of every pre-training source per (task, protocol, shots) cell, and each source's mean rank over the cells it was in.</summary>
public static class SourceRanking
{
    /// <summary>Ranks the sources of <paramref name="rows"/> cell by cell, on each task's headline metric.</summary>
    public static IReadOnlyList<CellRanking> Rank(IReadOnlyList<ResultRow> rows) =>
        rows.GroupBy(r => (Task: r.Scope, r.Protocol, r.Shots))
            .OrderBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal).ThenBy(g => g.Key.Shots)
            .Select(cell =>
            {
                var metric = MetricDefinitions.ForTask(cell.Key.Task)[0];
                var means = cell
                    .Select(r => (r.Pretrain, Value: r.Metrics.TryGetValue(metric.Name, out var v) ? v : double.NaN))
                    .Where(p => double.IsFinite(p.Value))
                    .GroupBy(p => p.Pretrain, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Average(p => p.Value), StringComparer.Ordinal);
                // Means equal to 12 significant digits tie: a last-bit difference of summation order is not a ranking.
                var comparable = means.ToDictionary(p => p.Key, p => double.Parse(p.Value.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), StringComparer.Ordinal);
                return new CellRanking(cell.Key.Task, cell.Key.Protocol, cell.Key.Shots, metric.Name, metric.Direction,
                    means, Ranking.Ranks(comparable, metric.Direction));
            })
            .Where(c => c.Means.Count > 0)
            .ToList();

    /// <summary>Each source's mean rank over the cells it was ranked in, best first.</summary>
    public static IReadOnlyList<(string Source, double MeanRank, int Cells)> MeanRanks(IReadOnlyList<CellRanking> cells) =>
        cells.SelectMany(c => c.Ranks)
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => (Source: g.Key, MeanRank: g.Average(p => p.Value), Cells: g.Count()))
            .OrderBy(p => p.MeanRank).ThenBy(p => p.Source, StringComparer.Ordinal)
            .ToList();
}
